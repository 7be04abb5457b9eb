"""config.cache.RedisCache: Django's Redis cache with one client per server, reused."""

from __future__ import annotations

import uuid

from config.cache import RedisCache
from tests.config.test_settings import GOOD_SECRET, _run


def _db(url: str, db: int) -> str:
    return url.rsplit("/", 1)[0] + f"/{db}"


def test_operations_work_and_share_one_client(require_redis):
    cache = RedisCache(_db(require_redis, 11), {"TIMEOUT": 60})
    key = f"t-{uuid.uuid4().hex}"
    cache.set(key, {"a": 1})
    assert cache.get(key) == {"a": 1}
    assert cache.add(key, 2) is False
    cache.set(key + "n", 5)
    assert cache.incr(key + "n", 2) == 7
    assert cache.delete(key) is True
    assert cache.get(key, "gone") == "gone"
    cache.delete(key + "n")
    # one redis.Redis for every operation above, over the pool Django keeps
    client = cache._cache.get_client(key)
    assert cache._cache.get_client(None, write=True) is client
    assert client.connection_pool is cache._cache._pools[0]
    assert set(cache._cache._clients) == {0}


def test_reads_from_a_replica_use_that_servers_pool():
    # no connection is made: building a client and its pool does not connect
    first, second, third = (f"redis://127.0.0.1:6379/{n}" for n in (1, 2, 3))
    cache = RedisCache(f"{first},{second},{third}", {})
    backend = cache._cache
    writer = backend.get_client(write=True)
    assert writer.connection_pool.connection_kwargs["db"] == 1
    seen = set()
    for _ in range(60):
        reader = backend.get_client()
        db = reader.connection_pool.connection_kwargs["db"]
        assert reader is backend._clients[db - 1]
        assert reader.connection_pool is backend._pools[db - 1]
        seen.add(db)
    assert seen == {2, 3}


def test_production_uses_it():
    result = _run(
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        SECRET_KEY=GOOD_SECRET,
        DJANGO_SETTINGS_MODULE="config.settings.production",
    )
    assert result.stdout.strip() == "config.cache.RedisCache", result.stderr
