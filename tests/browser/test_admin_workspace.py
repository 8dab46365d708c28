"""The staff workspace in a real browser, under the real Content-Security-Policy.

The prose editor is started by `vetted/admin/prose-editor.js` instead of the package's inline
import map (which `script-src 'self'` blocks); these tests prove it loads, edits and saves, and
that the workspace pages raise no CSP violations.
"""

from __future__ import annotations

import pytest

from articles.models import Article, State
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.browser


def csp_errors(page) -> list[str]:
    return [e for e in page.console_errors if "Content Security Policy" in e]


@pytest.mark.django_db(transaction=True)
def test_prose_editor_loads_edits_and_saves_under_the_csp(page, article, writer):
    log_in(page, writer.username, PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    editor = page.locator(".prose-editor [contenteditable=true].ProseMirror")
    editor.wait_for(timeout=10_000)
    assert page.locator(".prose-menubar").count() >= 1  # the toolbar is there

    editor.click()
    page.keyboard.press("End")
    page.keyboard.type(" Typed in the browser.")
    page.get_by_label("Note for reviewers").fill("Browser edit")
    page.locator('input[name="_continue"]').click()
    page.wait_for_url(f"**/admin/articles/article/{article.pk}/change/")

    article = Article.objects.get(pk=article.pk)
    assert "Typed in the browser." in article.body
    assert (article.latest_revision.number, article.latest_revision.change_summary) == (
        2,
        "Browser edit",
    )
    assert csp_errors(page) == []


@pytest.mark.django_db(transaction=True)
def test_transition_buttons_and_approval_page_work_in_the_browser(
    page,
    in_review,
    reviewer,
):
    log_in(page, reviewer.username, PASSWORD)
    page.goto(f"/admin/articles/article/{in_review.pk}/change/")
    page.get_by_role("button", name="Approve and sign…").click()
    page.get_by_label("Your user name").fill(reviewer.username)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Authenticator code").fill(totp_code(reviewer))
    page.get_by_role("button", name="Sign and approve").click()
    page.wait_for_url(f"**/admin/articles/article/{in_review.pk}/change/")
    assert Article.objects.get(pk=in_review.pk).state == State.APPROVED
    assert csp_errors(page) == []
