"""Helpers shared by the workflow, signature, scheduling, audit and concurrency tests.

Content is always moved through the real engine (`articles.workflow`), never by setting fields.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from articles import workflow
from articles.audit.models import AuditEvent, AuditHead
from articles.models import Article, Revision, Signature, State
from articles.roles import Role, users_with_role
from tests.conftest import signed_by

# The path through the workflow that reaches each state, as (transition, who) steps.
PATHS: dict[State, list[tuple[str, str]]] = {
    State.DRAFT: [],
    State.IN_REVIEW: [("submit", "owner")],
    State.CHANGES_REQUESTED: [("submit", "owner"), ("request_changes", "reviewer")],
    State.APPROVED: [("submit", "owner"), ("approve", "reviewer")],
    State.PUBLISHED: [("submit", "owner"), ("approve", "reviewer"), ("publish", "editor")],
    State.UNPUBLISHED: [
        ("submit", "owner"),
        ("approve", "reviewer"),
        ("publish", "editor"),
        ("unpublish", "editor"),
    ],
}


@contextmanager
def triggers_off():
    """As the database owner: on PostgreSQL, switch off the triggers that refuse changes to
    records (migration 0011), which only a superuser can."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            cursor.execute("SET session_replication_role = origin")


def tamper(sql: str, params=()) -> None:
    """Change the database behind the application's back, with the database owner's rights."""
    with triggers_off(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def reload(content):
    """A fresh instance from the database, as a new request would load it."""
    return type(content).objects.get(pk=content.pk)


def change_text(content, suffix: str = " (revised)") -> None:
    """Change what a reader would see, in memory only."""
    if isinstance(content, Article):
        content.title += suffix
    else:
        content.headline += suffix


def edit(content, user, suffix: str = " (revised)", **kwargs) -> Revision:
    change_text(content, suffix)
    return workflow.save_revision(content, user, **kwargs)


def perform(name: str, content, user):
    """Attempt transition `name` as `user`, with the arguments a person would give."""
    if name == "edit":
        return edit(content, user, base_revision=content.latest_revision.number)
    if name == "submit":
        return workflow.submit(content, user)
    if name == "withdraw":
        return workflow.withdraw(content, user)
    if name == "request_changes":
        return workflow.request_changes(content, user, comment="Cite the 2019 trial.")
    if name == "approve":
        return workflow.approve(content, user, **signed_by(user))
    if name == "schedule":
        now = timezone.now()
        if content.state == State.PUBLISHED:
            return workflow.schedule(content, user, expire_at=now + timedelta(days=30))
        return workflow.schedule(
            content, user, go_live_at=now + timedelta(days=1), expire_at=now + timedelta(days=30)
        )
    if name == "publish":
        return workflow.publish(content, user)
    if name == "republish":
        return workflow.republish(content, user)
    if name == "unpublish":
        return workflow.unpublish(content, user, reason="Outdated advice.")
    if name == "assign":
        writer = users_with_role(Role.WRITER).exclude(pk=content.owner_id).order_by("pk").first()
        return workflow.assign(content, user, owner=writer)
    if name == "assign_reviewer":
        reviewer = users_with_role(Role.REVIEWER).order_by("pk").first()
        due = timezone.now() + timedelta(days=3)
        return workflow.assign_reviewer(content, user, reviewer=reviewer, due_at=due)
    raise AssertionError(f"unknown transition {name}")


def drive(content, state: State, people: dict):
    """Move freshly created content to `state` through the engine."""
    for name, who in PATHS[state]:
        perform(name, content, people[who])
    assert content.state == state
    return content


def events_of(content):
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(content), object_id=content.pk
    ).order_by("sequence")


def snapshot(content) -> dict:
    """Everything a refused transition must leave untouched."""
    row = type(content).objects.filter(pk=content.pk).values().get()
    return {
        "row": row,
        "revisions": list(
            Revision.objects.filter(
                content_type=ContentType.objects.get_for_model(content), object_id=content.pk
            ).values_list("number", "content_hash")
        ),
        "signatures": Signature.objects.count(),
        "events": AuditEvent.objects.count(),
        "head": AuditHead.objects.filter(pk=1).values_list("sequence", flat=True).first(),
    }
