"""What admins may do to other people's accounts, and what only the person may do themselves.

An admin never sets or sees another person's password or second factor. They can:
- send a password reset link to the person's own email address (`send_password_reset`);
- ask for a person's authenticator to be removed, which happens only when a second, different
  admin confirms (`request_factor_reset`, `confirm_factor_reset`);
- ask for a person's email address to change, and grant the Admin or Medical reviewer role: both
  also take a second admin (`request_email_change`, `change_roles`, `confirm_change`), since reset
  links go to that address and those roles sign or run accounts. The old address hears of it;
- remove roles and grant the others (`change_roles`, audited by `record_role_changes`); a new
  medical reviewer or admin is announced to the other reviewers and admins;
- unlock a sign-in locked after too many wrong passwords (`unlock_sign_in`).
Each is audited. Whoever confirms a two-person procedure must have been an admin before it was
asked for (`_check_second_admin`), so an admin cannot mint a helper to confirm their own request.
A medical reviewer certifies, once and themselves, that their electronic
signature binds them (`certify_signature`).
"""

from __future__ import annotations

from collections.abc import Iterable

from axes.helpers import get_failure_limit
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles import audit, notifications, signing
from articles.accounts.models import AccountChange, FactorReset, SignerCertification
from articles.audit.models import AuditEvent
from articles.models.content import display_name
from articles.roles import Role, grant, roles_of, signs_approvals


class AccountRefused(Exception):
    """The account change was refused; the message says why. Nothing was changed."""


def is_admin(user) -> bool:
    return user.is_authenticated and (user.is_superuser or Role.ADMIN in roles_of(user))


def _require_admin(actor) -> None:
    if not is_admin(actor):
        raise AccountRefused(gettext("Only an admin may do this."))


def _check_second_admin(actor, *, person, requested_by, requested_at) -> None:
    """The second admin of a two-person procedure: an admin since before it was asked for, and
    neither the one who asked nor the person it is about."""
    _require_admin(actor)
    if actor.pk in (requested_by.pk, person.pk):
        raise AccountRefused(
            gettext("A different admin must confirm: the one who asked, or the person, cannot.")
        )
    if not _admin_before(actor, requested_at):
        raise AccountRefused(
            gettext("Only an admin who was one before this was asked for may confirm.")
        )


def _admin_before(user, moment) -> bool:
    # Roles are granted only through `change_roles`/`confirm_change` (audited) and superuser
    # status only from the command line, so an account made, or made admin, after `moment`
    # shows here.
    if user.date_joined > moment:
        return False
    return not AuditEvent.objects.filter(
        action="role_granted",
        content_type__app_label=user._meta.app_label,
        content_type__model=user._meta.model_name,
        object_id=user.pk,
        detail__role=Role.ADMIN.value,
        created_at__gte=moment,
    ).exists()


def _mail_after_commit(subject: str, body: str, address: str) -> None:
    if address:
        transaction.on_commit(
            lambda: send_mail(f"[Vetted] {subject}", body, settings.DEFAULT_FROM_EMAIL, [address]),
            robust=True,
        )


# --- Passwords ---------------------------------------------------------------------------------


def reset_link(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return settings.SITE_URL.rstrip("/") + path


def send_password_reset(user, actor) -> None:
    """Email the person a link to choose a new password themselves; audited. The admin never
    sees the link or the password."""
    _require_admin(actor)
    if not user.email:
        raise AccountRefused(
            gettext(
                "%(user)s has no email address, so no reset link can be sent. "
                "Add their address first."
            )
            % {"user": user.get_username()}
        )
    audit.record("password_reset_sent", actor=actor, obj=user, detail={"to": user.email})
    link = reset_link(user)
    transaction.on_commit(
        lambda: send_mail(
            "[Vetted] Choose a new password",
            f"An admin ({actor.get_username()}) sent you this link to choose a new password for "
            f"Vetted:\n\n{link}\n\nIt works once. If you did not expect it, tell your clinic.",
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        ),
        robust=True,
    )


def password_changed(user, *, how: str) -> None:
    """Record that the person set their own password (by a reset link, or when signed in)."""
    audit.record("password_changed", actor=user, obj=user, detail={"how": how})


# --- Second factors: the two-person reset ----------------------------------------------------


@transaction.atomic
def request_factor_reset(user, actor, reason: str) -> FactorReset:
    """First admin: ask for `user`'s authenticator to be removed. Nothing changes yet."""
    _require_admin(actor)
    reason = (reason or "").strip()
    if actor.pk == user.pk:
        raise AccountRefused(
            gettext("Another admin must ask for your own authenticator to be reset.")
        )
    if not reason:
        raise AccountRefused(
            gettext("Say why the authenticator must be reset; the reason is audited.")
        )
    if not TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        raise AccountRefused(
            gettext("%(user)s has no authenticator to reset.") % {"user": user.get_username()}
        )
    if pending_factor_reset(user) is not None:
        raise AccountRefused(
            gettext("A reset of %(user)s's authenticator is already waiting for a second admin.")
            % {"user": user.get_username()}
        )
    reset = FactorReset.objects.create(
        user=user, reason=reason, requested_by=actor, requested_at=timezone.now()
    )
    audit.record("factor_reset_requested", actor=actor, obj=user, detail={"reason": reason})
    return reset


def pending_factor_reset(user) -> FactorReset | None:
    return FactorReset.objects.filter(user=user, confirmed_at__isnull=True).first()


@transaction.atomic
def confirm_factor_reset(user, actor) -> None:
    """Second admin: remove the authenticator. They must be neither the admin who asked nor the
    person; the person then sets up a new one at their next sign-in."""
    _require_admin(actor)
    reset = FactorReset.objects.select_for_update().filter(user=user, confirmed_at__isnull=True)
    reset = reset.first()
    if reset is None:
        raise AccountRefused(
            gettext("No reset of %(user)s's authenticator was asked for.")
            % {"user": user.get_username()}
        )
    _check_second_admin(
        actor, person=user, requested_by=reset.requested_by, requested_at=reset.requested_at
    )
    TOTPDevice.objects.filter(user=user).delete()
    reset.confirmed_by, reset.confirmed_at = actor, timezone.now()
    reset.save(update_fields=["confirmed_by", "confirmed_at"])
    audit.record(
        "factor_reset",
        actor=actor,
        obj=user,
        detail={"requested_by": reset.requested_by.get_username(), "reason": reset.reason},
    )
    if user.email:
        transaction.on_commit(
            lambda: send_mail(
                "[Vetted] Your authenticator was reset",
                "Two admins removed your authenticator app from your Vetted account. Set up a "
                "new one when you next sign in. If you did not ask for this, tell your clinic.",
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
            ),
            robust=True,
        )


# --- Email address and signing roles: two admins -------------------------------------------

# Roles that sign content or run accounts: granting one takes a second admin.
CONFIRMED_ROLES = frozenset({Role.ADMIN, Role.REVIEWER})


def pending_changes(user) -> list[AccountChange]:
    return list(
        AccountChange.objects.filter(user=user, confirmed_at__isnull=True).select_related(
            "requested_by"
        )
    )


def may_confirm(change: AccountChange, actor) -> bool:
    try:
        _check_second_admin(
            actor,
            person=change.user,
            requested_by=change.requested_by,
            requested_at=change.requested_at,
        )
    except AccountRefused:
        return False
    return True


@transaction.atomic
def request_email_change(user, actor, new_email: str, reason: str) -> AccountChange:
    """First admin: ask for `user`'s email address to change. Nothing changes until a second
    admin confirms; the current address is told at once."""
    _require_admin(actor)
    new_email, reason = (new_email or "").strip(), (reason or "").strip()
    try:
        validate_email(new_email)
    except ValidationError:
        raise AccountRefused(
            gettext("Enter the new email address, like name@clinic.org.")
        ) from None
    if not reason:
        raise AccountRefused(gettext("Say why the address must change; the reason is audited."))
    if new_email.lower() == (user.email or "").lower():
        raise AccountRefused(
            gettext("%(user)s already has that address.") % {"user": user.get_username()}
        )
    model = get_user_model()
    if model.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        raise AccountRefused(gettext("Another account has that address."))
    if AccountChange.objects.filter(
        user=user, kind=AccountChange.EMAIL, confirmed_at__isnull=True
    ).exists():
        raise AccountRefused(
            gettext("A change of %(user)s's address is already waiting for a second admin.")
            % {"user": user.get_username()}
        )
    change = AccountChange.objects.create(
        user=user,
        kind=AccountChange.EMAIL,
        value=new_email,
        reason=reason,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    audit.record(
        "email_change_requested",
        actor=actor,
        obj=user,
        detail={"from": user.email, "to": new_email, "reason": reason},
    )
    _mail_after_commit(
        "Someone asked to change your email address",
        f"{actor.get_username()} asked to change the email address of your Vetted account to "
        f"{new_email}. A second admin must confirm it. If you did not expect this, tell your "
        "clinic now.",
        user.email,
    )
    return change


def request_role_grant(user, role: Role, actor) -> AccountChange:
    """First admin: ask for `user` to get a signing or account-running role."""
    _require_admin(actor)
    if actor.pk == user.pk:
        raise AccountRefused(gettext("Another admin must give you a role."))
    pending = AccountChange.objects.filter(
        user=user, kind=AccountChange.ROLE, value=role.value, confirmed_at__isnull=True
    ).first()
    if pending is not None:
        return pending
    change = AccountChange.objects.create(
        user=user,
        kind=AccountChange.ROLE,
        value=role.value,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    audit.record("role_grant_requested", actor=actor, obj=user, detail={"role": role.value})
    return change


@transaction.atomic
def change_roles(user, before: Iterable[Role], after: Iterable[Role], actor) -> list[AccountChange]:
    """Apply a role edit an admin made (the groups are already saved as `after`): Admin and
    Medical reviewer are taken back off and asked for instead, to be confirmed by a second
    admin; everything else is recorded. Returns the grants now waiting."""
    before, after = frozenset(before), frozenset(after)
    waiting = sorted((after - before) & CONFIRMED_ROLES)
    if waiting:
        names = [role.value for role in waiting]
        user.groups.remove(*user.groups.filter(name__in=names))
        user.__dict__.pop("_vetted_roles", None)
    record_role_changes(user, before, after - frozenset(waiting), actor)
    return [request_role_grant(user, role, actor) for role in waiting]


@transaction.atomic
def confirm_change(change_id: int, actor) -> AccountChange:
    """Second admin: apply a waiting email or role change."""
    if not str(change_id).isdigit():
        raise AccountRefused(gettext("That change is no longer waiting; it was confirmed already."))
    change = (
        AccountChange.objects.select_for_update()
        .select_related("user", "requested_by")
        .filter(pk=change_id, confirmed_at__isnull=True)
        .first()
    )
    if change is None:
        raise AccountRefused(gettext("That change is no longer waiting; it was confirmed already."))
    user = change.user
    _check_second_admin(
        actor, person=user, requested_by=change.requested_by, requested_at=change.requested_at
    )
    change.confirmed_by, change.confirmed_at = actor, timezone.now()
    change.save(update_fields=["confirmed_by", "confirmed_at"])
    if change.kind == AccountChange.EMAIL:
        _apply_email(change, actor)
    else:
        role = Role(change.value)
        before = roles_of(user)
        grant(user, role)
        record_role_changes(user, before, before | {role}, actor)
    return change


def _apply_email(change: AccountChange, actor) -> None:
    user, old = change.user, change.user.email
    user.email = change.value
    user.save(update_fields=["email"])  # also ends reset links sent to the old address
    audit.record(
        "email_changed",
        actor=actor,
        obj=user,
        detail={
            "from": old,
            "to": change.value,
            "requested_by": change.requested_by.get_username(),
            "reason": change.reason,
        },
    )
    _mail_after_commit(
        "Your email address was changed",
        f"Two admins changed the email address of your Vetted account to {change.value}. "
        "If you did not ask for this, tell your clinic now.",
        old,
    )


# --- Roles -----------------------------------------------------------------------------------


def record_role_changes(user, before: Iterable[Role], after: Iterable[Role], actor) -> None:
    """Audit each role granted or removed; a new medical reviewer or admin is announced to the
    other reviewers and admins, so nobody is made a signer unnoticed."""
    before, after = frozenset(before), frozenset(after)
    for role in sorted(after - before):
        audit.record("role_granted", actor=actor, obj=user, detail={"role": role.value})
        if role == Role.REVIEWER:
            notifications.queue(
                "reviewer_granted",
                user,
                actor,
                {
                    "comment": f"{actor.get_username() if actor else 'The system'} gave "
                    f"{user.get_username()} ({display_name(user)}) the Medical reviewer role. "
                    "If this is unexpected, tell another admin."
                },
            )
        elif role == Role.ADMIN:
            notifications.queue("admin_granted", user, actor, {})
    for role in sorted(before - after):
        audit.record("role_removed", actor=actor, obj=user, detail={"role": role.value})


# --- Sign-in lockouts ------------------------------------------------------------------------


def unlock_sign_in(actor, *, username: str = "", address: str = "") -> int:
    """Clear the failed sign-ins recorded for an account and/or an address; audited."""
    _require_admin(actor)
    count = 0
    if username:
        count += axes_reset(username=username)
    if address:
        count += axes_reset(ip=address)
    audit.record(
        "sign_in_unlocked",
        actor=actor,
        detail={"username": username, "address": address, "cleared": count},
    )
    return count


def record_lockout(request, username: str | None, ip_address: str | None) -> None:
    """Axes locked out an account or address (signal receiver): audit it once, when it locks."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None or failures != get_failure_limit(request, None):
        return  # a further attempt while already locked
    user = get_user_model().objects.filter(username=username or "").first()
    audit.record(
        "sign_in_locked",
        obj=user,
        detail={"username": username or "", "address": ip_address or "", "failures": failures},
    )


# --- The reviewer's certification ------------------------------------------------------------


@transaction.atomic
def certify_signature(user, *, username: str, password: str, otp_token: str) -> SignerCertification:
    """The reviewer signs, with user name, password and code, that their electronic signature
    binds them. Once per person; required before their first approval."""
    if not signs_approvals(user):
        raise AccountRefused(
            gettext("Only a reviewer who signs approvals signs the certification.")
        )
    if signing.has_certified(user):
        raise AccountRefused(gettext("You have already signed the certification."))
    try:
        signing.verify_signer(
            user, password=password, otp_token=otp_token, username=username, certifying=True
        )
    except signing.SignerRefused as refusal:
        raise AccountRefused(
            str(refusal).replace("Nothing was signed.", "Nothing was saved.")
        ) from None
    certification = SignerCertification.objects.create(
        user=user,
        signer_name=display_name(user),
        statement=signing.CERTIFICATION_STATEMENT,
        certified_at=timezone.now(),
    )
    audit.record(
        "signature_certified",
        actor=user,
        obj=user,
        detail={"statement": signing.CERTIFICATION_STATEMENT},
    )
    return certification
