"""What makes an event a link of the audit chain: its canonical bytes, its HMAC seal under the
key its key id names, and the `Break` that `verify` reports when a link is not sound.

A leaf of the audit package: the trail (`articles.audit`), the anchor and the records all read
it, and it imports none of them (only the keys)."""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from articles.audit import keys

if TYPE_CHECKING:
    from articles.audit.models import AuditEvent

GENESIS = "0" * 64


def canonical(event: AuditEvent, *, keyed: bool) -> bytes:
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
    if keyed:
        fields |= {"revision_hash": event.revision_hash, "key_id": event.key_id}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(event: AuditEvent) -> str:
    """The event's HMAC under the key its key_id names (UnknownKey if this server lacks it)."""
    return keys.sign(keys.by_id(event.key_id), canonical(event, keyed=True))


@dataclass(frozen=True)
class Break:
    """One problem `verify` found: at an event (`sequence`), or at a record or the anchor
    (`subject`, such as "signature 4" or "revision 7 of article 3")."""

    sequence: int | None
    problem: str
    subject: str = ""

    def __str__(self) -> str:
        return f"{self.subject or f'event #{self.sequence}'}: {self.problem}"


def seal_problem(event: AuditEvent) -> str | None:
    if not event.key_id:
        return "it is not signed with the audit key: it was forged, or written before the key"
    try:
        if hmac.compare_digest(event_hash(event), event.hash):
            return None
    except keys.UnknownKey:
        return (
            f"it is signed with a key this server does not hold (key id {event.key_id}): "
            "add that key to AUDIT_HMAC_KEYS, or the event was forged"
        )
    return "its contents were changed after it was written"
