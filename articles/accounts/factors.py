"""Second factors: TOTP authenticator apps through django-otp.

A person enrolls their own device (nobody can do it for them); a confirmed device is then asked
for at sign-in and at every signature. Removing one takes two admins
(`people.confirm_factor_reset`).
"""

from __future__ import annotations

import io
from base64 import b32encode

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles import audit
from articles.roles import Role, roles_of

# Roles whose members must sign in with a second factor; writers too when
# OTP_REQUIRED_FOR_WRITERS is set.
TWO_FACTOR_ROLES = frozenset({Role.REVIEWER, Role.COMPLIANCE, Role.EDITOR, Role.ADMIN})


def requires_two_factor(user) -> bool:
    """Whether this person must sign in with a second factor."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    roles = roles_of(user)
    if roles & TWO_FACTOR_ROLES:
        return True
    return bool(Role.WRITER in roles and settings.OTP_REQUIRED_FOR_WRITERS)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def has_factor(user) -> bool:
    return confirmed_device(user) is not None


def verify(user, token: str) -> TOTPDevice | None:
    """The confirmed device that accepts `token` now, or None. A code is accepted once: the
    device remembers the last time step it verified, so a code seen over a shoulder or in a log
    cannot be replayed."""
    token = (token or "").replace(" ", "").strip()
    if not token.isdigit():
        return None
    for device in TOTPDevice.objects.devices_for_user(user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device this person is setting up, created on first visit. Its secret is
    shown only to them, on the enrollment screen."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def confirm_enrollment(user, token: str) -> TOTPDevice | None:
    """Confirm the pending device with a code from the app; audited. None if the code is wrong
    or the person already has a confirmed device (replacing one takes two admins)."""
    if has_factor(user):
        return None
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    token = (token or "").replace(" ", "").strip()
    if device is None or not token.isdigit() or not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
    audit.record("factor_enrolled", actor=user, obj=user, detail={"device": "TOTP"})
    return device


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code (drawn here; nothing is loaded
    from another site)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]


def secret_text(device: TOTPDevice) -> str:
    """The secret as an authenticator app types it in (base32, in groups of four)."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
