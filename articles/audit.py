"""Writing and verifying the audit trail.

Every state change calls `record` inside its own transaction, so an event exists exactly when the
change it describes was committed. Events form a hash chain: changing or deleting any row breaks
the chain at that row, and `verify` says where.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from articles.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _event_hash(event: AuditEvent) -> str:
    fields = {
        "sequence": event.sequence,
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "content_type": event.content_type_id,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "revision_id": event.revision_id,
        "revision_number": event.revision_number,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "detail": event.detail,
        "created_at": event.created_at.isoformat(),
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record(
    action: str,
    *,
    actor=None,
    obj: models.Model | None = None,
    revision=None,
    from_state: str = "",
    to_state: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. `actor=None` means the system (scheduled jobs)."""
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            actor=actor,
            actor_name=actor.get_username() if actor else "system",
            action=action,
            content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
            object_id=obj.pk if obj is not None else None,
            object_repr=str(obj)[:255] if obj is not None else "",
            revision_id=revision.pk if revision else None,
            revision_number=revision.number if revision else None,
            from_state=from_state,
            to_state=to_state,
            detail=detail or {},
            created_at=timezone.now(),
            sequence=head.sequence + 1,
            prev_hash=head.hash,
        )
        event.hash = _event_hash(event)
        event.save()
        head.sequence, head.hash = event.sequence, event.hash
        head.save()
    return event


def events_for(obj: models.Model):
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("actor")


@dataclass(frozen=True)
class Break:
    sequence: int
    problem: str

    def __str__(self) -> str:
        return f"event #{self.sequence}: {self.problem}"


def verify(batch_size: int = 2000) -> tuple[int, list[Break]]:
    """Walk the chain in order; return how many events were checked and every break found."""
    breaks: list[Break] = []
    expected_sequence, expected_prev = 1, GENESIS
    checked = 0
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=batch_size):
        checked += 1
        if event.sequence != expected_sequence:
            missing = (
                f"#{expected_sequence}"
                if event.sequence == expected_sequence + 1
                else (f"#{expected_sequence} to #{event.sequence - 1}")
            )
            breaks.append(Break(event.sequence, f"event {missing} before it was deleted"))
        elif event.prev_hash != expected_prev:
            breaks.append(Break(event.sequence, "does not follow the event before it"))
        if _event_hash(event) != event.hash:
            breaks.append(Break(event.sequence, "its contents were changed after it was written"))
        expected_sequence, expected_prev = event.sequence + 1, event.hash
    head = AuditHead.objects.filter(pk=1).first()
    last = expected_sequence - 1
    if head and head.sequence > last:
        first_missing = last + 1
        span = (
            f"#{first_missing}"
            if head.sequence == first_missing
            else (f"#{first_missing} to #{head.sequence}")
        )
        breaks.append(Break(head.sequence, f"event {span} at the end of the trail was deleted"))
    elif head and head.sequence == last and last and head.hash != expected_prev:
        breaks.append(Break(last, "the last event was replaced"))
    return checked, breaks
