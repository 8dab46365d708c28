"""Citing sources in the prose editor, in Chromium: the "Cite" picker adds a source by its DOI
from the registry (the local stand-in in tests/evidence), the markers survive editing and
saving, the editor lists the references, and a deleted marker blocks submission.

There is no preview page on this branch yet, so what the reader will see is checked on the
review screen's body (linked markers and the AMA list) instead. Screenshots of the picker at
1280 and 390 px go to $SCREENSHOT_DIR when it is set (else the test's temporary folder)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from articles import gate
from articles.models import Article, State
from evidence.models import Source, VerificationStatus
from tests.browser.conftest import log_in
from tests.conftest import CITATION_KEY, PASSWORD
from tests.evidence.conftest import RegistryServer

pytestmark = pytest.mark.browser

DOI = "10.1186/s13287-024-03748-7"  # recorded in tests/evidence/recordings/crossref
EDITOR = ".prose-editor [contenteditable=true].ProseMirror"


@pytest.fixture
def registry(settings):
    server = RegistryServer().start()
    settings.CROSSREF_API_URL = server.url + "/crossref"
    settings.PUBMED_EUTILS_URL = server.url + "/eutils"
    yield server
    server.stop()


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def markers(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<sup data-citation="([^"]+)">([^<]*)</sup>', html)


def cited(editor) -> list[tuple[str, str]]:
    """The editor's markers as (key, number shown), in order."""
    return [
        (m.get_attribute("data-citation"), m.inner_text())
        for m in editor.locator("sup[data-citation]").all()
    ]


def cite_from_picker(page) -> None:
    page.locator(".prose-menubar button", has_text="Cite").click()
    page.locator("dialog.citation-picker").wait_for()


@pytest.mark.django_db(transaction=True)
def test_a_writer_cites_a_source_by_doi_and_the_markers_survive_editing(
    page, open_browser_page, writer, reviewer, registry, shots
):
    log_in(page, writer.username, PASSWORD)
    page.goto("/admin/articles/article/add/")
    page.get_by_label("Title").fill("Stem cells for nerve disorders: what a review found")
    editor = page.locator(EDITOR)
    editor.click()
    page.keyboard.type("A review of trials found that the injections were safe.")

    cite_from_picker(page)
    page.get_by_label("Add a source by DOI or PubMed ID").fill(f"https://doi.org/{DOI}")
    page.get_by_role("button", name="Look up").click()
    page.get_by_text("Crossref has this record").wait_for()
    assert "Mesa Bedoya" in page.locator(".citation-picker__record").inner_text()
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(shots / f"cite-picker-{width}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Add to the library and cite").click()
    page.locator("dialog.citation-picker").wait_for(state="detached")

    source = Source.objects.get(doi=DOI)
    assert source.authors[0]["family"] == "Mesa Bedoya"
    assert source.verification_status == VerificationStatus.VERIFIED

    page.keyboard.press("Enter")
    page.keyboard.type("It did not say whether they work.")
    cite_from_picker(page)
    page.locator(".citation-picker__source button", has_text="Cite").first.click()

    # Edit the first paragraph, before its marker.
    editor.locator("p").first.click(position={"x": 2, "y": 5})
    page.keyboard.press("Home")
    page.keyboard.type("In 2024, ")
    assert editor.locator("sup[data-citation]").count() == 2
    assert page.locator(".citation-references__list li").count() == 1

    page.locator('input[name="_continue"]').click()
    page.wait_for_url("**/admin/articles/article/*/change/")

    article = Article.objects.get()
    key = f"source-{source.pk}"
    assert markers(article.body) == [(key, "1"), (key, "1")]
    assert article.body.startswith("<p>In 2024, A review of trials")
    assert [(c.key, c.source_id, c.order) for c in article.citations.all()] == [(key, source.pk, 1)]
    # The editor's reference list, after the round trip.
    editor.wait_for()
    references = page.locator(".citation-references__list li")
    assert references.count() == 1
    assert "Mesa Bedoya" in references.first.inner_text()
    assert editor.locator("sup[data-citation]").count() == 2
    cite_from_picker(page)
    assert "Mesa Bedoya" in page.locator(".citation-picker__source").first.inner_text()
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(shots / f"cite-own-sources-{width}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Close").click()
    editor.locator("sup[data-citation]").first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "editor-references-1280.png"))

    # The review screen shows what readers will: linked numbers and the AMA list.
    assert [f.code for f in gate.blockers(gate.run(article))] == []
    reviewer_view = open_browser_page()
    log_in(reviewer_view, reviewer.username, PASSWORD)
    reviewer_view.goto(f"/admin/articles/article/{article.pk}/change/")
    preview = reviewer_view.locator(".vetted-preview")
    assert preview.locator('sup a[href="#ref-1"]').count() == 2
    assert "Mesa Bedoya" in reviewer_view.locator("ol.vetted-references li").first.inner_text()
    assert page.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_deleting_a_marker_blocks_submission(page, article, writer):
    log_in(page, writer.username, PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    editor = page.locator(EDITOR)
    marker = editor.locator("sup[data-citation]")
    assert marker.count() == 1
    key = marker.get_attribute("data-citation")

    # Copy and paste keep the marker's key; undo takes the pasted paragraph away again. Ctrl+End
    # is the browser's own move, which the editor must read before Enter and Ctrl+V act.
    editor.locator("p").first.click(position={"x": 2, "y": 5})
    page.keyboard.press("Control+a")
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+v")
    expect(marker).to_have_count(2)
    assert [(m.get_attribute("data-citation"), m.inner_text()) for m in marker.all()] == [
        (key, "1"),
        (key, "1"),
    ]
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+z")  # Enter too, when it was not undone with the paste
    expect(editor.locator("p")).to_have_count(1)
    expect(marker).to_have_count(1)

    # Undo brings back what was deleted.
    marker.click()  # selects the citation node
    expect(marker).to_have_class(re.compile("ProseMirror-selectednode"))
    page.keyboard.press("Backspace")
    expect(marker).to_have_count(0)
    page.keyboard.press("Control+z")
    expect(marker).to_have_attribute("data-citation", key)
    page.keyboard.press("Control+Shift+z")  # redo: the marker is deleted again
    expect(marker).to_have_count(0)
    assert page.locator(".citation-references").is_hidden()
    page.locator('input[name="_continue"]').click()
    page.wait_for_url(f"**/admin/articles/article/{article.pk}/change/")
    assert markers(Article.objects.get(pk=article.pk).body) == []

    # The saved page already says why: submitting is offered disabled, with the reason beside it.
    submit = page.get_by_role("button", name="Submit for review")
    expect(submit).to_be_disabled()
    assert "blocker" in page.locator("#vetted-blocked-submit").inner_text()
    assert Article.objects.get(pk=article.pk).state == State.DRAFT
    blocker = page.locator('.vetted-findings-blocker [data-code="citation-unused"]')
    assert blocker.count() == 1
    assert "no sentence cites it" in blocker.inner_text()
    assert blocker.locator(".vetted-finding-location").inner_text() == "reference 1"


@pytest.mark.django_db(transaction=True)
def test_adding_a_sentence_keeps_existing_markers(page, article, writer):
    """The bug this replaces: the superscript mark dropped data-citation on the first edit."""
    before = markers(article.body)
    assert before
    log_in(page, writer.username, PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    editor = page.locator(EDITOR)
    editor.locator("p").last.click(position={"x": 2, "y": 5})
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("Gentle movement helps most people.")
    page.locator('input[name="_continue"]').click()
    page.wait_for_url(f"**/admin/articles/article/{article.pk}/change/")
    saved = Article.objects.get(pk=article.pk)
    assert "Gentle movement helps most people." in saved.body
    assert markers(saved.body) == before, saved.body
    assert [f.code for f in gate.blockers(gate.run(saved))] == []


@pytest.mark.django_db(transaction=True)
def test_source_admin_takes_plain_authors_and_the_registrys_details(
    page, open_browser_page, writer, registry, shots
):
    from evidence.verification import verify_sources

    source = Source.objects.create(
        doi="10.1186/s13287-023-03518-x",  # the seed's liver review: right DOI, wrong authors
        authors=[{"family": "Zhao", "given": "Y."}, {"family": "Liu", "given": "Y."}],
        authors_truncated=True,
        title="Efficacy and safety of mesenchymal stem cells in the treatment of liver cirrhosis",
        journal="Stem Cell Research & Therapy",
        year=2023,
    )
    verify_sources([source])
    log_in(page, writer.username, PASSWORD)
    page.goto(f"/admin/evidence/source/{source.pk}/change/")
    authors = page.get_by_label("Authors")
    assert authors.input_value() == "Zhao, Y.\nLiu, Y.\net al."
    offer = page.get_by_role("button", name="Use the registry's details")
    offer.scroll_into_view_if_needed()
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        offer.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"source-registry-offer-{width}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    offer.click()
    page.wait_for_url(f"**/admin/evidence/source/{source.pk}/change/")
    assert page.get_by_label("Authors").input_value().startswith("Lu, ")
    source.refresh_from_db()
    assert source.verification_status == VerificationStatus.VERIFIED
    assert page.get_by_role("button", name="Use the registry's details").count() == 0

    # Authors typed as people write them, never JSON.
    page.get_by_label("Authors").fill("Lu W\nQu J\nSPRINT Research Group")
    page.locator('input[name="_continue"]').click()
    page.wait_for_url(f"**/admin/evidence/source/{source.pk}/change/")
    source.refresh_from_db()
    assert source.authors == [
        {"family": "Lu", "given": "W"},
        {"family": "Qu", "given": "J"},
        {"literal": "SPRINT Research Group"},
    ]
    assert page.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_a_source_found_by_search_and_cited_first_is_numbered_first(
    page, build_cited_article, writer
):
    article, first, other = build_cited_article
    log_in(page, writer.username, PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    editor = page.locator(EDITOR)
    editor.locator("p").first.click(position={"x": 2, "y": 5})
    page.keyboard.press("End")
    cite_from_picker(page)
    page.get_by_label("Search the library").fill("Okafor")
    result = page.locator(".citation-picker__source", has_text="Okafor")
    result.get_by_role("button", name="Cite").click()
    labels = editor.locator("sup[data-citation]")
    assert [labels.nth(i).inner_text() for i in range(labels.count())] == ["1", "2"]
    listed = page.locator(".citation-references__list li")
    assert "Okafor" in listed.nth(0).inner_text() and "Nguyen" in listed.nth(1).inner_text()

    page.locator('input[name="_continue"]').click()
    page.wait_for_url(f"**/admin/articles/article/{article.pk}/change/")
    saved = Article.objects.get(pk=article.pk)
    assert markers(saved.body) == [(f"source-{other.pk}", "1"), ("trial", "2")]
    assert list(saved.citations.values_list("source_id", "order")) == [
        (other.pk, 1),
        (first.pk, 2),
    ]


@pytest.fixture
def build_cited_article(make_article, writer):
    from articles import workflow
    from articles.models import Citation

    first = Source.objects.create(
        doi="10.5555/first", title="Walking for knee pain", year=2020,
        authors=[{"family": "Nguyen", "given": "T"}], journal="Knee J",
    )  # fmt: skip
    other = Source.objects.create(
        doi="10.5555/other", title="Cycling for knee pain", year=2022,
        authors=[{"family": "Okafor", "given": "A"}], journal="Knee J",
    )  # fmt: skip
    article = make_article(
        "Knee pain and exercise",
        cited=False,
        body='<p>Exercise helps knees.</p><p>Walking helps.<sup data-citation="trial">1</sup></p>',
    )
    workflow.save_revision(
        article,
        writer,
        save_related=lambda: Citation.objects.create(article=article, source=first, key="trial"),
    )
    return article, first, other


@pytest.mark.django_db(transaction=True)
def test_the_open_picker_passes_axe(page, build_cited_article, writer, registry):
    from axe_playwright_python.sync_playwright import Axe

    from tests.browser.test_accessibility import WCAG_TAGS, axe_report

    article, _first, _other = build_cited_article
    log_in(page, writer.username, PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    page.locator(EDITOR).click()
    cite_from_picker(page)
    page.get_by_label("Search the library").fill("knee")
    page.locator(".citation-picker__source", has_text="Okafor").wait_for()
    page.get_by_label("Add a source by DOI or PubMed ID").fill("10.5555/nobody.knows")
    page.get_by_role("button", name="Look up").click()
    page.get_by_label("Title").last.wait_for()  # not found: the by-hand fields are offered
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    violations = (
        Axe().run(page, context="dialog.citation-picker", options=options).response["violations"]
    )
    assert not violations, axe_report(violations)


@pytest.mark.django_db(transaction=True)
def test_a_prompt_uses_the_same_editor_without_cite(page, make_prompt, writer):
    """A prompt has no cited sources: its editor keeps a pasted marker as a marker (so the gate
    can name it) and offers no "Cite"."""
    prompt = make_prompt(body='<p>We post a guide.<sup data-citation="stray">1</sup></p>')
    log_in(page, writer.username, PASSWORD)
    page.goto(f"/admin/articles/prompt/{prompt.pk}/change/")
    editor = page.locator(EDITOR)
    editor.locator("p").first.click(position={"x": 2, "y": 5})
    page.keyboard.press("Home")
    page.keyboard.type("Free: ")
    assert page.locator(".prose-menubar button", has_text="Cite").count() == 0
    page.locator('input[name="_continue"]').click()
    page.wait_for_url(f"**/admin/articles/prompt/{prompt.pk}/change/")
    prompt.refresh_from_db()
    assert markers(prompt.body) == [("stray", "1")] and prompt.body.startswith("<p>Free: ")
    blocker = page.locator('.vetted-findings-blocker [data-code="citation-unresolved"]')
    assert "A prompt cannot cite sources" in blocker.inner_text()


@pytest.fixture
def two_cited_article(make_article, writer):
    """An article citing two sources, "walking" (1) then "cycling" (2)."""
    from articles import workflow
    from articles.models import Citation

    walking = Source.objects.create(
        doi="10.5555/walking", title="Walking for knee pain", year=2020,
        authors=[{"family": "Nguyen", "given": "T"}], journal="Knee J",
    )  # fmt: skip
    cycling = Source.objects.create(
        doi="10.5555/cycling", title="Cycling for knee pain", year=2022,
        authors=[{"family": "Okafor", "given": "A"}], journal="Knee J",
    )  # fmt: skip
    article = make_article(
        "Knee pain and exercise",
        cited=False,
        body='<p>Walking helps knees.<sup data-citation="walking">1</sup></p>'
        '<p>Cycling helps too.<sup data-citation="cycling">2</sup></p>',
    )

    def cite() -> None:
        Citation.objects.create(article=article, source=walking, key="walking", order=1)
        Citation.objects.create(article=article, source=cycling, key="cycling", order=2)

    workflow.save_revision(article, writer, save_related=cite)
    return article, walking, cycling


def paste_as_first_paragraph(page) -> None:
    page.keyboard.press("Control+Home")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Control+v")


@pytest.mark.django_db(transaction=True)
def test_copied_and_cut_paragraphs_keep_their_markers_numbered_by_first_appearance(
    page, two_cited_article, writer, shots
):
    article, walking, cycling = two_cited_article
    log_in(page, writer.username, PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    editor = page.locator(EDITOR)
    assert cited(editor) == [("walking", "1"), ("cycling", "2")]
    second = editor.locator("p", has_text="Cycling helps too.")

    # A copy of the second paragraph, pasted first: cycling is cited first now, so it is 1.
    second.click(position={"x": 2, "y": 5})
    page.keyboard.press("Home")
    page.keyboard.press("Shift+End")
    page.keyboard.press("Control+c")
    paste_as_first_paragraph(page)
    expect(editor.locator("sup[data-citation]")).to_have_count(3)
    assert cited(editor) == [("cycling", "1"), ("walking", "2"), ("cycling", "1")]
    references = page.locator(".citation-references__list li")
    assert [li.get_attribute("data-key") for li in references.all()] == ["cycling", "walking"]
    editor.scroll_into_view_if_needed()
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        editor.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"editor-pasted-citation-{width}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})

    # Undoing the paste gives the numbers back.
    page.keyboard.press("Control+z")
    expect(editor.locator("sup[data-citation]")).to_have_count(2)
    assert cited(editor) == [("walking", "1"), ("cycling", "2")]

    # Cut and paste move the marker with its sentence; the numbers follow.
    second.click(position={"x": 2, "y": 5})
    page.keyboard.press("Home")
    page.keyboard.press("Shift+End")
    page.keyboard.press("Control+x")
    expect(editor.locator("sup[data-citation]")).to_have_count(1)
    assert cited(editor) == [("walking", "1")]
    paste_as_first_paragraph(page)
    expect(editor.locator("sup[data-citation]")).to_have_count(2)
    assert cited(editor) == [("cycling", "1"), ("walking", "2")]

    # And the form's round trip keeps them.
    page.locator('input[name="_continue"]').click()
    page.wait_for_url(f"**/admin/articles/article/{article.pk}/change/")
    saved = Article.objects.get(pk=article.pk)
    assert markers(saved.body) == [("cycling", "1"), ("walking", "2")], saved.body
    assert saved.body.startswith("<p>Cycling helps too.<sup")
    assert list(saved.citations.values_list("key", "source_id", "order")) == [
        ("cycling", cycling.pk, 1),
        ("walking", walking.pk, 2),
    ]
    assert cited(page.locator(EDITOR)) == [("cycling", "1"), ("walking", "2")]
    assert page.console_errors == []


# Keeps the browser's `selectionchange` events (which it sends after a caret moves) from
# reaching the editor while `window.lateSelectionChange` is set: what a busy browser does when
# the next key is handled before that event.
LATE_SELECTION_CHANGE = """
document.addEventListener("selectionchange", (event) => {
  if (window.lateSelectionChange && event.isTrusted) event.stopImmediatePropagation();
}, true);
"""


@pytest.mark.django_db(transaction=True)
def test_keys_pressed_before_the_browser_reports_the_caret_act_where_the_caret_is(
    page, article, writer
):
    """The cause of the lost markers: after Ctrl+A, a paste that came before the browser had
    told the editor about Ctrl+End replaced the whole text with the pasted paragraph."""
    page.add_init_script(LATE_SELECTION_CHANGE)
    log_in(page, writer.username, PASSWORD)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    editor = page.locator(EDITOR)
    editor.locator("p").first.click(position={"x": 2, "y": 5})
    page.keyboard.press("Control+a")
    page.keyboard.press("Control+c")
    page.evaluate("window.lateSelectionChange = true")
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+v")
    expect(editor.locator("sup[data-citation]")).to_have_count(2)
    expect(editor.locator("p")).to_have_count(2)
    assert cited(editor) == [(CITATION_KEY, "1"), (CITATION_KEY, "1")]
