"""The audit trail's head, kept outside the database.

A keyed chain cannot be forged, but it can be cut: deleting the last events (and setting the head
row to match), or every event, leaves a shorter chain that verifies. So `run_jobs` writes the
head's sequence and hash, signed with the audit key, to a place the database cannot reach
(`AUDIT_ANCHOR`: a file by default, or an object in any Django storage named by
`AUDIT_ANCHOR_STORAGE`, such as an S3 bucket with versioning or object lock), and `verify` checks
that the trail still holds the anchored event with the anchored hash.

The anchor only moves forward: before replacing it, `write` checks that the trail still holds the
anchored event and that every event after it is soundly chained and signed, so a cut trail is
never anchored.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, InvalidStorageError, Storage, storages
from django.db import transaction
from django.utils import timezone

from articles.audit import keys
from articles.audit.chain import GENESIS, Break, seal_problem

if TYPE_CHECKING:
    from articles.audit.models import AuditHead


class AnchorError(Exception):
    """The anchor could not be read or written, or the trail no longer matches it."""


@dataclass(frozen=True)
class Anchor:
    sequence: int
    hash: str
    written_at: str
    key_id: str
    mac: str = ""

    def message(self) -> bytes:
        return f"vetted audit anchor\0{self.sequence}\0{self.hash}\0{self.written_at}".encode()


def _place() -> tuple[Storage, str]:
    """The storage and the name the anchor lives under."""
    alias = getattr(settings, "AUDIT_ANCHOR_STORAGE", "")
    location = str(settings.AUDIT_ANCHOR)
    if alias:
        try:
            return storages[alias], location
        except InvalidStorageError as exc:
            raise AnchorError(
                f"AUDIT_ANCHOR_STORAGE names “{alias}”, which is not in STORAGES"
            ) from exc
    path = Path(location)
    return FileSystemStorage(location=path.parent, allow_overwrite=True), path.name


def read() -> Anchor | None:
    """The anchor as stored, or None if none was written yet. AnchorError if it cannot be read
    or is not one this server signed."""
    storage, name = _place()
    try:
        if not storage.exists(name):
            return None
        with storage.open(name, "rb") as file:
            data = json.loads(file.read())
        anchor = Anchor(**data)
    except (OSError, ValueError, TypeError) as exc:
        raise AnchorError(f"the anchor {name} cannot be read ({exc})") from exc
    try:
        keys.by_id(anchor.key_id)
    except keys.UnknownKey:
        raise AnchorError(
            f"the anchor {name} is signed with a key this server does not hold "
            f"(key id {anchor.key_id})"
        ) from None
    if not keys.seal_matches(f"{anchor.key_id}:{anchor.mac}", anchor.message()):
        raise AnchorError(f"the anchor {name} was altered: its signature does not match")
    return anchor


def read_for_verify() -> tuple[Anchor | None, list]:
    try:
        return read(), []
    except AnchorError as exc:
        return None, [Break(None, str(exc), "anchor")]


def compare(anchor: Anchor, last: int, hash_there: str | None) -> list:
    """What is wrong with a trail whose last event is `last` and whose event at the anchored
    sequence has `hash_there` (None: no such event)."""
    when = anchor.written_at
    if hash_there is None:
        return [
            Break(
                anchor.sequence,
                f"the trail no longer holds this event, anchored outside the database at {when}: "
                f"events were deleted (the trail now ends at #{last})",
            )
        ]
    if hash_there != anchor.hash:
        return [
            Break(
                anchor.sequence,
                f"it is not the event anchored outside the database at {when}: "
                "the trail was rebuilt",
            )
        ]
    return []


def _sound_since(anchor: Anchor | None, head: AuditHead) -> None:
    """Refuse to move the anchor unless the trail still holds the anchored event and every event
    after it, up to the head, is soundly chained and signed."""
    from articles.audit.models import AuditEvent

    start, prev = (anchor.sequence, anchor.hash) if anchor else (0, GENESIS)
    if anchor and AuditEvent.objects.filter(sequence=start, hash=prev).count() != 1:
        raise AnchorError(
            f"the trail no longer holds event #{start} as anchored; the anchor was kept. "
            "Run verify_audit."
        )
    expected = start + 1
    events = AuditEvent.objects.filter(sequence__gt=start).order_by("sequence")
    for event in events.iterator(chunk_size=500):
        if event.sequence != expected or event.prev_hash != prev or seal_problem(event) is not None:
            raise AnchorError(
                f"event #{event.sequence} does not soundly follow the anchored trail; the anchor "
                f"was kept at #{start}. Run verify_audit."
            )
        prev, expected = event.hash, expected + 1
    if expected - 1 != head.sequence or prev != head.hash:
        raise AnchorError(
            f"the trail's head does not match its last event; the anchor was kept at #{start}. "
            "Run verify_audit."
        )


def write() -> Anchor | None:
    """Anchor the current head (run by `run_jobs`). None when there is nothing new to anchor."""
    from articles.audit.models import AuditHead

    previous = read()
    with transaction.atomic():
        # Locking the head keeps events from being appended while the segment is checked.
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None and previous is None:
            return None
        head = head or AuditHead(sequence=0)
        if head.sequence == 0 and previous is None:
            return None
        _sound_since(previous, head)
        if previous and previous.sequence == head.sequence:
            return None
        kid, _ = keys.current()
        anchor = Anchor(head.sequence, head.hash, timezone.now().isoformat(), kid)
    mac = keys.seal(anchor.message()).partition(":")[2]
    anchor = Anchor(**{**asdict(anchor), "mac": mac})
    storage, name = _place()
    body = json.dumps(asdict(anchor), indent=2).encode()
    try:
        saved = storage.save(name, ContentFile(body))
    except OSError as exc:
        raise AnchorError(f"the anchor {name} cannot be written ({exc})") from exc
    if saved != name:  # a storage that keeps the old object and renames the new one
        storage.delete(saved)
        raise AnchorError(
            f"the storage kept the old anchor and saved the new one as {saved}; configure it to "
            "overwrite"
        )
    return anchor
