"""Reports that keep review moving, each a table a screen shows and a CSV exports: review overdue,
approvals expiring soon, content citing unverified or retracted sources, and review turnaround
per reviewer and month. Each costs a fixed number of queries, whatever the number of rows.

Editors and admins may see them (`may_see`); the admin screens only ask.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from articles.audit.models import AuditEvent
from articles.models import Article, Prompt, State
from articles.models.content import display_name
from articles.roles import Role, roles_of
from evidence.models import Source, VerificationStatus

REVIEWED_MODELS = (Article, Prompt)


@dataclass(frozen=True)
class Row:
    cells: tuple
    url: str = ""  # the content's page in the workspace, for the screen


@dataclass(frozen=True)
class Report:
    key: str
    title: str
    description: str
    columns: tuple[str, ...]
    rows: Callable[[datetime], list[Row]]


def may_see(user) -> bool:
    return bool(roles_of(user) & {Role.EDITOR, Role.ADMIN})


def _day(value: datetime | None) -> str:
    return date_format(timezone.localtime(value), "Y-m-d") if value else ""


def _url(obj_or_model, pk: int) -> str:
    meta = obj_or_model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk])


def _kind(model) -> str:
    return str(model._meta.verbose_name).capitalize()


# --- Review overdue --------------------------------------------------------------------------


def overdue_rows(now: datetime) -> list[Row]:
    """Live content whose approval has expired, then content in review past its due date; two
    queries for each kind of content."""
    rows = []
    for model in REVIEWED_MODELS:
        expired = model.objects.review_overdue(now).select_related(
            "owner__profile", "live_signature"
        )
        for obj in expired.order_by("live_signature__valid_until", "pk"):
            rows.append(
                Row(
                    (
                        _kind(model),
                        str(obj),
                        display_name(obj.owner),
                        "Approval expired",
                        _day(obj.live_signature.valid_until),
                        obj.live_signature.reviewer_name,
                    ),
                    _url(model, obj.pk),
                )
            )
    for model in REVIEWED_MODELS:
        late = model.objects.review_late(now).select_related("owner__profile", "reviewer__profile")
        for obj in late.order_by("review_due_at", "pk"):
            rows.append(
                Row(
                    (
                        _kind(model),
                        str(obj),
                        display_name(obj.owner),
                        "Review past its due date",
                        _day(obj.review_due_at),
                        display_name(obj.reviewer) if obj.reviewer_id else "",
                    ),
                    _url(model, obj.pk),
                )
            )
    return rows


# --- Approvals expiring soon -----------------------------------------------------------------


def expiring_rows(now: datetime) -> list[Row]:
    days = settings.APPROVAL_EXPIRY_WARNING_DAYS
    rows = []
    for model in REVIEWED_MODELS:
        soon = model.objects.approval_expiring(now, days).select_related(
            "owner__profile", "live_signature"
        )
        for obj in soon.order_by("live_signature__valid_until", "pk"):
            signature = obj.live_signature
            rows.append(
                Row(
                    (
                        _kind(model),
                        str(obj),
                        display_name(obj.owner),
                        signature.reviewer_name,
                        _day(signature.valid_until),
                        (signature.valid_until - now).days,
                    ),
                    _url(model, obj.pk),
                )
            )
    return rows


# --- Content citing unverified or retracted sources ------------------------------------------


def _source_problem(status: str, retracted: bool) -> str:
    if retracted:
        return "Retracted"
    return str(VerificationStatus(status).label)


def sources_rows(now: datetime) -> list[Row]:
    """Articles whose latest revision (what is being reviewed) or live revision (what readers
    see) cites a source that is retracted or not verified; one query for each."""
    doubtful = Source.objects.filter(
        Q(retracted=True) | ~Q(verification_status=VerificationStatus.VERIFIED)
    )
    states = {value: str(label) for value, label in State.choices}
    rows = []
    for relation, where in (("latest_revision", "Latest revision"), ("live_revision", "Live page")):
        cited = f"{relation}__cited_sources"
        found = (
            Article.objects.filter(**{f"{cited}__in": doubtful})
            .values_list(
                "pk",
                "title",
                "state",
                "owner__username",
                f"{cited}__title",
                f"{cited}__verification_status",
                f"{cited}__retracted",
            )
            .order_by("title", "pk", f"{cited}__title")
        )
        for pk, title, state, owner, source, status, retracted in found:
            rows.append(
                Row(
                    (
                        title,
                        states.get(state, state),
                        owner,
                        where,
                        source,
                        _source_problem(status, retracted),
                    ),
                    _url(Article, pk),
                )
            )
    return rows


# --- Review turnaround -----------------------------------------------------------------------

DECISIONS = ("approve", "request_changes")


def turnaround_rows(now: datetime) -> list[Row]:
    """For each reviewer and month: decisions made, approvals, changes requested, and the median
    and longest time from submission to decision, in days. One query over the audit trail."""
    events = (
        AuditEvent.objects.filter(
            content_type__app_label="articles",
            content_type__model__in=[model._meta.model_name for model in REVIEWED_MODELS],
            action__in=("submit", *DECISIONS),
        )
        .values_list("content_type_id", "object_id", "action", "actor_name", "created_at")
        .order_by("sequence")
    )
    submitted: dict[tuple, datetime] = {}
    groups: dict[tuple[str, str], dict] = {}
    for type_id, object_id, action, actor, at in events:
        key = (type_id, object_id)
        if action == "submit":
            submitted[key] = at
            continue
        start = submitted.pop(key, None)
        if start is None:
            continue  # decided without a recorded submission (data from before the trail)
        month = timezone.localtime(at).strftime("%Y-%m")
        group = groups.setdefault((actor, month), {"approve": 0, "request_changes": 0, "waits": []})
        group[action] += 1
        group["waits"].append(at - start)
    rows = []
    for (actor, month), group in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0])):
        waits = group["waits"]
        rows.append(
            Row(
                (
                    actor,
                    month,
                    len(waits),
                    group["approve"],
                    group["request_changes"],
                    _days(statistics.median(waits)),
                    _days(max(waits)),
                )
            )
        )
    return rows


def _days(elapsed: timedelta) -> str:
    return f"{elapsed.total_seconds() / 86400:.1f}"


REPORTS: dict[str, Report] = {
    report.key: report
    for report in (
        Report(
            "overdue",
            "Review overdue",
            "Live content whose approval has expired, and content in review past its due date.",
            ("Kind", "Title", "Writer", "Why", "Since", "Reviewer"),
            overdue_rows,
        ),
        Report(
            "expiring",
            "Approvals expiring soon",
            "Live content whose approval expires within "
            f"{settings.APPROVAL_EXPIRY_WARNING_DAYS} days: have it reviewed again before then.",
            ("Kind", "Title", "Writer", "Approved by", "Valid until", "Days left"),
            expiring_rows,
        ),
        Report(
            "sources",
            "Citing unverified or retracted sources",
            "Articles whose latest revision or live page cites a source that is retracted or "
            "does not match the registries (yet).",
            ("Title", "State", "Writer", "Where", "Source", "Source status"),
            sources_rows,
        ),
        Report(
            "turnaround",
            "Review turnaround",
            "For each reviewer and month: decisions, and the days from submission to decision.",
            (
                "Reviewer",
                "Month",
                "Decisions",
                "Approved",
                "Changes requested",
                "Median days",
                "Longest days",
            ),
            turnaround_rows,
        ),
    )
}
