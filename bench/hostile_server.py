"""A local registry that answers badly on purpose, for bench/hostile_input.py and the tests.

    with HostileRegistry("huge") as server:      # an endless answer, streamed as fast as it goes
    with HostileRegistry("trickle") as server:   # one byte every `interval` seconds

`server.url` stands for both CROSSREF_API_URL and PUBMED_EUTILS_URL. It listens on 127.0.0.1 on
a free port and stops writing when the client goes away (or after `give_up_after` seconds, so a
client that never stops reading ends a test instead of hanging it).
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = b'{"message": {"title": "' + b"a" * (64 * 1024 - 23)


class HostileRegistry:
    def __init__(
        self,
        mode: str,
        *,
        interval: float = 0.05,
        give_up_after: float = 10.0,
        total_bytes: int | None = None,
        declare_length: bool = False,
    ) -> None:
        if mode not in ("huge", "trickle"):
            raise ValueError(f"unknown mode {mode!r}")
        self.mode = mode
        self.interval = interval
        self.give_up_after = give_up_after
        self.total_bytes = total_bytes
        self.declare_length = declare_length
        self.sent = 0  # bytes of answers written, all requests together
        self.requests = 0
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> HostileRegistry:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                server.requests += 1
                started = time.monotonic()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if server.mode == "trickle":  # a small answer, announced as such
                    self.send_header("Content-Length", str(server.total_bytes or 1000))
                elif server.declare_length:
                    self.send_header("Content-Length", str(server.total_bytes or 10**9))
                else:
                    self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    while time.monotonic() - started < server.give_up_after:
                        if server.total_bytes is not None and server.sent >= server.total_bytes:
                            break
                        if server.mode == "trickle":
                            self.wfile.write(b" ")
                            self.wfile.flush()
                            server.sent += 1
                            time.sleep(server.interval)
                        elif server.declare_length:
                            self.wfile.write(CHUNK)
                            server.sent += len(CHUNK)
                        else:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
                            server.sent += len(CHUNK)
                    if server.mode == "huge" and not server.declare_length:
                        self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading: what a careful client does
                self.close_connection = True

        return Handler
