"""Signing in benchmarks: a reviewer made by a script gets their own authenticator and
certification, as a person would set them up, and `credentials` gives what they type to sign."""

from __future__ import annotations


def ready_to_sign(user) -> None:
    """Give the reviewer an authenticator and the signed certification, if they lack them."""
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from articles import signing
    from articles.accounts.models import SignerCertification

    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    if not SignerCertification.objects.filter(user=user).exists():
        SignerCertification.objects.create(
            user=user,
            signer_name=user.get_username(),
            statement=signing.CERTIFICATION_STATEMENT,
            certified_at=timezone.now(),
        )


def credentials(user, password: str) -> dict:
    """User name, password and the current code. A script signs many times within one 30-second
    step, so the device forgets the step it last accepted (a person's code works once)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from articles.accounts import factors

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    factors.forget_used_codes([device])
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"
    return {"username": user.get_username(), "password": password, "otp_token": code}
