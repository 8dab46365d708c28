"""gunicorn's configuration for Vetted: `gunicorn -c deploy/gunicorn.conf.py`.

Settings that differ between machines come from the environment (GUNICORN_BIND,
GUNICORN_WORKERS, GUNICORN_TIMEOUT); the command line overrides any of them too."""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
# nginx in front, on the same machine (docs/deploy.md); a socket path also works:
# GUNICORN_BIND=unix:/run/vetted/gunicorn.sock
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: pages are rendered once and then served from the cache; 2 per core plus one.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Workers are recycled now and then, so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# The application is loaded once, before forking: a bad environment stops the server at once
# with one line naming what is missing, and the workers share the loaded code's memory.
preload_app = True
# The proxy on this machine says which requests came over HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Errors to stderr (journald); nginx keeps the access log.
errorlog = "-"
accesslog = None
