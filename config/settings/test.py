"""Test settings: fast hashing, tasks run inline unless a test starts a real worker."""

from config.settings.base import *  # noqa: F403
from config.settings.base import CACHED_USER_BACKENDS, DATABASES
from config.settings.env import env_bool

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "en"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# as in production (one process, so the in-memory cache is shared as Redis is there)
AUTHENTICATION_BACKENDS = CACHED_USER_BACKENDS
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
