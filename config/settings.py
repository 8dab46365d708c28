"""Vetted settings. Everything that differs between machines comes from the environment."""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_number(name: str, default: str, kind: type = int, minimum: float = 0) -> int | float:
    """A number from the environment; a bad value stops start-up with a message naming it."""
    raw = os.environ.get(name, default)
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise ImproperlyConfigured(
            f"The environment variable {name} is {raw!r}; it must be a "
            f"{'whole ' if kind is int else ''}number of at least {minimum}."
        )
    return value


def _local_secret_key() -> str:
    """A random key kept beside the project, so a local run needs no setup and never uses a
    published key. Production sets SECRET_KEY."""
    path = BASE_DIR / ".secret_key"
    try:
        # Created readable by its owner only from the first byte; O_EXCL so two processes
        # starting at once cannot write different keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "taggit",
    "django_prose_editor",
    "evidence",
    "articles",
]

MIDDLEWARE = [
    # First: a cached public page is answered before the rest of the stack runs, with the
    # headers the stack gave it when it was stored.
    "articles.public.cache.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.media",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_number("CONN_MAX_AGE", "60"),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two writers queue instead of
    # one failing with "database is locked" halfway through a workflow transition. Connections
    # are kept for CONN_MAX_AGE like any database's, so the pragmas run once per connection.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis backend, reusing its clients (config/redis_cache.py).
            "BACKEND": "config.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# --- I18N, static, media --------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# The image pipeline (articles.images) refuses bigger files before Pillow reads them, and images
# declaring more pixels before it decodes them (40 million pixels decode to about 160 MB).
IMAGE_MAX_BYTES = env_number("IMAGE_MAX_BYTES", str(10 * 1024 * 1024), minimum=1)
IMAGE_MAX_PIXELS = env_number("IMAGE_MAX_PIXELS", "40000000", minimum=1)
# Uploaded images are decoded by Pillow; refuse bigger files before they reach it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email (notifications) ------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Vetted <vetted@localhost>")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# --- Security headers -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = 0 if DEBUG else 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
if env_bool("BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Vetted ---------------------------------------------------------------------------------
# How long a medical reviewer's approval stays valid before the content is review-overdue.
REVIEW_VALIDITY_DAYS = env_number("REVIEW_VALIDITY_DAYS", "365", minimum=1)
# The statement a reviewer signs when approving.
SIGNATURE_MEANING = (
    "I have reviewed this content and it is medically accurate and appropriately sourced."
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- Registries (source verification) --------------------------------------------------------
# Where sources are checked: Crossref by DOI, PubMed E-utilities by PMID. Tests point these at a
# local server; no other code names the real hosts.
CROSSREF_API_URL = os.environ.get("CROSSREF_API_URL", "https://api.crossref.org")
PUBMED_EUTILS_URL = os.environ.get(
    "PUBMED_EUTILS_URL", "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
)
# Sent with every request (Crossref's "polite pool", NCBI's contact address) so the registries
# can reach the operator instead of blocking them. Set it in production.
REGISTRY_CONTACT_EMAIL = os.environ.get("REGISTRY_CONTACT_EMAIL", "")
# Seconds before a registry request counts as timed out (it is then retried, then unreachable).
REGISTRY_TIMEOUT = env_number("REGISTRY_TIMEOUT", "5", float, minimum=0.1)
# run_jobs re-checks sources verified longer ago than this, to catch new retractions.
RETRACTION_RECHECK_DAYS = env_number("RETRACTION_RECHECK_DAYS", "7", minimum=1)
# httpx logs every request at INFO; registry checks make hundreds, and failures are reported.
LOGGING["loggers"] = {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}}

# --- Public site --------------------------------------------------------------------------------
# The sitemap framework's templates.
INSTALLED_APPS += ["django.contrib.sitemaps"]
# How long a whole public page stays in the page cache, and how long a CDN may hold it
# (s-maxage). 0 turns the page cache off; publishing, unpublishing and expiry invalidate it.
PAGE_CACHE_SECONDS = env_number("PAGE_CACHE_SECONDS", "300")
# Where readers report a problem with a page (the editorial policy's corrections section).
CORRECTIONS_EMAIL = os.environ.get("CORRECTIONS_EMAIL", "corrections@example.org")

# --- Readers: information requests and the newsletter -------------------------------------------
# Information requests older than this are deleted by run_jobs (articles.readers.retention).
INFORMATION_REQUEST_RETENTION_DAYS = env_number(
    "INFORMATION_REQUEST_RETENTION_DAYS", "365", minimum=1
)
# Where staff are told that a new information request arrived (a link only, no personal data);
# unset: nobody is emailed.
STAFF_NOTIFICATION_EMAIL = os.environ.get("STAFF_NOTIFICATION_EMAIL", "")
# How long a newsletter confirmation link works; unconfirmed sign-ups are deleted after it.
NEWSLETTER_CONFIRM_HOURS = env_number("NEWSLETTER_CONFIRM_HOURS", "48", minimum=1)
# Sends of each reader form per client address per hour (counted under a hash of the address).
READER_RATE_LIMIT = env_number("READER_RATE_LIMIT", "5", minimum=1)
# Behind the proxy, the client's address is the right-most X-Forwarded-For entry (the one the
# proxy appended), not REMOTE_ADDR (the proxy's own).
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY")

# --- One cache, many processes, many sites (issue 14) -------------------------------------------
# Kept in one block: deployments sharing a Redis, the page cache's per-process copies, CDN purge.
# Every key of the default cache starts with CACHE_KEY_PREFIX, so deployments can share one
# Redis; by default the site's host from SITE_URL (page-cache keys carry SITE_URL as well).
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX") or urlsplit(SITE_URL).netloc or "vetted"
CACHES["default"]["KEY_PREFIX"] = CACHE_KEY_PREFIX
# Bytes of cached pages each process keeps in memory in front of the shared cache, served only
# while the site generation read from the shared cache on each request is theirs. 0: none.
PAGE_CACHE_PROCESS_BYTES = env_number("PAGE_CACHE_PROCESS_BYTES", str(32 * 1024 * 1024))
# Told, after commit, the addresses and surrogate keys of pages that changed (publish, unpublish,
# expiry, prompts), so a CDN drops them at once instead of serving them for s-maxage. The HTTP
# backend sends CDN_PURGE_METHOD to CDN_PURGE_URL: once per address if it holds {url} or {path},
# once per key if it holds {key}, else once with JSON {"urls": [...], "keys": [...]}.
CDN_PURGE_URL = os.environ.get("CDN_PURGE_URL", "")
CDN_PURGE_BACKEND = os.environ.get("CDN_PURGE_BACKEND") or (
    "articles.public.purge.HttpPurge" if CDN_PURGE_URL else "articles.public.purge.NoPurge"
)
CDN_PURGE_METHOD = os.environ.get("CDN_PURGE_METHOD", "")  # default: PURGE per address, else POST
CDN_PURGE_TOKEN = os.environ.get("CDN_PURGE_TOKEN", "")  # sent as "Authorization: Bearer …"
CDN_PURGE_TIMEOUT = env_number("CDN_PURGE_TIMEOUT", "3", float, minimum=0.1)
