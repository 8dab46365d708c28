"""The records beside the audit trail, reconciled with it.

Revisions, signatures and stored public pages are rows of their own, so a keyed chain of events
alone would not stop someone with database access from re-hashing a revision, inserting a
`Signature` or editing a page. Each is therefore vouched for by something they cannot forge:

- a revision by the events that name it: every event records the revision's content hash
  (`AuditEvent.revision_hash`), and the content must still hash to it;
- a signature by its approve event, which records a digest of every field of the signature;
- a stored page by its seal, an HMAC over the page and the revision it shows (`seal_page`),
  checked again before the page is served (`articles.public.pages`), and its revision must
  have been put live by a publish event.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from articles.audit import keys
from articles.audit.chain import Break

if TYPE_CHECKING:
    from articles.models import Rendering, Signature


def _instant(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") if moment else ""


def signature_digest(signature: Signature) -> str:
    """SHA-256 over every field of a signature; the approve event carries it, under the HMAC."""
    fields = {
        "id": signature.pk,
        "revision": signature.revision_id,
        "reviewer": signature.reviewer_id,
        "reviewer_name": signature.reviewer_name,
        "reviewer_credentials": signature.reviewer_credentials,
        "meaning": signature.meaning,
        "content_hash": signature.content_hash,
        "comment": signature.comment,
        "signed_at": _instant(signature.signed_at),
        "valid_until": _instant(signature.valid_until),
    }
    if signature.role != "medical":  # medical signatures were digested before roles existed
        fields["role"] = signature.role
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _page_message(revision_id: int, revision_hash: str, page: dict[str, Any]) -> bytes:
    parts = [
        str(revision_id),
        revision_hash,
        page["etag"],
        page["render_key"],
        _instant(page["live_until"]),
        _instant(page["rendered_at"]),
        page["page_html"],
    ]
    return "\0".join(parts).encode()


def seal_page(rendering: Rendering, revision_hash: str) -> str:
    return keys.seal(_page_message(rendering.revision_id, revision_hash, vars(rendering)))


def page_seal_matches(revision_id: int, revision_hash: str, page: dict[str, Any]) -> bool:
    """`page` holds page_html, etag, render_key, live_until, rendered_at and seal as stored."""
    return keys.seal_matches(page["seal"], _page_message(revision_id, revision_hash, page))


def reconcile(attested, batch_size: int = 500) -> list[Break]:
    return (
        _revisions(attested, batch_size)
        + _signatures(attested, batch_size)
        + _renderings(attested, batch_size)
    )


def _revisions(attested, batch_size: int) -> list[Break]:
    from articles.models import Revision

    found = []
    rows = Revision.objects.select_related("content_type").order_by("pk")
    for revision in rows.iterator(chunk_size=batch_size):
        kind = revision.content_type.model
        subject = f"revision {revision.number} of {kind} {revision.object_id}"
        if revision.pk in attested.tainted_revisions:
            continue  # the event naming it is broken, and reported
        if not revision.matches_content():
            found.append(Break(None, "its content no longer matches its hash", subject))
        said = attested.revisions.get(revision.pk)
        if said is None:
            problem = "no audit event records it: it was not written by the workflow"
            found.append(Break(None, problem, subject))
            continue
        actual = (
            revision.content_type_id,
            revision.object_id,
            revision.number,
            revision.content_hash,
        )
        if any(claim != actual for claim in said):
            problem = "it differs from what the audit trail recorded when it was saved"
            found.append(Break(None, problem, subject))
    return found


def _signatures(attested, batch_size: int) -> list[Break]:
    from articles.models import Signature

    found = []
    for signature in Signature.objects.order_by("pk").iterator(chunk_size=batch_size):
        subject = f"signature {signature.pk} ({signature.reviewer_name})"
        if signature.pk in attested.tainted_signatures:
            continue
        approved = attested.signatures.get(signature.pk)
        if approved is None:
            found.append(
                Break(None, "no approve event records it: it was not made by signing", subject)
            )
            continue
        revision_id, digest, signed_hash = approved
        legacy = digest is None  # approved before events carried the digest
        if (
            revision_id != signature.revision_id
            or signed_hash != signature.content_hash
            or (not legacy and digest != signature_digest(signature))
        ):
            found.append(
                Break(None, "it differs from what the reviewer signed (its approve event)", subject)
            )
    return found


def _renderings(attested, batch_size: int) -> list[Break]:
    from articles.models import Rendering

    found = []
    rows = Rendering.objects.values(
        "revision_id",
        "revision__content_hash",
        "page_html",
        "etag",
        "render_key",
        "live_until",
        "rendered_at",
        "seal",
    ).order_by("revision_id")
    for page in rows.iterator(chunk_size=batch_size):
        subject = f"stored page of revision id {page['revision_id']}"
        if not page["page_html"]:
            continue  # nothing to serve: the page is rendered from its revision when viewed
        if page["revision_id"] not in attested.published:
            found.append(Break(None, "its revision was never published", subject))
        elif not page_seal_matches(page["revision_id"], page["revision__content_hash"], page):
            found.append(Break(None, "it was changed after it was rendered", subject))
    return found
