"""Settings come from the environment, with safe defaults; every response carries the headers.
With DEBUG off (production) start-up needs what production needs, and `check --deploy` is clean
with the documented production environment (deploy/vetted.env.example)."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.logging import JsonFormatter, start_sentry

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_ENV = ROOT / "deploy" / "vetted.env.example"

# The least production needs; the tests add to it.
PRODUCTION = {
    "SECRET_KEY": "test-only-" + "k3y" * 20,
    "DATABASE_URL": "postgres://vetted@127.0.0.1:5432/vetted",
    "ALLOWED_HOSTS": "clinic.example",
    "SITE_URL": "https://clinic.example",
    "AUDIT_HMAC_KEY": "test-only-audit-" + "k3y" * 10,
}


def clean_env(env: dict[str, str]) -> dict[str, str]:
    """Only what the test gives, never the suite's own environment."""
    return {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings", **env}


def settings_in(env: dict[str, str]) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "print(json.dumps({'DEBUG': s.DEBUG, 'SESSION_COOKIE_SECURE': s.SESSION_COOKIE_SECURE,"
        "'CSRF_COOKIE_SECURE': s.CSRF_COOKIE_SECURE, 'HSTS': s.SECURE_HSTS_SECONDS,"
        "'HSTS_PRELOAD': s.SECURE_HSTS_PRELOAD, 'SSL_REDIRECT': s.SECURE_SSL_REDIRECT,"
        "'PROXY_HEADER': s.SECURE_PROXY_SSL_HEADER,"
        "'ENGINE': s.DATABASES['default']['ENGINE'], 'NAME': str(s.DATABASES['default']['NAME']),"
        "'CACHE': s.CACHES['default']['BACKEND'], 'ALLOWED_HOSTS': s.ALLOWED_HOSTS,"
        "'COPIES': s.PAGE_CACHE_PROCESS_BYTES,"
        "'CONN_MAX_AGE': s.DATABASES['default']['CONN_MAX_AGE'],"
        "'STATIC': s.STORAGES['staticfiles']['BACKEND'], 'MEDIA': s.STORAGES['default'],"
        "'TASKS': s.TASKS['default']['BACKEND'], 'EMAIL': s.EMAIL_BACKEND,"
        "'EMAIL_USE_TLS': s.EMAIL_USE_TLS, 'IMG_SRC': s.CONTENT_SECURITY_POLICY['DIRECTIVES']"
        "['img-src'], 'LOG_FORMAT': s.LOG_FORMAT}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean_env(env), capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean_env(env), capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip


def example_environment() -> dict[str, str]:
    env = {}
    for line in EXAMPLE_ENV.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = value.strip()
    return env


def test_a_local_run_needs_nothing_but_debug():
    s = settings_in({"DEBUG": "1"})
    assert s["DEBUG"] is True
    assert s["ENGINE"] == "django.db.backends.sqlite3"
    assert s["NAME"] == str(ROOT / "db.sqlite3")
    assert s["CACHE"].endswith("LocMemCache")
    assert s["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]
    assert s["STATIC"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    assert s["TASKS"].endswith("ImmediateBackend") and s["EMAIL"].endswith("console.EmailBackend")
    assert not s["SESSION_COOKIE_SECURE"] and s["HSTS"] == 0 and s["LOG_FORMAT"] == "text"


def test_production_defaults_are_safe():
    s = settings_in(PRODUCTION)
    assert s["DEBUG"] is False
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["HSTS"] >= 31536000 and s["HSTS_PRELOAD"]
    assert s["STATIC"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert s["MEDIA"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert s["TASKS"] == "django_tasks_db.DatabaseBackend"
    assert s["LOG_FORMAT"] == "json"
    # Without a TLS proxy's header, redirecting to HTTPS would loop; behind one it is on.
    assert not s["SSL_REDIRECT"] and s["PROXY_HEADER"] is None
    behind = settings_in({**PRODUCTION, "BEHIND_TLS_PROXY": "1"})
    assert behind["SSL_REDIRECT"] and behind["PROXY_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_https_settings_can_be_turned_off_or_pointed_at_another_header():
    s = settings_in({
        **PRODUCTION, "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Ssl: on",
        "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_PRELOAD": "0",
    })  # fmt: skip
    assert s["PROXY_HEADER"] == ["HTTP_X_FORWARDED_SSL", "on"]
    assert not s["SSL_REDIRECT"] and not s["HSTS_PRELOAD"]


@pytest.mark.parametrize("name", list(PRODUCTION))
def test_production_refuses_to_start_without_what_it_needs(name, tmp_path):
    env = {key: value for key, value in PRODUCTION.items() if key != name}
    key_file = ROOT / ".secret_key"
    existed = key_file.exists()
    result = manage(env, "check")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert name in lines[0] and "DEBUG" in lines[0]
    assert key_file.exists() == existed  # no key file is written outside DEBUG


def test_gunicorn_stops_at_once_naming_what_is_missing():
    env = {key: value for key, value in PRODUCTION.items() if key != "SITE_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "2",
         "config.wsgi:application"],
        cwd=ROOT, env=clean_env(env), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "ImproperlyConfigured: With DEBUG off, Vetted needs SITE_URL" in result.stderr


def test_check_deploy_is_clean_with_the_documented_environment():
    result = manage(example_environment(), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_when_email_would_only_be_printed():
    env = {**example_environment(), "EMAIL_HOST": ""}
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "vetted.W001" in result.stderr and "EMAIL_HOST is not set" in result.stderr


def test_s3_media_storage_and_its_origin_from_the_environment():
    s = settings_in({
        **PRODUCTION, "AWS_STORAGE_BUCKET_NAME": "clinic-media",
        "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000", "AWS_S3_REGION_NAME": "eu-central-1",
        "AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret",
    })  # fmt: skip
    options = s["MEDIA"]["OPTIONS"]
    assert s["MEDIA"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert options["bucket_name"] == "clinic-media" and options["region_name"] == "eu-central-1"
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    assert options["access_key"] == "id" and options["secret_key"] == "secret"
    assert options["querystring_auth"] is False and options["file_overwrite"] is False
    assert s["IMG_SRC"] == ["'self'", "data:", "http://127.0.0.1:9000"]
    cdn = settings_in({**PRODUCTION, "AWS_STORAGE_BUCKET_NAME": "m",
                       "AWS_S3_CUSTOM_DOMAIN": "media.clinic.example"})  # fmt: skip
    assert cdn["MEDIA"]["OPTIONS"]["custom_domain"] == "media.clinic.example"
    assert cdn["IMG_SRC"][-1] == "https://media.clinic.example"


def test_smtp_from_the_environment():
    s = settings_in({**PRODUCTION, "EMAIL_HOST": "smtp.clinic.example"})
    assert s["EMAIL"] == "django.core.mail.backends.smtp.EmailBackend" and s["EMAIL_USE_TLS"]


@pytest.mark.parametrize("url", ["", "postgres://postgres@127.0.0.1:5432/test"])
def test_database_connections_are_kept_between_requests(url):
    # Opening SQLite (and its WAL pragmas) or a PostgreSQL connection per request was a large
    # share of an uncached page's cost; CONN_MAX_AGE keeps one per worker thread.
    env = {"DEBUG": "1", **({"DATABASE_URL": url} if url else {})}
    assert settings_in(env)["CONN_MAX_AGE"] == 60
    assert settings_in({**env, "CONN_MAX_AGE": "0"})["CONN_MAX_AGE"] == 0


def test_database_and_cache_from_the_environment():
    s = settings_in({
        **PRODUCTION,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/vetted",
        "REDIS_URL": "redis://127.0.0.1:6379/1",
        "ALLOWED_HOSTS": "clinic.example, www.clinic.example",
    })  # fmt: skip
    assert s["ENGINE"] == "django.db.backends.postgresql"
    assert s["NAME"] == "vetted"
    assert s["CACHE"] == "config.redis_cache.RedisCache"
    assert s["ALLOWED_HOSTS"] == ["clinic.example", "www.clinic.example"]
    assert s["COPIES"] > 0  # per-process page copies, checked against Redis on every request


def test_without_redis_no_process_keeps_page_copies_and_check_deploy_warns():
    # Each worker's own cache has its own generation: an unpublish through one worker would not
    # reach another's copies.
    assert settings_in(PRODUCTION)["COPIES"] == 0
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        env=clean_env(PRODUCTION),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "vetted.W002" in result.stderr + result.stdout


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


def test_hsts_header_with_preload_when_served_over_https(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/", secure=True)
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


def test_plain_http_is_redirected_but_healthz_answers(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/privacy/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    assert client.get("/healthz").status_code != 301


@pytest.mark.parametrize(
    "name, value", [("REVIEW_VALIDITY_DAYS", "a year"), ("REGISTRY_TIMEOUT", "-1")]
)
def test_a_bad_number_stops_start_up_with_a_message_naming_it(name, value):
    result = manage({**PRODUCTION, name: value}, "check")
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert "ImproperlyConfigured" in line and name in line and repr(value) in line


def test_json_log_lines_carry_the_message_extra_fields_and_the_traceback():
    record = logging.makeLogRecord({
        "name": "articles.jobs", "levelname": "WARNING", "msg": "could not publish %s",
        "args": ("back-pain",), "article": 7,
    })  # fmt: skip
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "articles.jobs"
    assert entry["message"] == "could not publish back-pain" and entry["article"] == 7
    assert "ValueError: boom" in entry["exception"]


def test_a_sentry_dsn_without_sentry_sdk_says_what_to_install():
    missing = mock.patch.dict(sys.modules, {"sentry_sdk": None})
    with missing, pytest.raises(ImproperlyConfigured, match=r"pip install 'vetted\[sentry\]'"):
        start_sentry("https://key@sentry.example/1", environment="test")


def test_the_suite_itself_runs_with_debug_off():
    from django.conf import settings

    assert not settings.DEBUG and os.environ["DATABASE_URL"]
