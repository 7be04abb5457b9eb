"""App configuration for people (student profiles filled by roster imports)."""

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "people"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from people.auth import connect_signals

        connect_signals()
