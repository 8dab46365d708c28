"""The consent wording readers agree to, one current version per purpose, kept here in code.

Each stored request or subscription points at the `ConsentText` row of the exact wording the
reader saw, found by its SHA-256 and created the first time that wording is used. Changing the
wording means raising its version here: the earlier rows stay, so what earlier readers agreed to
is never rewritten. Changed wording under an unchanged version is refused, loudly.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from articles.readers.models import ConsentPurpose, ConsentText


@dataclass(frozen=True)
class Wording:
    version: int
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


CURRENT: dict[str, Wording] = {
    ConsentPurpose.INFORMATION_REQUEST: Wording(
        version=1,
        text=(
            "I agree that the clinic may keep the details I give on this form and use them only "
            "to answer this request, by email or by phone if I give a number. The details are "
            "deleted after the period stated in the privacy notice, or sooner if I withdraw my "
            "consent, which I can do at any time."
        ),
    ),
    ConsentPurpose.NEWSLETTER: Wording(
        version=1,
        text=(
            "I agree that the clinic may keep my email address to send me its newsletter, which "
            "includes news about the clinic's own services. I can unsubscribe at any time with "
            "the link in every newsletter; my address is then deleted."
        ),
    ),
}


def wording(purpose: str) -> Wording:
    return CURRENT[purpose]


def current(purpose: str) -> ConsentText:
    """The stored row of the current wording for `purpose`, created on first use."""
    text = wording(purpose)
    found = ConsentText.objects.filter(sha256=text.sha256).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return ConsentText.objects.create(
                purpose=purpose, version=text.version, text=text.text, sha256=text.sha256
            )
    except IntegrityError:
        found = ConsentText.objects.filter(sha256=text.sha256).first()
        if found is not None:  # stored meanwhile by another request
            return found
        raise ImproperlyConfigured(
            f"The {purpose} consent wording in articles/readers/consent.py has changed, but its "
            f"version is still {text.version}: raise the version so earlier consents keep the "
            "wording they were given with."
        ) from None
