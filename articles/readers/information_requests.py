"""Information requests: a reader asking for the packet or a consultation behind a prompt.

Readers submit them from the form behind a live prompt; only users with the Admin role may see,
moderate, export or delete them (a Django superuser without the role included), and every one of
those actions is checked here and written to the audit trail without the personal data.

Withdrawing consent deletes the reader's personal data at once (name, email, phone, preferred
contact time and message) and closes the request. The emptied row stays until the retention
period ends as the record that consent was given, with which wording and when, and withdrawn: it
holds nothing that identifies the reader.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Mapping
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from articles import audit, mail
from articles.models import Article, Prompt, PromptKind
from articles.public.site import absolute_url
from articles.readers import consent
from articles.readers.access import require_admin
from articles.readers.models import ConsentPurpose, InformationRequest, RequestStatus
from articles.workflow import InvalidRequest

log = logging.getLogger(__name__)

REQUESTABLE_KINDS = (PromptKind.INFORMATION_PACKET, PromptKind.CONSULTATION)
PERSONAL_FIELDS = ("name", "email", "phone", "preferred_contact_time", "message")
# A spreadsheet runs a cell starting with one of these as a formula (OWASP's "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Changelist parameters that are not filters; "q" is the search text, which may be a name.
NOT_FILTERS = {"q", "o", "p", "_changelist_filters"}
# The moderation list's own filters: they name no reader, so an export's audit event may keep them.
RECORDED_FILTERS = {
    "status__exact",
    "consent_withdrawn_at__isempty",
    "created_at__year",
    "created_at__month",
    "created_at__day",
}


# --- Readers ------------------------------------------------------------------------------------


def requestable_prompt(prompt_id: int) -> Prompt | None:
    """The live information-packet or consultation prompt with this id, with its live revision."""
    return (
        Prompt.objects.live()
        .filter(pk=prompt_id, kind__in=REQUESTABLE_KINDS)
        .select_related("live_revision")
        .first()
    )


def placing_article(prompt: Prompt, slug: str) -> Article | None:
    """The published article with this slug if its live revision places `prompt`, else None."""
    if not slug:
        return None
    article = (
        Article.objects.published().filter(live_slug=slug).select_related("live_revision").first()
    )
    if article is None:
        return None
    placed = article.live_revision.content.get("prompts") or []
    return article if any(p.get("prompt") == prompt.pk for p in placed) else None


def submit(
    prompt: Prompt,
    article: Article | None,
    *,
    name: str,
    email: str,
    phone: str = "",
    preferred_contact_time: str = "",
    message: str = "",
) -> InformationRequest:
    """Store a reader's request with the current consent wording and the prompt revision they
    answered; staff are told once it is committed."""
    with transaction.atomic():
        stored = InformationRequest.objects.create(
            name=name,
            email=email,
            phone=phone,
            preferred_contact_time=preferred_contact_time,
            message=message,
            consent=consent.current(ConsentPurpose.INFORMATION_REQUEST),
            consented_at=timezone.now(),
            prompt=prompt,
            prompt_revision=prompt.live_revision,
            article=article,
            page_url=absolute_url(article.get_absolute_url()) if article else "",
        )
        audit.record(
            "information_request_received",
            obj=stored,
            detail={"prompt": prompt.pk, "article": article.pk if article else None},
        )
        transaction.on_commit(lambda: notify_staff(stored), robust=True)
    return stored


def notify_staff(stored: InformationRequest) -> None:
    """Tell STAFF_NOTIFICATION_EMAIL that a request arrived, with a link to it and nothing of
    what the reader wrote: email is neither private nor deleted when the request is."""
    address = settings.STAFF_NOTIFICATION_EMAIL
    if not address:
        return
    link = absolute_url(reverse("admin:readers_informationrequest_change", args=[stored.pk]))
    body = render_to_string("readers/email/staff_new_request.txt", {"link": link})
    try:
        mail.send_after_commit(
            [mail.Message(subject="[Vetted] " + gettext("A new information request arrived"),
                          body=body, to=[address])]
        )  # fmt: skip
    except Exception:  # a queue outage must not lose the reader's stored request
        log.exception("Could not queue the staff email about information request %s", stored.pk)


# --- Admins ---------------------------------------------------------------------------------


def _locked(info_request: InformationRequest) -> InformationRequest:
    return InformationRequest.objects.select_for_update().get(pk=info_request.pk)


def set_status(info_request: InformationRequest, user, status: str) -> InformationRequest:
    require_admin(user, "moderate information requests")
    if status not in RequestStatus.values:
        raise InvalidRequest(
            gettext("“%(status)s” is not a status of an information request.") % {"status": status}
        )
    with transaction.atomic():
        locked = _locked(info_request)
        previous = locked.status
        if previous != status:
            locked.status = status
            locked.save(update_fields=["status"])
            audit.record(
                "information_request_status",
                actor=user,
                obj=locked,
                from_state=previous,
                to_state=status,
            )
    return locked


def withdraw_consent(
    info_request: InformationRequest, user, now: datetime | None = None
) -> InformationRequest:
    """Record the reader's withdrawal: their personal data is deleted now, the request closed."""
    require_admin(user, "withdraw consent on information requests")
    with transaction.atomic():
        locked = _locked(info_request)
        if locked.consent_withdrawn_at is not None:
            return locked
        previous = locked.status
        for field in PERSONAL_FIELDS:
            setattr(locked, field, "")
        locked.consent_withdrawn_at = now or timezone.now()
        locked.status = RequestStatus.CLOSED
        locked.save(update_fields=[*PERSONAL_FIELDS, "consent_withdrawn_at", "status"])
        audit.record(
            "information_request_consent_withdrawn",
            actor=user,
            obj=locked,
            from_state=previous,
            to_state=locked.status,
        )
    return locked


def age_in_days(info_request: InformationRequest, now: datetime | None = None) -> int:
    return ((now or timezone.now()) - info_request.created_at).days


def delete(info_request: InformationRequest, user) -> None:
    require_admin(user, "delete information requests")
    with transaction.atomic():
        locked = _locked(info_request)
        audit.record(
            "information_request_deleted",
            actor=user,
            obj=locked,
            detail={"age_days": age_in_days(locked)},
        )
        locked.delete()


def neutralise(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a leading '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


CSV_COLUMNS = (
    "id", "received", "status", "name", "email", "phone", "preferred contact time", "message",
    "prompt", "page", "consent version", "consent sha256", "consented at", "consent withdrawn at",
)  # fmt: skip


def _row(item: InformationRequest) -> list[object]:
    return [
        item.pk,
        _iso(item.created_at),
        item.get_status_display(),
        item.name,
        item.email,
        item.phone,
        item.preferred_contact_time,
        item.message,
        item.prompt.name if item.prompt else "",
        item.page_url,
        item.consent.version,
        item.consent.sha256,
        _iso(item.consented_at),
        _iso(item.consent_withdrawn_at),
    ]


def export_filters(params: Mapping[str, str]) -> dict[str, object]:
    """What an export's audit event says about how the list was narrowed: the filters, and only
    whether there was a search, since the search text may be a reader's name or address."""
    described: dict[str, object] = {
        key: value for key, value in sorted(params.items()) if key in RECORDED_FILTERS
    }
    # The admin accepts a lookup on any field (?email=…, ?name__icontains=…), and the audit trail
    # is permanent: anything but the list's own filters is recorded only as "other filters".
    if any(key not in RECORDED_FILTERS and key not in NOT_FILTERS for key in params):
        described["other_filters"] = True
    if params.get("q"):
        described["search"] = True
    return described


def export_csv(
    requests: QuerySet[InformationRequest], user, *, filters: Mapping[str, object]
) -> str:
    """The requests as CSV (formula-safe), with an audit event naming the count and filters."""
    require_admin(user, "export information requests")
    rows = list(requests.select_related("prompt", "consent").order_by("-created_at", "-pk"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows([neutralise(cell) for cell in _row(item)] for item in rows)
    audit.record(
        "information_requests_exported",
        actor=user,
        detail={"count": len(rows), "filters": dict(filters)},
    )
    return out.getvalue()
