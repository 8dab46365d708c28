"""Settings come from the environment, with safe defaults; every response carries the headers."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def settings_in(env: dict[str, str]) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "print(json.dumps({'DEBUG': s.DEBUG, 'SESSION_COOKIE_SECURE': s.SESSION_COOKIE_SECURE,"
        "'CSRF_COOKIE_SECURE': s.CSRF_COOKIE_SECURE, 'HSTS': s.SECURE_HSTS_SECONDS,"
        "'ENGINE': s.DATABASES['default']['ENGINE'], 'NAME': str(s.DATABASES['default']['NAME']),"
        "'CACHE': s.CACHES['default']['BACKEND'], 'ALLOWED_HOSTS': s.ALLOWED_HOSTS,"
        "'CONN_MAX_AGE': s.DATABASES['default']['CONN_MAX_AGE']}))"
    )
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "test-only"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


def test_defaults_are_safe_for_local_use():
    s = settings_in({})
    assert s["DEBUG"] is False
    assert s["ENGINE"] == "django.db.backends.sqlite3"
    assert s["NAME"] == str(ROOT / "db.sqlite3")
    assert s["CACHE"].endswith("LocMemCache")
    assert s["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["HSTS"] >= 31536000


@pytest.mark.parametrize("url", ["", "postgres://postgres@127.0.0.1:5432/test"])
def test_database_connections_are_kept_between_requests(url):
    # Opening SQLite (and its WAL pragmas) or a PostgreSQL connection per request was a large
    # share of an uncached page's cost; CONN_MAX_AGE keeps one per worker thread.
    assert settings_in({"DATABASE_URL": url} if url else {})["CONN_MAX_AGE"] == 60
    assert settings_in({"DATABASE_URL": url, "CONN_MAX_AGE": "0"})["CONN_MAX_AGE"] == 0


def test_debug_only_when_asked_and_then_cookies_work_over_plain_http():
    s = settings_in({"DEBUG": "1"})
    assert s["DEBUG"] is True
    assert not s["SESSION_COOKIE_SECURE"] and s["HSTS"] == 0


def test_database_and_cache_from_the_environment():
    s = settings_in({
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/vetted",
        "REDIS_URL": "redis://127.0.0.1:6379/1",
        "ALLOWED_HOSTS": "clinic.example, www.clinic.example",
    })  # fmt: skip
    assert s["ENGINE"] == "django.db.backends.postgresql"
    assert s["NAME"] == "vetted"
    assert s["CACHE"] == "config.redis_cache.RedisCache"
    assert s["ALLOWED_HOSTS"] == ["clinic.example", "www.clinic.example"]


@pytest.mark.parametrize("path", ["/", "/articles/no-such-article/", "/admin/login/"])
def test_security_headers_on_every_response(client, db, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_hsts_header_when_served_over_https(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/", secure=True)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize(
    "name, value", [("REVIEW_VALIDITY_DAYS", "a year"), ("REGISTRY_TIMEOUT", "-1")]
)
def test_a_bad_number_stops_start_up_with_a_message_naming_it(name, value):
    with pytest.raises(subprocess.CalledProcessError) as failure:
        settings_in({name: value})
    last_line = failure.value.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line and name in last_line and repr(value) in last_line
