"""The periodic work behind `manage.py run_jobs`: scheduled publishing, expiry, review-overdue
flags, retraction re-checks and deleting readers' data past its retention period. Each item is
handled in its own transaction under its row lock and re-checked there, so two overlapping cron
runs do each thing once."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections
from django.db.models import Q
from django.utils import timezone

from articles import background, mail, notifications, workflow
from articles.audit import anchor
from articles.models import Article, JobsRun, Prompt
from articles.readers import retention
from evidence import verification
from evidence.models import Source
from evidence.registry import RegistryConfigError

log = logging.getLogger(__name__)

# Prompts first, so an article going live in the same run finds its prompts live.
REVIEWED_MODELS = (Prompt, Article)


@dataclass
class JobReport:
    published: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    expiring: list[str] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)
    readers_data_deleted: int = 0
    email_records_deleted: int = 0
    anchored: int | None = None  # the audit event the anchor now names, if it moved
    failed: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"published: {len(self.published)}",
            f"expired: {len(self.expired)}",
            f"review overdue (newly flagged): {len(self.overdue)}",
            f"approvals expiring soon (newly warned): {len(self.expiring)}",
            f"sources newly retracted: {len(self.retracted)}",
            f"reader records deleted (retention): {self.readers_data_deleted}",
            f"sent email records deleted: {self.email_records_deleted}",
            f"audit trail anchored at: {f'#{self.anchored}' if self.anchored else 'unchanged'}",
            f"failed: {len(self.failed)}",
            *[f"  {item}" for item in self.failed],
        ]


def _each(queryset, action, bucket: list[str], report: JobReport, now: datetime) -> None:
    for obj in queryset:
        label = f"{obj._meta.verbose_name} “{obj}”"
        try:
            if action(obj, now):
                bucket.append(label)
        except workflow.WorkflowError as exc:
            report.failed.append(f"{label}: {exc}")
            log.warning("run_jobs could not handle %s: %s", label, exc)


def run_all(now: datetime | None = None) -> JobReport:
    now = now or timezone.now()
    report = JobReport()
    for model in REVIEWED_MODELS:
        objects = model.objects.all()
        _each(
            objects.due_for_publication(now), workflow.publish_if_due, report.published, report, now
        )
        _each(objects.due_for_expiry(now), workflow.expire_if_due, report.expired, report, now)
        _each(
            objects.review_overdue(now).filter(review_overdue_notified_at__isnull=True),
            workflow.flag_review_overdue,
            report.overdue,
            report,
            now,
        )
        _each(
            objects.approval_expiring(now, settings.APPROVAL_EXPIRY_WARNING_DAYS).filter(
                expiry_warned_at__isnull=True
            ),
            workflow.warn_approval_expiring,
            report.expiring,
            report,
            now,
        )
    recheck_sources(now, report)
    report.readers_data_deleted = retention.purge(now)
    report.email_records_deleted = mail.purge_finished(now)
    anchor_audit_trail(report)  # the anchor covers everything this run recorded
    record_run(now, report)
    return report


def record_run(started: datetime, report: JobReport) -> None:
    """Note that a run finished, for /healthz (articles.health)."""
    JobsRun.objects.update_or_create(
        pk=JobsRun.SINGLETON,
        defaults={
            "started_at": started,
            "finished_at": timezone.now(),
            "failed": len(report.failed),
        },
    )


def anchor_audit_trail(report: JobReport) -> None:
    """Copy the audit trail's signed head outside the database (articles.audit.anchor)."""
    try:
        written = anchor.write()
    except anchor.AnchorError as exc:
        report.failed.append(f"audit anchor: {exc}")
        log.error("run_jobs could not anchor the audit trail: %s", exc)
        return
    report.anchored = written.sequence if written else None


def run_every(seconds: float, stop: threading.Event, write=None) -> None:
    """Do the periodic work every `seconds` until `stop` is set: the development server's job
    loop (`manage.py runserver_jobs`, which `make run` uses), so scheduled publishing works
    without cron. Each round gets fresh database connections; a failing round is logged and
    the loop goes on."""
    while not stop.is_set():
        close_old_connections()
        try:
            report = run_all()
        except Exception:
            log.exception("The periodic jobs failed; trying again in %s seconds", seconds)
        else:
            if write is not None and (report.published or report.expired or report.failed):
                write("Periodic jobs: " + "; ".join(report.lines()[:2] + report.lines()[6:]))
        finally:
            close_old_connections()
        stop.wait(seconds)


# While a person's "Check sources now" runs for an article; the page says so instead of offering
# the button again. Expires by itself if the server stopped halfway.
SOURCE_CHECK_SECONDS = 5 * 60


def _source_check_key(article: Article) -> str:
    return f"vetted:source-check:{article.pk}"


def source_check_running(article: Article) -> bool:
    return cache.get(_source_check_key(article)) is not None


def check_sources_soon(article: Article, user) -> int:
    """Check the sources the article cites (its working copy and its latest revision) against
    Crossref and PubMed, off the request thread. Returns how many will be checked; 0 if none
    has a DOI or PMID, or a check for this article is already running. Anyone who may see the
    article may ask: it changes no content, only the registries' verdict on its sources."""
    if not workflow.may_see(article, user):
        raise workflow.NotAllowed("Only staff who may see this article may check its sources.")
    ids = set(article.citations.values_list("source_id", flat=True))
    if article.latest_revision_id:
        ids |= set(article.latest_revision.cited_sources.values_list("pk", flat=True))
    sources = list(Source.objects.with_identifier().filter(pk__in=ids))
    key = _source_check_key(article)
    if not sources or not cache.add(key, user.pk, SOURCE_CHECK_SECONDS):
        return 0

    def check() -> None:
        try:
            verification.verify_sources(Source.objects.filter(pk__in=[s.pk for s in sources]))
        finally:
            cache.delete(key)

    background.run_after_commit(f"check-sources-{article.pk}", check)
    return len(sources)


def recheck_sources(now: datetime, report: JobReport) -> None:
    """Re-check sources against the registries (those verified RETRACTION_RECHECK_DAYS ago or
    more) and tell the writer and the editors of every article citing a newly retracted one,
    in its working copy or in its live revision. The gate's retracted-source check then blocks
    publishing it by itself."""
    try:
        newly_retracted = verification.recheck_due(now)
    except RegistryConfigError as exc:
        report.failed.append(f"retraction re-check: {exc}")
        log.warning("run_jobs could not re-check sources: %s", exc)
        return
    for source in newly_retracted:
        report.retracted.append(f"source “{source}”")
        citing = (
            Article.objects.filter(
                Q(citations__source=source) | Q(live_revision__cited_sources=source)
            )
            .distinct()
            .select_related("owner")
        )
        for article in citing:
            notifications.queue(
                "source_retracted",
                article,
                None,
                {"source": str(source), "notice": source.retraction_notice},
            )
