"""The deadline bench's settings: production's, plus the floor (bench.deadline.floor) that the
bench measures our costs against. Production itself has no such app or URL."""

from config.settings.production import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.deadline.floor.apps.FloorConfig"]  # noqa: F405
ROOT_URLCONF = "bench.deadline.floor.urls"
