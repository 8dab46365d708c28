"""Readers' submissions, the audit trail and the account records left `articles` for apps of
their own (`readers`, `audit`, `accounts`, articles migration 0020) without moving any data: a
database written at articles 0019 keeps every row, its content types (same ids, new labels), the
role groups' permissions, and an audit trail that still verifies and still finds its events. Runs
on SQLite and on PostgreSQL (whichever DATABASE_URL names), like the rest of the suite."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from articles import audit, workflow
from articles.accounts.models import SignerCertification
from articles.audit.chain import event_hash
from articles.audit.keys import current
from articles.audit.models import AuditEvent
from articles.readers.models import Feedback, InformationRequest
from articles.roles import Role
from tests.conftest import signed_by

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("articles", "0019_review_assignment_compliance_email_opt_outs"),
    ("readers", None),
    ("audit", None),
    ("accounts", None),
]
MOVED = {
    "consenttext": "readers",
    "informationrequest": "readers",
    "newslettersubscription": "readers",
    "feedback": "readers",
    "auditevent": "audit",
    "audithead": "audit",
    "signercertification": "accounts",
    "factorreset": "accounts",
    "accountchange": "accounts",
    "emailoptout": "accounts",
}


def migrate(targets):
    """Migrate the test database to `targets`; the historical models there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([node for node in targets if node[1]]).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def append_event(old, action: str, obj, actor) -> None:
    """Append a sealed event as the code at articles 0019 did, through the historical models."""
    Event = old.get_model("articles", "AuditEvent")
    Head = old.get_model("articles", "AuditHead")
    Type = old.get_model("contenttypes", "ContentType")
    head = Head.objects.get(pk=1)
    event = Event(
        actor_id=actor.pk,
        actor_name=actor.username,
        action=action,
        content_type=Type.objects.get(app_label="articles", model=obj._meta.model_name),
        object_id=obj.pk,
        object_repr=f"{obj._meta.object_name} #{obj.pk}",
        detail={},
        created_at=timezone.now(),
        sequence=head.sequence + 1,
        prev_hash=head.hash,
        key_id=current()[0],
    )
    event.hash = event_hash(event)
    event.save()
    Head.objects.filter(pk=1).update(sequence=event.sequence, hash=event.hash)


def test_a_database_at_articles_0019_keeps_its_rows_content_types_grants_and_audit_trail(
    make_article, writer, reviewer, editor, admin_user
):
    old = migrate(BEFORE)
    try:
        # At articles 0019 the models are still articles' and so are their content types.
        OldType = old.get_model("contenttypes", "ContentType")
        assert not OldType.objects.filter(app_label__in=["readers", "audit"]).exists()
        type_ids = {
            model: OldType.objects.get(app_label="articles", model=model).pk for model in MOVED
        }
        admin_group = old.get_model("auth", "Group").objects.get(name=Role.ADMIN.value)
        granted = set(admin_group.permissions.values_list("pk", "content_type_id", "codename"))
        assert (type_ids["feedback"], "view_feedback") in {(t, c) for _, t, c in granted}

        # Content moved through the engine: articles' own tables are the same at 0019 and after,
        # and these events are written to the audit table the new app keeps.
        article = make_article()
        workflow.submit(article, writer)
        workflow.approve(article, reviewer, **signed_by(reviewer))
        workflow.publish(article, editor)
        article.refresh_from_db()

        # What readers sent, and the events about it, as the code at 0019 stored them.
        wording = old.get_model("articles", "ConsentText").objects.create(
            purpose="information_request",
            version=1,
            text="I agree.",
            sha256=hashlib.sha256(b"I agree.").hexdigest(),
        )
        request = old.get_model("articles", "InformationRequest").objects.create(
            consent=wording,
            consented_at=timezone.now(),
            name="A reader",
            email="reader@example.org",
            article_id=article.pk,
        )
        report = old.get_model("articles", "Feedback").objects.create(
            article_id=article.pk,
            revision_id=article.live_revision_id,
            kind="wrong_information",
            message="The dose is out of date.",
        )
        append_event(old, "information_request_contacted", request, admin_user)
        append_event(old, "feedback_accepted", report, admin_user)
        events_before = list(AuditEvent.objects.values_list("sequence", "content_type_id", "hash"))
        assert audit.verify() == (len(events_before), [])
    finally:
        migrate(latest())

    # Every row is still there, read through the new apps' models.
    assert InformationRequest.objects.get(pk=request.pk).email == "reader@example.org"
    feedback = Feedback.objects.get(pk=report.pk)
    assert feedback.article_id == article.pk
    assert SignerCertification.objects.get(user=reviewer).signer_name
    assert list(AuditEvent.objects.values_list("sequence", "content_type_id", "hash")) == (
        events_before
    )
    # The same content type rows, relabelled in place; none left behind, none made anew.
    ContentType.objects.clear_cache()
    for model, app_label in MOVED.items():
        assert ContentType.objects.get(app_label=app_label, model=model).pk == type_ids[model]
        assert not ContentType.objects.filter(app_label="articles", model=model).exists()
    # The Admin role keeps the very same permission rows, now under the new labels.
    group = Group.objects.get(name=Role.ADMIN.value)
    assert set(group.permissions.values_list("pk", "content_type_id", "codename")) == granted
    admin = type(admin_user).objects.get(pk=admin_user.pk)
    assert admin.has_perm("readers.view_feedback") and admin.has_perm("audit.view_auditevent")
    # The chain still verifies, the feedback's history still finds its event, and appending goes
    # on under the same content type.
    assert audit.verify() == (len(events_before), [])
    assert [e.action for e in audit.events_for(feedback)] == ["feedback_accepted"]
    audit.record("feedback_dismissed", actor=admin, obj=feedback)
    assert [e.action for e in audit.events_for(feedback)] == [
        "feedback_accepted",
        "feedback_dismissed",
    ]
    assert audit.verify() == (len(events_before) + 1, [])


def test_the_migrations_undo_to_articles_0019_and_redo(admin_user):
    feedback_type = ContentType.objects.get(app_label="readers", model="feedback").pk

    old = migrate(BEFORE)
    try:
        relabelled = old.get_model("contenttypes", "ContentType").objects.get(pk=feedback_type)
        assert (relabelled.app_label, relabelled.model) == ("articles", "feedback")
    finally:
        migrate(latest())

    ContentType.objects.clear_cache()
    assert ContentType.objects.get_for_model(Feedback).pk == feedback_type
