"""App configuration for authoring."""

from django.apps import AppConfig


class AuthoringConfig(AppConfig):
    name = "exercises.authoring"
    label = "authoring"
    default_auto_field = "django.db.models.BigAutoField"
