"""The gate inside the workflow: submit, approve, publish and the scheduled publish refuse while a
blocker stands, with GateBlocked (a WorkflowError) that carries the findings, and write nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import gate, jobs, workflow
from articles.models import State
from tests.conftest import signed_by
from tests.gate.conftest import cited
from tests.workflow_support import reload, snapshot


def retract(article) -> None:
    source = article.citations.get().source
    source.retracted = True
    source.retraction_notice = "Retracted 2024-05-01 for data fabrication"
    source.save()


def test_submit_refuses_gate_failing_content_and_writes_nothing(uncited_article, writer):
    before = snapshot(uncited_article)
    with pytest.raises(workflow.GateBlocked) as refused:
        workflow.submit(uncited_article, writer)
    blocked = refused.value
    assert isinstance(blocked, workflow.WorkflowError)
    assert blocked.codes == ["no-sources", "unsupported-claim"]
    assert [f.code for f in blocked.findings] == ["no-sources", "unsupported-claim"]
    message = str(blocked)
    assert "cannot be submitted for review" in message
    assert "no-sources, unsupported-claim" in message
    assert "Nothing was changed" in message
    assert "Mark this sentence with the citation" in blocked.blockers[1].message  # what to do
    assert len(message) < 200  # one sentence; the findings panel lists the details
    assert snapshot(uncited_article) == before
    assert reload(uncited_article).state == State.DRAFT


def test_warnings_do_not_refuse(build, make_gate_source, writer):
    source = make_gate_source(verification_status="unverified")
    article = build(body=cited("Rest helps."), sources=[source])
    assert gate.warnings(gate.run(article))
    workflow.submit(article, writer)
    assert article.state == State.IN_REVIEW


def test_approve_refuses_a_reviewer_without_credentials(in_review, make_user):
    from articles.roles import Role

    bare = make_user("bo_reviewer", Role.REVIEWER)
    before = snapshot(in_review)
    with pytest.raises(workflow.GateBlocked) as refused:
        workflow.approve(in_review, bare, **signed_by(bare))
    assert refused.value.codes == ["missing-reviewer-credentials"]
    assert "cannot be approved" in str(refused.value)
    assert snapshot(in_review) == before


def test_approve_refuses_once_a_cited_source_is_retracted(in_review, reviewer):
    retract(in_review)
    before = snapshot(in_review)
    with pytest.raises(workflow.GateBlocked) as refused:
        workflow.approve(in_review, reviewer, **signed_by(reviewer))
    assert refused.value.codes == ["retracted-source"]
    assert snapshot(in_review) == before


def test_publish_refuses_once_a_cited_source_is_retracted(approved, editor):
    retract(approved)
    before = snapshot(approved)
    with pytest.raises(workflow.GateBlocked) as refused:
        workflow.publish(approved, editor)
    assert refused.value.codes == ["retracted-source"]
    assert "cannot be published" in str(refused.value)
    assert snapshot(approved) == before
    assert reload(approved).live_revision is None


def test_the_scheduled_publish_refuses_too(approved, editor):
    workflow.schedule(approved, editor, go_live_at=timezone.now() + timedelta(hours=1))
    retract(approved)
    before = snapshot(approved)
    report = jobs.run_all(timezone.now() + timedelta(hours=2))
    assert report.published == []
    assert len(report.failed) == 1 and "retracted-source" in report.failed[0]
    assert snapshot(approved) == before


def test_publish_refuses_a_page_whose_prompt_was_changed_since(
    build, make_gate_source, approved_prompt, writer, reviewer, editor
):
    prompt = approved_prompt()
    article = build(body=cited("Rest helps."), sources=[make_gate_source()], prompts=[prompt])
    workflow.submit(article, writer)
    workflow.approve(article, reviewer, **signed_by(reviewer))
    prompt.headline = "Changed after the page was approved"
    workflow.save_revision(prompt, writer)
    with pytest.raises(workflow.GateBlocked) as refused:
        workflow.publish(article, editor)
    assert refused.value.codes == ["unapproved-prompt"]


def test_a_prompt_without_disclosure_cannot_be_submitted(make_prompt, writer):
    prompt = make_prompt(disclosure_label="")
    with pytest.raises(workflow.GateBlocked) as refused:
        workflow.submit(prompt, writer)
    assert refused.value.codes == ["missing-disclosure"]
    assert reload(prompt).state == State.DRAFT


def test_the_default_fixture_article_goes_all_the_way(published):
    assert published.state == State.PUBLISHED
    assert gate.run(published) == []


def test_refusal_checks_come_before_the_gate(uncited_article, other_writer):
    """Someone who may not submit is told so, not shown the content's findings."""
    with pytest.raises(workflow.NotAllowed):
        workflow.submit(uncited_article, other_writer)
