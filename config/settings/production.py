"""Production: refuses to start without a real SECRET_KEY or DATABASE_URL, or with DEBUG on;
HTTPS hardening."""

import re

from csp.constants import SELF
from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import CONTENT_SECURITY_POLICY, MIDDLEWARE
from config.settings.env import env_bool, env_int, env_list, env_str

SECRET_KEY = env_str("SECRET_KEY", required=True)
# A key anyone can read (the Dockerfile's build-only key, base.py's development default, a
# documentation example) signs sessions and password-reset links that anyone can forge.
_PLACEHOLDER_WORDS = ("insecure", "build", "placeholder", "example", "change", "secret", "dummy")
if (
    len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
    or any(word in SECRET_KEY.lower() for word in _PLACEHOLDER_WORDS)
):
    raise ImproperlyConfigured(
        "SECRET_KEY must be a random string of at least 50 characters, not a placeholder "
        "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )
DEBUG = env_bool("DEBUG", False)
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production.")
# No silent SQLite file next to the code: the database is named, whichever it is.
if not env_str("DATABASE_URL"):
    raise ImproperlyConfigured(
        "The environment variable DATABASE_URL must be set in production "
        "(e.g. postgres://user:password@host:5432/partial)."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# LTI launches inside an LMS page (docs/lti.md, "Launching inside the LMS's frame"). Off by
# default: no site may frame ours, and cookies stay SameSite=Lax (no session on a request
# another site makes). With LTI_IFRAME=true the LMS origins in LTI_FRAME_ANCESTORS may frame
# it, and the cookies a framed page needs are SameSite=None (always Secure here): a browser
# sends a cookie inside another site's frame only then. CSRF stays checked by token and
# Origin. X-Frame-Options cannot name another site, so it goes; CSP frame-ancestors (which
# browsers obey instead of it) names the LMSs.
LTI_IFRAME = env_bool("LTI_IFRAME", False)
if LTI_IFRAME:
    LTI_FRAME_ANCESTORS = env_list("LTI_FRAME_ANCESTORS")
    _origin = re.compile(r"https://(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+(:\d{1,5})?", re.IGNORECASE)
    if not LTI_FRAME_ANCESTORS or not all(_origin.fullmatch(o) for o in LTI_FRAME_ANCESTORS):
        raise ImproperlyConfigured(
            "LTI_IFRAME=true needs LTI_FRAME_ANCESTORS: the LMS origins that may show this "
            "site in a frame, comma-separated, each https://host or https://*.domain "
            "(e.g. https://canvas.example.edu,https://moodle.example.edu)."
        )
    SESSION_COOKIE_SAMESITE = "None"
    CSRF_COOKIE_SAMESITE = "None"
    LANGUAGE_COOKIE_SAMESITE = "None"
    LANGUAGE_COOKIE_SECURE = True
    CONTENT_SECURITY_POLICY = {
        **CONTENT_SECURITY_POLICY,
        "DIRECTIVES": {
            **CONTENT_SECURITY_POLICY["DIRECTIVES"],
            "frame-ancestors": [SELF, *LTI_FRAME_ANCESTORS],
        },
    }
    MIDDLEWARE = [
        m for m in MIDDLEWARE if m != "django.middleware.clickjacking.XFrameOptionsMiddleware"
    ]
    # check --deploy's "no X-Frame-Options middleware": frame-ancestors above does its work
    SILENCED_SYSTEM_CHECKS = ["security.W002"]

# One cache for all web processes (login throttling counts failures across them), through
# django-redis: its client keeps one redis.Redis per server and reuses it for every operation
# (Django's own Redis cache builds one per operation, about 0.1 ms each: BENCHMARKS.md), over
# one connection pool per server and process. CACHE_URL may list replicas after the primary,
# comma-separated: writes go to the first, reads to one of the others. Cache errors are raised,
# not ignored (django-redis's IGNORE_EXCEPTIONS stays off): the callers (people/, grading/)
# catch them and go on without the cache, and say so in the log.
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": env_str("CACHE_URL", REDIS_URL),  # noqa: F405
        "TIMEOUT": 300,
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            # a Redis that does not answer costs a request a second, not the OS connect timeout
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 1,
        },
    }
}
# The logged-in user is read from that cache too (exercises/courses/auth.py).
AUTHENTICATION_BACKENDS = CACHED_USER_BACKENDS  # noqa: F405
# Sessions are read on every request: from the cache (Redis), with the database as the store
# of record, so that a page or a poll costs no session query (Django's cached_db backend).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Invitations go out by SMTP, configured by the environment (README "Configuration").
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
