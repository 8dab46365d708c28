"""Work a person starts from a page but should not wait for (asking Crossref and PubMed about an
article's sources can take many seconds): it runs on a thread of the server process, after the
request's transaction has committed, with its own database connection.

Good enough for work whose result the person sees on the page later and that is safe to lose if
the process stops (a registry check can simply be started again); anything that must happen is
periodic work in `articles.jobs` instead."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import close_old_connections, connections, transaction

log = logging.getLogger(__name__)

_started: list[threading.Thread] = []


def run_after_commit(name: str, work: Callable[[], None]) -> None:
    """Run `work()` on a daemon thread once the current transaction commits (at once outside
    a transaction)."""

    def start() -> None:
        thread = threading.Thread(target=_run, args=(name, work), name=name, daemon=True)
        _started.append(thread)
        thread.start()

    transaction.on_commit(start, robust=True)


def _run(name: str, work: Callable[[], None]) -> None:
    close_old_connections()
    try:
        work()
    except Exception:
        log.exception("Background work %s failed", name)
    finally:
        connections.close_all()


def wait(timeout: float = 30.0) -> None:
    """Wait for the background work started so far to finish (tests, and a clean shutdown)."""
    while _started:
        _started.pop().join(timeout)
