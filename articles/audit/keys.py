"""The secret keys that sign the audit trail, its anchor and the stored public pages.

They come from the environment, never the database, so someone who can write to the database
cannot forge a record: `AUDIT_HMAC_KEY` signs everything new; `AUDIT_HMAC_KEYS` (comma-separated)
holds earlier keys, kept so what they signed still verifies after a rotation. Each signature is
stored with the id of its key (a fingerprint of the key, never the key), so verification picks
the right one. With DEBUG on and no key set, a key derived from SECRET_KEY is used so a local run
needs no setup; with DEBUG off a missing key stops the first write or check with one line.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_ID_LABEL = b"vetted audit key id"
_DEV_LABEL = b"vetted audit development key"


class UnknownKey(Exception):
    """A record was signed with a key this server does not hold."""


def key_id(key: bytes) -> str:
    """A short public name for a key: the same key always has the same id."""
    return hmac.new(key, _ID_LABEL, hashlib.sha256).hexdigest()[:12]


def _current_key() -> bytes:
    configured = getattr(settings, "AUDIT_HMAC_KEY", "")
    if configured:
        return configured.encode()
    if settings.DEBUG:
        return hmac.new(settings.SECRET_KEY.encode(), _DEV_LABEL, hashlib.sha256).digest()
    raise ImproperlyConfigured(
        "AUDIT_HMAC_KEY is not set: the audit trail cannot be signed or checked without it "
        "(set it in the environment; see README, “What to keep outside the database”)."
    )


def current() -> tuple[str, bytes]:
    """The id and key new records are signed with."""
    key = _current_key()
    return key_id(key), key


def by_id(kid: str) -> bytes:
    """The key with this id: the current one or an earlier one still configured."""
    keys = [_current_key(), *(k.encode() for k in getattr(settings, "AUDIT_HMAC_KEYS", []) if k)]
    for key in keys:
        if key_id(key) == kid:
            return key
    raise UnknownKey(kid)


def sign(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def seal(message: bytes) -> str:
    """A self-describing signature, "<key id>:<mac>", for records that store one column."""
    kid, key = current()
    return f"{kid}:{sign(key, message)}"


def seal_matches(stored: str, message: bytes) -> bool:
    kid, _, mac = (stored or "").partition(":")
    try:
        key = by_id(kid)
    except UnknownKey:
        return False
    return hmac.compare_digest(mac, sign(key, message))


def check_configured(app_configs=None, **kwargs) -> list:
    """`manage.py check --deploy`: production must set AUDIT_HMAC_KEY (registered in apps.py)."""
    from django.core.checks import Error

    if getattr(settings, "AUDIT_HMAC_KEY", "") or settings.DEBUG:
        return []
    return [
        Error(
            "AUDIT_HMAC_KEY is not set: the audit trail cannot be signed or verified.",
            hint="Set it in the environment and keep it outside the database (README).",
            id="vetted.E001",
        )
    ]
