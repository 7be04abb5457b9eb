"""App configuration for lti: launches from an LMS and grade passback (LTI 1.3)."""

from django.apps import AppConfig


class LtiConfig(AppConfig):
    name = "exercises.lti"
    label = "lti"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "LTI"

    def ready(self) -> None:
        # The authoring room's signals, whose receivers live here (exercises/lti/receivers.py).
        from exercises.lti import receivers  # noqa: F401
