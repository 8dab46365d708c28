"""Screens issue 15 changed, in a real browser at desktop and phone widths: the source page
with a chapter's fields and an incomplete author list, and the review screen of a once
password-protected post with the reviewer's override."""

from __future__ import annotations

from pathlib import Path

import pytest

from articles import workflow
from articles.models import Article
from evidence.models import Source, SourceKind, VerificationStatus
from evidence.verification import INCOMPLETE
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
SHOTS = "/tmp/w15-shots"


def shoot(page, name: str) -> None:
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_source_page_shows_book_fields_and_the_incomplete_list(open_browser_page, writer, width):
    source = Source.objects.create(
        kind=SourceKind.CHAPTER,
        title="Tendon healing",
        authors=[{"family": "Moreno", "given": "Lucia"}],
        book_title="Sports Medicine Essentials",
        editors=[{"family": "Adam", "given": "M.P."}],
        publisher="Lakeside University Press",
        doi="10.5555/chapter.1",
        verification_status=VerificationStatus.VERIFIED,
        verification_details=[
            {"field": "authors", "written": "Moreno L", "registry": "Moreno L, Chen W, Ito K",
             "problem": INCOMPLETE, "listed": "1", "registered": "3"},
        ],
    )  # fmt: skip
    page = open_browser_page(viewport={"width": width, "height": 900})
    log_in(page, writer.username, PASSWORD)
    page.goto(f"/admin/evidence/source/{source.pk}/change/")
    page.get_by_text("Books, chapters, reports, theses and web pages").first.click()
    assert page.get_by_label("Book title").input_value() == "Sports Medicine Essentials"
    assert page.get_by_text("incomplete: complete it from the registry").count() == 1
    shoot(page, f"source-{width}")
    assert page.console_errors == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_review_screen_offers_the_override_for_a_protected_post(
    open_browser_page, writer, reviewer, width
):
    article = Article(
        title="Members only plan", slug="members-only-plan", body="<p>Walk daily.</p>",
        owner=writer, origin_password_protected=True,
    )  # fmt: skip
    workflow.save_revision(article, writer)
    page = open_browser_page(viewport={"width": width, "height": 900})
    log_in(page, reviewer.username, PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    finding = page.locator('[data-code="protected-origin"]')
    assert finding.count() == 1
    assert "password-protected" in finding.inner_text()
    page.get_by_text("Override this finding…").click()
    page.get_by_label("Why may this page be public?").fill(
        "Written for every patient; the password only hid the draft."
    )
    shoot(page, f"protected-{width}")
    page.get_by_role("button", name="Record override").click()
    page.wait_for_url(f"**/admin/articles/article/{article.pk}/change/")
    assert "overridden by" in page.locator('[data-code="protected-origin"]').inner_text()
    shoot(page, f"protected-overridden-{width}")


@pytest.mark.django_db(transaction=True)
def test_the_writer_sees_the_blocker_without_an_override(page, writer):
    article = Article(
        title="Members only plan", slug="members-only-plan", body="<p>Walk daily.</p>",
        owner=writer, origin_password_protected=True,
    )  # fmt: skip
    workflow.save_revision(article, writer)
    log_in(page, writer.username, PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    assert page.locator('[data-code="protected-origin"]').count() == 1
    assert page.locator('form[action$="/override/"]').count() == 0
    shoot(page, "protected-writer-1280")
