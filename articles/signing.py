"""What makes an approval an electronic signature, checked by `workflow.approve` under its lock.

The signer proves who they are at the moment of signing with both of their own components: the
password only they know and the code from the authenticator only they hold. The first signature
of a session also asks for the user name (both identification components, in the manner of
21 CFR 11.200(a)(1)); later ones in the same session ask for the password and code. A medical
reviewer signs a one-time certification that their electronic signature binds them before their
first approval.

Wrong attempts are counted per account in the cache with `add` + `incr`, which are atomic, and
the count is taken before anything is checked: twenty wrong passwords sent at once are counted
one by one, and only the first SIGNATURE_MAX_FAILURES are even evaluated.
"""

from __future__ import annotations

from collections.abc import MutableMapping

from django.core.cache import cache
from django.utils.translation import gettext

from articles.accounts import factors

SIGNATURE_MAX_FAILURES = 5
SIGNATURE_LOCKOUT_SECONDS = 15 * 60
# Set in the session after its first signature: later ones need not repeat the user name.
SESSION_SIGNER_KEY = "vetted_signed_as"

CERTIFICATION_STATEMENT = (
    "I certify that the electronic signature I use in Vetted is the legally binding equivalent "
    "of my traditional handwritten signature. I will not share my password or my authenticator "
    "with anyone, and I will tell the clinic at once if I believe either has been used by "
    "someone else."
)


_NO_FACTOR = (
    "Set up your authenticator app first (Two-step sign-in, at the top of the workspace); "
    "every signature needs a code from it. Nothing was signed."
)


class SignerRefused(Exception):
    """The signer's identity was not proven; the message says what to do. Nothing was signed."""


def _failures_key(user) -> str:
    return f"vetted:signature-failures:{user.pk}"


def needs_user_name(user, session: MutableMapping | None) -> bool:
    """The first signature of a session (or any signature made outside a browser session)
    asks for the user name as well."""
    return session is None or session.get(SESSION_SIGNER_KEY) != user.pk


def remember_signer(user, session: MutableMapping | None) -> None:
    if session is not None:
        session[SESSION_SIGNER_KEY] = user.pk


def has_certified(user) -> bool:
    from articles.accounts.models import SignerCertification

    return SignerCertification.objects.filter(user=user).exists()


def check_ready(user) -> None:
    """Refuse before any secret is asked for if this person cannot sign yet."""
    if not factors.has_factor(user):
        raise SignerRefused(_NO_FACTOR)
    if not has_certified(user):
        raise SignerRefused(
            gettext(
                "Before your first approval, sign the statement that your electronic signature is "
                "binding (Signature certification, at the top of the workspace). Nothing was "
                "signed."
            )
        )


def _count_attempt(user) -> int:
    """Count this attempt atomically and return the running count (1 for the first)."""
    key = _failures_key(user)
    cache.add(key, 0, SIGNATURE_LOCKOUT_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, SIGNATURE_LOCKOUT_SECONDS)
        return 1


def verify_signer(
    user,
    *,
    password: str,
    otp_token: str,
    username: str | None = None,
    session: MutableMapping | None = None,
    certifying: bool = False,
) -> None:
    """Raise SignerRefused unless `user` proved, now, that they are the one signing.
    `certifying`: this is the one-time certification itself, which the factor must precede."""
    if certifying:
        if not factors.has_factor(user):
            raise SignerRefused(_NO_FACTOR)
    else:
        check_ready(user)
    if _count_attempt(user) > SIGNATURE_MAX_FAILURES:
        raise SignerRefused(
            gettext(
                "Too many wrong attempts. Signing is paused on your account for 15 minutes. "
                "Nothing was signed."
            )
        )
    if needs_user_name(user, session) and (username or "").strip() != user.get_username():
        raise SignerRefused(
            gettext(
                "Enter your own user name: the first signature of a session asks for it. "
                "Nothing was signed."
            )
        )
    if not password or not user.check_password(password):
        raise SignerRefused(gettext("That password is not correct. Nothing was signed."))
    if factors.verify(user, otp_token) is None:
        raise SignerRefused(
            gettext(
                "That authenticator code is not correct or was already used; enter the current "
                "code from your app. Nothing was signed."
            )
        )
    cache.delete(_failures_key(user))
