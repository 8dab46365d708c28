"""How the cache in Redis reads a key (config/redis_cache.py): one GET written to this thread's
own connection and its reply read whole. The page cache trusts that reply as the site generation
*now*, so a reply must never be taken for the answer to a later GET: whatever goes wrong in the
middle of one (a timeout, an error, a reply that is not what a GET answers) drops the
connection."""

from __future__ import annotations

import secrets
import socket
import threading
import time

import pytest
import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from config.redis_cache import RedisCache, get_command, read_bulk

REDIS_URL = "redis://127.0.0.1:6379/15"


class Chunks:
    """A socket that hands out a reply in the pieces given."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)

    def recv(self, size: int) -> bytes:
        return self.chunks.pop(0) if self.chunks else b""


@pytest.mark.parametrize(
    ("chunks", "value"),
    [
        ((b"$5\r\nhello\r\n",), b"hello"),
        ((b"$5\r\nhe", b"llo", b"\r\n"), b"hello"),  # a reply in several reads
        ((b"$", b"12\r", b"\nhello\r\nworld\r\n"), b"hello\r\nworld"),
        ((b"$0\r\n\r\n",), b""),
        ((b"$-1\r\n",), None),  # nil (RESP2)
        ((b"_\r\n",), None),  # nil (RESP3)
    ],
)
def test_a_get_reply_is_read_whole(chunks, value):
    assert read_bulk(Chunks(*chunks)) == value


@pytest.mark.parametrize(
    ("chunks", "error"),
    [
        ((b"-WRONGTYPE Operation against a key\r\n",), ResponseError),
        ((b"+OK\r\n",), RedisConnectionError),  # not what a GET answers
        ((b":7\r\n",), RedisConnectionError),
        ((b"$1\r\n7\r\n$1\r\n8\r\n",), RedisConnectionError),  # more than one reply
        ((b"$5\r\nhel",), RedisConnectionError),  # closed in the middle of the reply
        ((b"",), RedisConnectionError),
    ],
)
def test_anything_but_one_get_reply_is_an_error(chunks, error):
    with pytest.raises(error):
        read_bulk(Chunks(*chunks))


def test_the_command_is_resp_whatever_the_key_holds():
    assert get_command("a:1:vetted") == b"*2\r\n$3\r\nGET\r\n$10\r\na:1:vetted\r\n"
    assert get_command("é") == b"*2\r\n$3\r\nGET\r\n$2\r\n\xc3\xa9\r\n"  # bytes, not characters


def backend(location: str, **options) -> RedisCache:
    return RedisCache(
        location,
        {
            "KEY_PREFIX": f"test-{secrets.token_hex(6)}",
            "OPTIONS": {"socket_connect_timeout": 1, **options},
        },
    )


@pytest.fixture
def real_redis():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not running at {REDIS_URL}")
    return client


def test_values_stored_by_django_are_read_back(real_redis):
    cache = backend(REDIS_URL, socket_timeout=1)
    page = {"body": b"x" * 200_000}  # larger than one read
    cache.set("page", page)
    cache.set("generation", 41)
    cache.incr("generation")
    assert cache.get("page") == page
    assert cache.get("generation") == 42
    assert cache.get("missing", "default") == "default"
    assert cache.get_many(["generation", "page"]) == {"generation": 42, "page": page}
    cache.delete_many(["page", "generation"])


def test_an_error_reply_drops_the_connection_and_the_next_get_works(real_redis):
    cache = backend(REDIS_URL, socket_timeout=1)
    real_redis.rpush(cache.make_key("a-list"), "item")  # GET on a list is an error
    cache.set("generation", 7)
    try:
        with pytest.raises(ResponseError):
            cache.get("a-list")
        assert cache.get("generation") == 7
    finally:
        real_redis.delete(cache.make_key("a-list"), cache.make_key("generation"))


class SlowFirstReply:
    """A Redis that answers the first connection's GET late (after `delay`), and every later
    connection's GET at once, each with a different value."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.connections = 0
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.listener.getsockname()[1]}/0"

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.answer, args=(conn, self.connections), daemon=True).start()

    def answer(self, conn: socket.socket, number: int) -> None:
        buffer = b""
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                buffer += data
                while (command := self.command(buffer)) is not None:
                    name, buffer = command
                    if name != b"GET":
                        conn.sendall(b"+OK\r\n")  # the client's handshake
                        continue
                    if number == 1:
                        time.sleep(self.delay)
                    value = str(number).encode()
                    try:
                        conn.sendall(b"$%d\r\n%b\r\n" % (len(value), value))
                    except OSError:
                        return

    @staticmethod
    def command(buffer: bytes) -> tuple[bytes, bytes] | None:
        """The name of the first whole command in `buffer`, and what follows it."""
        lines = buffer.split(b"\r\n")
        if not lines[0].startswith(b"*"):
            return None
        parts = int(lines[0][1:])
        if len(lines) < 1 + 2 * parts + 1:
            return None
        consumed = b"\r\n".join(lines[: 1 + 2 * parts]) + b"\r\n"
        return lines[2].upper(), buffer[len(consumed) :]

    def close(self) -> None:
        self.listener.close()


def test_a_reply_that_comes_too_late_is_never_read_as_the_next_ones():
    server = SlowFirstReply(delay=0.5)
    try:
        cache = backend(server.url, socket_timeout=0.2)
        with pytest.raises(RedisTimeoutError):
            cache._cache.get("generation", None)
        time.sleep(0.5)  # the late reply ("1") has been sent by now
        assert cache._cache.get("generation", None) == 2  # a new connection's own answer
        assert server.connections == 2
    finally:
        server.close()


def test_a_kept_connection_redis_closed_is_made_again_without_an_error(real_redis):
    cache = backend(REDIS_URL, socket_timeout=1)
    cache.set("generation", 7)
    try:
        assert cache.get("generation") == 7  # opens this thread's reading connection
        reading = cache._cache._reader.connection._sock.getsockname()
        real_redis.client_kill(f"{reading[0]}:{reading[1]}")  # as a Redis restart does
        assert cache.get("generation") == 7  # no error: the page cache stays on
        assert cache._cache._reader.connection._sock.getsockname() != reading
    finally:
        cache.delete("generation")


class ClosesAtOnce(SlowFirstReply):
    """A Redis that closes every connection as soon as a GET arrives."""

    def answer(self, conn: socket.socket, number: int) -> None:
        with conn:
            data = b""
            while b"GET" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
                if b"GET" not in data:
                    conn.sendall(b"+OK\r\n" * data.count(b"*"))
                    data = b""


def test_a_new_connection_closed_before_the_reply_is_an_error_not_a_loop():
    server = ClosesAtOnce(delay=0)
    try:
        cache = backend(server.url, socket_timeout=1)
        with pytest.raises(RedisConnectionError):
            cache._cache.get("generation", None)
        assert server.connections == 1
        with pytest.raises(RedisConnectionError):
            cache._cache.get("generation", None)  # a kept connection? No: it was dropped
        assert server.connections == 2
    finally:
        server.close()
