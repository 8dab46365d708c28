"""The default cache in Redis: Django's Redis backend, made cheap enough to ask on every request.

The page cache reads the site generation from Redis on every request (`articles.public.cache`),
so what one read costs in this process is most of a cached page's cost. Django's client spends
more CPU around a command than the command's round trip takes (timed on the development VM:
building a `redis.Redis` object for every operation, about 60 µs; taking a connection from
redis-py's pool and giving it back, which checks the socket for unread data each time, about
15 µs; against about 12 µs to send a GET and read the answer). So here:

- one `redis.Redis` per connection pool serves every operation (it holds nothing but its pool and
  is safe to share between threads);
- a `get` goes over a connection of the calling thread's own, kept open, made on first use in
  each process (after gunicorn forks). Any error closes it (the next `get` reconnects) and is
  raised as before, so the page cache's handling of a cache that is down is unchanged.

Everything else is Django's backend as it is."""

from __future__ import annotations

import os
import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}
        self._reader = threading.local()

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client

    def get(self, key: Any, default: Any) -> Any:
        connection = self._reading_connection()
        try:
            connection.send_command("GET", key)
            value = connection.read_response()
        except BaseException:
            connection.disconnect()
            raise
        return default if value is None else self._serializer.loads(value)

    def _reading_connection(self) -> Any:
        reader = self._reader
        if getattr(reader, "pid", None) != os.getpid():
            pool = self._get_connection_pool(write=False)
            reader.connection = pool.connection_class(**pool.connection_kwargs)
            reader.pid = os.getpid()
        return reader.connection


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
