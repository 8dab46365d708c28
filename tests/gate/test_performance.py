"""The gate's cost is fixed: the same queries for 10 and for 200 citations on a 10,000-word
article (times are printed by bench/gate.py, never asserted here)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import gate
from articles.text import html_blocks, word_count
from tests.gate.sample import sample_body

# The cited sources' live state (1) and the placed prompts' approval state (1); overrides (1) only
# when a finding could be overridden. The content type is cached after its first use.
GATE_QUERIES = 3


@pytest.fixture
def long_article(build, make_gate_source, approved_prompt):
    def make(citations: int):
        sources = [
            make_gate_source(authors=[{"family": "Smith", "given": "J."}]) for _ in range(citations)
        ]
        return build(
            f"Knee pain, {citations} sources",
            body=sample_body(citations),
            sources=sources,
            prompts=[approved_prompt(f"Packet {citations}")],
        )

    return make


def test_the_sample_is_ten_thousand_words_citing_every_source(long_article):
    article = long_article(200)
    words = sum(word_count(b.text) for b in html_blocks("body", article.body))
    assert 10_000 <= words < 10_500
    keys = {k for b in html_blocks("body", article.body) for k in b.keys}
    assert keys == {f"s{n}" for n in range(1, 201)}


@pytest.mark.parametrize("citations", [10, 200])
def test_the_gate_runs_in_a_fixed_number_of_queries(
    long_article, django_assert_max_num_queries, citations
):
    article = long_article(citations)
    gate.run(article)  # warm the content-type cache, as any request before it would
    with django_assert_max_num_queries(GATE_QUERIES):
        findings = gate.run(article)
    # Every check had work to do, and found only what the sample holds.
    assert {f.code for f in gate.blockers(findings)} == {"unsupported-claim"}
    # Its "studies have shown" is uncited, but the page cites studies by DOI: a warning.
    assert "vague-source" in {f.code for f in gate.warnings(findings)}


def test_query_count_is_the_same_for_10_and_200_citations(long_article):
    def count(citations: int) -> int:
        article = long_article(citations)
        gate.run(article)
        with CaptureQueriesContext(connection) as queries:
            gate.run(article)
        return len(queries)

    assert count(10) == count(200)
