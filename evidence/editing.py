"""A person's edit of a source: saved, and announced (`evidence.signals.source_edited`) in the
same transaction, so the audit trail records who changed what."""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import transaction

from evidence.models import Source
from evidence.signals import retraction_changed, source_edited

# An audit record says what changed; it is not a copy of the source.
VALUE_LIMIT = 300


def _as_text(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= VALUE_LIMIT else text[: VALUE_LIMIT - 1] + "…"


def changes_of(source: Source, fields: Iterable[str]) -> dict[str, str]:
    return {name: _as_text(getattr(source, name)) for name in sorted(fields)}


@transaction.atomic
def save_source(source: Source, actor, *, changed: Iterable[str], created: bool) -> None:
    """`changed`: the fields the form says changed; only those that differ from the stored row
    are recorded (a form may report a field it merely re-serialized)."""
    changed = list(changed)
    if not created and changed:
        stored = Source.objects.filter(pk=source.pk).values(*changed).first() or {}
        changed = [name for name in changed if stored.get(name) != getattr(source, name)]
    source.save()
    if not created and "retracted" in changed:
        retraction_changed.send(Source, source=source)
    source_edited.send(
        Source,
        source=source,
        actor=actor,
        action="source_created" if created else "source_changed",
        changes=changes_of(source, changed),
    )


@transaction.atomic
def delete_source(source: Source, actor) -> None:
    source_edited.send(Source, source=source, actor=actor, action="source_deleted", changes={})
    source.delete()
