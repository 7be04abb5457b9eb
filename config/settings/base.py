"""Settings shared by every environment; values that vary come from config.settings.env."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.beat import when_due
from config.settings.env import env_bool, env_int, env_list, env_networks, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "insecure-local-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "config.apps.SiteAdminConfig",  # django.contrib.admin, for superusers only (config/admin.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    # The course domain: the container app (migration history, demo data), then its rooms.
    "exercises",
    "exercises.courses",
    "exercises.authoring",
    "exercises.practice",
    "exercises.gradebook",
    "grading",
    # LTI 1.3: django-lti's registrations, deployments and keys, and our room that uses them.
    "lti_tool",
    "exercises.lti",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "config.middleware.TimeZoneResetMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # before anything reads the body (CsrfViewMiddleware.process_view does); needs request.user
    "config.middleware.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    # last: turns a login refused by the login limits into the 429 page
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp 4): scripts, styles, fonts and requests only from this site,
# so injected markup can run no script and send nothing elsewhere. The pages have no inline
# script, event handler or style attribute (static/js/, static/css/); KaTeX styles its output
# through the DOM (element.style), which CSP allows; htmx's own indicator <style> is turned off
# in base.html (its rules are in app.css). Plotly adds its rules to a stylesheet of its own: the
# plot pages give it an empty, nonced <style id="plotly.js-style-global"> to add them to (CSSOM,
# which CSP allows), so style-src needs no 'unsafe-inline'. tests/browser/test_csp.py and
# test_plot_page.py check that no page a student or an instructor uses reports a violation.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "font-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    # First, so that a `.jinja` name never reaches Django's loaders (which would read it as
    # DTL); it finds nothing else (exercises/courses/jinja.py: the result regions, rendered on
    # every submission, are Jinja2 for speed; every other template is DTL, below).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "exercises.courses.jinja.environment",
            "context_processors": ["exercises.courses.jinja.translations"],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 0),
    )
}
# SQLite (`make run`, or any sqlite:// DATABASE_URL) has one writer at a time. So that a class
# submitting at once waits its turn instead of failing with "database is locked": WAL lets pages
# read while an answer is written (synchronous=NORMAL is safe with WAL); every transaction takes
# the write lock when it begins (IMMEDIATE), so one that read first never fails to upgrade its
# lock, which no busy timeout can help; and a writer waits up to SQLITE_BUSY_TIMEOUT seconds.
# The transactions are short (a submit locks, reads one problem's history and inserts one row),
# so the wait is milliseconds.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
        "transaction_mode": "IMMEDIATE",
    }
# PostgreSQL: prepared statements. Django's default binds the values into the SQL text on the
# client, so PostgreSQL parses and plans every query afresh; the result region's read of the
# instance (three tables and nine small subqueries for the student's terms) took 1.1-1.4 ms, of
# which 0.9-1.1 ms planning, on the submit and again on the poll that shows the verdict. Bound
# on the server, a query a connection has run more than `prepare_threshold` times is prepared
# (psycopg) and PostgreSQL keeps one plan for it: its time a submission fell from 5.5 to 1.75 ms
# (BENCHMARKS.md). Only on connections that outlive a request or a task (CONN_MAX_AGE > 0, as
# in compose); a rollback drops a connection's prepared statements (psycopg), which are made
# again as they repeat. Django leaves server-side binding off for the ORM's sake (none of its
# known failures is in this code: all values here are compared to typed columns) and
# prepare_threshold off for poolers in transaction mode, which lose a connection's prepared
# statements unless they track them (pgbouncer 1.22 or later, with max_prepared_statements):
# DATABASE_PREPARED_STATEMENTS=false turns both off. A migration that changes the type of a
# column a prepared query reads fails that query until the process reconnects: restart web and
# workers after it (compose starts them after `migrate`).
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", True
):
    # options given in DATABASE_URL's query (sslmode, ...) are kept and win
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": True,
        "prepare_threshold": 5,
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "practice:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Seoul")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Where the cache is shared by every web process (production, tests), the logged-in user is
# read from it (exercises/courses/auth.py, enabled there); a save or delete of the user drops it.
USER_CACHE_SECONDS = env_int("USER_CACHE_SECONDS", 60)
# First, django-axes refuses a login attempt that is over the login limits (below) before any
# password is checked.
LOGIN_LIMIT_BACKEND = "axes.backends.AxesStandaloneBackend"
# Last: a roster student may log in with the student id or the email in any case.
STUDENT_ID_BACKEND = "exercises.courses.auth.StudentIdBackend"
AUTHENTICATION_BACKENDS = [
    LOGIN_LIMIT_BACKEND,
    "django.contrib.auth.backends.ModelBackend",
    STUDENT_ID_BACKEND,
]
CACHED_USER_BACKENDS = [
    LOGIN_LIMIT_BACKEND,
    "exercises.courses.auth.CachedModelBackend",
    # second, for sessions made before the cached backend was enabled
    "django.contrib.auth.backends.ModelBackend",
    "exercises.courses.auth.CachedStudentIdBackend",
    STUDENT_ID_BACKEND,  # sessions opened where the cache was not shared
]

# Invitations (a roster's set-password links by email). The console in development (`make
# run` prints each message), SMTP from the environment in production (production.py), Django's
# in-memory outbox in the tests.
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Partial Credit <noreply@localhost>")

# Celery: Redis by default; any kombu URL works (make run uses filesystem:// without Redis).
REDIS_URL = env_str("REDIS_URL", "redis://localhost:6379/0")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
_broker_dir = env_str("CELERY_FILESYSTEM_DIR", str(BASE_DIR / ".run" / "broker"))
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = (
    {
        "data_folder_in": _broker_dir,
        "data_folder_out": _broker_dir,
        "processed_folder": _broker_dir + "-processed",
        "control_folder": _broker_dir + "-control",
        "store_processed": False,
        "polling_interval": 0.05,
    }
    if CELERY_BROKER_URL.startswith("filesystem://")
    else {"visibility_timeout": 300}
)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection before and after every task: a new
# PostgreSQL connection, backend process and login per task, several ms of CPU each (seen in
# the deadline bench as short-lived backends). With a reuse count it closes them only every
# CELERY_DB_REUSE_MAX tasks; in between, each task begins and ends like a Django request
# (config/celery_app.py), so a broken connection, or one older than CONN_MAX_AGE, is replaced.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
# A backstop: a grading process above this resident size (KiB) is replaced after its task. A
# process settles at about 150 MB (engine caches full; bench/deadline runs).
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 400_000)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "grading")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Abuse limit: answers per student per minute.
SUBMISSIONS_PER_MINUTE = env_int("SUBMISSIONS_PER_MINUTE", 12)
# ... and practice pages and their plot data (each may make a new variant with SymPy) per
# student per minute.
PRACTICE_PAGES_PER_MINUTE = env_int("PRACTICE_PAGES_PER_MINUTE", 40)
# Verdicts are cached by (task, normalized answer, engine version) for this long.
VERDICT_CACHE_SECONDS = env_int("VERDICT_CACHE_SECONDS", 7 * 24 * 3600)
# Plot data is cached by (task, answer drawn, key revealed, plotting version) for this long.
PLOT_CACHE_SECONDS = env_int("PLOT_CACHE_SECONDS", 24 * 3600)

# Login limits (django-axes, exercises/courses/login_limits.py): failed logins per (client
# address, account) and per account from all addresses, counted in the cache, until
# LOGIN_FAILURE_WINDOW seconds after the last one; no limit per address alone.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_LIMIT_PER_ACCOUNT = env_int("LOGIN_FAILURE_LIMIT_PER_ACCOUNT", 20)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 15 * 60)
# The client address is X-Forwarded-For's only when the request comes from one of these (the
# TLS proxy in front of the web container): addresses or networks, comma-separated.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
AXES_HANDLER = "exercises.courses.login_limits.LoginLimitHandler"
# what LoginLimitHandler counts, each with its own limit above (axes' checks and logs read it)
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"], "username"]
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_FAILURE_WINDOW)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "exercises.courses.login_limits.login_username"
AXES_CLIENT_IP_CALLABLE = "exercises.courses.login_limits.client_address"
AXES_LOCKOUT_CALLABLE = "exercises.courses.views.login_refused"
AXES_ENABLE_ADMIN = False  # the counts are in the cache, axes' tables stay empty
AXES_VERBOSE = False  # no banner on every manage.py command; the handler logs the lockouts
# A request that stores a submission must not hang on a broker that is down: publish gives up
# after about a second and the requeue sweep sends the submission later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.3,
    "interval_max": 0.5,
}
CELERY_TIMEZONE = TIME_ZONE
# Background jobs (regrades, template checks) whose heartbeat stopped for JOB_STUCK_AFTER_SECONDS
# (their worker died) are resumed by beat's sweeps, every JOB_SWEEP_SECONDS: within a minute, not
# after the broker's visibility timeout; after JOB_MAX_RESUMES resumes a job is failed instead.
JOB_STUCK_AFTER_SECONDS = env_int("JOB_STUCK_AFTER_SECONDS", 30)
JOB_SWEEP_SECONDS = env_int("JOB_SWEEP_SECONDS", 15)
JOB_MAX_RESUMES = env_int("JOB_MAX_RESUMES", 5)
LTI_PASSBACK_SWEEP_SECONDS = env_int("LTI_PASSBACK_SWEEP_SECONDS", 5)
CELERY_BEAT_SCHEDULE = {
    "requeue-stuck-submissions": {
        "task": "grading.tasks.submission_requeue_stuck_task",
        "schedule": 30.0,
    },
    "resume-stuck-regrades": {
        "task": "grading.tasks.regrade_job_resume_stuck_task",
        "schedule": float(JOB_SWEEP_SECONDS),
    },
    "resume-stuck-template-checks": {
        "task": "exercises.authoring.tasks.template_check_resume_stuck_task",
        "schedule": float(JOB_SWEEP_SECONDS),
    },
    # Scores for the LMS that are due (never sent, or failed and waited their backoff): often,
    # so that a retry is not held back by the sweep; but beat sends it only when a row is due
    # (config/beat.py asks the outbox first), so with no LMS or nothing pending it costs the
    # workers and the broker nothing.
    "lti-passback-sweep": {
        "task": "exercises.lti.tasks.passback_sweep_task",
        "schedule": when_due(
            float(LTI_PASSBACK_SWEEP_SECONDS), check="exercises.lti.selectors.passbacks_any_due"
        ),
    },
}

# Request bodies (config/middleware.py): at most this many bytes, unless a logged-in user posts
# to an upload view (its file's cap more) or a staff member to the admin (Django's 2.5 MB).
REQUEST_BODY_MAX_BYTES = 64 * 1024

# LTI 1.3 (exercises/lti). A new key is published in our JWKS this long before it signs
# anything (platforms cache our JWKS); a retired key stays published this many days.
LTI_KEY_PUBLISH_SECONDS = env_int("LTI_KEY_PUBLISH_SECONDS", 24 * 3600)
LTI_KEY_RETIRE_DAYS = env_int("LTI_KEY_RETIRE_DAYS", 7)
# Seconds of clock difference with a platform accepted on iat/exp of a launch.
LTI_CLOCK_LEEWAY_SECONDS = env_int("LTI_CLOCK_LEEWAY_SECONDS", 60)
# How long a platform's JWKS is cached (an unknown key id fetches it again at once).
LTI_JWKS_CACHE_SECONDS = env_int("LTI_JWKS_CACHE_SECONDS", 3600)
# Each call to a platform gives up after this many seconds.
LTI_HTTP_TIMEOUT_SECONDS = env_int("LTI_HTTP_TIMEOUT_SECONDS", 10)
# Longest wait between two tries of a score the LMS refused or did not answer (the waits
# double from 5 s up to it: exercises/lti/services/passback.py, backoff). It is also about the
# longest a score waits after the LMS is back from a long outage.
LTI_PASSBACK_MAX_BACKOFF_SECONDS = env_int("LTI_PASSBACK_MAX_BACKOFF_SECONDS", 300)

# Grading limits (seconds): a submission older than this in queued/grading is requeued by beat.
GRADING_STUCK_AFTER_SECONDS = env_int("GRADING_STUCK_AFTER_SECONDS", 60)
GRADING_SOFT_TIME_LIMIT = env_int("GRADING_SOFT_TIME_LIMIT", 10)
GRADING_HARD_TIME_LIMIT = env_int("GRADING_HARD_TIME_LIMIT", 15)
REGRADE_SOFT_TIME_LIMIT = env_int("REGRADE_SOFT_TIME_LIMIT", 900)
GRADING_MAX_REQUEUES = env_int("GRADING_MAX_REQUEUES", 5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
