"""Django's Redis cache, with one Redis client per connection pool instead of one per operation.

Django's RedisCacheClient builds a new `redis.Redis` around its (kept) connection pool for every
cache operation, and building one registers some 80 response callbacks: about 0.1 ms of CPU each
time. A request reads the session, the logged-in user and the login throttle from this cache, so
that was a measurable share of a submit at a deadline (BENCHMARKS.md). A `redis.Redis` holds no
connection of its own (it takes one from the pool per command) and is safe to share between
threads; after a fork the pool replaces its connections itself (redis-py checks the pid).
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            # Django's _get_connection_pool() draws its own (random) read index: build the pool
            # for this index as it does, so the client and its pool are for the same server.
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients.setdefault(
                index, self._client(connection_pool=self._pools[index])
            )
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
