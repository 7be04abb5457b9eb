"""Settings for building the image only (the Dockerfile's compilemessages and collectstatic):
the shared settings with the Dockerfile's build-only SECRET_KEY, which production refuses. They
cannot serve a site: DEBUG is off and no host is allowed, so every request is refused."""

from config.settings.base import *  # noqa: F403
from config.settings.env import env_str

SECRET_KEY = env_str("SECRET_KEY", required=True)
DEBUG = False
ALLOWED_HOSTS: list[str] = []
