"""Writing and verifying the audit trail.

Every state change calls `record` inside its own transaction, so an event exists exactly when the
change it describes was committed. Events form a chain of HMACs under a key kept outside the
database (`articles.audit.keys`): changing, deleting, appending or rebuilding rows breaks the
chain, and nobody without the key can mend it. `verify` walks the chain, reconciles the records
it vouches for (revisions, signatures, stored pages: `records`) and compares the head with the
copy `run_jobs` keeps outside the database (`anchor`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from articles.audit import anchor, keys, records
from articles.audit.chain import GENESIS, Break, canonical, event_hash, seal_problem

if TYPE_CHECKING:
    from articles.audit.models import AuditEvent

# The models are imported where they are used: Django imports this package (an app, label
# "audit") before any model may be defined.


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
    """Append one event. `actor=None` means the system (scheduled jobs). Stable: other modules
    (sign-in, role grants, topic and source edits) audit through it."""
    from django.contrib.contenttypes.models import ContentType

    from articles.audit.models import AuditEvent, AuditHead

    kid, _ = keys.current()  # before the lock: a missing key fails with nothing written
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
            revision_hash=revision.content_hash if revision else "",
            from_state=from_state,
            to_state=to_state,
            detail=detail or {},
            created_at=timezone.now(),
            sequence=head.sequence + 1,
            prev_hash=head.hash,
            key_id=kid,
        )
        event.hash = event_hash(event)
        event.save()
        head.sequence, head.hash = event.sequence, event.hash
        head.save()
    return event


# The events that create a signature and record its digest.
SIGNING_ACTIONS = frozenset({"approve", "approve_compliance"})


def events_for(obj: models.Model):
    from django.contrib.contenttypes.models import ContentType

    from articles.audit.models import AuditEvent

    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("actor")


@dataclass
class Attested:
    """What the sound events (their HMAC verifies) say about the records beside the trail."""

    # revision id -> (content type id, object id, number, content hash) per event naming it
    revisions: dict[int, set[tuple]] = field(default_factory=dict)
    # signature id -> (revision id, signature digest, signed content hash) from approve events
    signatures: dict[int, tuple] = field(default_factory=dict)
    published: set[int] = field(default_factory=set)  # revisions some publish event put live
    altered_pages: list[int] = field(default_factory=list)  # page_altered events' sequences
    # Ids named by events that are themselves broken: already reported, not reported again.
    tainted_revisions: set[int] = field(default_factory=set)
    tainted_signatures: set[int] = field(default_factory=set)

    def take(self, event: AuditEvent) -> None:
        if event.revision_id is not None and event.revision_hash:
            self.revisions.setdefault(event.revision_id, set()).add(
                (event.content_type_id, event.object_id, event.revision_number, event.revision_hash)
            )
        elif event.revision_id is not None:  # written before events recorded the hash
            self.revisions.setdefault(event.revision_id, set())
        if event.action in SIGNING_ACTIONS and isinstance(event.detail, dict):
            signature = event.detail.get("signature")
            if isinstance(signature, int):
                self.signatures[signature] = (
                    event.revision_id,
                    event.detail.get("signed"),
                    event.detail.get("content_hash"),
                )
        if event.action == "publish" and event.revision_id is not None:
            self.published.add(event.revision_id)
        if event.action == "page_altered":
            self.altered_pages.append(event.sequence)

    def taint(self, event: AuditEvent) -> None:
        if event.revision_id is not None:
            self.tainted_revisions.add(event.revision_id)
        if isinstance(event.detail, dict) and isinstance(event.detail.get("signature"), int):
            self.tainted_signatures.add(event.detail["signature"])


@dataclass
class Walk:
    checked: int = 0
    breaks: list[Break] = field(default_factory=list)
    attested: Attested = field(default_factory=Attested)
    hashes: dict[int, str] = field(default_factory=dict)  # the watched sequences' hashes
    last: int = 0


def sign_unkeyed_trail(event_model, head_model, revision_model) -> int:
    """Sign the events written before the trail was keyed (run once by migration 0010), if
    their plain SHA-256 chain is intact; otherwise leave them for verify_audit to name. Returns
    how many events were signed."""
    events = list(event_model.objects.filter(key_id="").order_by("sequence"))
    if not events or event_model.objects.exclude(key_id="").exists():
        return 0
    prev = GENESIS
    for number, event in enumerate(events, start=1):
        unkeyed = hashlib.sha256(canonical(event, keyed=False)).hexdigest()
        if event.sequence != number or event.prev_hash != prev or event.hash != unkeyed:
            return 0
        prev = event.hash
    kid, key = keys.current()
    hashes = dict(revision_model.objects.values_list("pk", "content_hash"))
    prev = GENESIS
    for event in events:
        event.prev_hash, event.key_id = prev, kid
        event.revision_hash = hashes.get(event.revision_id, "")
        event.hash = keys.sign(key, canonical(event, keyed=True))
        event_model._base_manager.filter(pk=event.pk).update(
            prev_hash=event.prev_hash, key_id=kid, hash=event.hash,
            revision_hash=event.revision_hash,
        )  # fmt: skip
        prev = event.hash
    head_model.objects.update_or_create(
        pk=1, defaults={"sequence": events[-1].sequence, "hash": prev}
    )
    return len(events)


def _walk_chain(batch_size: int, watch: set[int]) -> Walk:
    from articles.audit.models import AuditEvent

    walk = Walk()
    expected_sequence, expected_prev = 1, GENESIS
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=batch_size):
        walk.checked += 1
        if event.sequence != expected_sequence:
            missing = (
                f"#{expected_sequence}"
                if event.sequence == expected_sequence + 1
                else (f"#{expected_sequence} to #{event.sequence - 1}")
            )
            walk.breaks.append(Break(event.sequence, f"event {missing} before it was deleted"))
        elif event.prev_hash != expected_prev:
            walk.breaks.append(Break(event.sequence, "does not follow the event before it"))
        if problem := seal_problem(event):
            walk.breaks.append(Break(event.sequence, problem))
            walk.attested.taint(event)
        else:
            walk.attested.take(event)
        if event.sequence in watch:
            walk.hashes[event.sequence] = event.hash
        expected_sequence, expected_prev = event.sequence + 1, event.hash
    walk.last = expected_sequence - 1
    walk.breaks += _head_breaks(walk.last, expected_prev)
    return walk


def _head_breaks(last: int, last_hash: str) -> list[Break]:
    from articles.audit.models import AuditHead

    head = AuditHead.objects.filter(pk=1).first()
    if head and head.sequence > last:
        first_missing = last + 1
        span = (
            f"#{first_missing}"
            if head.sequence == first_missing
            else (f"#{first_missing} to #{head.sequence}")
        )
        return [Break(head.sequence, f"event {span} at the end of the trail was deleted")]
    if head and head.sequence == last and last and head.hash != last_hash:
        return [Break(last, "the last event was replaced")]
    return []


def verify(batch_size: int = 2000) -> tuple[int, list[Break]]:
    """Walk the chain in order, reconcile the revisions, signatures and stored pages it vouches
    for, and compare it with the anchor kept outside the database; return how many events were
    checked and every problem found."""
    anchored, anchor_breaks = anchor.read_for_verify()
    walk = _walk_chain(batch_size, {anchored.sequence} if anchored else set())
    breaks = walk.breaks + records.reconcile(walk.attested, batch_size) + anchor_breaks
    breaks += [
        Break(sequence, "a stored public page was found altered; it was rendered again")
        for sequence in walk.attested.altered_pages
    ]
    if anchored:
        breaks += anchor.compare(anchored, walk.last, walk.hashes.get(anchored.sequence))
    return walk.checked, breaks
