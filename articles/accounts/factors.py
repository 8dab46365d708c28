"""Second factors: TOTP authenticator apps through django-otp.

A person enrolls their own device (nobody can do it for them); a confirmed device is then asked
for at sign-in and at every signature. Removing one takes two admins
(`people.confirm_factor_reset`).
"""

from __future__ import annotations

import io
import time
from base64 import b32encode

from django.conf import settings
from django.core.cache import cache
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
    cannot be replayed. That memory is a database row, which a refused signature rolls back with
    everything else; the cache keeps the used step too, outside the transaction."""
    token = (token or "").replace(" ", "").strip()
    if not token.isdigit():
        return None
    for device in TOTPDevice.objects.devices_for_user(user, confirmed=True):
        if device.verify_token(token):
            if not cache.add(_used_key(device, device.last_t), True, USED_CODE_SECONDS):
                return None  # accepted before, in a transaction that was rolled back
            return device
    return None


# Long enough to outlast every step a code is accepted in (django-otp allows one step of drift).
USED_CODE_SECONDS = 5 * 60


def _used_key(device: TOTPDevice, step: int) -> str:
    return f"vetted:otp-used:{device.pk}:{step}"


def forget_used_codes(devices) -> None:
    """Let `devices` accept this step's code again: for the demo and the tests, which sign
    several times within one 30-second step. A real device takes each code once."""
    for device in devices:
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
        now = (int(time.time()) - device.t0) // device.step
        cache.delete_many([_used_key(device, step) for step in range(now - 2, now + 3)])


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
