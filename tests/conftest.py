"""Shared fixtures, and the rule for tests that need a service (Redis, PostgreSQL, Chromium):
outside CI they skip with a message saying how to enable them; under CI=true they fail."""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

# The live server drained before each flush (tests/support/live_server.py); PostgreSQL's flush
# by DELETE (fast_flush.py); templates rendered without the test instrumentation unless a test
# asks for `rendered_context` (template_signals.py).
pytest_plugins = [
    "tests.support.live_server",
    "tests.support.fast_flush",
    "tests.support.template_signals",
]

CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def require_service(name: str, available: bool, how: str) -> None:
    """Skip (locally) or fail (CI=true) when a needed service is missing."""
    if available:
        return
    if CI:
        pytest.fail(f"{name} is required under CI=true but is not available. {how}", pytrace=False)
    pytest.skip(f"{name} is not available; {how}")


def redis_url() -> str:
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_available(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "localhost", parsed.port or 6379), 1
        ) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


# What a test reaches the database through: pytest-django's marker, or a fixture that needs it
# (admin_user, client-with-login helpers and the like depend on `db`, so they appear here too).
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}
)


def uses_database(item: pytest.Item) -> bool:
    """Whether a test can reach the database. pytest-django blocks the database for any other
    test (it fails on the first query), so a test without either cannot depend on the backend."""
    return item.get_closest_marker("django_db") is not None or not DATABASE_FIXTURES.isdisjoint(
        getattr(item, "fixturenames", ())
    )


def pytest_addoption(parser):
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="deselect the tests that cannot reach the database (CI's second pass, on SQLite: "
        "a test that never touches the database has the same outcome on either backend, and "
        "the first pass ran it).",
    )


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--database-tests-only"):
        return
    kept = [item for item in items if uses_database(item)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if not uses_database(item)])
        items[:] = kept


def pytest_configure(config):
    # whitenoise warns that STATIC_ROOT is missing before collectstatic: irrelevant in tests.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")


@pytest.fixture
def require_redis() -> str:
    url = redis_url()
    require_service(
        "Redis",
        redis_available(url),
        f"start Redis at {url} (or set REDIS_URL) to run this test.",
    )
    return url


@pytest.fixture
def require_postgres() -> None:
    from django.db import connection

    require_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        "run the suite with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run this test.",
    )


@pytest.fixture(scope="session")
def chromium_path() -> str:
    available = os.path.exists(CHROMIUM) or shutil.which("chromium") is not None
    require_service(
        "Chromium",
        available,
        "install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH.",
    )
    return CHROMIUM if os.path.exists(CHROMIUM) else str(shutil.which("chromium"))


@pytest.fixture(autouse=True)
def _fresh_state():
    """Cached verdicts, login counts and the active language must not leak from one test into
    the next. (A request made with the test client leaves its language active in the thread:
    the LocaleMiddleware activates it and nothing resets it; an error put into words when shown,
    exercises.authoring.errors, must read the same whatever test ran before.)"""
    from django.conf import settings

    if not settings.configured:  # the engine's tests run without Django
        yield
        return
    from django.core.cache import cache
    from django.utils import translation

    cache.clear()
    translation.deactivate()
    yield
    cache.clear()


@pytest.fixture
def yaml_upload(client):
    """post(data): upload `data` (YAML text, or data to dump) to a fresh course's import page as
    its instructor; returns (course, response)."""
    import yaml
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from exercises.courses.models import Membership
    from exercises.courses.services.accounts import membership_create
    from tests import factories

    course = factories.course()
    teacher = factories.user()
    membership_create(course=course, user=teacher, role=Membership.Role.INSTRUCTOR)
    client.force_login(teacher)

    def post(data):
        text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
        url = reverse("authoring:course-import", args=[course.pk])
        return course, client.post(url, {"file": SimpleUploadedFile("c.yaml", text.encode())})

    return post


@pytest.fixture
def lms():
    """A fake LTI 1.3 platform on 127.0.0.1 (tests/support/fake_lms.py)."""
    from tests.support.fake_lms import FakeLMS

    with FakeLMS() as fake:
        yield fake


@pytest.fixture
def registration(db, lms):
    """The fake LMS registered here, its deployment active; it knows our keys (JWKS)."""
    from lti_tool.models import Key

    from exercises.lti.platform import signing_key
    from tests.support.lti import register

    signing_key()  # our first key, so that the fake LMS knows it
    return register(lms, base_url="http://testserver", jwks=Key.objects.as_jwks())
