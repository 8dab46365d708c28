"""The change page's workflow buttons as the engine's `permissions` decides them, in a real
browser at desktop and phone widths: a step that cannot work now is not a live button, and the
person is told why in the engine's words."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from articles import workflow
from articles.roles import Role
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.workflow_support import reload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def workflow_buttons(page) -> dict[str, bool]:
    """Each workflow button on the page, and whether it can be pressed."""
    panel = page.locator(".vetted-workflow [data-transition]")
    return {
        panel.nth(i).get_attribute("data-transition"): panel.nth(i).is_enabled()
        for i in range(panel.count())
    }


@pytest.mark.parametrize("width", [1280, 390])
def test_the_writer_sees_submit_held_back_by_the_blockers(
    open_browser_page, uncited_article, writer, width, shots
):
    page = open_browser_page(viewport={"width": width, "height": 900})
    log_in(page, writer.username, PASSWORD)
    page.goto(f"/admin/articles/article/{uncited_article.pk}/change/")
    assert workflow_buttons(page) == {"submit": False}
    reason = page.locator("#vetted-blocked-submit")
    assert reason.is_visible() and "blockers listed under" in reason.inner_text()
    assert page.locator('form[action$="/override/"]').count() == 0
    page.screenshot(path=str(shots / f"change-writer-blockers-{width}.png"), full_page=True)
    assert page.console_errors == []


@pytest.mark.parametrize("width", [1280, 390])
def test_a_reviewer_may_approve_and_one_who_edited_it_is_told_why_not(
    open_browser_page, article, writer, reviewer, make_user, width, shots
):
    both = make_user("eve_both", Role.EDITOR, Role.REVIEWER, credentials="MD")
    article.summary = "Edited by an editor who also reviews."
    workflow.save_revision(article, both, base_revision=article.latest_revision.number)
    workflow.submit(reload(article), writer)

    page = open_browser_page(viewport={"width": width, "height": 900})
    log_in(page, reviewer.username, PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    assert workflow_buttons(page) == {"request_changes": True, "approve": True}
    page.screenshot(path=str(shots / f"change-reviewer-{width}.png"), full_page=True)

    page = open_browser_page(viewport={"width": width, "height": 900})
    log_in(page, both.username, PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    assert workflow_buttons(page) == {
        "request_changes": True,
        "assign": True,
        "assign_reviewer": True,
        "approve": False,
    }
    reason = page.locator("#vetted-blocked-approve").inner_text()
    assert reason == workflow.permissions(reload(article), both).why_not("approve")
    assert "another medical reviewer must approve it" in reason
    page.screenshot(path=str(shots / f"change-editor-reviewer-{width}.png"), full_page=True)
    assert page.console_errors == []
