"""Two admins change where reset links go and who may sign or run accounts (issue 11, follow-up
to a security review): one admin alone can no longer point a reviewer's reset link at their own
mailbox, nor mint a helper admin to confirm their own authenticator reset."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles.accounts import people
from articles.accounts.models import AccountChange
from articles.audit.models import AuditEvent
from articles.roles import Role, grant, roles_of
from tests.conftest import PASSWORD, give_factor, log_in_verified
from tests.workflow_support import reload

MALLORY = "mallory@elsewhere.test"  # a mailbox the attacking admin reads; no account has it


@pytest.fixture
def second_admin(make_user):
    return make_user("otto_admin", Role.ADMIN)


@pytest.fixture
def third_admin(make_user):
    return make_user("tess_admin", Role.ADMIN)


def login(user) -> Client:
    return log_in_verified(Client(), user)


def change_form(client: Client, user, **changes) -> dict:
    """The user's change form as the admin's browser would post it, with `changes`."""
    page = client.get(reverse("admin:auth_user_change", args=[user.pk]))
    assert page.status_code == 200
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, list | tuple)
    }
    profile = getattr(user, "profile", None)
    data.update(
        {
            "username": user.username,
            "email": user.email,
            "is_active": "on",
            "is_staff": "on",
            "groups": [group.pk for group in user.groups.all()],
            "last_login_0": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "profile-TOTAL_FORMS": "1" if profile else "0",
            "profile-INITIAL_FORMS": "1" if profile else "0",
        }
    )
    if profile:
        data.update(
            {
                "profile-0-id": profile.pk,
                "profile-0-user": user.pk,
                "profile-0-display_name": profile.display_name,
                "profile-0-credentials": profile.credentials,
                "profile-0-bio": "",
            }
        )
    data.update(changes)
    return data


def save_user(client: Client, user, **changes):
    url = reverse("admin:auth_user_change", args=[user.pk])
    return client.post(url, change_form(client, user, **changes))


def role_ids(*roles: Role) -> list[int]:
    return [Group.objects.get_or_create(name=role.value)[0].pk for role in roles]


def uid(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def confirm(client: Client, change: AccountChange):
    url = reverse("admin:auth_user_account_changes", args=[change.user_id])
    return client.post(url, {"confirm": change.pk})


# --- The two attack paths, end to end ----------------------------------------------------------


def test_one_admin_cannot_send_a_reviewers_reset_link_to_their_own_mailbox(
    admin_user, make_user, django_capture_on_commit_callbacks
):
    """Path 1: the admin writes their own address into a reviewer's account (no authenticator
    yet), asks the public page for a reset link and would choose the reviewer's password."""
    reviewer = make_user("nora_reviewer", Role.REVIEWER, factor=False)
    client = login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        saved = save_user(client, reviewer, email=MALLORY)
    assert saved.status_code == 302
    assert reload(reviewer).email == "nora_reviewer@clinic.test"  # the field is read-only

    Client().post(reverse("admin_password_reset"), {"email": MALLORY})
    to_mallory = [m.body for m in mail.outbox if MALLORY in m.to]
    assert not any(f"/reset/{uid(reviewer)}/" in body for body in to_mallory)

    # Asking through the procedure: the admin cannot confirm it, and the reviewer is told.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:auth_user_account_changes", args=[reviewer.pk]),
            {"email": MALLORY, "reason": "New mailbox"},
        )
        refused = confirm(client, AccountChange.objects.get(user=reviewer))
    assert "A different admin must confirm" in refused.content.decode()
    assert reload(reviewer).email == "nora_reviewer@clinic.test"
    told = [m for m in mail.outbox if m.to == [reviewer.email]]
    assert [m.subject for m in told] == ["[Vetted] Someone asked to change your email address"]
    assert MALLORY in told[0].body


def test_one_admin_cannot_mint_a_helper_admin_to_confirm_their_own_factor_reset(
    admin_user, reviewer, django_capture_on_commit_callbacks
):
    """Path 2: the reviewer has an authenticator. The admin makes a helper account with a
    mailbox they read, gives it the Admin role, and has it confirm their own request to remove
    the reviewer's authenticator."""
    client = login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        added = client.post(
            reverse("admin:auth_user_add"),
            {
                "username": "helper",
                "email": "helper@elsewhere.test",
                "profile-TOTAL_FORMS": "0",
                "profile-INITIAL_FORMS": "0",
            },
        )
    assert added.status_code == 302
    helper = get_user_model().objects.get(username="helper")
    with django_capture_on_commit_callbacks(execute=True):
        saved = save_user(client, helper, groups=role_ids(Role.ADMIN))
    assert saved.status_code == 302
    assert Role.ADMIN not in roles_of(reload(helper))  # waiting for a second admin
    assert AccountChange.objects.filter(user=helper, value=Role.ADMIN.value).exists()

    # As if the admin chose the helper's password from the link mailed to the helper's box.
    helper.set_password(PASSWORD)
    helper.save()
    give_factor(helper)
    client.post(
        reverse("admin:auth_user_factor_reset", args=[reviewer.pk]), {"reason": "Lost phone"}
    )
    confirmed = login(helper).post(
        reverse("admin:auth_user_factor_reset", args=[reviewer.pk]), {"_confirm": "1"}
    )
    assert confirmed.status_code == 403  # the helper is no admin
    assert TOTPDevice.objects.filter(user=reviewer, confirmed=True).exists()
    assert not AuditEvent.objects.filter(action="factor_reset").exists()


# --- Rule 1: an existing account's email address takes two admins ------------------------------


def test_the_email_field_is_read_only_on_existing_accounts_only(admin_user, writer):
    client = login(admin_user)
    change = client.get(reverse("admin:auth_user_change", args=[writer.pk])).content.decode()
    assert 'name="email"' not in change
    assert writer.email in change
    assert "Change email address" in change
    add = client.get(reverse("admin:auth_user_add")).content.decode()
    assert 'name="email"' in add


def test_root_cannot_edit_an_address_nor_make_a_superuser_on_the_page(admin_user, writer):
    root = get_user_model().objects.create_superuser("root", "root@clinic.test", PASSWORD)
    give_factor(root)
    old = writer.email
    saved = save_user(login(root), writer, email=MALLORY, is_superuser="on")
    assert saved.status_code == 302
    writer = reload(writer)
    assert (writer.email, writer.is_superuser) == (old, False)


def test_an_email_change_takes_a_second_admin_and_tells_the_old_address(
    admin_user, second_admin, writer, django_capture_on_commit_callbacks
):
    old = writer.email
    link_token = default_token_generator.make_token(writer)
    with django_capture_on_commit_callbacks(execute=True):
        change = people.request_email_change(writer, admin_user, "wendy@new.test", "New clinic")
    assert reload(writer).email == old
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(login(second_admin), change)
    assert response.status_code == 302
    writer = reload(writer)
    assert writer.email == "wendy@new.test"
    assert not default_token_generator.check_token(writer, link_token)  # old links end
    assert [m.to for m in mail.outbox] == [[old], [old]]
    assert "wendy@new.test" in mail.outbox[1].body
    requested = AuditEvent.objects.get(action="email_change_requested")
    changed = AuditEvent.objects.get(action="email_changed")
    assert (requested.actor, requested.detail["reason"]) == (admin_user, "New clinic")
    assert (changed.actor, changed.detail["from"], changed.detail["to"]) == (
        second_admin,
        old,
        "wendy@new.test",
    )
    assert changed.detail["requested_by"] == admin_user.username


@pytest.mark.parametrize(
    ("address", "reason", "message"),
    [
        ("not-an-address", "x", "Enter the new email address"),
        ("wendy@new.test", "  ", "Say why"),
        ("ada_admin@clinic.test", "x", "Another account has that address"),
    ],
)
def test_an_email_change_needs_a_valid_unused_address_and_a_reason(
    admin_user, writer, address, reason, message
):
    with pytest.raises(people.AccountRefused, match=message):
        people.request_email_change(writer, admin_user, address, reason)
    assert not AccountChange.objects.exists()


def test_the_person_cannot_confirm_their_own_new_address(admin_user, second_admin):
    change = people.request_email_change(second_admin, admin_user, "otto@new.test", "New box")
    with pytest.raises(people.AccountRefused, match="different admin"):
        people.confirm_change(change.pk, second_admin)
    assert reload(second_admin).email == "otto_admin@clinic.test"


# --- Rule 2: the Admin and Medical reviewer roles take two admins ------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.REVIEWER])
def test_a_signing_or_admin_role_waits_for_a_second_admin(
    admin_user,
    second_admin,
    third_admin,
    reviewer,
    writer,
    role,
    django_capture_on_commit_callbacks,
):
    client = login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        saved = save_user(client, writer, groups=role_ids(Role.WRITER, role))
    assert saved.status_code == 302
    assert roles_of(reload(writer)) == {Role.WRITER}
    assert not mail.outbox
    change = AccountChange.objects.get(user=writer)
    page = client.get(reverse("admin:auth_user_account_changes", args=[writer.pk]))
    assert "Another admin must confirm." in page.content.decode()
    assert "Confirm</button>" not in page.content.decode()  # no button that cannot work

    with pytest.raises(people.AccountRefused, match="different admin"):
        people.confirm_change(change.pk, admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert confirm(login(second_admin), change).status_code == 302
    assert roles_of(reload(writer)) == {Role.WRITER, role}
    granted = AuditEvent.objects.get(action="role_granted")
    assert (granted.actor, granted.detail) == (second_admin, {"role": role.value})
    assert AuditEvent.objects.get(action="role_grant_requested").actor == admin_user
    told = sorted(address for m in mail.outbox for address in m.to)
    admins = [admin_user.email, third_admin.email]
    reviewers = [reviewer.email] if role == Role.REVIEWER else []
    assert told == sorted([*admins, *reviewers, writer.email])  # not the one who confirmed


def test_other_roles_and_removals_need_no_second_admin(admin_user, reviewer):
    client = login(admin_user)
    assert save_user(client, reviewer, groups=role_ids(Role.EDITOR)).status_code == 302
    assert roles_of(reload(reviewer)) == {Role.EDITOR}
    assert not AccountChange.objects.exists()


def test_the_person_cannot_confirm_their_own_role(admin_user, writer, make_user):
    grant(writer, Role.ADMIN)  # an admin, but asked about themselves
    change = people.request_role_grant(writer, Role.REVIEWER, admin_user)
    with pytest.raises(people.AccountRefused, match="different admin"):
        people.confirm_change(change.pk, writer)
    assert Role.REVIEWER not in roles_of(reload(writer))


# --- Rule 3: the confirming admin was one before the request --------------------------------


def test_an_admin_made_after_the_request_cannot_confirm_it(
    admin_user, second_admin, reviewer, writer, make_user
):
    change = people.request_email_change(reviewer, admin_user, MALLORY, "New box")
    reset = people.request_factor_reset(reviewer, admin_user, "Lost phone")
    newcomer = make_user("nina_admin", Role.ADMIN)  # an account made after the requests
    grant_change = people.request_role_grant(writer, Role.ADMIN, admin_user)
    people.confirm_change(grant_change.pk, second_admin)  # an honest second admin agrees
    for late in (newcomer, reload(writer)):
        with pytest.raises(people.AccountRefused, match="was one before"):
            people.confirm_change(change.pk, late)
        with pytest.raises(people.AccountRefused, match="was one before"):
            people.confirm_factor_reset(reviewer, late)
        page = login(late).get(reverse("admin:auth_user_account_changes", args=[reviewer.pk]))
        assert "Confirm</button>" not in page.content.decode()
    assert reload(reviewer).email == "rita_reviewer@clinic.test"
    assert TOTPDevice.objects.filter(user=reviewer).exists()
    assert reset.confirmed_at is None
    people.confirm_change(change.pk, second_admin)  # an admin from before may
    assert reload(reviewer).email == MALLORY


def test_the_account_changes_page_is_for_admins(writer, editor, admin_user):
    url = reverse("admin:auth_user_account_changes", args=[writer.pk])
    assert login(editor).get(url).status_code == 403
    page = login(admin_user).get(url).content.decode()
    assert "Change email address" in page
    assert re.search(r'<input type="email" name="email"', page)
