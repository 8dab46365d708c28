"""A reader of a page whose cited study was retracted after the page went live: the warning is
at the top, links to the reference, and the reference says "Retracted"; on a desktop and a phone,
with no accessibility violation."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from articles.models import Citation
from evidence.editing import save_source
from tests.browser.test_accessibility import AXE_OPTIONS, axe_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = None  # set to a folder to keep screenshots when looking at the screen by hand


@pytest.mark.parametrize("width", [1280, 390])
def test_a_retracted_study_is_flagged_to_the_reader(open_browser_page, reader_site, editor, width):
    source = Citation.objects.get(article=reader_site.article, key="knee-trial").source
    source.retracted = True
    source.retraction_notice = "Retraction in: Vetted Test Journal 2026;4:101"
    save_source(source, editor, changed=["retracted", "retraction_notice"], created=False)

    page = open_browser_page(viewport={"width": width, "height": 900})
    page.goto(reader_site.path(reader_site.article))
    notice = page.get_by_role("note", name="Retracted study")
    expect(notice).to_contain_text("A study this page cites has been retracted")
    notice.get_by_role("link", name="reference 1").click()
    page.wait_for_url("**#ref-1")
    expect(page.locator("#ref-1 .retracted")).to_have_text(
        "Retracted (Retraction in: Vetted Test Journal 2026;4:101)."
    )
    expect(page.locator("#ref-2 .retracted")).to_have_count(0)  # the other study stands
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/retraction-{width}.png", full_page=True)
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert not violations, axe_report(violations)
    assert page.console_errors == []
