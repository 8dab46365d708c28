"""The review screen in Chromium, by keyboard only: the reviewer reaches it from the change page,
opens a citation's source, jumps to a finding in the text, and signs; axe finds no WCAG 2.2 AA
violation; it fits a phone; a writer who may not see the article is refused.

Screenshots go to $SCREENSHOT_DIR when it is set (to look at them), else to the test's tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from articles import workflow
from articles.models import State
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import AXE_OPTIONS, axe_report
from tests.conftest import CITED_BODY, PASSWORD, signed_by, totp_code
from tests.test_admin import reload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE, NARROW = 1280, 390
VAGUE = "Studies have shown that walking helps most people with back pain."


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def resubmitted(article, writer, reviewer, editor):
    workflow.submit(article, writer)
    workflow.approve(article, reviewer, **signed_by(reviewer))
    workflow.publish(article, editor)
    article = reload(article)
    article.body = CITED_BODY + f"<p>{VAGUE}</p><p>Keep moving gently.</p>"
    workflow.save_revision(article, writer)
    workflow.submit(article, writer)
    return reload(article)


def tab_to(page, selector: str, limit: int = 150) -> None:
    """Press Tab until the element matching `selector` has the focus, as a keyboard user would."""
    target = page.locator(selector).first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{selector} never received the focus by Tab")


def test_the_reviewer_reviews_and_signs_by_keyboard(page, resubmitted, reviewer, shots):
    log_in(page, reviewer.username, PASSWORD)
    page.goto(f"/admin/articles/article/{resubmitted.pk}/change/")
    tab_to(page, ".vetted-review-link a")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/revisions/{resubmitted.latest_revision.number}/review/")

    # What changed since the approved, live revision: the two new paragraphs.
    changes = page.locator(".vetted-review-changes")
    assert "Since the last approved revision (1)" in changes.inner_text()
    assert changes.locator("ins", has_text=VAGUE).count() == 1

    # A citation opens its source; Escape closes it.
    tab_to(page, "button.vetted-cite")
    page.keyboard.press("Enter")
    popover = page.locator("#source-1")
    popover.wait_for(state="visible")
    text = popover.inner_text()
    assert "Oliveira CB" in text and "clinical guideline" in text and "Matches the registry" in text
    page.set_viewport_size({"width": WIDE, "height": 900})
    page.screenshot(path=str(shots / "review-source-1280.png"))
    violations = Axe().run(page, context="#source-1", options=AXE_OPTIONS).response["violations"]
    assert not violations, axe_report(violations)
    page.keyboard.press("Escape")
    popover.wait_for(state="hidden")

    # The finding beside the text leads to its sentence, highlighted.
    note = page.locator('.vetted-finding-note[data-code="vague-source"]')
    tab_to(page, '.vetted-finding-note[data-code="vague-source"] a')
    page.keyboard.press("Enter")
    highlighted = page.locator("mark.vetted-finding:target")
    assert highlighted.inner_text() == VAGUE
    assert "instead of a reference" in note.inner_text() or "without marking" in note.inner_text()

    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert not violations, axe_report(violations)

    for width, height in ((WIDE, 900), (NARROW, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(shots / f"review-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width

    # Sign: the statement is on the page; password and code typed, Enter submits.
    page.set_viewport_size({"width": WIDE, "height": 900})
    assert page.locator(".vetted-meaning").is_visible()
    if page.locator("#id_approve-username").count():
        tab_to(page, "#id_approve-username")
        page.keyboard.type(reviewer.username)
    tab_to(page, "#id_approve-password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(totp_code(reviewer))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/article/{resubmitted.pk}/change/")
    assert "your signature is recorded" in page.locator(".messagelist").inner_text()
    assert reload(resubmitted).state == State.APPROVED
    assert not page.console_errors


def test_a_writer_reads_their_own_review_screen_and_another_is_refused(
    open_browser_page, resubmitted, writer, other_writer, shots
):
    own = open_browser_page(viewport={"width": NARROW, "height": 844})
    log_in(own, writer.username, PASSWORD)
    own.goto(f"/admin/articles/article/{resubmitted.pk}/revisions/2/review/")
    decision = own.locator(".vetted-review-decision").inner_text()
    assert "There is no decision you can take" in decision
    assert own.locator("form.vetted-override").count() == 0
    own.screenshot(path=str(shots / "review-writer-390.png"), full_page=True)

    other = open_browser_page()
    log_in(other, other_writer.username, PASSWORD)
    response = other.goto(f"/admin/articles/article/{resubmitted.pk}/revisions/2/review/")
    assert response.status == 403
    assert VAGUE not in other.content()
