"""The preview of a revision and the workspace's words and widths, in Chromium.

Screenshots go to $SCREENSHOT_DIR when it is set (to look at them), else to the test's tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from articles import workflow
from tests.browser.conftest import log_in
from tests.conftest import CITED_BODY, PASSWORD, signed_by

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE, NARROW = 1280, 390


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_preview(page, article):
    """Follow the change page's "Preview revision N" link (it opens a new tab)."""
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    with page.context.expect_page() as opened:
        page.locator(".vetted-preview-link a").click()
    preview = opened.value
    preview.wait_for_load_state()
    return preview


def assert_is_the_public_page_of_the_draft(preview) -> None:
    assert preview.locator("h1").inner_text() == "Living with back pain"
    assert "Preview of revision" in preview.locator(".preview-banner").inner_text()
    # The citation marker is linked to the AMA reference list, as on the public page.
    marker = preview.locator("sup.citation a")
    assert marker.get_attribute("href") == "#ref-1"
    assert "Oliveira CB" in preview.locator("#ref-1").inner_text()
    assert preview.locator('meta[name="robots"]').get_attribute("content") == "noindex, nofollow"


def test_the_writer_reviewer_and_editor_preview_a_revision(
    page, open_browser_page, article, writer, reviewer, editor, shots
):
    log_in(page, writer.username, PASSWORD)
    preview = open_preview(page, article)
    assert_is_the_public_page_of_the_draft(preview)
    assert "Not yet reviewed" in preview.locator(".credits").inner_text()
    for width, height in ((WIDE, 900), (NARROW, 844)):
        preview.set_viewport_size({"width": width, "height": height})
        preview.screenshot(path=str(shots / f"preview-draft-{width}.png"), full_page=True)
        assert preview.evaluate("document.documentElement.scrollWidth") <= width
    assert not preview.console_errors if hasattr(preview, "console_errors") else True

    workflow.submit(article, writer)
    reviewing = open_browser_page(viewport={"width": WIDE, "height": 900})
    log_in(reviewing, reviewer.username, PASSWORD)
    assert_is_the_public_page_of_the_draft(open_preview(reviewing, article))

    workflow.approve(article, reviewer, **signed_by(reviewer))
    editing = open_browser_page(viewport={"width": WIDE, "height": 900})
    log_in(editing, editor.username, PASSWORD)
    approved = open_preview(editing, article)
    assert_is_the_public_page_of_the_draft(approved)
    assert "Medically reviewed by Rita Reviewer" in approved.locator(".credits").inner_text()
    approved.screenshot(path=str(shots / "preview-approved-1280.png"), full_page=True)


def test_a_writer_who_may_not_see_the_article_is_refused(open_browser_page, article, other_writer):
    page = open_browser_page()
    log_in(page, other_writer.username, PASSWORD)
    response = page.goto(f"/admin/articles/article/{article.pk}/revisions/1/preview/")
    assert response.status == 403
    assert "Living with back pain" not in page.content()


def test_the_public_is_sent_to_log_in(page, article):
    page.goto(f"/admin/articles/article/{article.pk}/revisions/1/preview/")
    assert "/admin/login/" in page.url
    assert "Living with back pain" not in page.content()


def test_a_blocked_draft_offers_no_submit_that_cannot_work(
    open_browser_page, uncited_article, writer, shots
):
    for width, height in ((WIDE, 900), (NARROW, 844)):
        page = open_browser_page(viewport={"width": width, "height": height})
        log_in(page, writer.username, PASSWORD)
        page.goto(f"/admin/articles/article/{uncited_article.pk}/change/")
        submit = page.locator('[data-transition="submit"]')
        assert submit.is_disabled()
        assert "Fix the 2 blockers" in page.locator(".vetted-blocked-reason").inner_text()
        page.screenshot(path=str(shots / f"change-blocked-{width}.png"), full_page=False)
        if width == WIDE:
            assert page.evaluate("document.documentElement.scrollWidth") <= WIDE


def _too_wide(page, urls: list[str]) -> list[str]:
    found = []
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, url
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > WIDE:
            found.append(f"{url}: {width}px")
    return found


def test_no_main_admin_page_is_wider_than_1280(
    open_browser_page, reader_site, admin_user, editor, writer, shots
):
    from articles.models import Prompt
    from evidence.models import Source

    article = reader_site.article
    prompt = Prompt.objects.first()
    source = Source.objects.first()
    as_editor = open_browser_page(viewport={"width": WIDE, "height": 900})
    log_in(as_editor, editor.username, PASSWORD)
    too_wide = _too_wide(
        as_editor,
        [
            "/admin/",
            "/admin/articles/article/",
            f"/admin/articles/article/{article.pk}/change/",
            f"/admin/articles/article/{reader_site.draft.pk}/change/",
            f"/admin/articles/article/{article.pk}/signatures/",
            f"/admin/articles/article/{article.pk}/history/",
            "/admin/articles/prompt/",
            f"/admin/articles/prompt/{prompt.pk}/change/",
            "/admin/evidence/source/",
            f"/admin/evidence/source/{source.pk}/change/",
        ],
    )
    as_editor.goto(f"/admin/articles/article/{article.pk}/change/")
    as_editor.screenshot(path=str(shots / "change-published-1280.png"), full_page=True)
    as_writer = open_browser_page(viewport={"width": WIDE, "height": 900})
    log_in(as_writer, writer.username, PASSWORD)
    too_wide += _too_wide(as_writer, ["/admin/", "/admin/articles/article/add/"])
    as_admin = open_browser_page(viewport={"width": WIDE, "height": 900})
    log_in(as_admin, admin_user.username, PASSWORD)
    too_wide += _too_wide(as_admin, ["/admin/", "/admin/audit/auditevent/", "/admin/auth/user/"])
    assert not too_wide, too_wide
    # The workspace has its own icon, and it loads.
    icon = as_admin.locator('link[rel="icon"]').get_attribute("href")
    assert icon.endswith(".svg")
    assert as_admin.request.get(icon).status == 200


def test_the_call_to_action_looks_like_a_button_and_the_footer_offers_the_newsletter(
    open_browser_page, reader_site, shots
):
    page = open_browser_page(viewport={"width": NARROW, "height": 844})
    page.goto(reader_site.path(reader_site.article))
    button = page.locator("a.prompt-button")
    style = button.evaluate(
        "el => { const s = getComputedStyle(el);"
        " return [s.backgroundColor, s.display, el.getBoundingClientRect().height]; }"
    )
    background, display, height = style
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    assert display == "inline-block" and height >= 44
    button.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "public-cta-390.png"))
    for path in ("/", reader_site.path(reader_site.article), "/search/?q=knee"):
        page.goto(path)
        link = page.locator(".site-footer").get_by_role("link", name="Sign up for our newsletter")
        assert link.get_attribute("href") == "/newsletter/"


def test_a_never_published_draft_previews_without_a_report_link(page, article, writer, shots):
    """A draft that was never published has no public address: its preview used to crash on the
    "Report a problem" link, which in a preview would report the live page anyway."""
    assert article.live_slug == ""
    log_in(page, writer.username, PASSWORD)
    response = page.goto(f"/admin/articles/article/{article.pk}/revisions/1/preview/")
    assert response.status == 200
    assert_is_the_public_page_of_the_draft(page)
    assert page.get_by_role("link", name="Report a problem with this page").count() == 0
    page.screenshot(path=str(shots / "preview-never-published-1280.png"), full_page=True)


def test_the_signature_record_shows_its_csv_export_at_desktop_width(
    open_browser_page, approved, editor, shots
):
    """The export link sat inside the record's scrolling box, which clipped it at 1280 px."""
    for width in (WIDE, NARROW):
        page = open_browser_page(viewport={"width": width, "height": 900})
        log_in(page, editor.username, PASSWORD)
        page.goto(f"/admin/articles/article/{approved.pk}/signatures/")
        link = page.get_by_role("link", name="Export signatures (CSV)")
        box = link.bounding_box()
        centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y).textContent", centre)
        assert hit == "Export signatures (CSV)", f"{width}px: {hit!r} covers the link"
        page.screenshot(path=str(shots / f"signatures-{width}.png"))


def test_the_audit_trail_shows_every_column_at_desktop_width(
    open_browser_page, reader_site, admin_user, shots
):
    """The list used to run on past its box at 1280 px: "From → to" and "Detail" were only
    reached by scrolling the table sideways."""
    page = open_browser_page(viewport={"width": WIDE, "height": 900})
    log_in(page, admin_user.username, PASSWORD)
    page.goto("/admin/audit/auditevent/")
    results = page.locator("#changelist .results")
    hidden = results.evaluate("box => box.scrollWidth - box.clientWidth")
    assert hidden <= 0, f"{hidden}px of the audit list is scrolled out of sight"
    assert "in review → approved" in " ".join(page.locator("td.field-transition").all_inner_texts())
    page.screenshot(path=str(shots / "audit-list-1280.png"))


def test_a_reviewer_reads_the_body_s_headings_as_headings_not_admin_bars(
    page, make_article, writer, reviewer, shots
):
    """The read-only body sits in an admin fieldset, whose h2 is a blue section bar: the article's
    own headings looked like new sections of the form."""
    article = make_article(body="<h2>What helps</h2>" + CITED_BODY)
    workflow.submit(article, writer)
    log_in(page, reviewer.username, PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    heading = page.locator(".vetted-preview h2", has_text="What helps")
    background = heading.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background in ("rgba(0, 0, 0, 0)", "transparent")
    heading.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "review-body-headings-1280.png"))
