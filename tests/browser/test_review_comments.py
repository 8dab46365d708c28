"""Review comments in Chromium at desktop and phone widths: a reviewer selects words and comments
on them, then requests changes; the writer finds the note at the top and the comment beside the
text, replies and resolves it with the keyboard, and submits again. axe-core checks the comment
pane and the note; an admin (who may not comment) is offered no comment form."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from articles import workflow
from articles.models import Comment, State
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import WCAG_TAGS, axe_report
from tests.conftest import PASSWORD
from tests.test_comments import BODY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/w13b-shots"
AXE = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}

SELECT_WORDS = """([index, words]) => {
  const passage = document.querySelector(`[data-paragraph="${index}"] p`);
  const walker = document.createTreeWalker(passage, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode()) && !node.data.includes(words)) {}
  const start = node.data.indexOf(words);
  const range = document.createRange();
  range.setStart(node, start);
  range.setEnd(node, start + words.length);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  passage.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
}"""


def shoot(page, name: str) -> None:
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def no_violations(page, selector: str) -> None:
    assert page.console_errors == []  # the page's own, before axe-core's injected script runs
    violations = Axe().run(page, context=selector, options=AXE).response["violations"]
    assert not violations, axe_report(violations)
    page.console_errors.clear()  # axe-core's own styles, refused by the staff pages' CSP


@pytest.mark.parametrize("width", [1280, 390])
def test_comment_request_changes_reply_resolve_resubmit(
    open_browser_page, make_article, writer, reviewer, width
):
    article = make_article("Back pain guide", body=BODY)
    workflow.submit(article, writer)
    change = f"/admin/articles/article/{article.pk}/change/"

    page = open_browser_page(viewport={"width": width, "height": 900})
    log_in(page, reviewer.username, PASSWORD)
    page.goto(change)
    page.evaluate(SELECT_WORDS, [3, "Bed rest makes it worse."])
    status = page.get_by_role("status")
    assert "“Bed rest makes it worse.” in body, paragraph 2" in status.inner_text()
    assert page.get_by_label("Words you are commenting on").input_value() == (
        "Bed rest makes it worse."
    )
    page.get_by_role("button", name="Comment on the selected words").click()
    page.keyboard.type("Bed rest advice needs a source; cite the 2019 trial.")
    page.get_by_role("button", name="Add comment").click()
    page.get_by_text("Your comment is beside the passage").wait_for()
    mark = page.locator("mark[data-thread]")
    assert mark.inner_text() == "Bed rest makes it worse."
    no_violations(page, "#vetted-comments")
    shoot(page, f"reviewer-commented-{width}")
    page.get_by_role("button", name="Request changes").click()
    page.get_by_label("What needs to change").fill("Please answer my comment on bed rest.")
    page.get_by_role("button", name="Request changes").click()
    page.wait_for_url(f"**{change}")
    page.context.close()

    page = open_browser_page(viewport={"width": width, "height": 900})
    log_in(page, writer.username, PASSWORD)
    page.goto(change)
    note = page.locator(".vetted-changes-requested")
    assert "Changes requested by Rita Reviewer" in note.inner_text()
    assert "Please answer my comment on bed rest." in note.inner_text()
    assert "1 review comment is still open" in page.locator("[data-open-comments]").inner_text()
    thread = page.locator("article.vetted-thread")
    assert "cite the 2019 trial" in thread.inner_text()
    assert page.get_by_role("button", name="Add comment").count() == 0
    no_violations(page, ".vetted-changes-requested")
    no_violations(page, "#vetted-comments")
    shoot(page, f"writer-sees-comment-{width}")
    # Keyboard only: into the reply box, type, Tab to "Reply", Enter.
    page.get_by_label("Reply").focus()
    page.keyboard.type("Removed the bed rest line; the trial did not test it.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_text("Your reply is added.").wait_for()
    page.get_by_role("button", name="Mark resolved").focus()
    page.keyboard.press("Enter")
    page.get_by_text("The comment is marked resolved.").wait_for()
    assert "Resolved by Wendy Writer" in page.locator("article.vetted-thread").inner_text()
    assert page.locator("[data-open-comments]").count() == 0
    shoot(page, f"writer-resolved-{width}")
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url(f"**{change}")
    comment = Comment.objects.get()
    assert comment.resolved and [r.text[:7] for r in comment.replies.all()] == ["Removed"]
    article.refresh_from_db()
    assert article.state == State.IN_REVIEW
    assert page.console_errors == []


def test_an_admin_reads_comments_but_is_offered_no_comment_form(
    page, make_article, reviewer, admin_user
):
    from articles import comments

    article = make_article("Back pain guide", body=BODY)
    comments.add(article, reviewer, text="Needs a source.", paragraph=3, quote="Bed rest")
    log_in(page, admin_user.username, PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    assert "Needs a source." in page.locator("#vetted-comments").inner_text()
    assert page.get_by_role("button", name="Add comment").count() == 0
    assert page.get_by_role("button", name="Reply").count() == 0
    shoot(page, "admin-reads-1280")


@pytest.mark.parametrize("width", [1280, 390])
def test_keyboard_only_paragraph_comment_that_becomes_outdated(
    open_browser_page, make_article, writer, editor, width
):
    article = make_article("Back pain guide", body=BODY)
    change = f"/admin/articles/article/{article.pk}/change/"
    page = open_browser_page(viewport={"width": width, "height": 900})
    log_in(page, editor.username, PASSWORD)
    page.goto(change)
    page.get_by_label("Paragraph").focus()
    page.keyboard.press("End")  # the last paragraph: "See a doctor…"
    page.keyboard.press("Tab")  # the words: left empty, the whole paragraph
    page.keyboard.press("Tab")
    page.keyboard.type("Say how soon: same day, or within a week?")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_text("Your comment is beside the passage").wait_for()
    thread = page.locator("#vetted-paragraph-4 article.vetted-thread")
    assert "On the whole paragraph (body, paragraph 3)" in thread.inner_text()

    article.refresh_from_db()
    article.body = BODY.split("<p>See")[0] + "<p>Call us on any weekday.</p>"
    workflow.save_revision(article, writer)
    page.goto(change)
    outdated = page.locator(".vetted-outdated article.vetted-thread")
    assert "Outdated" in outdated.inner_text()
    assert "Was about: “See a doctor if the pain spreads" in outdated.inner_text()
    no_violations(page, "#vetted-comments")
    shoot(page, f"outdated-{width}")
