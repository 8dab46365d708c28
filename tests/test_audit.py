"""The append-only, hash-chained audit trail and the immutable records behind it."""

from __future__ import annotations

import json

import pytest
from django.contrib.contenttypes.models import ContentType

from articles import audit, workflow
from articles.audit import chain
from articles.audit.models import AuditEvent
from articles.models import Revision, Signature, State
from articles.models.immutable import ImmutableRowError
from tests.conftest import signed_by
from tests.workflow_support import PATHS, drive, edit, events_of, perform, reload, tamper

# (transition, state it is performed from, who, expected to-state)
TRANSITIONS = [
    ("edit", State.DRAFT, "owner", State.DRAFT),
    ("submit", State.DRAFT, "owner", State.IN_REVIEW),
    ("withdraw", State.IN_REVIEW, "owner", State.DRAFT),
    ("request_changes", State.IN_REVIEW, "reviewer", State.CHANGES_REQUESTED),
    ("approve", State.IN_REVIEW, "reviewer", State.APPROVED),
    ("schedule", State.APPROVED, "editor", State.APPROVED),
    ("publish", State.APPROVED, "editor", State.PUBLISHED),
    ("unpublish", State.PUBLISHED, "editor", State.UNPUBLISHED),
]


@pytest.fixture
def people(writer, reviewer, editor):
    return {"owner": writer, "reviewer": reviewer, "editor": editor}


@pytest.fixture
def make_content(make_article, make_prompt):
    return {"article": make_article, "prompt": make_prompt}


raw_sql = tamper


def full_lifecycle(make_article, people) -> None:
    """Several articles taken through every transition, so the chain has something to check."""
    for i, state in enumerate(PATHS):
        drive(make_article(f"Article {i}"), state, people)


def problems(breaks) -> list[tuple[int, str]]:
    """The breaks in the chain itself (records beside it are reconciled in test_trust.py)."""
    return [(b.sequence, b.problem) for b in breaks if not b.subject]


# --- One event per transition -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["article", "prompt"])
@pytest.mark.parametrize("name, from_state, who, to_state", TRANSITIONS)
def test_every_transition_writes_exactly_one_event(
    kind, name, from_state, who, to_state, people, make_content
):
    content = drive(make_content[kind](), from_state, people)
    total_before = AuditEvent.objects.count()

    perform(name, reload(content), people[who])

    assert AuditEvent.objects.count() == total_before + 1
    event = AuditEvent.objects.order_by("sequence").last()
    content = reload(content)
    assert event.actor == people[who]
    assert event.actor_name == people[who].get_username()
    assert event.action == name
    assert event.content_type == ContentType.objects.get_for_model(content)
    assert event.object_id == content.pk
    assert event.object_repr == str(content)
    assert event.from_state == from_state
    assert event.to_state == to_state
    assert event.revision_id == content.latest_revision.pk
    assert event.revision_number == content.latest_revision.number


def test_revision_numbers_follow_the_revision_the_event_is_about(article, writer, reviewer, editor):
    workflow.submit(article, writer)
    workflow.approve(article, reviewer, **signed_by(reviewer))
    workflow.publish(article, editor)
    edit(article, writer)  # revision 2, a draft; revision 1 stays live
    workflow.unpublish(article, editor)

    actions = [(e.action, e.revision_number) for e in events_of(article)]
    assert actions == [
        ("edit", 1),
        ("submit", 1),
        ("approve", 1),
        ("publish", 1),
        ("edit", 2),
        ("unpublish", 1),  # what came down was the live revision 1
    ]


def test_events_for_lists_an_objects_history(published, make_article):
    make_article("Another article")
    assert [e.action for e in audit.events_for(published)] == [
        "edit",
        "submit",
        "approve",
        "publish",
    ]


def test_event_detail_records_what_was_said(in_review, reviewer):
    workflow.request_changes(in_review, reviewer, comment="  Cite the 2019 trial.  ")
    assert events_of(in_review).last().detail == {"comment": "Cite the 2019 trial."}


# --- The chain verifies, and tampering is found -----------------------------------------------


def test_untouched_chain_verifies(make_article, people):
    full_lifecycle(make_article, people)
    count = AuditEvent.objects.count()
    assert count > 10
    assert audit.verify() == (count, [])


def test_verify_in_small_batches(make_article, people):
    full_lifecycle(make_article, people)
    assert audit.verify(batch_size=3) == (AuditEvent.objects.count(), [])


def test_empty_trail_verifies(db):
    assert audit.verify() == (0, [])


@pytest.mark.parametrize(
    "column, value",
    [
        ("detail", json.dumps({"comment": "Looks fine to me"})),
        ("actor_name", "mallory"),
        ("to_state", "published"),
        ("revision_number", 99),
    ],
)
def test_changing_an_event_is_reported_at_that_event(column, value, make_article, people):
    full_lifecycle(make_article, people)
    victim = AuditEvent.objects.order_by("sequence")[4]
    raw_sql(f"UPDATE articles_auditevent SET {column} = %s WHERE id = %s", [value, victim.pk])

    checked, breaks = audit.verify()
    assert checked == AuditEvent.objects.count()
    assert len(breaks) == 1
    assert breaks[0].sequence == victim.sequence
    assert "changed" in breaks[0].problem
    assert f"#{victim.sequence}" in str(breaks[0])


def test_rehashing_a_changed_event_is_caught_by_the_next_one(make_article, people):
    """Someone who recomputes the tampered row's hash still breaks the link to the next row."""
    full_lifecycle(make_article, people)
    victim = AuditEvent.objects.order_by("sequence")[4]
    victim.actor_name = "mallory"
    rehashed = chain.event_hash(victim)
    raw_sql(
        "UPDATE articles_auditevent SET actor_name = %s, hash = %s WHERE id = %s",
        ["mallory", rehashed, victim.pk],
    )

    _, breaks = audit.verify()
    assert problems(breaks) == [(victim.sequence + 1, "does not follow the event before it")]


def test_deleting_a_middle_event_is_reported(make_article, people):
    full_lifecycle(make_article, people)
    raw_sql("DELETE FROM articles_auditevent WHERE sequence = 5")

    checked, breaks = audit.verify()
    assert checked == AuditEvent.objects.count()
    assert problems(breaks) == [(6, "event #5 before it was deleted")]


def test_deleting_several_middle_events_is_reported_as_one_gap(make_article, people):
    full_lifecycle(make_article, people)
    raw_sql("DELETE FROM articles_auditevent WHERE sequence IN (5, 6, 7)")

    _, breaks = audit.verify()
    assert problems(breaks) == [(8, "event #5 to #7 before it was deleted")]


def test_deleting_the_first_event_is_reported(make_article, people):
    full_lifecycle(make_article, people)
    raw_sql("DELETE FROM articles_auditevent WHERE sequence = 1")

    _, breaks = audit.verify()
    assert problems(breaks) == [(2, "event #1 before it was deleted")]


def test_deleting_the_last_event_is_reported_via_the_head(make_article, people):
    full_lifecycle(make_article, people)
    last = AuditEvent.objects.order_by("sequence").last().sequence
    raw_sql("DELETE FROM articles_auditevent WHERE sequence = %s", [last])

    checked, breaks = audit.verify()
    assert checked == last - 1
    assert problems(breaks) == [(last, f"event #{last} at the end of the trail was deleted")]


def test_deleting_the_last_events_is_reported_via_the_head(make_article, people):
    full_lifecycle(make_article, people)
    last = AuditEvent.objects.order_by("sequence").last().sequence
    raw_sql("DELETE FROM articles_auditevent WHERE sequence >= %s", [last - 2])

    _, breaks = audit.verify()
    assert problems(breaks) == [
        (last, f"event #{last - 2} to #{last} at the end of the trail was deleted")
    ]


def test_deleting_every_event_is_reported(make_article, people):
    full_lifecycle(make_article, people)
    last = AuditEvent.objects.order_by("sequence").last().sequence
    raw_sql("DELETE FROM articles_auditevent")

    assert problems(audit.verify()[1]) == [
        (last, f"event #1 to #{last} at the end of the trail was deleted")
    ]


def test_replacing_the_last_event_is_reported(make_article, people):
    full_lifecycle(make_article, people)
    last = AuditEvent.objects.order_by("sequence").last()
    last.actor_name = "mallory"
    raw_sql(
        "UPDATE articles_auditevent SET actor_name = %s, hash = %s WHERE id = %s",
        ["mallory", chain.event_hash(last), last.pk],
    )

    assert problems(audit.verify()[1]) == [(last.sequence, "the last event was replaced")]


def test_the_chain_keeps_growing_after_a_verify(make_article, people, writer):
    full_lifecycle(make_article, people)
    audit.verify()
    edit(make_article("Late addition"), writer)
    assert audit.verify() == (AuditEvent.objects.count(), [])


# --- Records cannot be changed or deleted through the ORM -------------------------------------


@pytest.fixture
def records(published):
    return {
        AuditEvent: AuditEvent.objects.order_by("sequence").first(),
        Revision: reload(published).live_revision,
        Signature: reload(published).live_signature,
    }


@pytest.mark.parametrize("model", [AuditEvent, Revision, Signature], ids=lambda m: m.__name__)
def test_saving_an_existing_record_is_refused(model, records):
    record = records[model]
    if model is AuditEvent:
        record.actor_name = "mallory"
    elif model is Revision:
        record.change_summary = "rewritten history"
    else:
        record.reviewer_credentials = "MD, PhD"
    with pytest.raises(ImmutableRowError):
        record.save()
    field = _changed_field(model)
    assert getattr(model.objects.get(pk=record.pk), field) != getattr(record, field)
    assert audit.verify()[1] == []


def _changed_field(model) -> str:
    return {
        AuditEvent: "actor_name",
        Revision: "change_summary",
        Signature: "reviewer_credentials",
    }[model]


@pytest.mark.parametrize("model", [AuditEvent, Revision, Signature], ids=lambda m: m.__name__)
def test_deleting_a_record_is_refused(model, records):
    count = model.objects.count()
    with pytest.raises(ImmutableRowError):
        records[model].delete()
    with pytest.raises(ImmutableRowError):
        model.objects.filter(pk=records[model].pk).delete()
    with pytest.raises(ImmutableRowError):
        model.objects.all().delete()
    assert model.objects.count() == count


@pytest.mark.parametrize("model", [AuditEvent, Revision, Signature], ids=lambda m: m.__name__)
def test_bulk_updating_records_is_refused(model, records):
    field = _changed_field(model)
    before = list(model.objects.values_list(field, flat=True))
    with pytest.raises(ImmutableRowError):
        model.objects.update(**{field: "rewritten"})
    with pytest.raises(ImmutableRowError):
        model.objects.filter(pk=records[model].pk).update(**{field: "rewritten"})
    assert list(model.objects.values_list(field, flat=True)) == before


def test_creating_new_records_is_still_possible(article, writer):
    edit(article, writer)
    assert Revision.objects.count() == 2
