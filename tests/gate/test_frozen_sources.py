"""The gate judges what a revision would publish: the source as the revision froze it."""

import pytest

from articles import gate, workflow
from evidence.models import Source, VerificationStatus
from tests.conftest import FIXTURE_SOURCE, signed_by


def _codes(article) -> list[str]:
    return [f.code for f in gate.blockers(gate.run(article))]


def test_a_source_corrected_after_the_revision_blocks_until_the_article_is_saved(
    article, writer, reviewer
):
    source = Source.objects.get(doi=FIXTURE_SOURCE["doi"])
    source.verification_status = VerificationStatus.MISMATCH
    source.save()
    assert _codes(article) == ["metadata-mismatch"]

    # The writer corrects the source record, and a later check finds it matches the registry.
    source.authors = [{"family": "Lu", "given": "W"}]
    source.verification_status = VerificationStatus.VERIFIED
    source.save()

    findings = gate.blockers(gate.run(article))
    assert [f.code for f in findings] == ["metadata-mismatch"]
    assert "edited after this revision was saved" in findings[0].message
    with_stale_source = article.latest_revision
    with pytest.raises(workflow.GateBlocked):
        workflow.submit(article, writer)

    workflow.save_revision(article, writer, base_revision=with_stale_source.number)
    assert _codes(article) == []
    workflow.submit(article, writer)
    workflow.approve(article, reviewer, **signed_by(reviewer))
    assert article.latest_revision.content["citations"][0]["source"]["authors"] == [
        {"family": "Lu", "given": "W"}
    ]
