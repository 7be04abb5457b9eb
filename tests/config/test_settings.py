"""Settings: one environment reader; production refuses unsafe configuration."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import env

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k" * 20 + "9f8e7d6c5b4a3" * 4
# a database for the production settings to name; importing them opens no connection
PRODUCTION_DB = "postgres://u@db:5432/pc"


def _run(code: str, **extra: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "DEBUG",
            "DJANGO_SETTINGS_MODULE",
            "DATABASE_URL",
            "DATABASE_PREPARED_STATEMENTS",
        }
    }
    environment.update(extra)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


IMPORT_PRODUCTION = (
    "import importlib; importlib.import_module('config.settings.production'); print('loaded')"
)


def test_production_refuses_to_start_without_secret_key():
    result = _run(IMPORT_PRODUCTION)
    assert result.returncode != 0
    assert "The environment variable SECRET_KEY must be set." in result.stderr


def test_production_refuses_debug():
    result = _run(IMPORT_PRODUCTION, SECRET_KEY=GOOD_SECRET, DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG must be off in production." in result.stderr


def test_production_refuses_a_weak_secret():
    result = _run(IMPORT_PRODUCTION, SECRET_KEY="short")
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "build-only-placeholder-0123456789abcdefghijklmnopqrstuvwxyz-0123456789",  # the old one
        "insecure-local-development-key-change-me" + "x" * 20,
        "django-insecure-" + "q8w7e6r5t4y3u2i1o0p9" * 3,
        "ab" * 40,  # long but not random
        "example-key-" + "9f8e7d6c5b4a3" * 5,
    ],
)
def test_production_refuses_a_placeholder_secret(key):
    result = _run(IMPORT_PRODUCTION, SECRET_KEY=key)
    assert result.returncode != 0
    assert "not a placeholder" in result.stderr


DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
BUILD_KEYS = set(re.findall(r"SECRET_KEY=(\S+)", DOCKERFILE))


def test_the_dockerfiles_build_key_cannot_run_production():
    assert len(BUILD_KEYS) == 1, BUILD_KEYS
    # passed to the build step only: no ENV or ARG keeps it in the image or its history
    assert not re.search(r"^\s*(ENV|ARG)\b[^\n]*SECRET_KEY", DOCKERFILE, re.M | re.I)
    (key,) = BUILD_KEYS
    result = _run(IMPORT_PRODUCTION, SECRET_KEY=key)
    assert result.returncode != 0
    assert "not a placeholder" in result.stderr


def test_the_build_settings_take_the_build_key_and_serve_no_host():
    (key,) = BUILD_KEYS
    code = (
        "import django; from django.conf import settings; django.setup(); "
        f"print(settings.SECRET_KEY == {key!r}, settings.DEBUG, settings.ALLOWED_HOSTS, "
        "settings.STORAGES['staticfiles']['BACKEND'])"
    )
    result = _run(code, SECRET_KEY=key, DJANGO_SETTINGS_MODULE="config.settings.build")
    assert result.stdout.split() == [
        "True",
        "False",
        "[]",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ], result.stderr


def test_production_loads_with_secret_key():
    result = _run(IMPORT_PRODUCTION, SECRET_KEY=GOOD_SECRET, DATABASE_URL=PRODUCTION_DB)
    assert result.stdout.strip() == "loaded", result.stderr


@pytest.mark.parametrize("database_url", [None, ""])
def test_production_refuses_to_start_without_database_url(database_url):
    """Not a silent SQLite file next to the code: unset or empty, production does not start."""
    extra = {} if database_url is None else {"DATABASE_URL": database_url}
    result = _run(IMPORT_PRODUCTION, SECRET_KEY=GOOD_SECRET, **extra)
    assert result.returncode != 0
    assert "The environment variable DATABASE_URL must be set in production" in result.stderr


def test_every_production_container_names_its_database():
    """The compose stack's app containers (web, worker, beat, migrate) set DATABASE_URL; the
    image build runs collectstatic on the build-only settings, which need no database."""
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    apps = {
        name: service
        for name, service in compose["services"].items()
        if service.get("image", "").startswith("partial-credit")
    }
    assert {"web", "worker", "beat", "migrate"} <= set(apps)
    for name, service in apps.items():
        assert service["environment"]["DATABASE_URL"].startswith("postgres://"), name
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    (build,) = [line for line in dockerfile.splitlines() if "manage.py collectstatic" in line]
    assert build.startswith("RUN ")
    assert (
        "DJANGO_SETTINGS_MODULE=config.settings.build" in build.split("manage.py collectstatic")[0]
    )
    assert "settings.production" not in (ROOT / "config" / "settings" / "build.py").read_text()


@pytest.mark.parametrize(
    ("allowed_hosts", "host"),
    [
        ("practice.example.org", "practice.example.org"),  # the README's production setting
        ("a.example.org, b.example.org", "a.example.org"),
        (".example.org", "example.org"),  # Django's "any subdomain": the domain answers too
        ("*", "localhost"),
        ("", "localhost"),
        (",practice.example.org", "practice.example.org"),  # the settings skip empty entries
        ("\tpractice.example.org ,x.org", "practice.example.org"),
        (".", "localhost"),
        ("*, practice.example.org", "practice.example.org"),
    ],
)
def test_the_web_health_check_asks_as_an_allowed_host(allowed_hosts, host):
    """It asked as localhost, which Django refuses (400, a DisallowedHost traceback every 10 s)
    once ALLOWED_HOSTS names the public host only: the container never became healthy. The
    check's own shell, run with curl swapped for echo, must name an allowed host."""
    import shutil

    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    kind, script = compose["services"]["web"]["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    # a lone $ is compose's own variable, replaced before the shell sees it: only $$ reaches it
    assert not re.search(r"(?<!\$)\$(?!\$)", script.replace("$$", "")), script
    script = script.replace("$$", "$")  # compose's escape for a literal $
    assert "curl -fsS -H" in script
    script = script.replace("curl -fsS -H", "echo", 1)
    shell = shutil.which("sh") or "/bin/sh"
    environment = {"PATH": os.environ.get("PATH", ""), "ALLOWED_HOSTS": allowed_hosts}
    result = subprocess.run(
        [shell, "-c", script], env=environment, capture_output=True, text=True, check=True
    )
    assert result.stdout.split()[:2] == ["Host:", host], result.stdout


def test_the_image_leaves_out_the_env_file_and_local_databases():
    """compose reads SECRET_KEY from .env beside it (README): `COPY . .` put that file, key
    and all, into the image."""
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for name in (".env", ".env.*", "db.sqlite3*", ".venv"):
        assert name in ignored, name
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


@pytest.mark.parametrize(
    "extra", [{}, {"LTI_IFRAME": "true", "LTI_FRAME_ANCESTORS": "https://lms.example.edu"}]
)
def test_check_deploy_is_clean(extra):
    environment = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(
        SECRET_KEY=GOOD_SECRET,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        ALLOWED_HOSTS="example.org",
        DATABASE_URL=PRODUCTION_DB,
        **extra,
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("1", True), ("off", False), ("", False)]
)
def test_env_bool(monkeypatch, raw, expected):
    monkeypatch.setenv("PC_TEST_FLAG", raw)
    assert env.env_bool("PC_TEST_FLAG") is expected


def test_env_bool_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("PC_TEST_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="is not a boolean"):
        env.env_bool("PC_TEST_FLAG")


def test_env_list(monkeypatch):
    monkeypatch.setenv("PC_TEST_LIST", "a.org, b.org,,")
    assert env.env_list("PC_TEST_LIST") == ["a.org", "b.org"]


def test_database_url_selects_postgres(monkeypatch):
    code = (
        "from config.settings import base; db = base.DATABASES['default']; "
        "print(db['ENGINE'], db['NAME'])"
    )
    result = _run(code, DATABASE_URL="postgres://u@db:5432/pc")
    assert result.stdout.strip() == "django.db.backends.postgresql pc", result.stderr


_DB_OPTIONS = (
    "from config.settings import base; o = base.DATABASES['default'].get('OPTIONS', {}); "
    "print(sorted(o.items()))"
)


def test_postgres_binds_on_the_server_and_prepares_repeated_queries():
    """BENCHMARKS.md: planned once a connection, the submission path's queries cost PostgreSQL
    about a third of the CPU; the DATABASE_URL's own options are kept."""
    result = _run(_DB_OPTIONS, DATABASE_URL="postgres://u@db:5432/pc?sslmode=require")
    assert result.stdout.strip() == (
        "[('prepare_threshold', 5), ('server_side_binding', True), ('sslmode', 'require')]"
    ), result.stderr


def test_the_database_urls_own_options_win():
    url = "postgres://u@db:5432/pc?prepare_threshold=0&server_side_binding=false"
    result = _run(_DB_OPTIONS, DATABASE_URL=url)
    assert result.stdout.strip() == (
        "[('prepare_threshold', 0), ('server_side_binding', False)]"
    ), result.stderr


def test_prepared_statements_can_be_turned_off_for_a_pooler():
    result = _run(
        _DB_OPTIONS, DATABASE_URL="postgres://u@db:5432/pc", DATABASE_PREPARED_STATEMENTS="false"
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_no_module_outside_settings_reads_the_environment():
    offenders = []
    for path in list((ROOT / "exercises").rglob("*.py")) + list((ROOT / "grading").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "os.environ" in text or "getenv(" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_empty_database_url_means_sqlite():
    code = "from config.settings import base; print(base.DATABASES['default']['ENGINE'])"
    result = _run(code, DATABASE_URL="")
    assert result.stdout.strip() == "django.db.backends.sqlite3", result.stderr


def test_production_refuses_an_empty_secret_key():
    result = _run(IMPORT_PRODUCTION, SECRET_KEY="")
    assert result.returncode != 0
    assert "The environment variable SECRET_KEY must be set." in result.stderr


def test_the_wsgi_app_loads_the_views_and_freezes_start_up_objects():
    code = (
        "import gc, sys; import config.wsgi; "
        "print(gc.get_freeze_count() > 10000, 'grading.engine.api' in sys.modules, "
        "'exercises.practice.views' in sys.modules)"
    )
    result = _run(
        code,
        SECRET_KEY=GOOD_SECRET,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=PRODUCTION_DB,
    )
    assert result.stdout.strip() == "True True True", result.stderr


def test_each_celery_worker_process_freezes_start_up_objects():
    import gc
    import importlib

    from celery.signals import worker_process_init

    # (config.celery_app the attribute is the app; the module is imported by name)
    celery_module = importlib.import_module("config.celery_app")

    assert any(
        getattr(receiver(), "__name__", "") == "_freeze_start_up_objects"
        for _, receiver in worker_process_init.receivers
    )
    gc.unfreeze()
    thresholds = gc.get_threshold()
    try:
        celery_module._freeze_start_up_objects()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (celery_module.GC_GEN0_THRESHOLD, *thresholds[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_celery_keeps_database_connections_between_tasks():
    """Celery's Django fixup would close the connection around every task; with a reuse count
    it leaves them to close_old_connections, run around each task as around a request."""
    import importlib
    from unittest import mock

    from celery.signals import task_postrun, task_prerun

    celery_module = importlib.import_module("config.celery_app")
    assert celery_module.app.conf.get("CELERY_DB_REUSE_MAX") >= 100
    for signal in (task_prerun, task_postrun):
        assert any(
            getattr(receiver(), "__name__", "") == "_close_old_connections"
            for _, receiver in signal.receivers
        )

    class _Task:
        def __init__(self, eager: bool) -> None:
            self.request = type("R", (), {"is_eager": eager})()

    with mock.patch("django.db.close_old_connections") as close:
        celery_module._close_old_connections(task=_Task(eager=True))
        close.assert_not_called()  # an inline task shares its caller's transaction
        celery_module._close_old_connections(task=_Task(eager=False))
        close.assert_called_once_with()


def test_celery_replaces_a_grading_process_that_outgrows_its_memory():
    import importlib

    app = importlib.import_module("config.celery_app").app
    # Celery reads CELERY_WORKER_MAX_MEMORY_PER_CHILD as worker_max_memory_per_child (KiB)
    assert app.conf.worker_max_memory_per_child == 400_000
    result = _run(
        "import django; django.setup(); from config.celery_app import app; "
        "print(app.conf.worker_max_memory_per_child)",
        SECRET_KEY=GOOD_SECRET,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=PRODUCTION_DB,
        CELERY_WORKER_MAX_MEMORY_PER_CHILD="250000",
    )
    assert result.stdout.strip() == "250000", result.stderr


def test_trusted_proxies_are_addresses_or_networks(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.5, 172.18.0.0/16,::1")
    assert env.env_networks("TRUSTED_PROXIES") == ["10.0.0.5", "172.18.0.0/16", "::1"]
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.5,proxy.internal")
    with pytest.raises(ImproperlyConfigured, match="'proxy.internal' is not an IP address"):
        env.env_networks("TRUSTED_PROXIES")


# A page as production serves it (but for the static files' manifest, which needs collectstatic)
FRAME_PROBE = (
    "import django; from django.conf import settings; django.setup(); "
    "from django.test import Client, override_settings; "
    "override_settings(STORAGES={**settings.STORAGES, 'staticfiles': {'BACKEND': "
    "'django.contrib.staticfiles.storage.StaticFilesStorage'}}).enable(); "
    "r = Client().get('/accounts/login/', secure=True); c = r.cookies['csrftoken']; "
    "print(r.status_code, c['samesite'], bool(c['secure']), "
    "[p for p in r['Content-Security-Policy'].split('; ') if p.startswith('frame-ancestors')], "
    "r.get('X-Frame-Options'), *(repr(getattr(settings, n)) for n in ('SESSION_COOKIE_SAMESITE', "
    "'SESSION_COOKIE_SECURE', 'LANGUAGE_COOKIE_SAMESITE', 'LANGUAGE_COOKIE_SECURE')), sep='|')"
)
FRAME_ENV = {
    "SECRET_KEY": GOOD_SECRET,
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DATABASE_URL": PRODUCTION_DB,
    "ALLOWED_HOSTS": "testserver",
}


def test_production_refuses_to_be_framed_by_default():
    """No LTI_IFRAME: no site may frame ours, and the cookies stay SameSite=Lax."""
    result = _run(FRAME_PROBE, **FRAME_ENV)
    assert result.stdout.strip().split("|") == [
        "200", "Lax", "True", "[\"frame-ancestors 'none'\"]", "DENY", "'Lax'", "True", "None",
        "False",
    ], result.stderr  # fmt: skip


def test_lti_iframe_lets_the_named_lms_frame_the_site_with_cross_site_cookies():
    lms = "https://canvas.example.edu,https://*.brightspace.com"
    result = _run(FRAME_PROBE, **FRAME_ENV, LTI_IFRAME="true", LTI_FRAME_ANCESTORS=lms)
    assert result.stdout.strip().split("|") == [
        "200", "None", "True",
        "[\"frame-ancestors 'self' https://canvas.example.edu https://*.brightspace.com\"]",
        "None", "'None'", "True", "'None'", "True",
    ], result.stderr  # fmt: skip


@pytest.mark.parametrize(
    "ancestors",
    [None, "", "*", "http://moodle.example.edu", "https://lms.example.edu/course", "https://*"],
)
def test_lti_iframe_needs_the_lms_origins_over_https(ancestors):
    extra = {} if ancestors is None else {"LTI_FRAME_ANCESTORS": ancestors}
    result = _run(IMPORT_PRODUCTION, **FRAME_ENV, LTI_IFRAME="true", **extra)
    assert result.returncode != 0
    assert "LTI_IFRAME=true needs LTI_FRAME_ANCESTORS" in result.stderr


def _canonical(name: str) -> str:
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(name.strip()))


def _pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            package, version = line.split("==")
            pins[_canonical(package.split("[")[0])] = version.split(";")[0].strip()
    return pins


def test_the_image_installs_the_sites_packages_at_the_pins_of_the_development_lock():
    """The image took requirements.lock whole: pytest, playwright, mypy and ruff in a
    production image (about 1 GB). Its lock holds the project's dependencies only, at the same
    versions as the lock the suite runs on."""
    import tomllib

    production, development = _pins("requirements-production.lock"), _pins("requirements.lock")
    assert production, "no pins read"
    for package, version in production.items():
        assert development.get(package) == version, package
    from importlib.metadata import requires

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for requirement in project["project"]["dependencies"]:
        assert _canonical(Requirement(requirement).name) in production, requirement
    for requirement in project["dependency-groups"]["dev"]:
        assert _canonical(Requirement(requirement).name) not in production, requirement
    # every package a pinned one needs is pinned too, as installed here (the closure)
    for package in production:
        for needed in requires(package) or []:
            requirement = Requirement(needed)
            marker = requirement.marker
            if marker is not None and not marker.evaluate({"extra": ""}):
                continue  # an extra's, or not for this platform and Python
            assert _canonical(requirement.name) in production, (package, requirement.name)
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    install = "pip install --no-cache-dir --no-deps -r requirements-production.lock && pip check"
    assert install in dockerfile
    instructions = [line for line in dockerfile.splitlines() if not line.startswith("#")]
    assert not any("requirements.lock" in line for line in instructions)
