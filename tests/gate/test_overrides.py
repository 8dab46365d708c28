"""A medical reviewer's override of an unsupported-claim finding: who may, what it needs, what it
changes, and how long it lasts (as long as the sentence, word for word)."""

from __future__ import annotations

import pytest

from articles import gate, workflow
from articles.audit.models import AuditEvent
from articles.models import GateOverride
from articles.models.immutable import ImmutableRowError
from articles.roles import Role
from tests.gate.conftest import cited
from tests.workflow_support import reload

CLAIM = "Losing weight reduces pain in most people with knee osteoarthritis."


@pytest.fixture
def claimed(build, make_gate_source):
    """Sources fine; one uncited claim a reviewer may judge common knowledge."""
    return build(
        "Knee osteoarthritis",
        body=f"<p>{CLAIM}</p>" + cited("Ask your physiotherapist where to start."),
        sources=[make_gate_source()],
    )


def override(article, user, reason="Standard advice in every national guideline."):
    return workflow.override_finding(
        article, user, code="unsupported-claim", sentence=CLAIM, reason=reason
    )


def test_a_reviewer_overrides_a_claim_which_then_stops_blocking(claimed, reviewer, writer):
    [finding] = gate.blockers(gate.run(claimed))
    assert (finding.code, finding.excerpt, finding.overridable) == (
        "unsupported-claim",
        CLAIM,
        True,
    )

    record = override(claimed, reviewer)

    assert (record.code, record.sentence, record.reviewer, record.reviewer_name) == (
        "unsupported-claim",
        CLAIM,
        reviewer,
        "Rita Reviewer",
    )
    assert record.revision == claimed.latest_revision
    [info] = gate.run(claimed)
    assert info.severity == gate.Severity.INFO
    assert info.location == "body, paragraph 1"
    assert info.message.endswith(
        "overridden by Rita Reviewer: Standard advice in every national guideline."
    )
    event = AuditEvent.objects.filter(action="override").get()
    assert event.actor == reviewer and event.revision_number == 1
    assert event.detail["sentence"] == CLAIM and event.detail["code"] == "unsupported-claim"
    assert event.detail["reason"] == "Standard advice in every national guideline."
    workflow.submit(claimed, writer)  # nothing blocks any more


def test_the_override_survives_a_resave_that_keeps_the_sentence(claimed, reviewer, writer):
    override(claimed, reviewer)
    article = reload(claimed)
    article.title = "Knee osteoarthritis: what helps"
    article.body += "<p>Walking is a good start.</p>"
    workflow.save_revision(article, writer)
    assert gate.blockers(gate.run(article)) == []

    article.body = article.body.replace("most people", "many people")
    workflow.save_revision(article, writer)
    [finding] = gate.blockers(gate.run(article))
    assert finding.code == "unsupported-claim"  # a changed sentence needs a new judgement


@pytest.mark.parametrize("who", ["writer", "editor", "admin_user"])
def test_only_medical_reviewers_may_override(request, claimed, who):
    before = AuditEvent.objects.count()
    with pytest.raises(workflow.NotAllowed, match="Only a medical reviewer"):
        override(claimed, request.getfixturevalue(who))
    assert not GateOverride.objects.exists() and AuditEvent.objects.count() == before


def test_a_reviewer_who_edited_the_content_may_not_judge_it(claimed, make_user):
    both = make_user("eli_editor_reviewer", Role.EDITOR, Role.REVIEWER, credentials="MD")
    article = reload(claimed)
    article.summary = "Edited by an editor who also reviews."
    workflow.save_revision(article, both)
    with pytest.raises(workflow.NotAllowed, match="another medical reviewer"):
        override(article, both)
    assert not GateOverride.objects.exists()


def test_a_reason_is_required(claimed, reviewer):
    with pytest.raises(workflow.InvalidRequest, match="Say why"):
        override(claimed, reviewer, reason="   ")
    assert not GateOverride.objects.exists()


def test_only_a_current_overridable_finding_can_be_overridden(build, make_gate_source, reviewer):
    absolute = "Results are guaranteed."
    article = build(body=f"<p>{absolute}</p>", sources=[make_gate_source()])
    with pytest.raises(workflow.InvalidRequest, match="no such finding"):
        workflow.override_finding(
            article, reviewer, code="unsupported-claim", sentence=absolute, reason="Fine."
        )
    with pytest.raises(workflow.InvalidRequest, match="no such finding"):
        workflow.override_finding(
            article, reviewer, code="unsupported-claim", sentence="Not in the text.", reason="x"
        )
    with pytest.raises(workflow.InvalidRequest, match="cannot be overridden"):
        workflow.override_finding(
            article, reviewer, code="no-sources", sentence="", reason="We know the source."
        )
    assert not GateOverride.objects.exists()


def test_an_override_is_recorded_once(claimed, reviewer, second_reviewer):
    override(claimed, reviewer)
    with pytest.raises(workflow.InvalidRequest):
        override(claimed, second_reviewer)  # the finding is information now
    assert GateOverride.objects.count() == 1


def test_overrides_are_records(claimed, reviewer):
    record = override(claimed, reviewer)
    record.reason = "Changed later"
    with pytest.raises(ImmutableRowError):
        record.save()
    with pytest.raises(ImmutableRowError):
        GateOverride.objects.all().delete()


# --- Who may override: the `override` entry of workflow.TRANSITIONS ----------------------------


@pytest.mark.parametrize(
    "who", ["writer", "editor", "admin_user", "owner_reviewer", "editor_reviewer"]
)
def test_override_is_refused_through_the_table_with_its_words(
    request, build, make_gate_source, make_user, writer, who
):
    """The writer and the editor of the content, and anyone not a medical reviewer, are refused by
    the same decision that hides the override form, in the same words."""
    people = {
        "writer": writer,
        "editor": request.getfixturevalue("editor"),
        "admin_user": request.getfixturevalue("admin_user"),
        "owner_reviewer": make_user("olga_owner", Role.WRITER, Role.REVIEWER, credentials="MD"),
        "editor_reviewer": make_user("eli_both", Role.EDITOR, Role.REVIEWER, credentials="MD"),
    }
    user = people[who]
    article = build(
        body=f"<p>{CLAIM}</p>" + cited("Ask your physiotherapist where to start."),
        sources=[make_gate_source()],
        owner=user if who == "owner_reviewer" else writer,
    )
    if who == "editor_reviewer":
        article.summary = "Edited by an editor who also reviews."
        workflow.save_revision(article, user)
    reason = workflow.permissions(reload(article), user).why_not("override")
    assert reason
    before = AuditEvent.objects.count()
    with pytest.raises(workflow.NotAllowed) as refused:
        override(reload(article), user)
    assert str(refused.value) == reason
    if who.endswith("reviewer"):
        assert reason.endswith("so another medical reviewer must judge its claims.")
    else:
        assert reason == "Only a medical reviewer may override a gate finding."
    assert not GateOverride.objects.exists() and AuditEvent.objects.count() == before


def test_a_published_revision_has_no_finding_to_override(claimed, writer, reviewer, editor):
    """Nothing the gate decides lies ahead of published content; an edit makes a draft again."""
    from tests.conftest import signed_by

    override(claimed, reviewer)  # a draft: the writer could not submit it otherwise
    workflow.submit(claimed, writer)
    workflow.approve(claimed, reviewer, **signed_by(reviewer))
    workflow.publish(claimed, editor)
    published = reload(claimed)
    assert not workflow.permissions(published, reviewer).may("override")
    with pytest.raises(workflow.WrongState, match="no finding to override"):
        override(published, reviewer)
    assert GateOverride.objects.count() == 1
