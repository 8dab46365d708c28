"""Signer identity belongs to the signer (issue 11): an admin cannot borrow a reviewer's
signature, nor mint a signer of their own; every signature takes the signer's own password and
authenticator code; the first signature of a session asks for the user name too."""

from __future__ import annotations

import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles import signing, workflow
from articles.accounts import factors, people
from articles.accounts.models import SignerCertification
from articles.audit.models import AuditEvent
from articles.forms import ApproveForm
from articles.models import AuthorProfile, Signature, State
from articles.roles import Role, grant, roles_of
from tests.conftest import PASSWORD, log_in_verified, signed_by, totp_code
from tests.workflow_support import reload


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))


@pytest.fixture
def second_admin(make_user):
    return make_user("otto_admin", Role.ADMIN)


# --- The admin takeover path ----------------------------------------------------------------


def test_no_admin_can_set_or_see_another_persons_password(admin_user, reviewer, writer):
    client = log_in_verified(Client(), admin_user)
    root = get_user_model().objects.create_superuser("root", "root@clinic.test", PASSWORD)
    TOTPDevice.objects.create(user=root, confirmed=True)
    for who in (client, log_in_verified(Client(), root)):
        for target in (reviewer, writer):
            page = reverse("admin:auth_user_password_change", args=[target.pk])
            assert who.get(page).status_code == 403
            assert who.post(page, {"password1": "x" * 20, "password2": "x" * 20}).status_code == 403
            change = who.get(reverse("admin:auth_user_change", args=[target.pk])).content.decode()
            assert target.password not in change  # not even the hash
            assert 'name="password"' not in change
    assert reload(reviewer).check_password(PASSWORD)


def test_the_takeover_path_cannot_sign(
    admin_user, reviewer, in_review, django_capture_on_commit_callbacks
):
    """Remove the role, reset the password, restore the role, log in, approve: the admin gets
    only a reset link sent to the reviewer, and even knowing a password cannot pass the
    reviewer's own second factor, at sign-in or at signing."""
    people.record_role_changes(reviewer, {Role.REVIEWER}, set(), admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        people.send_password_reset(reviewer, admin_user)
    assert [m.to for m in mail.outbox] == [[reviewer.email]]  # to the reviewer, not the admin
    people.record_role_changes(reviewer, set(), {Role.REVIEWER}, admin_user)
    assert actions()[-3:] == ["role_removed", "password_reset_sent", "role_granted"]

    # Suppose the admin learned a password anyway (by controlling the reviewer's mailbox).
    reviewer.set_password("admin-chosen-password")
    reviewer.save()
    client = Client()
    answer = client.post(
        "/admin/login/", {"username": reviewer.username, "password": "admin-chosen-password"}
    )
    assert answer.status_code == 200  # the form again: the code is missing
    assert "Enter the current code from your authenticator app" in answer.content.decode()
    assert "_auth_user_id" not in client.session

    with pytest.raises(workflow.NotAllowed, match="authenticator code"):
        workflow.approve(
            reload(in_review),
            reviewer,
            username=reviewer.username,
            password="admin-chosen-password",
            otp_token="123456",
        )
    assert not Signature.objects.exists()
    assert reload(in_review).state == State.IN_REVIEW


def test_a_minted_reviewer_cannot_sign(
    admin_user, reviewer, writer, in_review, django_capture_on_commit_callbacks
):
    """An admin creates "dr_puppet", makes them a cardiologist reviewer: there is no password
    to know, no factor, no certification, and the other reviewers hear of it."""
    client = log_in_verified(Client(), admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        added = client.post(
            reverse("admin:auth_user_add"),
            {
                "username": "dr_puppet",
                "email": "puppet@clinic.test",
                "password1": "known-pw-123456",
                "password2": "known-pw-123456",
                "profile-TOTAL_FORMS": "0",
                "profile-INITIAL_FORMS": "0",
            },
        )
    assert added.status_code == 302
    puppet = get_user_model().objects.get(username="dr_puppet")
    assert not puppet.has_usable_password()  # the admin's password was not taken
    assert [m.to for m in mail.outbox] == [["puppet@clinic.test"]]
    assert "Choose a new password" in mail.outbox[0].subject
    mail.outbox.clear()

    AuthorProfile.objects.create(
        user=puppet, display_name="Dr Puppet", credentials="MD, cardiology"
    )
    with django_capture_on_commit_callbacks(execute=True):
        grant(puppet, Role.REVIEWER)
        people.record_role_changes(puppet, set(), roles_of(puppet), admin_user)
    announced = sorted(address for m in mail.outbox for address in m.to)
    assert announced == sorted([reviewer.email, puppet.email])  # the admin who did it knows
    assert all("made a medical reviewer" in m.subject for m in mail.outbox)
    assert actions()[-1] == "role_granted"

    puppet.set_password("known-pw-123456")  # as if the admin owned the reset mailbox
    puppet.save()
    with pytest.raises(workflow.NotAllowed, match="authenticator app first"):
        workflow.approve(reload(in_review), puppet, **signed_by(puppet, "known-pw-123456"))
    TOTPDevice.objects.create(user=puppet, confirmed=True)
    with pytest.raises(workflow.NotAllowed, match="statement that your electronic signature"):
        workflow.approve(reload(in_review), puppet, **signed_by(puppet, "known-pw-123456"))
    assert not Signature.objects.exists()


def test_no_admin_can_add_or_read_an_authenticator_for_someone(admin_user):
    root = get_user_model().objects.create_superuser("root", "root@clinic.test", PASSWORD)
    TOTPDevice.objects.create(user=root, confirmed=True)
    for user in (admin_user, root):
        client = log_in_verified(Client(), user)
        assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
        assert client.get("/admin/otp_totp/totpdevice/add/").status_code == 404


# --- The two-person factor reset ------------------------------------------------------------


def test_a_factor_is_reset_only_by_two_different_admins(
    admin_user, second_admin, reviewer, django_capture_on_commit_callbacks
):
    with pytest.raises(people.AccountRefused, match="Say why"):
        people.request_factor_reset(reviewer, admin_user, "")
    with pytest.raises(people.AccountRefused, match="Only an admin"):
        people.request_factor_reset(reviewer, reviewer, "lost phone")
    people.request_factor_reset(reviewer, admin_user, "Lost her phone; checked by phone call.")
    assert factors.has_factor(reviewer)  # nothing happens on one admin's word
    for not_allowed in (admin_user, reviewer):
        with pytest.raises(people.AccountRefused):
            people.confirm_factor_reset(reviewer, not_allowed)
    assert factors.has_factor(reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        people.confirm_factor_reset(reviewer, second_admin)
    assert not factors.has_factor(reviewer)
    assert actions()[-2:] == ["factor_reset_requested", "factor_reset"]
    assert mail.outbox[-1].to == [reviewer.email]


def test_the_factor_reset_screens(admin_user, second_admin, reviewer):
    page = reverse("admin:auth_user_factor_reset", args=[reviewer.pk])
    first = log_in_verified(Client(), admin_user)
    assert "Ask for the reset" in first.get(page).content.decode()
    first.post(page, {"reason": "Lost phone, confirmed in person."})
    assert "must confirm it" in first.get(page).content.decode()
    assert first.post(page, {"_confirm": "1"}).status_code == 200  # refused, shown again
    assert factors.has_factor(reviewer)
    second = log_in_verified(Client(), second_admin)
    assert second.post(page, {"_confirm": "1"}).status_code == 302
    assert not factors.has_factor(reviewer)


# --- Signing: password, code, user name, certification ----------------------------------------


def test_the_first_signature_of_a_session_asks_for_the_user_name(
    in_review, reviewer, make_article, writer
):
    session: dict = {}
    credentials = signed_by(reviewer)
    with pytest.raises(workflow.NotAllowed, match="user name"):
        workflow.approve(
            reload(in_review), reviewer, **{**credentials, "username": ""}, session=session
        )
    workflow.approve(reload(in_review), reviewer, **signed_by(reviewer), session=session)
    other = make_article("Knee pain")
    workflow.submit(other, writer)
    # Later in the same session: password and code.
    workflow.approve(
        other, reviewer, password=PASSWORD, otp_token=totp_code(reviewer), session=session
    )
    assert Signature.objects.count() == 2


def test_the_approve_form_asks_for_the_user_name_only_first(in_review, reviewer):
    session: dict = {}
    assert "username" in ApproveForm(content=in_review, user=reviewer, session=session).fields
    signing.remember_signer(reviewer, session)
    assert "username" not in ApproveForm(content=in_review, user=reviewer, session=session).fields
    assert "otp_token" in ApproveForm(content=in_review, user=reviewer, session=session).fields


def test_a_wrong_or_reused_code_signs_nothing(in_review, reviewer):
    with pytest.raises(workflow.NotAllowed, match="authenticator code"):
        workflow.approve(reload(in_review), reviewer, **{**signed_by(reviewer), "otp_token": "1"})
    code = totp_code(reviewer)
    login = Client().post(
        "/admin/login/", {"username": reviewer.username, "password": PASSWORD, "otp_token": code}
    )
    assert login.status_code == 302
    with pytest.raises(workflow.NotAllowed, match="already used"):
        workflow.approve(
            reload(in_review),
            reviewer,
            username=reviewer.username,
            password=PASSWORD,
            otp_token=code,
        )
    assert not Signature.objects.exists()


def test_certification_is_signed_once_with_name_password_and_code(make_user):
    newcomer = make_user("nina_reviewer", Role.REVIEWER, credentials="MD", factor=False)
    TOTPDevice.objects.create(user=newcomer, confirmed=True)
    assert not signing.has_certified(newcomer)
    with pytest.raises(people.AccountRefused, match="password"):
        people.certify_signature(
            newcomer, username="nina_reviewer", password="wrong", otp_token=totp_code(newcomer)
        )
    certification = people.certify_signature(
        newcomer, username="nina_reviewer", password=PASSWORD, otp_token=totp_code(newcomer)
    )
    assert certification.statement == signing.CERTIFICATION_STATEMENT
    assert certification.certified_at is not None
    assert actions()[-1] == "signature_certified"
    with pytest.raises(people.AccountRefused, match="already"):
        people.certify_signature(
            newcomer, username="nina_reviewer", password=PASSWORD, otp_token=totp_code(newcomer)
        )
    assert SignerCertification.objects.filter(user=newcomer).count() == 1


def test_parallel_wrong_passwords_are_counted_one_by_one(reviewer, monkeypatch):
    """Twenty wrong passwords at once: only the first five are even evaluated."""
    evaluated = []
    lock = threading.Lock()

    def slow_check(self, raw_password):
        with lock:
            evaluated.append(raw_password)
        time.sleep(0.05)  # long enough for every thread to arrive while the others check
        return False

    monkeypatch.setattr(get_user_model(), "check_password", slow_check)
    refusals: list[str] = []
    barrier = threading.Barrier(20)

    def attempt() -> None:
        barrier.wait()
        try:
            signing.verify_signer(
                reviewer, password="guess", otp_token="000000", username=reviewer.username
            )
        except signing.SignerRefused as refusal:
            with lock:
                refusals.append(str(refusal))

    # The readiness checks read the database; they are not what is raced here.
    monkeypatch.setattr(signing, "check_ready", lambda user: None)
    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(evaluated) == signing.SIGNATURE_MAX_FAILURES
    assert sum("paused" in r for r in refusals) == 20 - signing.SIGNATURE_MAX_FAILURES


def test_a_code_used_in_a_refused_signature_cannot_be_replayed(reviewer):
    # The device's memory of the step it accepted is a database row; a refused signature rolls
    # it back. The code still counts as used.
    code = totp_code(reviewer)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert factors.verify(reviewer, code) is not None
        raise RuntimeError("the gate refused; everything rolls back")
    assert factors.verify(reviewer, code) is None
