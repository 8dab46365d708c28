"""Email leaves through the task queue: queued once the change that causes it is committed, sent
by the worker (`manage.py db_worker`), never inside the request that caused it. A slow or down
mail server then delays mail, not pages, and a failed send stays on record as a failed task
(with its traceback) instead of vanishing in a log line.

Every email Vetted sends goes through `send_after_commit`; `send_messages` is the task."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TypedDict

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django_tasks import task

log = logging.getLogger(__name__)


class Message(TypedDict):
    """One email, as plain data: a task's arguments are stored as JSON."""

    subject: str
    body: str
    to: list[str]


@task()
def send_messages(messages: list[Message]) -> int:
    """Send the emails over one connection; returns how many were sent. An error fails the task,
    which keeps it on record."""
    emails = [
        EmailMessage(m["subject"], m["body"], settings.DEFAULT_FROM_EMAIL, m["to"])
        for m in messages
    ]
    with get_connection(fail_silently=False) as connection:
        return connection.send_messages(emails) or 0


def send_after_commit(messages: list[Message]) -> None:
    """Queue the emails once the current transaction commits (at once outside one); nothing is
    queued for a change that is rolled back."""
    if messages:
        transaction.on_commit(lambda: _enqueue(messages), robust=True)


def purge_finished(now: datetime) -> int:
    """Delete the queue's records of email sent or failed more than TASK_RESULT_RETENTION_HOURS
    ago (run_jobs): they hold readers' addresses, which must not outlive their retention."""
    from django_tasks_db.models import DBTaskResult

    cutoff = now - timedelta(hours=settings.TASK_RESULT_RETENTION_HOURS)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted


def _enqueue(messages: list[Message]) -> None:
    send_messages.enqueue(messages)
    log.debug("Queued %d email(s)", len(messages), extra={"emails": len(messages)})
