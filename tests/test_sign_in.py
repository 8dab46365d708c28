"""Sign-in resists attack (issue 11): throttling and lockout per account and per address,
audited and unlockable; a second factor for reviewers, editors and admins; passwords of at least
12 characters; staff sessions end when idle; every response carries a Permissions-Policy."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from articles.accounts import factors, people
from articles.accounts.middleware import LAST_SEEN_KEY
from articles.audit.models import AuditEvent
from articles.roles import Role
from tests.conftest import PASSWORD, log_in_verified, totp_code

LOGIN = "/admin/login/"


def sign_in(client: Client, user, password: str = PASSWORD, code: str | None = None, **meta):
    data = {"username": user.username, "password": password, "next": "/admin/"}
    if code is not None:
        data["otp_token"] = code
    return client.post(LOGIN, data, **meta)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- Throttling and lockout ------------------------------------------------------------------


def test_wrong_passwords_lock_the_account_even_against_the_right_one(editor, admin_user, settings):
    client = Client()
    for _ in range(settings.SIGN_IN_FAILURE_LIMIT - 1):
        assert sign_in(client, editor, "wrong password").status_code == 200
    locked = sign_in(client, editor, "wrong password")
    assert locked.status_code == 429
    assert "Sign-in is paused" in locked.content.decode()
    # The right password and code are refused too while the lock holds, from anywhere.
    answer = sign_in(Client(), editor, code=totp_code(editor), REMOTE_ADDR="10.0.0.9")
    assert answer.status_code == 429 and not signed_in(client)

    event = AuditEvent.objects.get(action="sign_in_locked")
    assert event.detail["username"] == editor.username
    assert event.object_id == editor.pk

    people.unlock_sign_in(admin_user, username=editor.username, address="127.0.0.1")
    assert AuditEvent.objects.filter(action="sign_in_unlocked").count() == 1
    client = Client()
    assert sign_in(client, editor, code=totp_code(editor)).status_code == 302
    assert signed_in(client)


def test_guessing_many_accounts_from_one_address_locks_the_address(make_user, settings):
    users = [make_user(f"user{i}", Role.WRITER) for i in range(settings.SIGN_IN_FAILURE_LIMIT)]
    client = Client(REMOTE_ADDR="10.1.2.3")
    for user in users:
        sign_in(client, user, "wrong password")
    writer = make_user("wanda_writer", Role.WRITER)
    code = totp_code(writer)
    assert sign_in(client, writer, code=code).status_code == 429  # this address is locked
    other_address = Client(REMOTE_ADDR="10.9.9.9")
    assert sign_in(other_address, writer, code=code).status_code == 302  # others are not


def test_an_admin_unlocks_from_the_workspace(editor, admin_user, settings):
    for _ in range(settings.SIGN_IN_FAILURE_LIMIT):
        sign_in(Client(), editor, "wrong password")
    admin = log_in_verified(Client(), admin_user)
    listing = reverse("admin:axes_accessattempt_changelist")
    page = admin.get(listing)
    assert page.status_code == 200 and editor.username in page.content.decode()
    from axes.models import AccessAttempt

    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    admin.post(listing, {"action": "unlock", "_selected_action": ids})
    assert not AccessAttempt.objects.exists()
    assert AuditEvent.objects.filter(action="sign_in_unlocked").exists()
    assert sign_in(Client(), editor, code=totp_code(editor)).status_code == 302


def test_only_admins_see_locked_sign_ins(editor):
    client = log_in_verified(Client(), editor)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


# --- A second factor, by role ----------------------------------------------------------------


@pytest.mark.parametrize("who", ["reviewer", "editor", "admin_user"])
def test_staff_with_an_authenticator_need_its_code_to_sign_in(request, who):
    user = request.getfixturevalue(who)
    client = Client()
    refused = sign_in(client, user)
    assert "Enter the current code" in refused.content.decode() and not signed_in(client)
    assert sign_in(client, user, code="000000").status_code == 200 and not signed_in(client)
    assert sign_in(client, user, code=totp_code(user)).status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.EDITOR, Role.ADMIN])
def test_staff_without_an_authenticator_must_set_one_up_first(make_user, role):
    user = make_user("newcomer", role, credentials="MD", factor=False)
    client = Client()
    assert sign_in(client, user).status_code == 302
    assert client.get("/admin/").url == reverse("two_factor")
    assert client.get(reverse("admin:articles_article_changelist")).url == reverse("two_factor")

    setup = client.get(reverse("two_factor"))
    assert "Set up two-step sign-in" in setup.content.decode()
    assert "<svg" in setup.content.decode()  # the QR code, drawn here
    device = factors.pending_device(user)
    assert factors.secret_text(device) in setup.content.decode()
    assert client.post(reverse("two_factor"), {"otp_token": "000000"}).status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # django-otp slows guessing down
    type(device).objects.filter(pk=device.pk).update(throttling_failure_count=0)
    client.post(reverse("two_factor"), {"otp_token": totp_code_of(device)})
    assert factors.has_factor(user)
    assert client.get("/admin/").status_code == 200  # this session proved the factor
    assert AuditEvent.objects.filter(action="factor_enrolled", object_id=user.pk).exists()


def totp_code_of(device) -> str:
    from django_otp.oath import TOTP

    return f"{TOTP(device.bin_key).token():06d}"


def test_a_session_signed_in_without_the_code_is_sent_back_to_sign_in(editor):
    client = Client()
    client.force_login(editor)  # a session that never proved the factor
    answer = client.get("/admin/")
    assert answer.status_code == 302 and answer.url.startswith(LOGIN)
    assert not signed_in(client)


def test_writers_may_sign_in_with_a_password_unless_the_setting_requires_more(make_user, settings):
    writer = make_user("wes_writer", Role.WRITER, factor=False)
    client = Client()
    sign_in(client, writer)
    assert client.get("/admin/").status_code == 200
    settings.OTP_REQUIRED_FOR_WRITERS = True
    assert client.get("/admin/").url == reverse("two_factor")


# --- Passwords, idle sessions, headers --------------------------------------------------------


def test_passwords_need_twelve_characters():
    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("Tr0ub4dor&3")  # 11
    validate_password("a fine passphrase")


def test_an_idle_staff_session_ends(editor, settings):
    client = log_in_verified(Client(), editor)
    assert client.get("/admin/").status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - settings.STAFF_IDLE_TIMEOUT_MINUTES * 60 - 5
    session.save()
    answer = client.get("/admin/")
    assert answer.status_code == 302 and answer.url.startswith(LOGIN)
    assert not signed_in(client)


def test_an_active_staff_session_stays(editor, settings):
    client = log_in_verified(Client(), editor)
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - settings.STAFF_IDLE_TIMEOUT_MINUTES * 60 + 60
    session.save()
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("path", ["/", "/admin/login/", "/no-such-page/", "/healthz"])
def test_every_response_has_a_permissions_policy(client, db, path):
    policy = client.get(path).headers["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy


def test_a_cached_public_page_keeps_the_permissions_policy(client, published):
    path = f"/articles/{published.slug}/"
    client.get(path)
    assert "camera=()" in client.get(path).headers["Permissions-Policy"]


# --- Passwords are the person's own ----------------------------------------------------------


def test_a_reset_link_lets_the_person_choose_a_password_audited(
    writer, admin_user, django_capture_on_commit_callbacks
):
    from django.core import mail

    admin = log_in_verified(Client(), admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        sent = admin.post(reverse("admin:auth_user_send_reset", args=[writer.pk]))
    assert sent.status_code == 302
    (message,) = mail.outbox
    assert message.to == [writer.email]
    link = next(word for word in message.body.split() if "/admin/reset/" in word)
    assert link not in admin.get(sent.url).content.decode()  # the admin never sees it

    person = Client()
    form = person.get(link, follow=True)
    short = person.post(
        form.redirect_chain[-1][0], {"new_password1": "short-pw", "new_password2": "short-pw"}
    )
    assert "at least 12 characters" in short.content.decode()
    chosen = "a long passphrase of mine"
    person.post(form.redirect_chain[-1][0], {"new_password1": chosen, "new_password2": chosen})
    writer.refresh_from_db()
    assert writer.check_password(chosen)
    assert list(AuditEvent.objects.filter(object_id=writer.pk).values_list("action", flat=True))[
        -2:
    ] == ["password_reset_sent", "password_changed"]


def test_anyone_can_ask_for_their_own_reset_link(writer, django_capture_on_commit_callbacks):
    from django.core import mail

    client = Client()
    login_page = client.get(LOGIN).content.decode()
    assert reverse("admin_password_reset") in login_page
    assert client.get(reverse("admin_password_reset")).status_code == 200
    client.post(reverse("admin_password_reset"), {"email": writer.email})
    assert [m.to for m in mail.outbox] == [[writer.email]]


def test_changing_ones_own_password_is_audited_and_needs_twelve_characters(editor):
    client = log_in_verified(Client(), editor)
    page = reverse("admin:password_change")
    short = client.post(
        page,
        {"old_password": PASSWORD, "new_password1": "short-pw1", "new_password2": "short-pw1"},
    )
    assert "at least 12 characters" in short.content.decode()
    chosen = "my own long passphrase"
    done = client.post(
        page, {"old_password": PASSWORD, "new_password1": chosen, "new_password2": chosen}
    )
    assert done.status_code == 302
    event = AuditEvent.objects.get(action="password_changed")
    assert (event.actor, event.object_id) == (editor, editor.pk)
