"""The environment benchmarks run Django in: production settings (DEBUG off), with what
production requires (config/settings.py refuses to start without it) filled in for this machine.
Whatever the caller set already wins."""

from __future__ import annotations

import os
from collections.abc import MutableMapping

LOCAL_PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "SECRET_KEY": "bench-only-never-a-production-key-" + "0123456789abcdef" * 2,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SITE_URL": "http://127.0.0.1:8000",
    # Signs the bench database's audit trail (and the pages public_page.py serves from it).
    "AUDIT_HMAC_KEY": "bench audit key",
    # Nothing is collected for a benchmark: the stylesheet is read from the app's folder.
    "STATIC_HASHED_NAMES": "0",
    # No task worker runs beside a benchmark; e-mail is not what is measured.
    "TASKS_BACKEND": "immediate",
}


def local_production(env: MutableMapping[str, str] = os.environ) -> MutableMapping[str, str]:
    """Fill in `env` (the process's own environment by default) and return it. DATABASE_URL is
    each benchmark's own choice."""
    for name, value in LOCAL_PRODUCTION.items():
        env.setdefault(name, value)
    return env
