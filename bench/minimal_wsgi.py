"""The floor the public page is measured against: a WSGI app that answers every request with the
same bytes, read once at start-up, under the same gunicorn as the site. Whatever throughput it
reaches is the cost of gunicorn, the socket and wrk on this machine, with no Django at all.

    BENCH_BODY_FILE=page.html BENCH_CONTENT_TYPE="text/html; charset=utf-8" \\
        gunicorn --chdir bench minimal_wsgi:application

bench/public_page.py starts it with the article page's bytes and content type.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

BODY = Path(os.environ["BENCH_BODY_FILE"]).read_bytes()
HEADERS = [
    ("Content-Type", os.environ.get("BENCH_CONTENT_TYPE", "text/html; charset=utf-8")),
    ("Content-Length", str(len(BODY))),
]


def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
    start_response("200 OK", HEADERS)
    return [BODY]
