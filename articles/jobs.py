"""The periodic work behind `manage.py run_jobs`: scheduled publishing, expiry and review-overdue
flags. Each item is handled in its own transaction under its row lock and re-checked there, so
two overlapping cron runs do each thing once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from articles import workflow
from articles.models import Article, Prompt

log = logging.getLogger(__name__)

# Prompts first, so an article going live in the same run finds its prompts live.
REVIEWED_MODELS = (Prompt, Article)


@dataclass
class JobReport:
    published: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"published: {len(self.published)}",
            f"expired: {len(self.expired)}",
            f"review overdue (newly flagged): {len(self.overdue)}",
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
    return report
