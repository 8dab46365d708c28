"""Vetted settings. Everything that differs between machines comes from the environment."""

import os
import secrets
import warnings
from datetime import timedelta
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

# --- Production requirements (deployment) ----------------------------------------------------
# With DEBUG off this is production: start-up stops, naming what is missing, rather than falling
# back to a key file per checkout (two app servers, two keys), a SQLite file or per-machine hosts.
PRODUCTION_REQUIRED = ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "SITE_URL", "AUDIT_HMAC_KEY")
if not DEBUG and (
    missing := [name for name in PRODUCTION_REQUIRED if not os.environ.get(name, "").strip()]
):
    raise ImproperlyConfigured(
        f"With DEBUG off, Vetted needs {', '.join(missing)} in the environment "
        "(see docs/deploy.md; DEBUG=1 is for a local run)."
    )
# The key file is only ever written for a local run (DEBUG on).
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
    # The apps inside articles come before it: post_migrate reaches articles last, when their
    # permissions exist for the role groups (articles.roles.sync_role_groups).
    "articles.readers",
    "articles.audit",
    "articles.public",
    "articles.accounts",
    "articles",
]

MIDDLEWARE = [
    # First: a cached public page is answered before the rest of the stack runs, with the
    # headers the stack gave it when it was stored.
    "articles.public.cache.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (hashed names, compressed, cached for a year) before anything else reads them.
    "whitenoise.middleware.WhiteNoiseMiddleware",
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
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},  # issue 11: at least 12 characters
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# --- I18N, static, media --------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
# Spanish is next (issue 12). Every page is still served in LANGUAGE_CODE: there is no
# LocaleMiddleware, because the page cache keys pages by URL only; a per-language key (or
# per-language URLs) comes first. `make messages` extracts the strings into locale/.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

# --- Static files and media (deployment) ------------------------------------------------------
# Static files: WhiteNoise serves what `collectstatic` wrote to STATIC_ROOT under hashed,
# compressed names, with a year's Cache-Control (a CDN in front caches them too). With
# STATIC_HASHED_NAMES=0 (tests, benchmarks, DEBUG) names are plain and WhiteNoise reads the apps'
# static folders, so nothing has to be collected first.
STATIC_URL = os.environ.get("STATIC_URL", "/static/")
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATIC_HASHED_NAMES = env_bool("STATIC_HASHED_NAMES", default=not DEBUG)
WHITENOISE_USE_FINDERS = not STATIC_HASHED_NAMES
if WHITENOISE_USE_FINDERS:
    # Nothing collected is expected then; WhiteNoise would warn that STATIC_ROOT is missing.
    warnings.filterwarnings("ignore", message="No directory at")

# Media (uploaded images and their renditions): local files under MEDIA_ROOT by default; with
# AWS_STORAGE_BUCKET_NAME set, an S3-compatible bucket through django-storages. Files are named
# after their content, so they are never overwritten and may be cached for a year.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_BUCKET = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")


def _s3_media_storage() -> dict:
    options = {
        "bucket_name": MEDIA_BUCKET,
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
        "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
        "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
        "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
        "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
        "url_protocol": os.environ.get("AWS_S3_URL_PROTOCOL", "https:"),
        # Public pictures on public pages: plain URLs a CDN can cache, not signed ones.
        "querystring_auth": False,
        "file_overwrite": False,
        "default_acl": None,
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
    }
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {key: value for key, value in options.items() if value is not None},
    }


def _media_origin() -> str | None:
    """Where media URLs point when they are not on this site: the custom domain (a CDN), else the
    endpoint (path-style) or AWS's bucket host. The Content-Security-Policy allows images from
    it."""
    if not MEDIA_BUCKET:
        return None
    protocol = os.environ.get("AWS_S3_URL_PROTOCOL", "https:")
    if domain := os.environ.get("AWS_S3_CUSTOM_DOMAIN"):
        return f"{protocol}//{domain.split('/')[0]}"
    if endpoint := os.environ.get("AWS_S3_ENDPOINT_URL"):
        parts = urlsplit(endpoint)
        return f"{parts.scheme}://{parts.netloc}"
    region = os.environ.get("AWS_S3_REGION_NAME", "us-east-1")
    return f"https://{MEDIA_BUCKET}.s3.{region}.amazonaws.com"


STORAGES = {
    "default": (
        _s3_media_storage()
        if MEDIA_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_HASHED_NAMES
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ORIGIN = _media_origin()
# The image pipeline (articles.images) refuses bigger files before Pillow reads them, and images
# declaring more pixels before it decodes them (40 million pixels decode to about 160 MB).
IMAGE_MAX_BYTES = env_number("IMAGE_MAX_BYTES", str(10 * 1024 * 1024), minimum=1)
IMAGE_MAX_PIXELS = env_number("IMAGE_MAX_PIXELS", "40000000", minimum=1)
# Uploaded images are decoded by Pillow; refuse bigger files before they reach it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email and the task queue (deployment) -----------------------------------------------------
# SMTP from the environment once EMAIL_HOST is set; else printed to the console (a local run).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_number("EMAIL_PORT", "587", minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
if EMAIL_USE_SSL:
    EMAIL_USE_TLS = False  # implicit TLS (port 465) instead of STARTTLS; Django takes one
EMAIL_TIMEOUT = env_number("EMAIL_TIMEOUT", "10", minimum=1)
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Vetted <vetted@localhost>")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# Mail is sent by a task, queued once the change is committed and run outside the request by the
# worker (`manage.py db_worker`, a systemd unit in production). TASKS_BACKEND=immediate runs
# tasks at once, in the process that queues them (a local run without a worker).
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
# run_jobs deletes the queue's records of sent (or failed) email after this many hours: they hold
# the recipients' addresses, readers' among them.
TASK_RESULT_RETENTION_HOURS = env_number("TASK_RESULT_RETENTION_HOURS", "48", minimum=1)
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[os.environ.get("TASKS_BACKEND", "immediate" if DEBUG else "database")]
    }
}

# --- Security headers -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# --- HTTPS (deployment) ---
# HSTS (sent on HTTPS responses only) with subdomains and preload, on with DEBUG off; each can be
# turned off, e.g. SECURE_HSTS_PRELOAD=0 for a domain that is not to be on browsers' preload list.
SECURE_HSTS_SECONDS = env_number("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# Behind a proxy that terminates TLS, the proxy's header says the request came over HTTPS:
# BEHIND_TLS_PROXY=1 trusts X-Forwarded-Proto; SECURE_PROXY_SSL_HEADER="Name: value" another one.
# Only the proxy may set it (it must overwrite what the client sent).
SECURE_PROXY_SSL_HEADER = None
if proxy_header := os.environ.get("SECURE_PROXY_SSL_HEADER", ""):
    header_name, _, header_value = proxy_header.partition(":")
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + header_name.strip().upper().replace("-", "_"),
        header_value.strip(),
    )
elif env_bool("BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Plain HTTP is redirected to HTTPS by default behind TLS (without the proxy's header a redirect
# would loop); /healthz stays answerable over plain HTTP for the load balancer.
SECURE_SSL_REDIRECT = env_bool(
    "SECURE_SSL_REDIRECT", default=not DEBUG and SECURE_PROXY_SSL_HEADER is not None
)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Media on a bucket or CDN of its own (MEDIA_ORIGIN) is the one other origin.
        "img-src": [SELF, "data:", *([MEDIA_ORIGIN] if MEDIA_ORIGIN else [])],
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

# Promotional content (promotional articles, prompts) also needs a compliance reviewer's approval
# of the same content hash before it is published.
PROMOTIONAL_SECOND_REVIEW = env_bool("PROMOTIONAL_SECOND_REVIEW")
COMPLIANCE_SIGNATURE_MEANING = (
    "I have reviewed this promotional content and it complies with the rules for advertising "
    "health services."
)
# Owners and editors are emailed this many days before a live approval expires.
APPROVAL_EXPIRY_WARNING_DAYS = env_number("APPROVAL_EXPIRY_WARNING_DAYS", "30", minimum=1)

# --- Logging and error reporting (deployment) --------------------------------------------------
# One JSON object a line on stderr in production (journald and log shippers read it as is);
# LOG_FORMAT=text for people reading a terminal, the default with DEBUG on.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT is {LOG_FORMAT!r}; it must be json or text.")
# --- Audit trail: what must live outside the database -----------------------------------------
# The key that signs audit events, the anchor and stored public pages (HMAC-SHA256). Required
# with DEBUG off; keep it like SECRET_KEY, and apart from database backups. To rotate, move the
# old key into AUDIT_HMAC_KEYS (comma-separated) and set a new AUDIT_HMAC_KEY: what the old key
# signed still verifies, and everything new is signed with the new one.
AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY", "")
AUDIT_HMAC_KEYS = env_list("AUDIT_HMAC_KEYS", "")
# Where run_jobs keeps the signed head of the audit trail, for verify_audit to compare: a file
# path, or with AUDIT_ANCHOR_STORAGE (an alias in STORAGES, e.g. an S3 bucket through
# django-storages) the name of the object there. Put it where database access does not reach.
AUDIT_ANCHOR = os.environ.get("AUDIT_ANCHOR", str(BASE_DIR / "audit-anchor.json"))
AUDIT_ANCHOR_STORAGE = os.environ.get("AUDIT_ANCHOR_STORAGE", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
# Errors to Sentry when SENTRY_DSN is set (pip install 'vetted[sentry]'). No personal data is
# sent: readers' requests carry health questions.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from config.logging import start_sentry

    start_sentry(SENTRY_DSN, environment=os.environ.get("SENTRY_ENVIRONMENT", "production"))

# --- Health (deployment) ---
# /healthz answers 503 when run_jobs (cron, every minute) has not finished a run for this long.
JOBS_STALE_MINUTES = env_number("JOBS_STALE_MINUTES", "10", minimum=1)

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
# Every task's start and end at INFO only in the worker (db_worker sets its own level), not in
# every process that runs one at once (the demo, tests, TASKS_BACKEND=immediate).
LOGGING["loggers"]["django_tasks"] = {"level": "WARNING"}

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

# --- Limits on input (issue 11): each refused with one line, before anything is written --------
# HTML bodies (articles, prompts), checked before the sanitizer so its cost stays linear.
HTML_MAX_CHARS = env_number("HTML_MAX_CHARS", "200000", minimum=1)
HTML_MAX_DEPTH = env_number("HTML_MAX_DEPTH", "100", minimum=1)
# import_posts: the export file's size (checked before it is read) and its posts and pages.
IMPORT_MAX_BYTES = env_number("IMPORT_MAX_BYTES", str(50 * 1024 * 1024), minimum=1)
IMPORT_MAX_POSTS = env_number("IMPORT_MAX_POSTS", "5000", minimum=1)
# import_references: the file's size and its entries.
REFERENCES_MAX_BYTES = env_number("REFERENCES_MAX_BYTES", str(10 * 1024 * 1024), minimum=1)
REFERENCES_MAX_ENTRIES = env_number("REFERENCES_MAX_ENTRIES", "10000", minimum=1)
# How deeply an import file's own structure may nest (WordPress XML, CSL-JSON).
IMPORT_MAX_DEPTH = env_number("IMPORT_MAX_DEPTH", "50", minimum=2)
# Sources: a title's characters, authors listed, the reference as written.
SOURCE_TITLE_MAX = env_number("SOURCE_TITLE_MAX", "1000", minimum=1)
SOURCE_MAX_AUTHORS = env_number("SOURCE_MAX_AUTHORS", "1000", minimum=1)
SOURCE_AS_WRITTEN_MAX = env_number("SOURCE_AS_WRITTEN_MAX", "100000", minimum=1)
# Registry answers: bytes read (while streaming) and seconds for a whole lookup, retries
# included, however slowly the answer arrives.
REGISTRY_MAX_BYTES = env_number("REGISTRY_MAX_BYTES", str(5 * 1024 * 1024), minimum=1)
REGISTRY_DEADLINE = env_number("REGISTRY_DEADLINE", "20", float, minimum=0.1)
# --- Trust: sign-in and signer identity (issue 11, w11a) ---------------------------------------
# A second factor (TOTP, django-otp) for sign-in and for every signature; sign-in throttling and
# lockout per account and per address (django-axes); an idle timeout for staff sessions; a
# Permissions-Policy header on every response. See articles/accounts/ and articles/signing.py.
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "axes"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "articles.accounts.middleware.permissions_policy",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "articles.accounts.middleware.StaffSessionMiddleware",
)
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last, as django-axes asks
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked accounts and addresses first
    "django.contrib.auth.backends.ModelBackend",
]
# Wrong sign-ins before an account, or an address, is locked, and for how long. An admin can
# unlock sooner ("Locked sign-ins" in the workspace).
SIGN_IN_FAILURE_LIMIT = env_number("SIGN_IN_FAILURE_LIMIT", "5", minimum=1)
SIGN_IN_LOCKOUT_MINUTES = env_number("SIGN_IN_LOCKOUT_MINUTES", "30", minimum=1)
AXES_FAILURE_LIMIT = SIGN_IN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=SIGN_IN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "articles.readers.protection.client_address"
AXES_LOCKOUT_TEMPLATE = "admin/accounts/locked.html"
AXES_ENABLE_ADMIN = False  # articles.admin.users shows lockouts with an audited unlock
AXES_VERBOSE = False
# Reviewers, editors and admins always sign in with a second factor; writers too when set.
OTP_REQUIRED_FOR_WRITERS = env_bool("OTP_REQUIRED_FOR_WRITERS")
OTP_TOTP_ISSUER = "Vetted"
# Staff sessions end after this many minutes without a request, and after SESSION_COOKIE_AGE.
STAFF_IDLE_TIMEOUT_MINUTES = env_number("STAFF_IDLE_TIMEOUT_MINUTES", "30", minimum=1)
SESSION_COOKIE_AGE = env_number("SESSION_HOURS", "12", minimum=1) * 3600
# --- end Trust (w11a) -------------------------------------------------------------------------
# --- One cache, many processes, many sites (issue 14) -------------------------------------------
# Kept in one block: deployments sharing a Redis, the page cache's per-process copies, CDN purge.
# Every key of the default cache starts with CACHE_KEY_PREFIX, so deployments can share one
# Redis; by default the site's host from SITE_URL (page-cache keys carry SITE_URL as well).
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX") or urlsplit(SITE_URL).netloc or "vetted"
CACHES["default"]["KEY_PREFIX"] = CACHE_KEY_PREFIX
# Bytes of cached pages each process keeps in memory in front of the shared cache, served only
# while the site generation read from the shared cache on each request is theirs. 0: none, the
# default without Redis: a per-process cache is not shared, so its generation is not either.
PAGE_CACHE_PROCESS_BYTES = env_number(
    "PAGE_CACHE_PROCESS_BYTES", str(32 * 1024 * 1024) if REDIS_URL else "0"
)
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
