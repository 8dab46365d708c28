"""Issue 13's "done when", end to end in Chromium: a writer's change to a published article adds a
vague-source sentence; the reviewer, by keyboard only, opens the review screen, sees what changed
since the approved revision and the finding in place, comments on the sentence and requests
changes; the writer finds the comment beside the text, fixes the text, resolves the comment and
submits again; the reviewer signs on the review screen; the editor publishes; a reader sees the
reviewer line and the references. axe-core finds no violation on the review screen or the change
page. Screenshots go to $SCREENSHOT_DIR when it is set (to look at them), else to tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from articles import workflow
from articles.models import Comment, State
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import AXE_OPTIONS, axe_report
from tests.browser.test_review_screen import tab_to
from tests.conftest import CITED_BODY, PASSWORD, signed_by, totp_code
from tests.test_admin import reload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE, NARROW = 1280, 390
VAGUE = "Studies have shown that walking helps most people with back pain."
FIXED = "Ask your physiotherapist which walks suit you."
EDITOR = ".prose-editor [contenteditable=true].ProseMirror"
COMMENT = "Which studies? Cite one, or say it without the claim."


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def submitted(article, writer, second_reviewer, editor):
    """Revision 1 approved (by another reviewer, so this reviewer's signature is their first) and
    live; revision 2 adds a vague-source sentence and is submitted."""
    workflow.submit(article, writer)
    workflow.approve(article, second_reviewer, **signed_by(second_reviewer))
    workflow.publish(article, editor)
    article = reload(article)
    article.body = CITED_BODY + f"<p>Keep moving gently. {VAGUE}</p>"
    workflow.save_revision(article, writer)
    workflow.submit(article, writer)
    return reload(article)


def no_violations(page, context: str | None = None) -> None:
    assert page.console_errors == []  # the page's own, before axe-core's injected script runs
    violations = Axe().run(page, context=context, options=AXE_OPTIONS).response["violations"]
    assert not violations, axe_report(violations)
    page.console_errors.clear()  # axe-core's own styles, refused by the staff pages' CSP


def shoot(page, shots: Path, name: str) -> None:
    for width, height in ((WIDE, 900), (NARROW, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
    page.set_viewport_size({"width": WIDE, "height": 900})


def choose_paragraph_by_keyboard(page, words: str) -> None:
    """Tab to the comment form's paragraph menu and ArrowDown until the paragraph with `words`."""
    tab_to(page, "#vetted-comment-paragraph")
    menu = page.locator("#vetted-comment-paragraph")
    for _ in range(20):
        if words[:40] in menu.evaluate("m => m.options[m.selectedIndex].text"):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no paragraph with {words!r} in the comment form")


def reviewer_comments_and_requests_changes(page, article, reviewer, shots) -> None:
    log_in(page, reviewer.username, PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    tab_to(page, ".vetted-review-link a")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/revisions/{article.latest_revision.number}/review/")

    # What changed since the approved revision 1, word by word.
    changes = page.locator(".vetted-review-changes")
    assert "Since the last approved revision (1)" in changes.inner_text()
    assert changes.locator("ins", has_text=VAGUE).count() == 1
    # The finding beside the text leads to its sentence, highlighted in place.
    tab_to(page, '.vetted-finding-note[data-code="vague-source"] a')
    page.keyboard.press("Enter")
    assert page.locator("mark.vetted-finding:target").inner_text() == VAGUE
    no_violations(page)
    shoot(page, shots, "journey-review")

    # A comment on the sentence: the paragraph menu and the words, all typed.
    choose_paragraph_by_keyboard(page, "Keep moving gently.")
    page.keyboard.press("Tab")
    page.keyboard.type(VAGUE)
    page.keyboard.press("Tab")
    page.keyboard.type(COMMENT)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_text("Your comment is beside the passage").wait_for()
    assert page.locator("mark[data-thread]").inner_text() == VAGUE
    assert "1 open comment" in page.locator("#vetted-comments-summary").inner_text()
    no_violations(page)
    shoot(page, shots, "journey-review-commented")

    # Requesting changes needs a note; Escape leaves the field without losing anything.
    tab_to(page, '.vetted-review-decision input[value="Request changes"]')
    page.keyboard.press("Enter")
    page.get_by_role("alert").or_(page.locator(".errorlist")).first.wait_for()
    assert reload(article).state == State.IN_REVIEW
    tab_to(page, "#id_changes-comment")
    page.keyboard.type("Please fix the vague sentence; see my comment.")
    page.keyboard.press("Escape")
    tab_to(page, '.vetted-review-decision input[value="Request changes"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/article/{article.pk}/change/")
    assert reload(article).state == State.CHANGES_REQUESTED
    assert page.console_errors == []


def writer_fixes_resolves_and_resubmits(page, article, writer, shots) -> None:
    log_in(page, writer.username, PASSWORD)
    change = f"/admin/articles/article/{article.pk}/change/"
    page.goto(change)
    note = page.locator(".vetted-changes-requested").inner_text()
    assert "Changes requested by Rita Reviewer" in note and "see my comment" in note
    thread = page.locator("article.vetted-thread")
    assert COMMENT in thread.inner_text()
    assert page.locator("mark[data-thread]").inner_text() == VAGUE
    page.locator("#vetted-comments").scroll_into_view_if_needed()
    no_violations(page)
    shoot(page, shots, "journey-writer-comment")

    # Fix the text in the editor: the vague sentence gives way to advice that claims nothing.
    editor = page.locator(EDITOR)
    assert page.get_by_role("textbox", name="Body").count() == 1  # named by its label
    assert page.get_by_label("Source of cited source 1").count() == 1
    editor.locator("p", has_text=VAGUE).click(click_count=3)
    page.keyboard.type(f"Keep moving gently. {FIXED}")
    page.locator('input[name="_continue"]').click()
    page.wait_for_url(f"**{change}")
    assert FIXED in reload(article).body and VAGUE not in reload(article).body

    page.get_by_role("button", name="Mark resolved").click()
    page.get_by_text("The comment is marked resolved.").wait_for()
    assert page.locator("[data-open-comments]").count() == 0
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url(f"**{change}")
    assert reload(article).state == State.IN_REVIEW
    assert Comment.objects.get().resolved
    assert page.console_errors == []


def reviewer_signs(page, article, reviewer) -> None:
    page.goto(
        f"/admin/articles/article/{article.pk}/revisions/{article.latest_revision.number}/review/"
    )
    assert page.locator('.vetted-finding-note[data-code="vague-source"]').count() == 0
    assert page.locator(".vetted-meaning").is_visible()
    tab_to(page, "#id_approve-username")  # the first signature of this session asks for it
    page.keyboard.type(reviewer.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(totp_code(reviewer))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/article/{article.pk}/change/")
    assert "your signature is recorded" in page.locator(".messagelist").inner_text()
    assert reload(article).state == State.APPROVED
    assert page.console_errors == []


def editor_publishes(page, article, editor) -> None:
    log_in(page, editor.username, PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    page.locator('[data-transition="publish"]').click()
    page.wait_for_url("**/transition/publish/")
    assert "puts revision" in page.locator("#content-main").inner_text()
    page.locator('input[name="_confirm"]').click()
    page.wait_for_url(f"**/article/{article.pk}/change/")
    assert reload(article).state == State.PUBLISHED
    assert page.console_errors == []


def test_the_review_room_from_submission_to_the_public_page(
    open_browser_page, submitted, writer, reviewer, editor, shots
):
    reviewer_page = open_browser_page(viewport={"width": WIDE, "height": 900})
    reviewer_comments_and_requests_changes(reviewer_page, submitted, reviewer, shots)

    writer_page = open_browser_page(viewport={"width": WIDE, "height": 900})
    writer_fixes_resolves_and_resubmits(writer_page, reload(submitted), writer, shots)

    reviewer_signs(reviewer_page, reload(submitted), reviewer)

    editor_publishes(open_browser_page(), reload(submitted), editor)

    reader = open_browser_page()
    reader.goto(f"/articles/{submitted.slug}/")
    assert (
        "Medically reviewed by Rita Reviewer, MD, neurology"
        in reader.locator(".reviewed").inner_text()
    )
    references = reader.locator("section.references")
    assert "Oliveira" in references.inner_text()
    body = reader.locator(".prose").inner_text()
    assert FIXED in body and VAGUE not in body and COMMENT not in reader.content()
    assert reader.console_errors == []
