"""App configuration for courses."""

from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "exercises.courses"
    label = "courses"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from exercises.courses.auth import connect_signals  # signals need the app registry

        connect_signals()
