"""A body over the limits, saved from the real editor: the form comes back with the message
beside the body, the text still in the editor, and nothing saved."""

from __future__ import annotations

import os

import pytest

from articles.models import Article
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("VETTED_SCREENSHOTS", "")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_a_body_over_the_limit_is_refused_beside_the_field(
    open_browser_page, article, writer, settings, width
):
    settings.HTML_MAX_CHARS = len(article.body) + 20
    page = open_browser_page(viewport={"width": width, "height": 900})
    log_in(page, writer.username, PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    editor = page.locator(".prose-editor [contenteditable=true].ProseMirror")
    editor.wait_for(timeout=10_000)
    # At the start of the line, then End: a click in the middle can land on the citation marker,
    # select it, and the typing would replace it (a shorter body, under the limit).
    editor.locator("p").first.click(position={"x": 2, "y": 5})
    page.keyboard.press("End")
    page.keyboard.type(" A sentence that makes the body longer than the limit allows.")
    page.locator('input[name="_continue"]').click()

    error = page.locator(".field-body .errorlist")
    error.wait_for(timeout=10_000)
    assert "characters long; at most" in error.inner_text()
    assert "longer than the limit allows" in editor.inner_text()  # the text is kept
    assert Article.objects.get(pk=article.pk).latest_revision.number == 1
    if SHOTS:
        error.scroll_into_view_if_needed()
        page.screenshot(path=f"{SHOTS}/body-limit-{width}.png")
