"""Keeping review moving, in a real browser at desktop and phone widths: an editor names a
reviewer and a due date, the reviewer finds it under "Assigned to me" with its due date and age,
the editor reads the reports and downloads one as CSV, a writer turns off one kind of email; a
writer and a reviewer are refused the reports."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from articles import workflow
from articles.accounts.models import EmailOptOut
from articles.roles import Role
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import axe_report
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
SHOTS = "/tmp/w13c-shots"
# The staff workspace is Django's admin; judge what this work added (its own screens' content).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]}}


def shoot(page, name: str) -> None:
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def no_axe_violations(page) -> None:
    violations = (
        Axe().run(page, context="#content-main", options=AXE_OPTIONS).response["violations"]
    )
    assert not violations, axe_report(violations)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_editor_assigns_and_reviewer_finds_it_assigned(
    open_browser_page, make_article, writer, reviewer, editor, width
):
    article = make_article("Knee pain after running")
    workflow.submit(article, writer)
    page = open_browser_page(viewport={"width": width, "height": 900})
    log_in(page, editor.username, PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    page.locator('[data-transition="assign_reviewer"]').click()
    page.get_by_label("Medical reviewer").select_option(label=str(reviewer))
    due = timezone.localtime() + timedelta(days=3)
    page.get_by_label("Review due by").fill(due.strftime("%Y-%m-%dT%H:%M"))
    no_axe_violations(page)
    shoot(page, f"assign-form-{width}")
    page.get_by_role("button", name="Assign a reviewer").click()
    page.wait_for_url(f"**/admin/articles/article/{article.pk}/change/")
    assert "has the reviewer and due date you chose" in page.content()
    assert page.get_by_text("Assigned to Rita Reviewer, due").count() == 1
    shoot(page, f"assigned-change-page-{width}")
    assert page.console_errors == []

    reviewer_page = open_browser_page(viewport={"width": width, "height": 900})
    log_in(reviewer_page, reviewer.username, PASSWORD)
    reviewer_page.goto("/admin/")
    reviewer_page.get_by_role("link", name="Assigned to me").first.click()
    reviewer_page.wait_for_url("**/admin/articles/article/?queue=assigned")
    shoot(reviewer_page, f"assigned-queue-{width}")
    assert reviewer_page.get_by_role("link", name="Knee pain after running").count() == 1
    assert reviewer_page.get_by_text("under an hour").count() == 1
    shoot(reviewer_page, f"assigned-queue-{width}")
    assert reviewer_page.console_errors == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_editor_reads_reports_and_downloads_csv(
    open_browser_page, make_article, writer, reviewer, editor, width
):
    for n in range(2):
        article = make_article(f"Decided {n}")
        workflow.submit(article, writer)
        workflow.request_changes(article, reviewer, comment="Cite the trial.")
    page = open_browser_page(viewport={"width": width, "height": 900}, accept_downloads=True)
    log_in(page, editor.username, PASSWORD)
    page.goto("/admin/")
    shoot(page, f"index-editor-{width}")
    page.get_by_role("link", name="Review turnaround").click()
    page.wait_for_url("**/admin/reports/turnaround/")
    assert page.get_by_role("cell", name=reviewer.username).count() == 1
    no_axe_violations(page)
    shoot(page, f"report-turnaround-{width}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    assert download.value.suggested_filename.startswith("vetted-turnaround-")
    page.get_by_role("link", name="Review overdue").click()
    page.wait_for_url("**/admin/reports/overdue/")
    assert page.get_by_text("Nothing to report.").count() == 1
    shoot(page, f"report-overdue-empty-{width}")
    assert page.console_errors == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", ["writer", "reviewer"])
def test_reports_are_refused_to_writers_and_reviewers(open_browser_page, request, who):
    user = request.getfixturevalue(who)
    page = open_browser_page(viewport={"width": 1280, "height": 900})
    log_in(page, user.username, PASSWORD)
    page.goto("/admin/")
    assert page.get_by_role("link", name="Review turnaround").count() == 0
    response = page.goto("/admin/reports/turnaround/")
    assert response.status == 403
    expect(page.get_by_text("Reports are for editors and admins.")).to_be_visible()
    shoot(page, f"report-refused-{who}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_writer_turns_off_decision_emails(open_browser_page, writer, width):
    page = open_browser_page(viewport={"width": width, "height": 900})
    log_in(page, writer.username, PASSWORD)
    page.goto("/admin/")
    page.get_by_role("link", name="Email", exact=True).click()
    page.wait_for_url("**/admin/email-preferences/")
    box = page.get_by_label("A reviewer's decision on your content")
    assert box.is_checked()
    box.uncheck()
    no_axe_violations(page)
    shoot(page, f"email-preferences-{width}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your email choices are saved.")).to_be_visible()
    assert not page.get_by_label("A reviewer's decision on your content").is_checked()
    assert list(EmailOptOut.objects.values_list("kind", flat=True)) == ["decision"]
    assert page.console_errors == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_compliance_reviewer_signs_promotional_content(
    open_browser_page, settings, make_article, make_user, writer, reviewer, editor, width
):
    from articles.models import ArticleKind
    from tests.conftest import signed_by, totp_code

    settings.PROMOTIONAL_SECOND_REVIEW = True
    compliance = make_user("carla_compliance", Role.COMPLIANCE)
    article = make_article(
        "Our knee clinic", kind=ArticleKind.PROMOTIONAL, summary="Advertisement: what we offer."
    )
    workflow.submit(article, writer)
    workflow.approve(article, reviewer, **signed_by(reviewer))

    # The editor is not offered publishing it yet, and is told why if they try.
    editor_page = open_browser_page(viewport={"width": width, "height": 900})
    log_in(editor_page, editor.username, PASSWORD)
    editor_page.goto(f"/admin/articles/article/{article.pk}/change/")
    expect(editor_page.get_by_text("a compliance approval is still needed")).to_be_visible()

    page = open_browser_page(viewport={"width": width, "height": 900})
    log_in(page, compliance.username, PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    assert page.locator('[data-transition="approve"]').count() == 0
    page.locator('[data-transition="approve_compliance"]').click()
    page.wait_for_url("**/transition/approve_compliance/")
    expect(page.get_by_text("complies with the rules for advertising")).to_be_visible()
    if page.get_by_label("Your user name").count():
        page.get_by_label("Your user name").fill(compliance.username)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Authenticator code").fill(totp_code(compliance))
    no_axe_violations(page)
    shoot(page, f"compliance-sign-{width}")
    page.get_by_role("button", name="Sign and approve").click()
    page.wait_for_url(f"**/admin/articles/article/{article.pk}/change/")
    expect(page.get_by_text("was approved for compliance")).to_be_visible()
    shoot(page, f"compliance-signed-{width}")
    assert page.console_errors == []
