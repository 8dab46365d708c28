"""Gate precision and recall on real health text (issue 15): the decisions behind
docs/gate-precision.md, each with cases of its own."""

from __future__ import annotations

import pytest

from articles import gate, workflow
from evidence.models import SourceKind
from tests.gate.conftest import cited


def codes(article, severity: str = "blocker") -> set[str]:
    return {f.code for f in gate.run(article) if f.severity == severity}


@pytest.fixture
def guideline(make_gate_source):
    return make_gate_source(
        kind=SourceKind.GUIDELINE, authors=[{"family": "Okafor", "given": "A."}]
    )


@pytest.fixture
def unrelated_page(make_gate_source):
    """A web page without authors or identifiers: what a release cites to look sourced."""
    return make_gate_source(
        doi="",
        kind=SourceKind.WEBSITE,
        url="https://news.example.com/wellness-trends",
        title="Wellness trends this year",
        authors=[],
    )


STUDIES = "<p>Studies have shown that walking eases knee pain in many adults.</p>"


def test_studies_have_shown_warns_in_a_page_citing_an_authoritative_source(build, guideline):
    article = build(body=STUDIES + cited("Walking is advised for knee pain."), sources=[guideline])
    assert "vague-source" not in codes(article)
    assert "vague-source" in codes(article, "warning")


@pytest.mark.parametrize("host", ["www.nih.gov", "www.nhs.uk"])
def test_a_public_health_page_counts_as_authoritative(build, make_gate_source, host):
    page = make_gate_source(
        doi="", kind=SourceKind.WEBSITE, url=f"https://{host}/knees", authors=[]
    )
    article = build(body=STUDIES + cited("Walking is advised."), sources=[page])
    assert "vague-source" in codes(article, "warning")


def test_studies_have_shown_still_blocks_without_an_authoritative_source(build, unrelated_page):
    assert "vague-source" in codes(build("Nothing cited", body=STUDIES))
    article = build(body=STUDIES + cited("Walking is popular."), sources=[unrelated_page])
    assert "vague-source" in codes(article)


@pytest.mark.parametrize(
    "sentence",
    [
        "The reverse hierarchy test checks that headings render in any order.",
        "Reversing the list puts the newest comment first.",
        "A longer password is safer than a short one.",
        "This theme works better than the old one on phones.",
        "9 in 10 users prefer the dark layout.",
    ],
)
def test_words_that_merely_match_are_not_health_claims(build, sentence):
    article = build("Theme unit test", body=f"<p>{sentence}</p>")
    assert "unsupported-claim" not in codes(article)


@pytest.mark.parametrize(
    "sentence",
    [
        "This injection reverses knee arthritis.",
        "9 in 10 patients were symptom free after treatment.",
        "Our therapy works better for joint pain.",
    ],
)
def test_the_same_words_about_health_are_claims(build, sentence):
    article = build("Theme unit test", body=f"<p>{sentence}</p>")
    assert "unsupported-claim" in codes(article)


def test_a_product_announcement_needs_a_disclosure_label(build, guideline):
    release = "Riverside Health is proud to announce FlexiKnee, a new brace for runners."
    bare = build("FlexiKnee", body=f"<p>{release}</p>", sources=[guideline])
    labelled = build("FlexiKnee labelled", body=f"<p>Advertisement: {release}</p>")
    assert "missing-disclosure" in codes(bare)
    [finding] = [f for f in gate.run(bare) if f.code == "missing-disclosure"]
    assert "proud to announce" in finding.message
    assert "missing-disclosure" not in codes(labelled)


def test_an_unrelated_source_does_not_silence_the_attribution_check(
    build, unrelated_page, guideline
):
    text = cited("Moreno et al. found that the brace doubled walking distance.")
    assert "attribution-mismatch" in codes(build("A", body=text, sources=[unrelated_page]))
    assert "attribution-mismatch" in codes(build("B", body=text, sources=[guideline]))
    matching = cited("Okafor and colleagues found that walking helps.")
    assert "attribution-mismatch" not in codes(build("C", body=matching, sources=[guideline]))


def test_a_cited_testimonial_still_blocks_until_a_reviewer_overrides(build, guideline, reviewer):
    quote = "“My knee pain is gone,” says one satisfied patient."
    article = build(body=cited(quote), sources=[guideline])
    [finding] = [f for f in gate.blockers(gate.run(article)) if f.code == "unsupported-claim"]
    assert finding.overridable and "testimonial" in finding.message
    workflow.override_finding(
        article, reviewer, code="unsupported-claim", sentence=finding.excerpt,
        reason="A real patient's words, shown with her consent and the study beside them.",
    )  # fmt: skip
    assert "unsupported-claim" not in codes(article)


def test_outcome_promises_block_even_when_cited(build, guideline):
    article = build(body=cited("The patch stops migraines for good."), sources=[guideline])
    [finding] = [f for f in gate.blockers(gate.run(article)) if f.code == "unsupported-claim"]
    assert not finding.overridable
