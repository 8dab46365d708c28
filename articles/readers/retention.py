"""Deleting readers' personal data once it is kept long enough (run by `run_jobs`).

- Information requests older than INFORMATION_REQUEST_RETENTION_DAYS, whatever their status.
- Newsletter sign-ups never confirmed within NEWSLETTER_CONFIRM_HOURS: their link has expired,
  so nobody agreed to anything and the address is of no use.

Each deletion is its own transaction and writes one audit event naming only the record's id and
its age, never what it held.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from articles import audit
from articles.readers.models import InformationRequest, NewsletterSubscription
from articles.readers.newsletter import confirm_window


def expired_requests(now: datetime):
    cutoff = now - timedelta(days=settings.INFORMATION_REQUEST_RETENTION_DAYS)
    return InformationRequest.objects.filter(created_at__lt=cutoff)


def expired_sign_ups(now: datetime):
    # Counted from the first sign-up, not the latest: signing a stranger's address up again and
    # again must not keep it stored for ever.
    return NewsletterSubscription.objects.filter(
        confirmed_at__isnull=True, created_at__lt=now - confirm_window()
    )


def purge(now: datetime) -> int:
    """Delete what is past its retention period; how many records were deleted."""
    deleted = 0
    for pk in expired_requests(now).values_list("pk", flat=True):
        deleted += _delete_if_due(expired_requests(now), pk, "information_request_expired", now)
    for pk in expired_sign_ups(now).values_list("pk", flat=True):
        deleted += _delete_if_due(expired_sign_ups(now), pk, "newsletter_sign_up_expired", now)
    return deleted


def _delete_if_due(due, pk: int, action: str, now: datetime) -> int:
    """Delete one record if it is still due under its row lock (another run may have got there
    first, or a reader confirmed meanwhile)."""
    with transaction.atomic():
        record = due.select_for_update().filter(pk=pk).first()
        if record is None:
            return 0
        audit.record(action, obj=record, detail={"age_days": (now - record.created_at).days})
        record.delete()
    return 1
