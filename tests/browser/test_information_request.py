"""Issue 6 in a real browser: a reader answers an information-packet prompt on a published
article, and an admin marks the request contacted."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from articles import workflow
from articles.audit.models import AuditEvent
from articles.models import Placement
from articles.readers.models import InformationRequest, RequestStatus
from tests.browser.conftest import log_in, same_origin
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READER_NAME = "Zoë Ødegård-Núñez"


@pytest.fixture
def packet_article(make_article, make_prompt, go_live, writer):
    """A published article whose live revision places a live information-packet prompt."""
    prompt = go_live(make_prompt(disclosure_label="From our clinic"))
    article = make_article("Knee pain: what helps", slug="knee-pain")

    def place() -> None:
        Placement.objects.create(article=article, prompt=prompt, position=0)

    workflow.save_revision(article, writer, base_revision=1, save_related=place)
    return go_live(article), prompt


def left_this_machine(page, base_url: str) -> list[str]:
    return [url for url in page.requested if not same_origin(url, base_url)]


def test_a_reader_requests_the_packet_and_an_admin_marks_it_contacted(
    page, open_browser_page, packet_article, admin_user, live_server
):
    article, prompt = packet_article

    # The article shows the prompt once, labelled, with a link (not a form) to the request form.
    page.goto(f"/articles/{article.slug}/")
    shown = page.locator("section.prompt")
    expect(shown).to_have_count(1)
    expect(shown.locator(".prompt-label")).to_have_text("From our clinic")
    expect(page.get_by_role("heading", name="Request our information packet")).to_have_count(1)
    expect(page.locator("article form")).to_have_count(0)

    shown.get_by_role("link", name="Request the packet").click()
    page.wait_for_url(f"**/requests/{prompt.pk}/?from={article.slug}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Request our information packet")
    expect(page.get_by_role("checkbox")).not_to_be_checked()

    page.get_by_label("Your name").fill(READER_NAME)
    page.get_by_label("Email address").fill("zoe@example.org")
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_url("**/requests/thanks/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.console_errors == []  # no CSP violation, no script error, nothing failed
    assert left_this_machine(page, live_server.url) == []

    stored = InformationRequest.objects.get()
    assert (stored.name, stored.email, stored.status) == (
        READER_NAME,
        "zoe@example.org",
        RequestStatus.NEW,
    )
    assert (stored.prompt_id, stored.article_id) == (prompt.pk, article.pk)
    assert stored.prompt_revision_id == prompt.live_revision_id

    # An admin finds the request in the workspace and marks it contacted.
    staff = open_browser_page()
    log_in(staff, admin_user.username, PASSWORD)
    staff.get_by_role("link", name="Information requests").first.click()
    staff.wait_for_url("**/admin/readers/informationrequest/")
    staff.get_by_role("link", name=str(stored)).click()
    staff.wait_for_url(f"**/admin/readers/informationrequest/{stored.pk}/change/")
    expect(staff.get_by_text(READER_NAME)).to_be_visible()
    staff.get_by_label("Status").select_option(RequestStatus.CONTACTED.value)
    staff.get_by_role("button", name="Save", exact=True).click()
    staff.wait_for_url("**/admin/readers/informationrequest/")

    stored.refresh_from_db()
    assert stored.status == RequestStatus.CONTACTED
    event = AuditEvent.objects.get(action="information_request_status", object_id=stored.pk)
    assert event.actor == admin_user
    assert (event.from_state, event.to_state) == ("new", "contacted")
    assert READER_NAME not in repr(event.detail) + event.object_repr
    assert staff.console_errors == []
    assert left_this_machine(staff, live_server.url) == []
