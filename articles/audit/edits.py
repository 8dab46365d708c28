"""Edits outside the workflow that the public site or the gate depend on, in the audit trail:
topics (an article files under one) and sources (the gate and the reference lists read them).

Topics are this app's, so the admin saves them through `save_topic`/`delete_topic`. Sources
belong to `evidence`, which knows nothing of articles: it announces each edit with its
`source_edited` signal, and `record_source_edit` (connected in `articles.apps`) appends the
event in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from articles import audit
from articles.models import Topic
from evidence.editing import changes_of


@transaction.atomic
def save_topic(topic: Topic, actor, *, changed: Iterable[str], created: bool) -> None:
    topic.save()
    audit.record(
        "topic_created" if created else "topic_changed",
        actor=actor,
        obj=topic,
        detail={"changes": changes_of(topic, changed)},
    )


@transaction.atomic
def delete_topic(topic: Topic, actor) -> None:
    audit.record("topic_deleted", actor=actor, obj=topic, detail={"slug": topic.slug})
    topic.delete()


def record_source_edit(sender, *, source, actor, action: str, changes: dict, **kwargs) -> None:
    audit.record(action, actor=actor, obj=source, detail={"changes": changes} if changes else {})
