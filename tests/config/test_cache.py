"""The production cache: django-redis, one reused client per server, bounded timeouts, and cache
errors left to the callers, which go on without the cache."""

from __future__ import annotations

import json
import uuid
from unittest import mock

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_redis.cache import RedisCache

from exercises.practice.services import submission_create
from grading.services import submission_grade
from tests import factories
from tests.config.test_settings import GOOD_SECRET, PRODUCTION_DB, _run

# Nothing listens on port 1: a connection is refused at once.
UNREACHABLE = "redis://127.0.0.1:1/0"


def _db(url: str, db: int) -> str:
    return url.rsplit("/", 1)[0] + f"/{db}"


def _production(code: str, **extra: str) -> dict:
    """Run `code` under the production settings; it prints one JSON object as its last line."""
    setup = "import json, django; django.setup(); from django.core.cache import cache\n"
    result = _run(
        setup + code,
        SECRET_KEY=GOOD_SECRET,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=PRODUCTION_DB,
        **extra,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_uses_django_redis_at_cache_url_or_redis_url():
    code = (
        "from django.conf import settings; c = settings.CACHES['default']\n"
        "print(json.dumps([c['BACKEND'], c['LOCATION']]))"
    )
    url = "redis://127.0.0.1:6379/7"
    assert _production(code, REDIS_URL=url, CACHE_URL="") == ["django_redis.cache.RedisCache", url]
    other = "redis://cache.example:6379/3"
    assert _production(code, REDIS_URL=url, CACHE_URL=other)[1] == other


def test_production_cache_gives_up_on_a_silent_redis_after_a_second_and_raises():
    # building the client and its pool connects to nothing; the timeouts are the pool's
    code = (
        "kwargs = cache.client.get_client().connection_pool.connection_kwargs\n"
        "try:\n"
        "    cache.get('k'); error = None\n"
        "except Exception as exc:\n"
        "    error = type(exc).__name__\n"
        "print(json.dumps([kwargs.get('socket_connect_timeout'),"
        " kwargs.get('socket_timeout'), error]))"
    )
    connect, read, error = _production(code, CACHE_URL=UNREACHABLE)
    assert (connect, read) == (1, 1)
    # not ignored (IGNORE_EXCEPTIONS off): the callers catch it, log it and go on without it
    assert error == "ConnectionError"


def test_production_cache_reuses_one_client_for_every_operation(require_redis):
    # Django's own Redis cache built a redis.Redis for every operation (BENCHMARKS.md); count them
    key = f"t-{uuid.uuid4().hex}"
    code = f"""
import redis
built = []
init = redis.Redis.__init__
def counting(self, *args, **kwargs):
    built.append(1)
    init(self, *args, **kwargs)
redis.Redis.__init__ = counting
key = {key!r}
cache.set(key, {{"a": 1}}, timeout=60)
results = [cache.get(key), cache.add(key, 2)]
results.append(cache.add(key + "n", 5, timeout=60))
results.append(cache.incr(key + "n", 2))
results.append(cache.get_many([key, key + "n"]))
results.append(0 < cache.ttl(key + "n") <= 60)  # an increment keeps the counter's window
try:
    cache.incr(key + "missing")
except ValueError:
    results.append("missing")
results.append(cache.delete(key))
results.append(cache.get(key, "gone"))
cache.delete(key + "n")
print(json.dumps([len(built), results]))
"""
    built, results = _production(code, CACHE_URL=_db(require_redis, 11))
    assert results == [
        {"a": 1},
        False,
        True,
        7,
        {key: {"a": 1}, key + "n": 7},
        True,
        "missing",  # what the login throttle relies on when a count expired before its incr
        True,
        "gone",
    ]
    assert built == 1


def test_entries_written_by_djangos_own_redis_cache_are_read_and_counted(require_redis):
    # Sessions, cached users, verdicts and login counts written before the switch stay usable.
    from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

    url = _db(require_redis, 11)
    before, after = DjangoRedisCache(url, {}), RedisCache(url, {})
    key = f"t-{uuid.uuid4().hex}"
    before.set(key, {"a": [1, 2]}, timeout=60)
    before.set(key + "n", 3, timeout=60)
    try:
        assert after.get(key) == {"a": [1, 2]}
        assert after.incr(key + "n") == 4
        after.set(key, {"b": 1}, timeout=60)
        assert before.get(key) == {"b": 1}
    finally:
        after.delete_many([key, key + "n"])


def test_reads_go_to_a_replica_and_each_servers_client_is_reused():
    # no connection is made: building a client and its pool does not connect
    first, second, third = (f"redis://127.0.0.1:6379/{n}" for n in (1, 2, 3))
    client = RedisCache(f"{first},{second},{third}", {}).client
    writer = client.get_client(write=True)
    assert writer.connection_pool.connection_kwargs["db"] == 1
    assert client.get_client(write=True) is writer
    seen = set()
    for _ in range(60):
        reader = client.get_client(write=False)
        db = reader.connection_pool.connection_kwargs["db"]
        assert reader is client._clients[db - 1]
        seen.add(db)
    assert seen == {2, 3}


@pytest.mark.django_db
def test_with_redis_down_the_login_page_and_grading_still_work():
    down = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": UNREACHABLE,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    with override_settings(
        CACHES=down, SESSION_ENGINE="django.contrib.sessions.backends.cached_db"
    ):
        client = Client()
        assert client.get(reverse("login")).status_code == 200
        # the login throttle reads and counts in the cache: it lets the attempt through
        refused = client.post(reverse("login"), {"username": "nobody", "password": "wrong"})
        assert refused.status_code == 200
        assert "Too many failed logins" not in refused.content.decode()

        # the verdict cache: graded without it, and the verdict says so
        with mock.patch("grading.tasks.submission_grade_task.delay"):
            queued = submission_create(instance=factories.toy_instance(), answer="3x^2 + y")
        graded = submission_grade(submission_id=queued.pk)
        assert (graded.equivalent, graded.verdict["cache"]) == (True, "off")
