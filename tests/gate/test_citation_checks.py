"""The body's citation markers against the cited sources: citation-unresolved, citation-unused,
citation-unmarked; and the save that keeps the cited sources in step with the markers."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from articles import gate, workflow
from articles.citations import marker_keys
from articles.models import Citation
from tests.gate.conftest import cited


def found(article, code):
    return [(f.severity, f.location) for f in gate.run(article) if f.code == code]


def test_a_marker_naming_no_cited_source_is_unresolved(build, make_gate_source):
    article = build(
        body=cited("Rest helps.") + cited("Ice helps.", key="gone"),
        sources=[make_gate_source()],
    )
    assert found(article, "citation-unresolved") == [("blocker", "body, paragraph 2")]
    [finding] = [f for f in gate.run(article) if f.code == "citation-unresolved"]
    assert "names no cited source" in finding.message and "“Cite”" in finding.message


def test_a_marker_whose_source_is_gone_is_unresolved(build, make_gate_source):
    source = make_gate_source()
    article = build(body=cited("Rest helps."), sources=[source])
    revision = article.latest_revision
    Citation.objects.all().delete()
    source.delete()
    findings = [f for f in gate.run(article, revision=revision) if f.code == "citation-unresolved"]
    assert [(f.location, "no longer in the library" in f.message) for f in findings] == [
        ("body, paragraph 1", True)
    ]


def test_a_cited_source_no_marker_uses_is_unused(build, make_gate_source):
    article = build(
        body=cited("Rest helps."),
        sources=[make_gate_source(), make_gate_source(title="Ice for sprains")],
    )
    assert found(article, "citation-unused") == [("blocker", "reference 2")]
    [finding] = [f for f in gate.run(article) if f.code == "citation-unused"]
    assert "“Ice for sprains”" in finding.message and "no sentence cites it" in finding.message


@pytest.mark.parametrize(
    ("paragraph", "named"),
    [
        ("Rest helps.<sup>1</sup>", "superscript 1"),
        ("Rest helps.<sup>[2, 3]</sup>", "superscript [2, 3]"),
        ('Rest helps.<sup><a href="#r1">1</a></sup>', "superscript 1"),
        ("Rest helps [3].", "“[3]”"),
        ("Rest helps [4–6].", "“[4–6]”"),
    ],
)
def test_a_number_that_is_not_a_marker_is_unmarked(build, make_gate_source, paragraph, named):
    article = build(body=cited("Ice helps.") + f"<p>{paragraph}</p>", sources=[make_gate_source()])
    [finding] = [f for f in gate.run(article) if f.code == "citation-unmarked"]
    assert (finding.severity, finding.location) == ("blocker", "body, paragraph 2")
    assert named in finding.message


def test_markers_superscripts_and_brackets_that_are_not_numbers_pass(build, make_gate_source):
    article = build(
        body=cited("Ice helps.") + "<p>Take 10<sup>th</sup> of the dose [as advised].</p>",
        sources=[make_gate_source()],
    )
    codes = {f.code for f in gate.run(article)}
    assert not codes & {"citation-unresolved", "citation-unused", "citation-unmarked"}


def test_a_prompt_with_a_marker_or_a_superscript_number_is_blocked(make_prompt):
    prompt = make_prompt()
    prompt.body = '<p>Ask us.<sup data-citation="x">1</sup> Call now<sup>2</sup>.</p>'
    revision = workflow.save_revision(prompt, prompt.owner)
    codes = [f.code for f in gate.blockers(gate.run(prompt, revision=revision))]
    assert "citation-unresolved" in codes and "citation-unmarked" in codes


# --- The markers decide what is cited -----------------------------------------------------------


def test_a_new_marker_adds_its_source_and_numbering_follows_first_appearance(
    build, make_gate_source, writer
):
    first, second = make_gate_source(), make_gate_source()
    article = build(body=cited("Rest helps."), sources=[first])
    article.body = f'<p>Ice helps.<sup data-citation="source-{second.pk}">1</sup></p>' + cited(
        "Rest helps."
    )
    workflow.save_revision(article, writer)
    rows = [(c.key, c.source_id, c.order) for c in article.citations.order_by("order")]
    assert rows == [(f"source-{second.pk}", second.pk, 1), ("s1", first.pk, 2)]
    assert [c["key"] for c in article.latest_revision.content["citations"]] == [
        f"source-{second.pk}",
        "s1",
    ]
    assert not found(article, "citation-unused") and not found(article, "citation-unresolved")


def test_citing_a_source_already_cited_reuses_its_key(build, make_gate_source, writer):
    source = make_gate_source()
    article = build(body=cited("Rest helps."), sources=[source])
    article.body += f'<p>Ice helps.<sup data-citation="source-{source.pk}">2</sup></p>'
    workflow.save_revision(article, writer)
    assert marker_keys(article.body) == ["s1"]
    assert marker_keys(type(article).objects.get(pk=article.pk).body) == ["s1"]
    assert article.citations.count() == 1


def test_nothing_is_deleted_when_a_marker_goes(build, make_gate_source, writer):
    article = build(body=cited("Rest helps."), sources=[make_gate_source()])
    article.body = "<p>Rest helps.</p>"
    workflow.save_revision(article, writer)
    assert article.citations.count() == 1
    assert found(article, "citation-unused") == [("blocker", "reference 1")]
    with pytest.raises(workflow.GateBlocked) as refused:
        workflow.submit(article, writer)
    assert refused.value.codes == ["citation-unused"]


def test_the_data_migration_reports_broken_markers_and_changes_nothing(
    build, make_gate_source, capsys
):
    article = build(
        slug="broken-markers",
        body=cited("Rest helps.", key="gone") + "<p>Ice helps [2].</p>",
        sources=[make_gate_source()],
    )
    body = article.body
    migration = importlib.import_module("articles.migrations.0015_report_broken_citation_markers")
    migration.report(apps, None)
    out = capsys.readouterr().out
    assert "article broken-markers" in out
    assert "markers naming no cited source: gone" in out
    assert "cited sources no marker uses: s1" in out and "[2]" in out
    assert type(article).objects.get(pk=article.pk).body == body
