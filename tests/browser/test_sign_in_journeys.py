"""Sign-in with an authenticator, setting one up, the signature certification and signing an
approval, in a real browser under the real Content-Security-Policy, at desktop and phone widths.
Screenshots go to $SCREENSHOT_DIR (default: the test's temporary folder) for people to look at."""

from __future__ import annotations

import os
from base64 import b32decode
from pathlib import Path

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles.accounts import factors
from articles.accounts.models import SignerCertification
from articles.models import Article, Signature, State
from articles.roles import Role
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def problems(page) -> list[str]:
    return [e for e in page.console_errors if "favicon" not in e]


def code_from_key(text: str) -> str:
    """What an authenticator app shows for the key typed from the enrollment screen."""
    secret = text.replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


@pytest.mark.parametrize("width", WIDTHS)
def test_reviewer_signs_in_with_a_code_and_signs_an_approval(
    open_browser_page, in_review, reviewer, shots, width
):
    page = open_browser_page(viewport=WIDTHS[width])
    page.goto("/admin/login/")
    page.get_by_label("Authenticator code").wait_for()
    page.screenshot(path=shots / f"sign-in-{width}.png", full_page=True)

    # The password alone is not enough.
    page.get_by_label("Username").fill(reviewer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Enter the current code from your authenticator app").wait_for()
    assert "/admin/login/" in page.url

    log_in(page, reviewer.username, PASSWORD)
    page.wait_for_url("**/admin/")
    page.goto(f"/admin/articles/article/{in_review.pk}/change/")
    page.get_by_role("button", name="Approve and sign…").click()
    page.get_by_label("Your password").wait_for()
    # The first signature of the session: user name, password and code.
    for label in ("Your user name", "Your password", "Authenticator code"):
        assert page.get_by_label(label).is_visible()
    # The statement signed is as legible as the text around it (the admin's blockquote is small
    # and grey).
    statement, signer = (
        page.locator(selector).evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        for selector in (".vetted-meaning", ".vetted-meaning + p")
    )
    assert statement >= signer
    page.screenshot(path=shots / f"approve-first-signature-{width}.png", full_page=True)

    page.get_by_label("Your user name").fill(reviewer.username)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Authenticator code").fill("000000")
    page.get_by_role("button", name="Sign and approve").click()
    page.get_by_text("That authenticator code is not correct").wait_for()
    assert not Signature.objects.exists()

    page.get_by_label("Your user name").fill(reviewer.username)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Authenticator code").fill(totp_code(reviewer))
    page.get_by_role("button", name="Sign and approve").click()
    page.wait_for_url(f"**/admin/articles/article/{in_review.pk}/change/")
    assert Article.objects.get(pk=in_review.pk).state == State.APPROVED
    assert problems(page) == []


def test_later_signatures_of_the_session_ask_for_password_and_code(
    page, in_review, make_article, writer, reviewer
):
    from articles import workflow

    other = make_article("Knee pain")
    workflow.submit(other, writer)
    log_in(page, reviewer.username, PASSWORD)
    page.wait_for_url("**/admin/")
    for article, first in ((in_review, True), (other, False)):
        page.goto(f"/admin/articles/article/{article.pk}/change/")
        page.get_by_role("button", name="Approve and sign…").click()
        page.get_by_label("Your password").wait_for()
        assert (page.get_by_label("Your user name").count() == 1) is first
        if first:
            page.get_by_label("Your user name").fill(reviewer.username)
        page.get_by_label("Your password").fill(PASSWORD)
        page.get_by_label("Authenticator code").fill(totp_code(reviewer))
        page.get_by_role("button", name="Sign and approve").click()
        page.wait_for_url(f"**/admin/articles/article/{article.pk}/change/")
    assert Signature.objects.count() == 2


def test_a_writer_is_refused_the_approve_form(page, in_review, writer, shots):
    log_in(page, writer.username, PASSWORD)
    page.wait_for_url("**/admin/")
    page.goto(f"/admin/articles/article/{in_review.pk}/change/")
    assert page.get_by_role("button", name="Approve and sign…").count() == 0
    page.goto(f"/admin/articles/article/{in_review.pk}/transition/approve/")
    page.wait_for_url(f"**/admin/articles/article/{in_review.pk}/change/")
    page.get_by_text("Only a medical reviewer may approve and sign").wait_for()
    page.screenshot(path=shots / "approve-refused-writer-1280.png", full_page=True)
    assert not Signature.objects.exists()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_new_reviewer_sets_up_the_app_and_certifies_before_signing(
    open_browser_page, make_user, in_review, shots, width
):
    newcomer = make_user("nadia_reviewer", Role.REVIEWER, credentials="MD, GP", factor=False)
    page = open_browser_page(viewport=WIDTHS[width])
    log_in(page, newcomer.username, PASSWORD)
    page.wait_for_url("**/admin/two-factor/")
    page.locator(".vetted-qr svg").wait_for()
    assert page.locator(".vetted-qr svg").is_visible()
    page.screenshot(path=shots / f"two-factor-setup-{width}.png", full_page=True)

    key = page.locator(".vetted-secret").inner_text()
    page.get_by_label("Code from your app").fill(code_from_key(key))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/admin/certify/")
    assert factors.has_factor(newcomer)
    page.screenshot(path=shots / f"certify-{width}.png", full_page=True)

    # Before certifying, the approve form says what is missing instead of offering a button.
    page.goto(f"/admin/articles/article/{in_review.pk}/transition/approve/")
    assert page.get_by_role("button", name="Sign and approve").count() == 0
    page.get_by_text("sign the statement that your electronic signature is binding").wait_for()

    page.goto("/admin/certify/")
    page.get_by_label("Your user name").fill(newcomer.username)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Authenticator code").fill(totp_code(newcomer))
    page.get_by_role("button", name="Sign the certification").click()
    page.wait_for_url("**/admin/")
    assert SignerCertification.objects.filter(user=newcomer).exists()
    assert problems(page) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_an_admin_asks_for_a_factor_reset_and_a_second_admin_confirms(
    open_browser_page, admin_user, make_user, reviewer, shots, width
):
    second = make_user("otto_admin", Role.ADMIN)
    page = open_browser_page(viewport=WIDTHS[width])
    log_in(page, admin_user.username, PASSWORD)
    page.wait_for_url("**/admin/")
    page.goto(f"/admin/auth/user/{reviewer.pk}/change/")
    page.get_by_role("button", name="Send a password reset link").wait_for()
    assert page.locator('input[name="password"]').count() == 0
    page.screenshot(path=shots / f"user-page-{width}.png", full_page=True)

    page.get_by_role("link", name="Reset authenticator (two admins)").click()
    page.get_by_label("Why must it be reset?").fill("Lost her phone; confirmed by phone call.")
    page.get_by_role("button", name="Ask for the reset").click()
    page.get_by_text("a second admin must confirm it").wait_for()
    page.goto(f"/admin/auth/user/{reviewer.pk}/factor-reset/")
    page.get_by_text("A second admin, other than").wait_for()
    assert page.get_by_role("button", name="Confirm the reset").count() == 0
    page.screenshot(path=shots / f"factor-reset-pending-{width}.png", full_page=True)
    assert factors.has_factor(reviewer)

    other = open_browser_page(viewport=WIDTHS[width])
    log_in(other, second.username, PASSWORD)
    other.wait_for_url("**/admin/")
    other.goto(f"/admin/auth/user/{reviewer.pk}/factor-reset/")
    other.get_by_role("button", name="Confirm the reset").click()
    other.get_by_text("authenticator was removed").wait_for()
    assert not factors.has_factor(reviewer)
    assert problems(page) == [] and problems(other) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_too_many_wrong_passwords_pause_sign_in(open_browser_page, editor, settings, shots, width):
    page = open_browser_page(viewport=WIDTHS[width])
    for _ in range(settings.SIGN_IN_FAILURE_LIMIT):
        log_in(page, editor.username, "not the password")
    page.get_by_text("Sign-in is paused").wait_for()
    page.screenshot(path=shots / f"sign-in-locked-{width}.png", full_page=True)
    log_in(page, editor.username, PASSWORD)  # the right password too, while locked
    page.get_by_text("Sign-in is paused").wait_for()
    assert "/admin/login/" in page.url


def test_a_writer_s_page_does_not_say_they_must_set_up_two_step_sign_in(
    open_browser_page, admin_user, writer, reviewer, shots
):
    """Writers sign in with a password only (unless OTP_REQUIRED_FOR_WRITERS): their page used to
    say they would set up an authenticator at their next sign-in, which never happens."""
    TOTPDevice.objects.filter(user=writer).delete()
    page = open_browser_page(viewport=WIDTHS["desktop"])
    log_in(page, admin_user.username, PASSWORD)
    page.wait_for_url("**/admin/")
    page.goto(f"/admin/auth/user/{writer.pk}/change/")
    status = page.locator(".module", has_text="Sign-in and signature").inner_text()
    assert "optional for their roles" in status and "next sign-in" not in status
    page.screenshot(path=shots / "user-page-writer-1280.png")
    TOTPDevice.objects.filter(user=reviewer).delete()
    page.goto(f"/admin/auth/user/{reviewer.pk}/change/")
    status = page.locator(".module", has_text="Sign-in and signature").inner_text()
    assert "sets it up at their next sign-in" in status
