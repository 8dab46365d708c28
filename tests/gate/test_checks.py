"""Each check on content built for it: what it must report, where, and what it must leave alone."""

from __future__ import annotations

import socket

import pytest

from articles import gate, workflow
from articles.models import ArticleKind, Revision
from articles.text import html_blocks, split_sentences
from evidence.models import VerificationStatus
from tests.conftest import signed_by
from tests.gate.conftest import cited


def codes(findings, severity=None) -> list[str]:
    return [f.code for f in findings if severity is None or f.severity == severity]


def only(findings, code):
    return [f for f in findings if f.code == code]


# --- Reading the text -------------------------------------------------------------------------


def test_a_marker_after_the_full_stop_belongs_to_that_sentence():
    [block] = html_blocks(
        "body",
        '<p>Exercise helps.<sup data-citation="a">1</sup> Stem cells cure back pain. '
        'Rest helps too<sup data-citation="b">2</sup>.</p>',
    )
    sentences = block.sentences
    assert [(s.text, s.keys) for s in sentences] == [
        ("Exercise helps.", ("a",)),
        ("Stem cells cure back pain.", ()),
        ("Rest helps too.", ("b",)),
    ]


def test_et_al_initials_and_abbreviations_do_not_end_a_sentence():
    sentences = split_sentences(
        "According to Smith et al. stem cells help. J. A. Smith and colleagues agree, e.g. in "
        "trials. Next one."
    )
    assert [s.text for s in sentences] == [
        "According to Smith et al. stem cells help.",
        "J. A. Smith and colleagues agree, e.g. in trials.",
        "Next one.",
    ]


def test_locations_count_paragraphs_and_headings_apart():
    blocks = html_blocks("body", "<h2>Why</h2><p>One.</p><ul><li>Two.</li><li>Three.</li></ul>")
    assert [b.location for b in blocks] == [
        "body, heading 1",
        "body, paragraph 1",
        "body, paragraph 2",
        "body, paragraph 3",
    ]


# --- Sources ----------------------------------------------------------------------------------


def test_no_sources_when_nothing_is_cited(uncited_article):
    [finding] = only(gate.run(uncited_article), "no-sources")
    assert finding.severity == gate.Severity.BLOCKER
    assert finding.location == "references"
    assert "DOI, PubMed ID or web address" in finding.message


def test_a_source_with_a_pmid_or_a_web_address_is_enough(build, make_gate_source):
    for fields in ({"doi": "", "pmid": "31234567"}, {"doi": "", "url": "https://www.nice.org.uk/"}):
        article = build(f"Article {fields}", sources=[make_gate_source(**fields)])
        assert "no-sources" not in codes(gate.run(article))


def test_promotional_pages_are_held_to_the_same_rule(build):
    article = build(
        "Our knee clinic", kind=ArticleKind.PROMOTIONAL, summary="Advertisement: our clinic."
    )
    assert codes(gate.run(article), gate.Severity.BLOCKER) == ["no-sources"]


def test_empty_reference_is_one_finding_per_title_only_source(build, make_gate_source):
    linked = make_gate_source()
    bare = [make_gate_source(doi="", title=f"Stem cells, part {n}", authors=[]) for n in (1, 2)]
    findings = gate.run(build(sources=[linked, *bare]))
    assert [f.location for f in only(findings, "empty-reference")] == ["reference 2", "reference 3"]
    assert "no-sources" not in codes(findings)  # reference 1 has a DOI


def test_invalid_identifiers_say_what_is_wrong(build, make_gate_source):
    source = make_gate_source(doi="10.12/too-short", pmid="PMID 12x", isbn="9780306406158")
    findings = only(gate.run(build(sources=[source])), "invalid-identifier")
    assert [f.location for f in findings] == ["reference 1"] * 3
    assert "DOI" in findings[0].message and "well-formed DOI" in findings[0].message
    assert "PubMed ID" in findings[1].message
    assert "ISBN-13 check digit" in findings[2].message
    # A valid ISBN-13 (9780306406157) passes; its check digit wrong (…158) does not.
    good = make_gate_source(isbn="9780306406157")
    assert not only(gate.run(build("Second", sources=[good])), "invalid-identifier")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (VerificationStatus.VERIFIED, []),
        (VerificationStatus.UNVERIFIED, ["unverified-source"]),
        (VerificationStatus.UNREACHABLE, ["unverified-source"]),
        (VerificationStatus.NOT_FOUND, ["unverified-source"]),
        (VerificationStatus.MISMATCH, ["metadata-mismatch"]),
        (VerificationStatus.RETRACTED, ["retracted-source"]),
    ],
)
def test_the_live_verification_status_of_each_source(build, make_gate_source, status, expected):
    article = build(body=cited("Rest helps."), sources=[make_gate_source()])
    source = article.citations.get().source
    source.verification_status = status
    source.verification_details = [{"field": "title", "written": "A", "registry": "B"}]
    source.save()
    findings = gate.run(article)  # the revision was frozen before; the live row decides
    assert codes(findings) == expected
    severities = {f.severity for f in findings}
    if expected == ["unverified-source"]:
        assert severities == {gate.Severity.WARNING}
    elif expected:
        assert severities == {gate.Severity.BLOCKER}


def test_a_retracted_flag_blocks_with_the_notice(build, make_gate_source):
    source = make_gate_source(retracted=True, retraction_notice="Retraction, 2022-03-14")
    [finding] = only(gate.run(build(sources=[source])), "retracted-source")
    assert "Retraction, 2022-03-14" in finding.message and finding.location == "reference 1"


# --- Attributions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Mesa Bedoya et al. reviewed nine trials.",
        "MESA BEDOYA et al’s review included nine trials.",
        "In this review, Mésa Bedoya et al.’s analysis found fewer events.",
        "Bedoya et al. reviewed nine trials.",
    ],
)
def test_attributions_that_name_the_first_author_pass(build, make_gate_source, text):
    source = make_gate_source(authors=[{"family": "Mesa Bedoya", "given": "L.E."}])
    article = build(kind=ArticleKind.RESEARCH_SUMMARY, body=f"<p>{text}</p>", sources=[source])
    assert "attribution-mismatch" not in codes(gate.run(article))


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("Lu et al. conclude that the therapy is safe.", "Lu et al."),
        ("Lu et al.’s study aims to evaluate it.", "Lu et al."),
        ("Lu and Chen found fewer complications.", "Lu and Chen"),
        ("As Lu and Chen (2023) reported, fewer died.", "Lu and Chen"),
    ],
)
def test_attributions_that_name_someone_else_block(build, make_gate_source, text, written):
    source = make_gate_source(authors=[{"family": "Zhao", "given": "Y."}])
    article = build(kind=ArticleKind.RESEARCH_SUMMARY, body=f"<p>{text}</p>", sources=[source])
    [finding] = only(gate.run(article), "attribution-mismatch")
    assert f"“{written}”" in finding.message and "Zhao" in finding.message
    assert finding.location == "body, paragraph 1"


def test_capitalized_pairs_in_headings_are_not_authors(build, make_gate_source):
    source = make_gate_source(authors=[{"family": "Zhao", "given": "Y."}])
    body = "<h2>Recovery and Monitoring</h2><p>Cost and Accessibility matter to patients.</p>"
    assert "attribution-mismatch" not in codes(gate.run(build(body=body, sources=[source])))


# --- Vague sources ----------------------------------------------------------------------------


def test_vague_sources_one_per_sentence(build, make_gate_source):
    body = (
        "<p>Studies have shown it works (PubMed). Research shows it is popular.</p>"
        "<p>Our data come from PubMed, Embase and the Cochrane Library.</p>"
        "<p>The National Institutes of Health (NIH) funds research.</p>"
        + cited("Research has shown that exercise helps.")
    )
    findings = only(gate.run(build(body=body, sources=[make_gate_source()])), "vague-source")
    assert [f.location for f in findings] == ["body, paragraph 1", "body, paragraph 1"]
    assert "“(PubMed)”" in findings[0].message and "“Studies have shown”" in findings[0].message


# --- Claims -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "There is no cure for ALS.",
        "Despite two FDA-approved therapies, riluzole and edaravone, there remains no cure.",
        "While liver transplantation is effective, it is costly.",
        "Stem cell therapy is not FDA-approved for back pain.",
        "Regenerative medicine is a field of research.",
        "Stem cell therapy may help delay the need for surgery.",
        "Nobody can guarantee results.",
    ],
)
def test_sentences_that_are_not_claims(build, make_gate_source, sentence):
    article = build(body=f"<p>{sentence}</p>", sources=[make_gate_source()])
    assert only(gate.run(article), "unsupported-claim") == []


@pytest.mark.parametrize(
    ("sentence", "overridable"),
    [
        ("Stem cell therapy is safe and effective for knee pain.", True),
        ("Our stem cell treatment is FDA-approved.", True),
        ("Stem cells regenerate cartilage.", True),
        ("Stem cell therapy is better than surgery.", True),
        ("Injections reverse arthritis.", True),
        ("This revolutionary therapy is a game changer.", True),
        ("There are no side effects.", True),
        ("It is a miracle cure.", False),
        ("Results are guaranteed.", False),
        ("The procedure is 100% safe.", False),
    ],
)
def test_claims_without_a_citation_block(build, make_gate_source, sentence, overridable):
    article = build(body=f"<p>{sentence}</p>", sources=[make_gate_source()])
    [finding] = only(gate.run(article), "unsupported-claim")
    assert finding.severity == gate.Severity.BLOCKER
    assert finding.overridable is overridable
    assert finding.excerpt == sentence and finding.location == "body, paragraph 1"


def test_research_summary_statements_about_the_study_are_supported(build, make_gate_source):
    body = (
        "<p>The authors conclude that the therapy is safe and effective.</p>"
        "<p>The analysis revealed fewer events. Specifically, it reduces pain.</p>"
        "<p>The authors list their findings, including:</p>"
        "<ul><li>Cartilage: injections regenerate cartilage.</li></ul>"
        "<p>Stem cells regenerate cartilage.</p>"
    )
    summary = build(kind=ArticleKind.RESEARCH_SUMMARY, body=body, sources=[make_gate_source()])
    assert [f.location for f in only(gate.run(summary), "unsupported-claim")] == [
        "body, paragraph 5"
    ]
    guide = build("Same words, a guide", body=body, sources=[make_gate_source()])
    assert len(only(gate.run(guide), "unsupported-claim")) == 4


def test_claims_in_the_title_and_summary_are_located_there(build, make_gate_source):
    article = build(
        "A miracle cure for knees",
        summary="Stem cells regenerate cartilage.",
        sources=[make_gate_source()],
    )
    assert [f.location for f in only(gate.run(article), "unsupported-claim")] == [
        "title",
        "summary",
    ]


# --- Prompts ----------------------------------------------------------------------------------


def test_prompts_go_through_the_same_gate(make_prompt):
    prompt = make_prompt(
        headline="Request your FREE packet",
        body="<p>Our stem cell treatment is guaranteed to work.</p>",
        disclosure_label="",
    )
    findings = gate.run(prompt)
    assert codes(findings, gate.Severity.BLOCKER) == ["unsupported-claim", "missing-disclosure"]
    assert [f.location for f in findings] == ["headline", "body, paragraph 1", "disclosure label"]
    assert findings[0].severity == gate.Severity.WARNING  # "FREE"


def test_unapproved_and_reapproved_prompts(
    build, make_gate_source, approved_prompt, make_prompt, writer, reviewer
):
    draft = make_prompt("Consultation")
    approved = approved_prompt()
    article = build(sources=[make_gate_source()], prompts=[draft, approved])
    [finding] = only(gate.run(article), "unapproved-prompt")
    assert finding.location == "prompt “Consultation”"
    assert "no approved revision" in finding.message

    # The approved prompt changes and is approved again: the page's revision took in the old hash.
    approved.headline = "A new headline"
    workflow.save_revision(approved, writer)
    workflow.submit(approved, writer)
    workflow.approve(approved, reviewer, **signed_by(reviewer))
    stale = only(gate.run(article), "unapproved-prompt")
    assert [f.location for f in stale] == ["prompt “Consultation”", "prompt “Information packet”"]
    assert "Save the page again" in stale[1].message

    # Saving the page again takes in the prompt's current approved version.
    article = type(article).objects.get(pk=article.pk)
    workflow.save_revision(article, writer)
    assert [f.location for f in only(gate.run(article), "unapproved-prompt")] == [
        "prompt “Consultation”"
    ]


def test_identical_prompt_copy_placed_twice(build, make_gate_source, approved_prompt):
    first = approved_prompt("Packet A")
    second = approved_prompt("Packet B")
    article = build(sources=[make_gate_source()], prompts=[first, second])
    [finding] = only(gate.run(article), "duplicate-prompt")
    assert "“Packet A” and “Packet B”" in finding.message
    assert finding.location == "prompt “Packet B”"


# --- Images, reviewer, readability ------------------------------------------------------------


def test_body_images_without_alt_text(build, make_gate_source):
    body = (
        '<p><img src="/media/a.png" alt="A knee joint"></p>'
        '<p>Text <img src="/media/b.png" alt=""></p><p><img src="/media/c.png"></p>'
    )
    findings = only(gate.run(build(body=body, sources=[make_gate_source()])), "missing-alt-text")
    assert [f.location for f in findings] == ["body, image 2", "body, image 3"]


def test_hero_image_without_alt_text_blocks_unless_decorative(article):
    revision = article.latest_revision
    content = {**revision.content, "image": {"name": "hero.png", "alt": "", "decorative": False}}
    frozen = Revision(content=content)
    [finding] = only(gate.run(article, revision=frozen), "missing-alt-text")
    assert finding.location == "hero image"
    content["image"]["decorative"] = True
    assert not only(gate.run(article, revision=frozen), "missing-alt-text")


def test_reviewer_credentials_are_checked_only_at_the_approve_stage(in_review, make_user):
    from articles.roles import Role

    bare = make_user("bo_reviewer", Role.REVIEWER)
    assert gate.run(in_review) == []
    [finding] = gate.run(in_review, stage="approve", reviewer=bare)
    assert (finding.code, finding.location) == (
        "missing-reviewer-credentials",
        "approving reviewer",
    )


def test_readability_warns_with_the_grade(build, make_gate_source):
    hard = (
        "Intrathecal administration of autologous mesenchymal stromal cells demonstrated "
        "immunomodulatory characteristics in neurodegenerative pathophysiology. "
    )
    easy = "Your back has many muscles. They help you sit and stand. Rest can help. "
    source = make_gate_source()
    [finding] = only(
        gate.run(build("Hard", body=f"<p>{hard * 12}</p>", sources=[source])), "readability"
    )
    assert finding.severity == gate.Severity.WARNING
    assert "Reading grade" in finding.message and "Flesch-Kincaid" in finding.message
    assert not only(
        gate.run(build("Easy", body=f"<p>{easy * 12}</p>", sources=[source])), "readability"
    )
    long_text = f"<p>{hard * 40}</p>"
    [smog] = only(gate.run(build("Long", body=long_text, sources=[source])), "readability")
    assert "(SMOG)" in smog.message


def test_readability_never_touches_the_network(build, make_gate_source, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the gate tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    text = "Physiotherapists recommend individualized rehabilitation programmes. " * 40
    findings = gate.run(build(body=f"<p>{text}</p>", sources=[make_gate_source()]))
    assert "readability" in codes(findings)


def test_unknown_stage_is_an_error(article):
    with pytest.raises(ValueError, match="Unknown gate stage"):
        gate.run(article, stage="someday")
