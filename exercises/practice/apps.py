"""App configuration for practice."""

from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "exercises.practice"
    label = "practice"
    default_auto_field = "django.db.models.BigAutoField"
