"""What every public form that readers send is protected by, besides Django's CSRF check.

- A honeypot: a field people never see or reach (visually hidden, hidden from screen readers, out
  of the tab order, no autofill) that naive bots fill in. A filled honeypot is never stored; views
  answer as if it had worked, so a bot learns nothing.
- A rate limit per client, counted in the cache under a keyed hash of the client's address
  (`client_key`), never the address itself: READER_RATE_LIMIT sends per action per hour.
- Single-line fields (names, email addresses, phone numbers) refuse line breaks and control
  characters: they may end up in email headers, where a line break starts a new header.

The client's address is REMOTE_ADDR. Behind a proxy (BEHIND_TLS_PROXY) every reader would share
the proxy's address, so the right-most X-Forwarded-For entry is used instead: the one the proxy
itself appended. Entries to its left come from the client and can be forged.
"""

from __future__ import annotations

import logging
import re

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

HONEYPOT_FIELD = "website"
RATE_WINDOW_SECONDS = 60 * 60
CLIENT_KEY_SALT = "vetted.readers.client"
# What a cache backend raises when its server is unreachable or slow.
CACHE_ERRORS = (RedisError, OSError)
# C0 and C1 control characters (CR and LF among them), DEL, and the Unicode line and paragraph
# separators, which some mail and log software also treats as line breaks.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
BOT_MESSAGE = _("This form could not be sent. Please try again.")


def client_address(request: HttpRequest) -> str:
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
        if entries:
            return entries[-1]
    return request.META.get("REMOTE_ADDR", "")


def client_key(request: HttpRequest) -> str:
    """A keyed hash (HMAC-SHA256, key derived from SECRET_KEY) of the client's address: stable
    enough to count one client's sends, useless for finding out who the client is."""
    return salted_hmac(CLIENT_KEY_SALT, client_address(request), algorithm="sha256").hexdigest()


class _CacheHealth:
    warned = False


def allow(request: HttpRequest, action: str) -> bool:
    """Count one send of `action` by this client; False once it exceeds READER_RATE_LIMIT in the
    current hour. A cache that is down lets readers through (logged once per process): losing the
    rate limit for a while is better than losing every reader's request."""
    key = f"vetted:readers:rate:{action}:{client_key(request)}"
    try:
        cache.add(key, 0, timeout=RATE_WINDOW_SECONDS)
        try:
            count = cache.incr(key)
        except ValueError:  # the entry expired between add and incr: a new window starts
            cache.set(key, 1, timeout=RATE_WINDOW_SECONDS)
            count = 1
    except CACHE_ERRORS as exc:
        if not _CacheHealth.warned:
            _CacheHealth.warned = True
            log.warning("The cache is unreachable (%s); reader forms are not rate limited.", exc)
        return True
    _CacheHealth.warned = False
    return count <= settings.READER_RATE_LIMIT


class HoneypotInput(forms.TextInput):
    def __init__(self) -> None:
        super().__init__(attrs={"tabindex": "-1", "autocomplete": "off", "aria-hidden": "true"})


class ProtectedForm(forms.Form):
    """A public form with the honeypot field, and with line breaks and control characters refused
    in every single-line text field (any field whose widget is not a textarea)."""

    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=HoneypotInput(),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if is_bot(self):
            raise forms.ValidationError(BOT_MESSAGE, code="honeypot")
        for name, field in self.fields.items():
            if name == HONEYPOT_FIELD or isinstance(field.widget, forms.Textarea):
                continue
            raw = self[name].data
            if isinstance(raw, str) and CONTROL_CHARACTERS.search(raw):
                # One message for the field, replacing e.g. "Enter a valid email address."
                self.errors.pop(name, None)
                cleaned.pop(name, None)
                self.add_error(
                    name,
                    forms.ValidationError(
                        gettext(
                            "%(label)s must be a single line: remove line breaks and other "
                            "control characters."
                        ),
                        code="control_characters",
                        params={"label": field.label or name.capitalize()},
                    ),
                )
        return cleaned


def is_bot(form: forms.Form) -> bool:
    """Whether the honeypot was filled in (decided on the raw data, valid form or not)."""
    return bool(str(form.data.get(form.add_prefix(HONEYPOT_FIELD), "")).strip())
