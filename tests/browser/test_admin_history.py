"""One history in the staff workspace, in a real browser: the History button of what the audit
trail records reads "Audit trail" and leads there, at desktop and phone widths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from articles.audit.edits import save_topic
from articles.audit.models import AuditEvent
from articles.models import Topic
from articles.readers.information_requests import set_status
from articles.readers.models import RequestStatus
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.readers.conftest import make_requests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Set SCREENSHOTS=/some/dir to keep the pages for a person to look at.
SHOTS = os.environ.get("SCREENSHOTS", "")


def shoot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=False)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_article_page_leads_to_its_own_audit_trail(open_browser_page, article, writer, width):
    page = open_browser_page(viewport={"width": width, "height": 900})
    log_in(page, writer.username, PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    shoot(page, f"article-{width}")

    assert page.get_by_role("link", name="History").count() == 0
    page.get_by_role("link", name="Audit trail").click()

    assert page.url.endswith("#vetted-events-heading")
    assert page.get_by_role("heading", name="Audit trail").is_visible()
    shoot(page, f"article-trail-{width}")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_request_leads_the_admin_to_its_events(
    open_browser_page, make_prompt, go_live, admin_user, width
):
    mine = make_requests(1, go_live(make_prompt()))[0]
    set_status(mine, admin_user, RequestStatus.CONTACTED)
    page = open_browser_page(viewport={"width": width, "height": 900})
    log_in(page, admin_user.username, PASSWORD)
    page.goto(f"/admin/readers/informationrequest/{mine.pk}/change/")
    shoot(page, f"request-{width}")

    page.get_by_role("link", name="Audit trail").click()

    page.wait_for_url("**/admin/audit/auditevent/?*")
    assert (
        page.locator("#result_list tbody tr").count()
        == AuditEvent.objects.filter(object_id=mine.pk, action="information_request_status").count()
        == 1
    )
    shoot(page, f"request-trail-{width}")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_topic_leads_the_admin_to_its_edits(open_browser_page, editor, admin_user, width):
    topic = Topic.objects.create(name="Knees", slug="knees")
    save_topic(topic, editor, changed=["name"], created=False)
    page = open_browser_page(viewport={"width": width, "height": 900})
    log_in(page, admin_user.username, PASSWORD)
    page.goto(f"/admin/articles/topic/{topic.pk}/change/")
    shoot(page, f"topic-{width}")

    assert page.get_by_role("link", name="History").count() == 0
    page.get_by_role("link", name="Audit trail").click()

    page.wait_for_url("**/admin/audit/auditevent/?*")
    assert page.locator("#result_list tbody tr").count() == 1
    assert page.locator("#result_list").get_by_text("topic changed").count() == 1
    shoot(page, f"topic-trail-{width}")
