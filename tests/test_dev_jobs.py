"""Scheduling works on the development server (`make run`): the periodic jobs run beside it, and
the workspace says so when a scheduled time has passed and nothing published the content."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

from django.test import Client
from django.utils import timezone

from articles import jobs, workflow
from articles.models import Article, State
from tests.conftest import log_in_verified

MAKEFILE = Path(__file__).resolve().parent.parent / "Makefile"


def login(user) -> Client:
    client = Client()
    log_in_verified(client, user)
    return client


def test_make_run_serves_with_the_job_loop():
    run = MAKEFILE.read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "manage.py runserver_jobs" in run
    assert "manage.py runserver " not in run


def test_the_dev_server_command_is_runserver_with_a_job_loop():
    from django.contrib.staticfiles.management.commands.runserver import Command as Static

    from articles.management.commands.runserver_jobs import Command

    assert issubclass(Command, Static)  # static files are still served


def test_the_job_loop_publishes_scheduled_content_when_it_falls_due(approved, editor):
    workflow.schedule(approved, editor, go_live_at=timezone.now() + timedelta(seconds=30))
    stop = threading.Event()
    said: list[str] = []

    def write(line: str) -> None:  # the loop reports only rounds that did something
        said.append(line)
        stop.set()

    give_up = threading.Timer(10, stop.set)  # never hang the suite if nothing is published
    give_up.start()
    later = timezone.now() + timedelta(minutes=1)
    try:
        # The loop renews its database connections each round; here it runs inside the test's
        # transaction, whose connection must stay open.
        with (
            patch("django.utils.timezone.now", return_value=later),
            patch("articles.jobs.close_old_connections"),
        ):
            jobs.run_every(0.05, stop, write)
    finally:
        give_up.cancel()
    assert Article.objects.get(pk=approved.pk).state == State.PUBLISHED
    assert said and "published: 1" in said[0]


def test_a_missed_schedule_is_shown_on_the_page_and_the_dashboard(approved, editor, writer):
    workflow.schedule(approved, editor, go_live_at=timezone.now() + timedelta(minutes=1))
    later = timezone.now() + timedelta(minutes=10)
    change = f"/admin/articles/article/{approved.pk}/change/"
    with patch("django.utils.timezone.now", return_value=later):
        page = login(editor).get(change).content.decode()
        assert "data-missed-schedule" in page
        assert "the scheduled jobs are not running" in page
        dashboard = login(editor).get("/admin/").content.decode()
        assert 'id="vetted-missed-schedules"' in dashboard
        assert f'href="{change}"' in dashboard
        # Writers are not asked to fix the server; the dashboard warning is for editors and admins.
        assert 'id="vetted-missed-schedules"' not in login(writer).get("/admin/").content.decode()


def test_a_schedule_in_the_future_or_just_due_is_not_a_missed_one(approved, editor):
    workflow.schedule(approved, editor, go_live_at=timezone.now() + timedelta(minutes=1))
    change = f"/admin/articles/article/{approved.pk}/change/"
    assert "data-missed-schedule" not in login(editor).get(change).content.decode()
    with patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(minutes=2)):
        assert "data-missed-schedule" not in login(editor).get(change).content.decode()
        assert not Article.objects.schedule_missed().exists()
