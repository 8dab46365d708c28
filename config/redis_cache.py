"""The default cache in Redis: Django's Redis backend, made cheap enough to ask on every request.

The page cache reads the site generation from Redis on every request (`articles.public.cache`),
so what one read costs in this process is most of a cached page's cost. Django's client spends
more CPU around a command than the command's round trip takes (timed on the development VM:
building a `redis.Redis` object for every operation, about 60 µs; taking a connection from
redis-py's pool and giving it back, which checks the socket for unread data each time, about
15 µs; redis-py packing the command and parsing the reply, about 10 µs more than the bytes need;
against about 12 µs of CPU to send a GET and read the answer). So here:

- one `redis.Redis` per connection pool serves every operation (it holds nothing but its pool and
  is safe to share between threads);
- a `get` goes over a connection of the calling thread's own, kept open, made on first use in
  each process (after gunicorn forks) by redis-py (address, password, database, TLS as the URL
  says). The GET is written to its socket and the reply read from it directly: one bulk string
  or nil, read whole, nothing read past it. Any error, or a reply that is anything else, closes
  the connection (the next `get` reconnects) and is raised as a RedisError as before, so the
  page cache's handling of a cache that is down is unchanged, and no reply is ever taken for
  the answer to a later command. A kept connection that Redis closed meanwhile (a restart,
  CLIENT KILL) is made again and the GET sent once more, rather than the page cache being
  left alone for its retry pause over a connection that was merely stale;
- that socket is timed out by the kernel (SO_RCVTIMEO, SO_SNDTIMEO, the `socket_timeout`
  option) rather than by Python, which polls the socket before every send and receive;
- the keys `get` makes (prefix and version) are remembered, a few hundred at most, so the
  generation's key is not made and checked again on every request.

Everything else is Django's backend as it is."""

from __future__ import annotations

import os
import socket
import struct
import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

# Keys `get` remembers having made, per backend: dropped all at once when full.
MADE_KEYS = 512
# Bytes asked of the socket at a time: a generation fits in one, a whole page in a few.
_READ_SIZE = 65536


def get_command(key: str | bytes) -> bytes:
    """GET `key`, as RESP sends it."""
    if isinstance(key, str):
        key = key.encode()
    return b"*2\r\n$3\r\nGET\r\n$%d\r\n%b\r\n" % (len(key), key)


def read_bulk(sock: Any) -> bytes | None:
    """The reply to one GET from `sock`: a bulk string's bytes, or None for nil (RESP2's `$-1`,
    RESP3's `_`). Raises ResponseError for an error reply and ConnectionError for anything else
    or a closed socket; the caller then closes the connection, since the rest of the reply may
    still be on its way."""
    data = sock.recv(_READ_SIZE)
    if not data:
        raise ClosedBeforeReply("Redis closed the connection before replying.")
    while b"\r\n" not in data:
        data += _more(sock)
    header, _, rest = data.partition(b"\r\n")
    kind = header[:1]
    if kind == b"$":
        length = int(header[1:])
        if length < 0:
            value = None
        else:
            while len(rest) < length + 2:
                rest += _more(sock)
            value, rest = rest[:length], rest[length + 2 :]
    elif header == b"_":
        value = None
    elif kind == b"-":
        raise ResponseError(header[1:].decode(errors="replace"))
    else:
        raise RedisConnectionError(f"Unexpected reply to GET from Redis: {header[:40]!r}")
    if rest:
        raise RedisConnectionError("Redis sent more than the reply to one GET.")
    return value


class ClosedBeforeReply(RedisConnectionError):
    """The connection was closed (a Redis restart, CLIENT KILL, an idle timeout) before a byte of
    the reply came: nothing of it can be read later, so the GET can be sent again on a new
    connection."""


def _more(sock: Any) -> bytes:
    chunk = sock.recv(_READ_SIZE)
    if not chunk:
        raise RedisConnectionError("Redis closed the connection in the middle of a reply.")
    return chunk


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
        try:
            try:
                value = self._get(key)
            except (ClosedBeforeReply, BrokenPipeError, ConnectionResetError) as exc:
                if not getattr(exc, "kept", False):
                    raise
                # A connection kept from earlier requests that Redis has since closed (a
                # restart, CLIENT KILL): one new connection, one more try (a GET changes nothing,
                # and nothing of a reply was read).
                value = self._get(key)
        except OSError as exc:
            if isinstance(exc, (TimeoutError, BlockingIOError)):  # socket.timeout, SO_RCVTIMEO
                raise RedisTimeoutError(f"Timeout reading from Redis: {exc}") from exc
            raise RedisConnectionError(f"Error reading from Redis: {exc}") from exc
        return default if value is None else self._serializer.loads(value)

    def _get(self, key: Any) -> bytes | None:
        """One GET over this thread's connection; any error closes it, and says whether it was
        a connection kept from before (`kept`) rather than one just made."""
        connection = self._reading_connection()
        kept = connection._sock is not None
        try:
            if not kept:
                connection.connect()
                _kernel_timeouts(connection._sock, connection.socket_timeout)
            sock = connection._sock
            sock.sendall(get_command(key))
            return read_bulk(sock)
        except BaseException as exc:
            connection.disconnect()
            exc.kept = kept
            raise

    def _reading_connection(self) -> Any:
        reader = self._reader
        if getattr(reader, "pid", None) != os.getpid():
            pool = self._get_connection_pool(write=False)
            reader.connection = pool.connection_class(**pool.connection_kwargs)
            reader.pid = os.getpid()
        return reader.connection


def _kernel_timeouts(sock: Any, seconds: float | None) -> None:
    """Let the kernel time out the reading connection's sends and receives (SO_SNDTIMEO,
    SO_RCVTIMEO) instead of Python, which polls the socket before each of them when it has a
    timeout (two system calls a round trip). A socket this cannot be done for (TLS, a platform
    without the options) keeps Python's timeout."""
    if not seconds or seconds <= 0 or type(sock) is not socket.socket:
        return
    try:
        whole = int(seconds)
        interval = struct.pack("ll", whole, int((seconds - whole) * 1_000_000))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, interval)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, interval)
    except (OSError, AttributeError, struct.error):
        return
    sock.settimeout(None)


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
        self._made_keys: dict[tuple[Any, Any], str] = {}

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        made = self._made_keys.get((key, version))
        if made is None:
            made = self.make_and_validate_key(key, version=version)
            if len(self._made_keys) >= MADE_KEYS:
                self._made_keys.clear()
            self._made_keys[(key, version)] = made
        return self._cache.get(made, default)
