"""The first customer's real export, end to end (read from ../shared/; skipped where absent)."""

from __future__ import annotations

from articles.audit.models import AuditEvent
from articles.models import (
    Article,
    ArticleKind,
    Citation,
    Placement,
    Prompt,
    PromptKind,
    Revision,
    State,
)
from evidence.models import Source

from .conftest import SEED_POSTS, run_import, run_import_json

SUMMARY_DOIS = {
    "intrathecal": "10.1186/s13287-024-03748-7",
    "ms": "10.3389/fcell.2021.696434",
    "liver": "10.1186/s13287-023-03518-x",
    "als": "10.52586/4980",
}
ATTRIBUTIONS = {
    "intrathecal": "Mesa Bedoya et al.",
    "ms": "Smith et al.",
    "liver": "Lu et al.",  # the text's name for the study; its Source: line lists Zhao first
    "als": "Petrou et al.",
}


def counts() -> tuple[int, ...]:
    return (
        Article.objects.count(),
        Prompt.objects.count(),
        Source.objects.count(),
        Citation.objects.count(),
        Placement.objects.count(),
        Revision.objects.count(),
        AuditEvent.objects.count(),
    )


def test_six_articles_of_the_right_kinds_all_drafts(seed_imported):
    assert Article.objects.count() == 6
    kinds = {name: article.kind for name, article in seed_imported.items()}
    assert kinds == {
        "intrathecal": ArticleKind.RESEARCH_SUMMARY,
        "orthopedic": ArticleKind.PROMOTIONAL,
        "ms": ArticleKind.RESEARCH_SUMMARY,
        "liver": ArticleKind.RESEARCH_SUMMARY,
        "als": ArticleKind.RESEARCH_SUMMARY,
        "back_pain": ArticleKind.PATIENT_GUIDE,
    }
    for article in Article.objects.all():
        assert article.state == State.DRAFT
        assert article.live_revision is None and article.first_published_at is None
        assert article.revisions.count() == 1


def test_exactly_two_prompts_not_twelve(seed_imported):
    prompts = Prompt.objects.all()
    assert sorted(p.kind for p in prompts) == [PromptKind.INFORMATION_PACKET, PromptKind.NEWSLETTER]
    for prompt in prompts:
        assert prompt.state == State.DRAFT
        assert prompt.disclosure_label == ""
        assert prompt.button_label
    assert not Article.objects.filter(title__icontains="newsletter").exists()


def test_the_back_pain_guide_places_each_prompt_once(seed_imported):
    guide = seed_imported["back_pain"]
    placed = list(guide.placements.values_list("prompt__kind", flat=True))
    assert sorted(placed) == [PromptKind.INFORMATION_PACKET, PromptKind.NEWSLETTER]
    assert Placement.objects.count() == 2  # and nowhere else
    for article in Article.objects.all():
        for words in ("Information Packet", "Thanks for your interest", "Newsletter",
                      "Successfully Subscribed"):  # fmt: skip
            assert words not in article.body


def test_the_four_summaries_cite_their_study_by_doi_with_a_marker(seed_imported):
    for name, doi in SUMMARY_DOIS.items():
        article = seed_imported[name]
        [citation] = article.citations.all()
        assert citation.source.doi == doi, name
        assert citation.key == "1"
        assert citation.attribution == ATTRIBUTIONS[name], name
        assert citation.source.as_written and not citation.source.as_written.startswith("Source:")
        assert citation.supports and ATTRIBUTIONS[name].rstrip(".") in citation.supports
        assert article.body.count('<sup data-citation="1">1</sup>') == 1, name
        assert "Source:" not in article.body


def test_the_liver_source_keeps_what_was_written(seed_imported):
    source = seed_imported["liver"].citations.get().source
    assert source.authors[0]["family"] == "Zhao"
    assert source.url.endswith("s13287-023-03518-x")
    assert "Zhao, Y." in source.as_written


def test_the_orthopedic_piece_has_four_empty_references(seed_imported):
    citations = list(seed_imported["orthopedic"].citations.order_by("order"))
    assert [c.key for c in citations] == ["1", "2", "3", "4"]
    for citation in citations:
        source = citation.source
        assert source.title and not source.title.endswith(":")
        assert not (source.doi or source.pmid or source.url)
    assert "<ol>" in seed_imported["orthopedic"].body  # its other numbered lists stay


def test_sources_by_doi_and_counts(seed_imported):
    assert Source.objects.exclude(doi="").count() == 4
    assert Source.objects.filter(doi="", pmid="", url="").count() == 4
    assert set(Source.objects.exclude(doi="").values_list("doi", flat=True)) == set(
        SUMMARY_DOIS.values()
    )


def test_reimporting_the_seed_changes_nothing(seed_imported, seed_path):
    before = counts()
    result = run_import_json(seed_path)
    assert counts() == before
    assert {a["status"] for a in result["articles"]} == {"unchanged"}
    assert len(result["prompts"]) == 2


def test_dry_run_of_the_seed_writes_nothing(db, seed_path):
    result = run_import_json(seed_path, dry_run=True)
    assert counts() == (0, 0, 0, 0, 0, 0, 0)
    assert len(result["articles"]) == 6 and len(result["prompts"]) == 2
    assert len(result["sources"]) == 8


def test_seed_json_shape(db, seed_path):
    result = run_import_json(seed_path)
    assert {"articles", "prompts", "sources", "errors"} <= set(result)  # added keys allowed
    assert result["possible_prompts"] == []
    assert [a["state"] for a in result["articles"]] == ["draft"] * 6
    assert all({"slug", "title", "state", "findings"} <= set(a) for a in result["articles"])
    assert all({"id", "title"} <= set(p) for p in result["prompts"])
    assert all({"id", "doi", "pmid", "title"} <= set(s) for s in result["sources"])
    assert result["errors"] == []


def test_seed_text_report_lists_every_article(db, seed_path):
    out = run_import(seed_path)
    for words in SEED_POSTS.values():
        assert words in out
