"""The test suite's settings: production's (DEBUG off, as pytest-django runs them), given the
environment production requires, with values that keep everything on this machine.

Set in the environment rather than here, so that processes the tests start (manage.py, gunicorn,
bench scripts) get the same; a variable already set (DATABASE_URL for the PostgreSQL pass) wins.
"""

import os
from pathlib import Path

TEST_ENVIRONMENT = {
    "SECRET_KEY": "tests-only-never-a-production-key-" + "0123456789abcdef" * 2,
    "DATABASE_URL": f"sqlite:///{Path(__file__).resolve().parent.parent / 'db.sqlite3'}",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SITE_URL": "http://127.0.0.1:8000",
    "AUDIT_HMAC_KEY": "tests-only-audit-key",
    # Plain static names, read from the apps: no collectstatic before a test run.
    "STATIC_HASHED_NAMES": "0",
    # Tasks run where they are queued unless a test chooses the database queue and its worker.
    "TASKS_BACKEND": "immediate",
    # The suite exercises the per-process page copies that production has with Redis.
    "PAGE_CACHE_PROCESS_BYTES": str(32 * 1024 * 1024),
}
for name, value in TEST_ENVIRONMENT.items():
    os.environ.setdefault(name, value)

from config.settings import *  # noqa: E402, F403
