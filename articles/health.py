"""What /healthz reports: the database, the cache, and whether the periodic work still runs.

Stale jobs mean scheduled publishing, expiry, review-overdue flags and retention deletes have
stopped (the cron timer or its host is down), which no page would show: the report says so, and
the status is 503, so a monitor or load balancer notices. One query and one cache round trip."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

from articles.models import JobsRun

log = logging.getLogger(__name__)

PROBE_KEY = "vetted:healthz"


def report(now: datetime | None = None) -> tuple[int, dict]:
    """(HTTP status, the JSON body): 200 when everything is fine, else 503 naming what is not."""
    now = now or timezone.now()
    body: dict = {"status": "ok"}
    problems: list[str] = []
    try:
        last_run = JobsRun.objects.filter(pk=JobsRun.SINGLETON).values_list(
            "finished_at", flat=True
        )
        last_run = last_run.first()
        body["database"] = "ok"
    except DatabaseError:
        log.exception("healthz: the database is unreachable")
        body["database"] = "unreachable"
        problems.append("The database is unreachable.")
        last_run = None
    else:
        body["jobs"] = _jobs(last_run, now, problems)
    body["cache"] = _cache(problems)
    if problems:
        body["status"] = "error"
        body["problems"] = problems
    return (503 if problems else 200), body


def _jobs(last_run: datetime | None, now: datetime, problems: list[str]) -> dict:
    limit = timedelta(minutes=settings.JOBS_STALE_MINUTES)
    stopped = "scheduled publishing, expiry and retention deletes have stopped"
    if last_run is None:
        problems.append(f"run_jobs has never finished a run: {stopped}.")
        return {"status": "never-run", "last_run": None, "age_seconds": None}
    age = max(now - last_run, timedelta(0))
    jobs = {
        "status": "ok",
        "last_run": last_run.isoformat(),
        "age_seconds": int(age.total_seconds()),
    }
    if age > limit:
        jobs["status"] = "stale"
        problems.append(
            f"run_jobs last finished {int(age.total_seconds() // 60)} minutes ago, more than "
            f"{settings.JOBS_STALE_MINUTES}: {stopped}."
        )
    return jobs


def _cache(problems: list[str]) -> str:
    try:
        cache.get(PROBE_KEY)
    except Exception:  # any backend's failure (Redis down, a timeout) is a report, not a 500
        log.exception("healthz: the cache is unreachable")
        problems.append("The cache is unreachable.")
        return "unreachable"
    return "ok"
