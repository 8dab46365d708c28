"""Email leaves through the task queue: queued when the change commits, sent by the worker
(`db_worker`), never inside the request that caused it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from articles import mail as outgoing

SIGN_UP = reverse("readers:newsletter")
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def sign_up(client, email: str = "reader@example.org"):
    return client.post(SIGN_UP, {"email": email, "consent": "on", "website": ""})


@pytest.mark.django_db(transaction=True)
def test_the_request_only_queues_and_the_worker_sends(client, settings):
    settings.TASKS = DATABASE_QUEUE
    response = sign_up(client)

    assert response.status_code == 302
    assert mail.outbox == []  # nothing was sent inside the request
    [queued] = DBTaskResult.objects.all()
    assert queued.status == TaskResultStatus.READY
    assert queued.task_path == "articles.mail.send_messages"

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    [message] = mail.outbox
    assert message.to == ["reader@example.org"]
    assert "/newsletter/confirm/" in message.body
    queued.refresh_from_db()
    assert queued.status == TaskResultStatus.SUCCESSFUL


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_queues_nothing(settings):
    from django.db import transaction

    settings.TASKS = DATABASE_QUEUE
    with pytest.raises(RuntimeError), transaction.atomic():
        outgoing.send_after_commit([outgoing.Message(subject="s", body="b", to=["a@b.example"])])
        raise RuntimeError("rolled back")
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_failure_is_kept_as_a_failed_task(client, settings):
    settings.TASKS = DATABASE_QUEUE
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    settings.EMAIL_TIMEOUT = 2
    assert sign_up(client).status_code == 302  # the reader's page does not wait for mail

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    [failed] = DBTaskResult.objects.all()
    assert failed.status == TaskResultStatus.FAILED
    assert "ConnectionRefusedError" in failed.traceback


def _closed_port() -> int:
    from tests.conftest import free_port

    return free_port()


@pytest.mark.django_db(transaction=True)
def test_run_jobs_deletes_old_records_of_sent_mail(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from articles import jobs

    settings.TASKS = DATABASE_QUEUE
    settings.TASK_RESULT_RETENTION_HOURS = 48
    sign_up(client, "old@example.org")
    sign_up(client, "new@example.org")
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    old, new = DBTaskResult.objects.order_by("enqueued_at")
    DBTaskResult.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(hours=49))
    sign_up(client, "waiting@example.org")  # queued, not yet sent: kept whatever its age

    report = jobs.run_all()

    assert report.email_records_deleted == 1
    remaining = DBTaskResult.objects.all()
    assert len(remaining) == 2  # the recent one and the one still waiting for the worker
    assert new.pk in {r.pk for r in remaining} and old.pk not in {r.pk for r in remaining}
    assert "old@example.org" not in str([r.args_kwargs for r in remaining])
