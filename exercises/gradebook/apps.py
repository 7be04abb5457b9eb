"""App configuration for gradebook."""

from django.apps import AppConfig


class GradebookConfig(AppConfig):
    name = "exercises.gradebook"
    label = "gradebook"
    default_auto_field = "django.db.models.BigAutoField"
