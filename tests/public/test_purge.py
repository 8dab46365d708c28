"""CDN purge: every change to what the public sees tells the CDN, after commit, which pages
changed (absolute addresses and surrogate keys), through a pluggable backend; a CDN that fails
never breaks the change. Against a local HTTP server that records what it is asked."""

from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from articles import jobs, workflow
from articles.models import Topic
from articles.public import cache as page_cache
from articles.public import purge
from tests.conftest import closed_port_url, signed_by

SITE = "https://clinic.example"


class Recorder(BaseHTTPRequestHandler):
    """Answers every request 200 (or the status the test set) and records it."""

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append(
            {
                "method": self.command,
                "path": self.path,
                "host": self.headers.get("Host"),
                "authorization": self.headers.get("Authorization"),
                "json": json.loads(body) if body else None,
            }
        )
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PURGE = do_POST = do_GET = _record

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def cdn():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.seen = []
    server.status = 200
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def purging(settings, cdn):
    """The HTTP backend pointed at the recorder; the test sets CDN_PURGE_URL's form."""
    settings.SITE_URL = SITE
    settings.CDN_PURGE_BACKEND = "articles.public.purge.HttpPurge"
    settings.CDN_PURGE_METHOD = ""
    settings.CDN_PURGE_TOKEN = ""
    settings.CDN_PURGE_TIMEOUT = 2
    return settings


@pytest.fixture
def filed(make_article, file_under):
    """An approved article with a topic and two tags, not yet live."""

    def make(title: str = "Sleeping well", topic: str = "sleep", tags=("insomnia", "rest")):
        article = make_article(title)
        file_under(article, *tags, topic=Topic.objects.get_or_create(slug=topic, name=topic)[0])
        return article

    return make


def purged_paths(cdn) -> list[str]:
    return [request["path"] for request in cdn.seen]


def test_publishing_purges_every_page_it_changes_after_commit(
    cdn, purging, filed, go_live, django_capture_on_commit_callbacks, writer, reviewer, editor
):
    purging.CDN_PURGE_URL = cdn.url + "{path}"  # Varnish-style: PURGE each page
    article = filed()
    with django_capture_on_commit_callbacks() as callbacks:
        workflow.submit(article, writer)
        workflow.approve(article, reviewer, **signed_by(reviewer))
        workflow.publish(article, editor)
    assert cdn.seen == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert sorted(purged_paths(cdn)) == sorted(
        [
            "/articles/sleeping-well/",
            "/",
            "/feed/",
            "/sitemap.xml",
            "/topics/sleep/",
            "/topics/sleep/feed/",
            "/tags/insomnia/",
            "/tags/rest/",
        ]
    )
    assert {request["method"] for request in cdn.seen} == {"PURGE"}
    assert {request["host"] for request in cdn.seen} == {"clinic.example"}


def test_one_json_request_with_absolute_addresses_and_surrogate_keys(cdn, purging, filed, go_live):
    purging.CDN_PURGE_URL = cdn.url + "/purge"
    purging.CDN_PURGE_TOKEN = "s3cret"
    article = go_live(filed())
    [request] = cdn.seen
    assert request["method"] == "POST" and request["path"] == "/purge"
    assert request["authorization"] == "Bearer s3cret"
    assert f"{SITE}/articles/sleeping-well/" in request["json"]["urls"]
    assert f"{SITE}/tags/rest/" in request["json"]["urls"]
    assert all(url.startswith(SITE + "/") for url in request["json"]["urls"])
    assert request["json"]["keys"] == [f"article-{article.pk}", "lists"]


def test_purge_by_key_sends_one_request_per_key(cdn, purging, filed, go_live):
    purging.CDN_PURGE_URL = cdn.url + "/service/purge/{key}"
    article = go_live(filed())
    assert [(r["method"], r["path"]) for r in cdn.seen] == [
        ("POST", f"/service/purge/article-{article.pk}"),
        ("POST", "/service/purge/lists"),
    ]


def test_unpublishing_purges_the_topic_and_tags_of_the_revision_that_was_live(
    cdn, purging, filed, go_live, take_down
):
    purging.CDN_PURGE_URL = cdn.url + "{path}"
    article = go_live(filed())
    cdn.seen.clear()
    take_down(article)
    assert {"/articles/sleeping-well/", "/", "/topics/sleep/", "/tags/insomnia/"} <= set(
        purged_paths(cdn)
    )


def test_a_new_revision_purges_the_old_and_the_new_topic(cdn, purging, filed, go_live, file_under):
    purging.CDN_PURGE_URL = cdn.url + "{path}"
    article = go_live(filed())
    file_under(article, topic=Topic.objects.create(slug="rest-and-recovery", name="Rest"))
    cdn.seen.clear()
    go_live(article)
    paths = set(purged_paths(cdn))
    assert {"/topics/sleep/", "/topics/rest-and-recovery/"} <= paths


def test_expiry_by_run_jobs_purges(
    cdn, purging, filed, go_live, editor, django_capture_on_commit_callbacks
):
    purging.CDN_PURGE_URL = cdn.url + "{path}"
    article = go_live(filed())
    workflow.schedule(article, editor, expire_at=timezone.now() + timedelta(hours=1))
    cdn.seen.clear()
    with django_capture_on_commit_callbacks(execute=True):
        jobs.run_all(now=timezone.now() + timedelta(hours=2))
    assert "/articles/sleeping-well/" in purged_paths(cdn)


def test_a_prompt_going_down_purges_the_pages_placing_it(
    cdn, purging, published, make_prompt, place, go_live, take_down
):
    purging.CDN_PURGE_URL = cdn.url + "/purge"
    prompt = go_live(make_prompt())
    place(published, prompt)
    go_live(published)
    cdn.seen.clear()
    take_down(prompt)
    [request] = cdn.seen
    assert request["json"] == {
        "urls": [f"{SITE}/articles/{published.slug}/"],
        "keys": [f"article-{published.pk}"],
    }


def test_a_change_that_rolls_back_purges_nothing(
    cdn, purging, approved, editor, django_capture_on_commit_callbacks
):
    purging.CDN_PURGE_URL = cdn.url + "{path}"
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        workflow.publish(approved, editor)
        raise RuntimeError("something later in the same transaction failed")
    assert cdn.seen == []
    approved.refresh_from_db()
    assert approved.live_revision_id is None


@pytest.mark.parametrize("failure", ["refused", "500"])
def test_a_cdn_that_fails_is_logged_and_the_change_stands(
    cdn, purging, approved, editor, client, caplog, django_capture_on_commit_callbacks, failure
):
    if failure == "refused":
        purging.CDN_PURGE_URL = closed_port_url() + "{path}"
    else:
        purging.CDN_PURGE_URL = cdn.url + "{path}"
        cdn.status = 500
    with (
        caplog.at_level(logging.WARNING, logger="articles.public.purge"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        workflow.publish(approved, editor)
    approved.refresh_from_db()
    assert approved.live_revision_id is not None
    assert client.get(f"/articles/{approved.slug}/").status_code == 200
    [warning] = [r for r in caplog.records if r.name == "articles.public.purge"]
    assert "CDN purge failed" in warning.getMessage()
    assert f"{SITE}/articles/{approved.slug}/" in warning.getMessage()
    if failure == "refused":
        assert len(cdn.seen) == 0  # stopped at the first unreachable request


def test_the_default_sends_nothing_and_costs_no_query(
    settings, cdn, approved, editor, django_assert_num_queries
):
    assert settings.CDN_PURGE_BACKEND == "articles.public.purge.NoPurge"
    with django_assert_num_queries(0):
        purge.purge_on_change(type(approved), instance=approved, revision=None, replaced=None)


def test_a_backend_of_ones_own_is_told_once_the_page_cache_moved_on(settings, published, take_down):
    settings.CDN_PURGE_BACKEND = "tests.public.test_purge.Collect"
    Collect.calls.clear()
    take_down(published)
    [(urls, keys, generation)] = Collect.calls
    assert urls[0].endswith(f"/articles/{published.slug}/")
    assert keys == (f"article-{published.pk}", "lists")
    # The CDN refetches from the page cache: by then it must have dropped the old pages too.
    assert generation == cache.get(page_cache.GENERATION_KEY)


class Collect:
    calls: list = []

    def purge(self, urls, keys) -> None:
        self.calls.append((urls, keys, cache.get(page_cache.GENERATION_KEY)))


# --- Surrogate keys on pages ----------------------------------------------------------------


def test_article_pages_name_their_surrogate_key(client, published):
    response = client.get(f"/articles/{published.slug}/")
    assert response["Surrogate-Key"] == f"article-{published.pk}"
    assert response["Cache-Tag"] == f"article-{published.pk}"
    cached = client.get(f"/articles/{published.slug}/")
    assert cached["Surrogate-Key"] == f"article-{published.pk}"


@pytest.mark.parametrize("path", ["/", "/feed/", "/sitemap.xml"])
def test_lists_carry_the_lists_key(client, published, path):
    assert client.get(path)["Surrogate-Key"] == "lists"


def test_pages_that_no_publication_changes_carry_no_key(client, db):
    assert not client.get("/editorial-policy/").has_header("Surrogate-Key")
