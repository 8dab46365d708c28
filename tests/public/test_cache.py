"""The page cache: whole pages served to everyone, invalidated whenever what the public sees
changes, with validators for conditional GETs and headers a CDN can use. A cache that is down
slows pages and never breaks them."""

from __future__ import annotations

import contextlib
import logging
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
import redis
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from articles import jobs, workflow
from articles.public import cache as page_cache
from tests.conftest import closed_port_url, log_in_verified

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


def redis_cache(location: str) -> dict:
    return {
        "default": {
            "BACKEND": "config.redis_cache.RedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.fixture
def real_redis():
    """The default cache in Redis database 15, emptied before and after (only that database)."""
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not running at {REDIS_TEST_URL}")
    client.flushdb()
    with override_settings(CACHES=redis_cache(REDIS_TEST_URL)):
        yield client
    client.flushdb()


@pytest.fixture
def redis_down():
    """The default cache in a Redis server that is not there (a closed local port)."""
    with override_settings(CACHES=redis_cache(closed_port_url().replace("http", "redis") + "/0")):
        yield


# --- Served from the cache ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/articles/living-with-back-pain/", "/feed/", "/sitemap.xml"]
)
def test_second_request_is_served_from_the_cache(
    client, published, django_assert_num_queries, path
):
    first = client.get(path)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = client.get(path)
    assert second.status_code == 200
    assert second.content == first.content


def test_query_strings_the_page_does_not_read_share_its_cache_entry(
    client, published, django_assert_num_queries
):
    client.get(f"/articles/{published.slug}/")
    with django_assert_num_queries(0):
        assert client.get(f"/articles/{published.slug}/?utm_source=newsletter").status_code == 200


def test_pages_of_a_list_are_cached_apart(client, make_article, go_live):
    for n in range(13):
        go_live(make_article(f"Article number {n}"))
    first, second = client.get("/"), client.get("/?page=2")
    assert second.status_code == 200 and first.content != second.content
    assert client.get("/?page=2").content == second.content


def test_page_cache_off_renders_every_time_but_keeps_the_headers(
    client, published, settings, django_assert_max_num_queries
):
    settings.PAGE_CACHE_SECONDS = 0
    client.get(f"/articles/{published.slug}/")
    with django_assert_max_num_queries(8) as queries:
        response = client.get(f"/articles/{published.slug}/")
    assert len(queries) > 0
    assert response["Cache-Control"] == "public, max-age=60, s-maxage=0"
    assert response.has_header("ETag") and response.has_header("Last-Modified")


@pytest.fixture
def cache_calls():
    """The names of the calls the site makes to the default cache, in order (not the calls a
    backend makes to itself: local memory's get_many is a get per key)."""
    calls: list[str] = []
    inside = []
    names = ["get", "get_many", "get_or_set", "set", "add", "incr", "delete"]
    with contextlib.ExitStack() as stack:
        for name in names:
            original = getattr(cache, name)

            def record(*args, _name=name, _original=original, **kwargs):
                if not inside:
                    calls.append(_name)
                inside.append(_name)
                try:
                    return _original(*args, **kwargs)
                finally:
                    inside.pop()

            stack.enter_context(mock.patch.object(cache, name, record))
        yield calls


def test_a_cached_page_takes_one_cache_round_trip_and_no_view(
    client, published, cache_calls, django_assert_num_queries
):
    client.get(f"/articles/{published.slug}/")
    cache_calls.clear()
    with (
        mock.patch("articles.public.pages.stored_article") as view_work,
        django_assert_num_queries(0),
    ):
        response = client.get(f"/articles/{published.slug}/")
    assert response.status_code == 200 and published.title in response.content.decode()
    assert cache_calls == ["get"]  # the site generation; the page is this process's copy
    view_work.assert_not_called()


def test_a_page_another_process_cached_is_read_with_the_generation_once(
    client, published, cache_calls, django_assert_num_queries
):
    client.get(f"/articles/{published.slug}/")
    page_cache._copies.clear()  # as in a process that has not served this page yet
    cache_calls.clear()
    with django_assert_num_queries(0):
        assert client.get(f"/articles/{published.slug}/").status_code == 200
        assert client.get(f"/articles/{published.slug}/").status_code == 200
    # Generation and page in one round trip, then the generation alone.
    assert cache_calls == ["get_many", "get"]


def test_a_copy_of_an_earlier_generation_is_replaced_by_the_shared_caches_page(
    client, published, revise, go_live, cache_calls
):
    path = f"/articles/{published.slug}/"
    client.get(path)
    client.get(path)  # this process's copy
    revise(published, "Retitled.", title="Back pain: what helps")
    go_live(published)
    assert b"Back pain: what helps" in client.get(path).content  # rendered, stored, copied
    page_cache._copies.clear()
    client.get(path)  # copied from the shared cache with the generation
    cache.incr(page_cache.GENERATION_KEY)  # another process published something else
    cache_calls.clear()
    answer = client.get(path)
    assert b"Back pain: what helps" in answer.content
    # The generation, then (the copy being of an earlier one) the page: it is of the earlier
    # generation too, so it is rendered again and stored.
    assert cache_calls[:2] == ["get", "get"] and "set" in cache_calls


def test_a_copy_in_this_process_is_dropped_when_another_process_moves_the_generation(
    client, published, django_assert_num_queries
):
    client.get(f"/articles/{published.slug}/")
    with django_assert_num_queries(0):
        client.get(f"/articles/{published.slug}/")
    cache.incr(page_cache.GENERATION_KEY)  # what a publish in another process does first
    with django_assert_num_queries(1):  # rendered again, not this process's copy
        assert client.get(f"/articles/{published.slug}/").status_code == 200


def test_a_copy_in_this_process_is_no_older_than_the_shared_cache_keeps_pages(
    client, published, settings
):
    # A generation bump that never reached the shared cache (it was down) must not keep a copy
    # served for longer than the shared cache would have kept the page.
    path = f"/articles/{published.slug}/"
    client.get(path)
    client.get(path)
    copies = page_cache._copies
    [key] = list(copies._pages)
    generation = copies._generation
    assert copies.get(key, generation) is not None
    later = time.monotonic() + settings.PAGE_CACHE_SECONDS + 1
    with mock.patch("articles.public.cache.time.monotonic", return_value=later):
        assert copies.get(key, generation) is None
    assert copies._size == 0


def test_copies_in_a_process_stay_within_their_byte_budget(client, published, settings):
    size = len(client.get(f"/articles/{published.slug}/").content)
    settings.PAGE_CACHE_PROCESS_BYTES = size + 100  # room for this page, not another
    page_cache._copies.clear()
    client.get(f"/articles/{published.slug}/")
    client.get(f"/articles/{published.slug}/")
    assert len(page_cache._copies._pages) == 1
    home = client.get("/").content
    client.get("/")
    assert page_cache._copies._size <= size + 100
    # The article's copy made room for the home page's.
    assert [entry.content for entry, _ in page_cache._copies._pages.values()] == [home]


@pytest.mark.parametrize("path", ["/", "/articles/living-with-back-pain/", "/feed/"])
def test_a_cached_answer_has_exactly_the_headers_of_a_rendered_one(client, published, path):
    rendered = client.get(path)
    cached = client.get(path)
    assert cached.content == rendered.content
    assert dict(cached.items()) == dict(rendered.items())
    assert "frame-ancestors 'none'" in cached["Content-Security-Policy"]
    assert cached["X-Frame-Options"] == "DENY"
    assert cached["X-Content-Type-Options"] == "nosniff"
    assert cached["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_a_304_from_the_cache_has_exactly_the_headers_of_a_rendered_one(
    client, published, settings
):
    path = f"/articles/{published.slug}/"
    etag = client.get(path)["ETag"]
    cached = client.get(path, HTTP_IF_NONE_MATCH=etag)
    settings.PAGE_CACHE_SECONDS = 0
    rendered = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert cached.status_code == rendered.status_code == 304
    headers = dict(rendered.items())
    headers["Cache-Control"] = "public, max-age=60, s-maxage=300"
    assert dict(cached.items()) == headers


def test_a_page_cached_over_http_is_not_served_over_https(client, published):
    path = f"/articles/{published.slug}/"
    assert not client.get(path).has_header("Strict-Transport-Security")
    assert client.get(path, secure=True)["Strict-Transport-Security"].startswith("max-age=")


def test_a_host_not_allowed_is_refused_before_a_cached_page_is_served(client, published):
    path = f"/articles/{published.slug}/"
    assert client.get(path).status_code == 200
    assert client.get(path, HTTP_HOST="attacker.example").status_code == 400


@pytest.mark.parametrize("path", ["/search/?q=back", "/robots.txt", "/admin/login/"])
def test_pages_the_cache_never_stores_are_never_looked_up(client, published, cache_calls, path):
    client.get(path)
    assert cache_calls == []


def test_healthz_asks_the_cache_only_whether_it_answers(client, published, cache_calls):
    client.get("/healthz")
    assert cache_calls == ["get"]  # the health probe: no page lookup, nothing stored


def test_a_parameter_the_page_does_not_read_makes_no_entry_of_its_own(
    client, published, django_assert_num_queries
):
    client.get(f"/articles/{published.slug}/")
    for _ in range(2):
        with django_assert_num_queries(1):  # rendered each time, never stored under a second key
            assert client.get(f"/articles/{published.slug}/?page=7").status_code == 200


def test_a_reader_with_a_session_gets_the_page_rendered_not_from_the_cache(
    client, published, editor, django_assert_num_queries
):
    client.get(f"/articles/{published.slug}/")
    log_in_verified(client, editor)
    with django_assert_num_queries(1):
        client.get(f"/articles/{published.slug}/")


# --- Invalidation --------------------------------------------------------------------------------


def test_publishing_another_article_invalidates_the_lists(client, published, make_article, go_live):
    assert "Sleeping well" not in client.get("/").content.decode()
    go_live(make_article("Sleeping well"))
    assert "Sleeping well" in client.get("/").content.decode()


def test_publishing_a_new_revision_replaces_the_cached_page(client, published, revise, go_live):
    client.get(f"/articles/{published.slug}/")
    revise(published, "Retitled.", title="Back pain: what helps")
    assert (
        "Back pain: what helps" not in client.get(f"/articles/{published.slug}/").content.decode()
    )
    go_live(published)
    assert "Back pain: what helps" in client.get(f"/articles/{published.slug}/").content.decode()


def test_unpublishing_removes_the_page_and_its_list_entry(client, published, take_down):
    assert client.get(f"/articles/{published.slug}/").status_code == 200
    assert published.title in client.get("/").content.decode()
    take_down(published)
    assert client.get(f"/articles/{published.slug}/").status_code == 404
    assert published.title not in client.get("/").content.decode()


def test_expiry_taken_down_by_run_jobs_invalidates(
    client, published, editor, django_capture_on_commit_callbacks
):
    workflow.schedule(published, editor, expire_at=timezone.now() + timedelta(hours=1))
    assert client.get(f"/articles/{published.slug}/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        report = jobs.run_all(now=timezone.now() + timedelta(hours=2))
    assert report.expired == [f"article “{published.title}”"]
    assert client.get(f"/articles/{published.slug}/").status_code == 404


def test_a_page_is_never_served_from_the_cache_past_an_expiry(client, published, editor):
    workflow.schedule(published, editor, expire_at=timezone.now() + timedelta(seconds=60))
    response = client.get(f"/articles/{published.slug}/")
    assert response["Cache-Control"] in {
        "public, max-age=60, s-maxage=60",
        "public, max-age=59, s-maxage=59",
    }  # a CDN must not hold it past the expiry either
    # The expiry passes; run_jobs has not taken the article down yet.
    later = timezone.now() + timedelta(seconds=120)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert client.get(f"/articles/{published.slug}/").status_code == 404


def test_a_prompt_going_live_or_down_invalidates_the_page(
    client, published, make_prompt, place, go_live, take_down
):
    prompt = go_live(make_prompt())
    place(published, prompt)
    go_live(published)
    assert (
        "Request our information packet"
        in client.get(f"/articles/{published.slug}/").content.decode()
    )
    take_down(prompt)
    assert (
        "Request our information packet"
        not in client.get(f"/articles/{published.slug}/").content.decode()
    )


def test_invalidated_at_once_and_again_when_the_transaction_commits(
    client, approved, editor, django_capture_on_commit_callbacks
):
    client.get("/")
    before = cache.get(page_cache.GENERATION_KEY)
    with django_capture_on_commit_callbacks() as callbacks:
        workflow.publish(approved, editor)
        # Readers in this process stop getting the old pages now...
        assert cache.get(page_cache.GENERATION_KEY) == before + 1
        assert approved.title in client.get("/").content.decode()
    # ...and whatever was cached before the commit from the old database state is dropped after.
    for callback in callbacks:
        callback()
    assert cache.get(page_cache.GENERATION_KEY) == before + 2


def test_a_not_found_page_is_never_cached(
    client, approved, go_live, editor, django_capture_on_commit_callbacks
):
    assert client.get(f"/articles/{approved.slug}/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(approved, editor)
    assert client.get(f"/articles/{approved.slug}/").status_code == 200


def test_a_lost_generation_restarts_above_every_earlier_one(client, published, take_down):
    client.get(f"/articles/{published.slug}/")
    before = cache.get(page_cache.GENERATION_KEY)
    cache.delete(page_cache.GENERATION_KEY)  # evicted, or the cache restarted without it
    take_down(published)
    assert cache.get(page_cache.GENERATION_KEY) > before
    assert client.get(f"/articles/{published.slug}/").status_code == 404


# --- Validators and CDN headers -----------------------------------------------------------------


def test_cache_control_lets_a_cdn_hold_the_page(client, published, settings):
    settings.PAGE_CACHE_SECONDS = 300
    for path in ["/", f"/articles/{published.slug}/", "/feed/", "/sitemap.xml"]:
        assert client.get(path)["Cache-Control"] == "public, max-age=60, s-maxage=300"


def test_etag_and_last_modified_answer_conditional_gets_with_304(client, published):
    response = client.get(f"/articles/{published.slug}/")
    etag, modified = response["ETag"], response["Last-Modified"]
    assert etag.startswith('"') and etag.endswith('"')  # strong
    not_modified = client.get(f"/articles/{published.slug}/", HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["ETag"] == etag
    since = client.get(f"/articles/{published.slug}/", HTTP_IF_MODIFIED_SINCE=modified)
    assert since.status_code == 304
    other = client.get(f"/articles/{published.slug}/", HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200


def test_last_modified_is_when_the_live_revision_went_live(client, published):
    from django.utils.http import http_date

    response = client.get(f"/articles/{published.slug}/")
    assert response["Last-Modified"] == http_date(published.last_published_at.timestamp())


def test_a_new_publication_changes_the_etag(client, published, revise, go_live):
    etag = client.get(f"/articles/{published.slug}/")["ETag"]
    revise(published, "Clearer summary.", summary="What helps most, and when to see a doctor.")
    go_live(published)
    response = client.get(f"/articles/{published.slug}/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag


# --- The same page for everyone, no cookies -----------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/articles/living-with-back-pain/", "/search/?q=back", "/editorial-policy/"]
)
def test_public_pages_set_no_cookies(client, published, path):
    response = client.get(path)
    assert response.status_code == 200
    assert not response.cookies  # no CSRF cookie, no session
    assert "csrftoken" not in client.cookies


def test_staff_and_readers_get_the_same_page(client, published, editor, django_assert_num_queries):
    reader = client.get(f"/articles/{published.slug}/").content
    log_in_verified(client, editor)
    staff = client.get(f"/articles/{published.slug}/")
    assert staff.content == reader
    assert b"/admin/" not in reader


def test_unsafe_methods_are_refused(client, published):
    assert client.post(f"/articles/{published.slug}/").status_code == 405
    assert client.head(f"/articles/{published.slug}/").status_code == 200


# --- Redis, up and down ---------------------------------------------------------------------------


def test_pages_are_cached_in_redis_and_invalidated_there(
    client, published, real_redis, take_down, django_assert_num_queries
):
    assert client.get(f"/articles/{published.slug}/").status_code == 200
    assert real_redis.dbsize() >= 2  # the generation and the page
    with django_assert_num_queries(0):
        assert client.get(f"/articles/{published.slug}/").status_code == 200
    take_down(published)
    assert client.get(f"/articles/{published.slug}/").status_code == 404


def test_a_page_cached_in_redis_takes_one_round_trip(client, published, real_redis):
    client.get(f"/articles/{published.slug}/")
    sent = []
    real_sendall = socket.socket.sendall

    def sendall(sock, data, *args):
        if sock.getpeername()[1] == 6379:
            sent.append(bytes(data))
        return real_sendall(sock, data, *args)

    with mock.patch.object(socket.socket, "sendall", sendall):
        assert client.get(f"/articles/{published.slug}/").status_code == 200
    # The site generation, and nothing else: the page is this process's copy.
    assert len(sent) == 1
    assert sent[0].split(b"\r\n")[2] == b"GET"
    assert sent[0].endswith(page_cache.GENERATION_KEY.encode() + b"\r\n")


def test_a_dropped_redis_connection_is_made_again(real_redis):
    cache.set("vetted:test", 7)
    assert cache.get("vetted:test") == 7  # opens this thread's reading connection
    real_redis.client_kill_filter(_type="normal", skipme=True)  # as a Redis restart does
    with contextlib.suppress(redis.exceptions.ConnectionError):
        cache.get("vetted:test")  # the dead connection is dropped
    assert cache.get("vetted:test") == 7


def test_redis_down_serves_pages_uncached_and_logs_once(client, published, redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="articles.public.cache"):
        for _ in range(3):
            assert client.get(f"/articles/{published.slug}/").status_code == 200
            assert client.get("/").status_code == 200
    warnings = [r for r in caplog.records if r.name == "articles.public.cache"]
    assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()


def test_publishing_while_redis_is_down_still_works(
    client, approved, editor, redis_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(approved, editor)
    assert client.get(f"/articles/{approved.slug}/").status_code == 200
    assert page_cache._Health.bump_pending  # made again once the cache answers


def test_a_change_made_while_redis_was_down_invalidates_once_it_is_back(
    client, published, real_redis, take_down
):
    assert client.get(f"/articles/{published.slug}/").status_code == 200  # cached in Redis
    with override_settings(CACHES=redis_cache(closed_port_url().replace("http", "redis") + "/0")):
        take_down(published)
    page_cache._Health.retry_at = time.monotonic()  # the retry pause is over
    assert client.get(f"/articles/{published.slug}/").status_code == 404


# --- Sites sharing one cache ----------------------------------------------------------------------


def test_two_sites_under_one_key_prefix_still_keep_their_pages_apart(client, published, settings):
    settings.SITE_URL = "https://clinic-a.example"
    assert "clinic-a.example" in client.get("/editorial-policy/").content.decode()
    assert "clinic-a.example" in client.get("/editorial-policy/").content.decode()  # cached
    settings.SITE_URL = "https://clinic-b.example"
    page = client.get("/editorial-policy/").content.decode()
    assert "clinic-b.example" in page and "clinic-a.example" not in page


def cache_settings(env: dict[str, str]) -> list[str]:
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.CACHES['default'].get('KEY_PREFIX')); print(s.CACHES['default']['BACKEND'])"
    )
    # DEBUG on: with it off, start-up also demands the database, hosts and audit key.
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "test-only", "DEBUG": "1"}  # fmt: skip
    finished = subprocess.run(
        [sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
        env={**base, **env}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return finished.stdout.split()


def test_every_cache_key_starts_with_the_sites_prefix():
    site = {"SITE_URL": "https://clinic-a.example", "REDIS_URL": "redis://127.0.0.1:6379/1"}
    assert cache_settings(site) == ["clinic-a.example", "config.redis_cache.RedisCache"]
    assert cache_settings({**site, "CACHE_KEY_PREFIX": "group-a"})[0] == "group-a"
    assert cache_settings({"SITE_URL": "https://clinic-b.example"})[0] == "clinic-b.example"
