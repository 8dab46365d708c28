"""A reader in a real browser: from the home page through search to an article, its references
and their DOI links; and what a reader gets for a draft's address or on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import KNEE_DOI, same_origin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# WCAG 1.4.10 (reflow): content reads without scrolling sideways at 320 CSS pixels wide.
REFLOW = {"width": 320, "height": 640}


def test_reader_searches_opens_an_article_and_follows_a_citation_to_its_doi(
    page, reader_site, live_server
):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Health articles checked by medical reviewers"
    )

    search = page.get_by_role("search", name="Site search").get_by_label("Search health articles")
    search.click()
    page.keyboard.type("knee")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=knee")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search results for “knee”")
    expect(page.locator(".result-count")).to_have_text("1 article found.")
    hit = page.locator(".results li").filter(has_text="Knee pain: what helps")
    expect(hit.locator("mark").first).to_have_text("knee", ignore_case=True)

    hit.get_by_role("link", name="Knee pain: what helps").click()
    page.wait_for_url(f"**{reader_site.path(reader_site.article)}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Knee pain: what helps")

    page.get_by_role("link", name="Reference 1", exact=True).click()
    page.wait_for_url("**#ref-1")
    reference = page.locator("#ref-1")
    expect(reference).to_be_in_viewport()
    assert page.evaluate("() => document.querySelector(':target')?.id") == "ref-1"
    expect(reference).to_contain_text("Strengthening exercise for knee pain in adults")

    doi = reference.get_by_role("link", name=f"doi:{KNEE_DOI}")
    expect(doi).to_have_attribute("href", f"https://doi.org/{KNEE_DOI}")
    assert [url for url in page.requested if not same_origin(url, live_server.url)] == []

    # The publisher is never reached: the browser's request for it is answered here.
    asked = []

    def publisher(route) -> None:
        asked.append(route.request.url)
        route.fulfill(content_type="text/html", body="<title>The publisher</title>")

    page.route("https://doi.org/**", publisher)
    doi.click()
    page.wait_for_url(f"https://doi.org/{KNEE_DOI}")
    assert asked == [f"https://doi.org/{KNEE_DOI}"]
    assert page.console_errors == []


def test_a_drafts_address_answers_with_the_friendly_not_found_page(page, reader_site):
    response = page.goto(reader_site.path(reader_site.draft))
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not find that page")
    expect(page.get_by_text("A draft nobody has reviewed.")).to_have_count(0)
    expect(page.get_by_role("search", name="Search from this page")).to_be_visible()
    page.get_by_role("link", name="Go to the home page to browse all health articles").click()
    page.wait_for_url("**/")
    expect(page.get_by_role("link", name="Knee pain: what helps")).to_be_visible()


@pytest.mark.parametrize(
    "screen", [pytest.param(PHONE, id="phone"), pytest.param(REFLOW, id="320px")]
)
@pytest.mark.parametrize("where", ["article", "/", "/search/?q=knee+pain", "draft"])
def test_no_horizontal_scrolling_on_a_phone(open_browser_page, reader_site, screen, where):
    page = open_browser_page(viewport=screen, is_mobile=True, has_touch=True)
    named = {"article": reader_site.article, "draft": reader_site.draft}
    path = reader_site.path(named[where]) if where in named else where
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    width, inner = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    # A mobile browser zooms out to fit a page wider than the screen, widening innerWidth.
    assert inner == screen["width"], f"{path} did not fit, so the browser zoomed out"
    assert width <= inner, f"{path} is {width}px wide on a {inner}px screen"
