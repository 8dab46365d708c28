"""The command-line contract: clear one-line failures, nothing half-written."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles import audit, workflow
from articles.audit.models import AuditEvent
from articles.models import Article
from tests.workflow_support import tamper


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def test_verify_audit_names_the_tampered_event(published):
    target = AuditEvent.objects.get(action="approve")
    tamper("UPDATE articles_auditevent SET actor_name = %s WHERE id = %s", ["someone", target.pk])
    err = StringIO()
    with pytest.raises(CommandError, match="tampered"):
        call_command("verify_audit", stdout=StringIO(), stderr=err)
    assert f"event #{target.sequence}" in err.getvalue()


def test_run_jobs_publishes_due_content_once(approved, editor, client):
    workflow.schedule(approved, editor, go_live_at=timezone.now() + timedelta(minutes=5))
    assert "published: 0" in run("run_jobs")
    approved.refresh_from_db()
    Article.objects.filter(pk=approved.pk).update(
        scheduled_at=timezone.now() - timedelta(seconds=1)
    )
    assert "published: 1" in run("run_jobs")
    assert "published: 0" in run("run_jobs")
    assert client.get(f"/articles/{approved.slug}/").status_code == 200
    assert AuditEvent.objects.filter(action="publish", actor=None).count() == 1


def test_run_jobs_takes_expired_content_down(published, editor, client):
    workflow.schedule(published, editor, expire_at=timezone.now() + timedelta(minutes=1))
    later = timezone.now() + timedelta(minutes=2)
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=later):
        assert "expired: 1" in run("run_jobs")
    assert client.get(f"/articles/{published.slug}/").status_code == 404
    n, breaks = audit.verify()
    assert not breaks
