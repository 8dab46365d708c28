"""The two-admin account changes (a new email address, the Admin and Medical reviewer roles) in a
real browser at desktop and phone widths: one admin asks, a second one confirms. Screenshots go
to $SCREENSHOT_DIR (default: the test's temporary folder)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from articles.accounts import people
from articles.roles import Role, roles_of
from tests.browser.conftest import log_in
from tests.browser.test_sign_in_journeys import WIDTHS, problems
from tests.conftest import PASSWORD
from tests.workflow_support import reload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("width", WIDTHS)
def test_one_admin_asks_for_a_new_address_and_a_second_admin_confirms(
    open_browser_page,
    admin_user,
    make_user,
    writer,
    shots,
    width,
):
    second = make_user("otto_admin", Role.ADMIN)
    people.request_role_grant(writer, Role.REVIEWER, admin_user)
    page = open_browser_page(viewport=WIDTHS[width])
    log_in(page, admin_user.username, PASSWORD)
    page.wait_for_url("**/admin/")
    page.goto(f"/admin/auth/user/{writer.pk}/change/")
    assert page.locator('input[name="email"]').count() == 0  # read-only here
    page.get_by_role("link", name="Changes waiting (1)").click()
    page.screenshot(path=shots / f"account-changes-ask-{width}.png", full_page=True)
    page.get_by_label("New address").fill("wendy@new-clinic.test")
    page.get_by_label("Why?").fill("She moved to the new clinic's mailbox.")
    page.get_by_role("button", name="Ask for the change").click()
    page.get_by_text("A second admin must confirm it").wait_for()
    page.goto(f"/admin/auth/user/{writer.pk}/account-changes/")
    assert page.get_by_text("Another admin must confirm.").count() == 2
    assert page.get_by_role("button", name="Confirm").count() == 0
    page.screenshot(path=shots / f"account-changes-asked-{width}.png", full_page=True)
    assert reload(writer).email == "wendy_writer@clinic.test"

    other = open_browser_page(viewport=WIDTHS[width])
    log_in(other, second.username, PASSWORD)
    other.wait_for_url("**/admin/")
    other.goto(f"/admin/auth/user/{writer.pk}/account-changes/")
    other.get_by_text("She moved to the new clinic's mailbox.").wait_for()
    other.screenshot(path=shots / f"account-changes-confirm-{width}.png", full_page=True)
    for _ in range(2):
        other.goto(f"/admin/auth/user/{writer.pk}/account-changes/")
        other.get_by_role("button", name="Confirm").first.click()
        other.get_by_text("Confirmed.").wait_for()
    other.screenshot(path=shots / f"account-changes-done-{width}.png", full_page=True)
    writer = reload(writer)
    assert writer.email == "wendy@new-clinic.test"
    assert Role.REVIEWER in roles_of(writer)
    assert problems(page) == [] and problems(other) == []


def test_an_editor_is_refused_the_account_changes_page(open_browser_page, editor, writer):
    page = open_browser_page(viewport=WIDTHS["desktop"])
    log_in(page, editor.username, PASSWORD)
    page.wait_for_url("**/admin/")
    answer = page.goto(f"/admin/auth/user/{writer.pk}/account-changes/")
    assert answer.status == 403
