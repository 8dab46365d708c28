"""/healthz: the database, the cache and the periodic work, for a monitor or load balancer."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone

from articles.models import JobsRun
from tests.conftest import closed_port_url


@pytest.fixture
def jobs_ran(db):
    call_command("run_jobs", stdout=open("/dev/null", "w"))  # noqa: SIM115


def ran_minutes_ago(minutes: int) -> None:
    JobsRun.objects.filter(pk=JobsRun.SINGLETON).update(
        finished_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_all_well_after_run_jobs_in_one_query(client, jobs_ran, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["cache"] == "ok"
    assert body["jobs"]["status"] == "ok" and 0 <= body["jobs"]["age_seconds"] < 60
    assert "no-cache" in response["Cache-Control"]
    # Never stored in the page cache: a second answer is computed again.
    ran_minutes_ago(11)
    assert client.get("/healthz").status_code == 503


def test_stale_jobs_answer_503_and_say_what_has_stopped(client, jobs_ran, settings):
    settings.JOBS_STALE_MINUTES = 10
    ran_minutes_ago(9)
    assert client.get("/healthz").status_code == 200
    ran_minutes_ago(14)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["jobs"]["status"] == "stale"
    assert body["database"] == "ok" and body["cache"] == "ok"
    [problem] = body["problems"]
    assert "14 minutes ago" in problem and "scheduled publishing" in problem


def test_jobs_that_never_ran_are_reported(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["jobs"] == {"status": "never-run", "last_run": None, "age_seconds": None}


def test_database_unreachable(client, jobs_ran):
    with mock.patch("articles.health.JobsRun.objects.filter") as query:
        query.side_effect = OperationalError("could not connect to server")
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "unreachable" and body["problems"] == [
        "The database is unreachable."
    ]


def test_cache_unreachable(client, jobs_ran):
    dead_redis = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": closed_port_url().replace("http", "redis"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # Inside the test, so the working cache is back before the fixtures that clear it tear down.
    with override_settings(CACHES=dead_redis):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["cache"] == "unreachable" and body["database"] == "ok"
    assert body["problems"] == ["The cache is unreachable."]
