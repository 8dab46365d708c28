"""The WSGI front (config/wsgi.py): cached public pages answered before Django's handler, with
exactly what PageCacheMiddleware answers, and everything it cannot answer exactly so passed to
Django."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from unittest import mock

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import override_settings
from django.utils import timezone

from articles import jobs
from config import wsgi
from tests.conftest import closed_port_url


@dataclass
class Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


def environ(path: str, method: str = "GET", query: str = "", **extra: str) -> dict:
    """What a WSGI server such as gunicorn passes for a request from a browser."""
    return {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **extra,
    }


def call(app, env: dict) -> Answer:
    started: dict = {}

    def start_response(status, headers, exc_info=None):
        started.update(status=status, headers=list(headers))

    # Django's handler closes the database connection when a request starts and ends. Inside a
    # test's transaction that would end the test's own connection (on PostgreSQL), so, as
    # Django's test client does, these requests leave it open.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        result = app(env, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return Answer(started["status"], started["headers"], body)


def front(path: str, method: str = "GET", query: str = "", **extra: str) -> Answer:
    """The site as gunicorn runs it: config.wsgi.application."""
    return call(wsgi.application, environ(path, method, query, **extra))


def behind(path: str, method: str = "GET", query: str = "", **extra: str) -> Answer:
    """Django's own handler, where PageCacheMiddleware answers cached pages."""
    return call(wsgi.django_application, environ(path, method, query, **extra))


@pytest.fixture
def django_handler():
    """Django's request handler, spied on: called only when the front passes a request on."""
    with mock.patch.object(
        WSGIHandler, "__call__", autospec=True, side_effect=WSGIHandler.__call__
    ) as handler:
        yield handler


@pytest.fixture
def page(client, published) -> str:
    """A published article's page, rendered once by the whole stack and stored."""
    path = f"/articles/{published.slug}/"
    assert client.get(path).status_code == 200
    return path


# --- Hits -------------------------------------------------------------------------------------


def test_a_hit_is_answered_without_django_or_the_database(
    page, published, django_handler, django_assert_num_queries
):
    with django_assert_num_queries(0):
        answer = front(page)
    assert answer.status == "200 OK"
    assert published.title.encode() in answer.body
    django_handler.assert_not_called()


def test_a_hit_has_exactly_the_bytes_and_headers_the_middleware_answers(page, client):
    from_middleware = behind(page)
    from_front = front(page)
    assert from_front == from_middleware
    assert from_front.header("Content-Length") == str(len(from_front.body))
    assert "frame-ancestors 'none'" in from_front.header("Content-Security-Policy")
    assert from_front.header("X-Frame-Options") == "DENY"
    # ...which are the headers of the page as the stack rendered it.
    rendered = client.get(page, HTTP_CACHE_CONTROL="no-cache")
    assert dict(from_front.headers) == dict(rendered.items())


def test_query_parameters_the_page_does_not_read_get_the_stored_page(page, django_handler):
    assert front(page, query="utm_source=newsletter").status == "200 OK"
    django_handler.assert_not_called()


def test_the_home_page_and_its_second_page_are_answered_apart(
    client, make_article, go_live, django_handler
):
    for n in range(13):
        go_live(make_article(f"Article number {n}"))
    first, second = client.get("/"), client.get("/?page=2")
    assert front("/").body == first.content
    assert front("/", query="page=2").body == second.content
    django_handler.assert_not_called()


# --- Conditional requests and HEAD --------------------------------------------------------------


def test_if_none_match_is_answered_304_with_the_middlewares_headers(page, django_handler):
    etag = front(page).header("ETag")
    answer = front(page, HTTP_IF_NONE_MATCH=etag)
    assert answer.status == "304 Not Modified" and answer.body == b""
    assert answer.header("Content-Type") is None and answer.header("Content-Length") == "0"
    django_handler.assert_not_called()
    assert answer == behind(page, HTTP_IF_NONE_MATCH=etag)


@pytest.mark.parametrize("etags", ["*", 'W/"{etag}"', '"other", "{etag}"'])
def test_if_none_match_lists_are_read_as_django_reads_them(page, client, etags):
    etag = front(page).header("ETag").strip('"')
    header = etags.format(etag=etag)
    assert front(page, HTTP_IF_NONE_MATCH=header).status == "304 Not Modified"
    assert client.get(page, HTTP_IF_NONE_MATCH=header).status_code == 304


def test_another_etag_gets_the_page(page):
    assert front(page, HTTP_IF_NONE_MATCH='"something-else"').status == "200 OK"


def test_if_modified_since_is_answered_304_with_the_middlewares_headers(page, django_handler):
    modified = front(page).header("Last-Modified")
    answer = front(page, HTTP_IF_MODIFIED_SINCE=modified)
    assert answer.status == "304 Not Modified" and answer.body == b""
    django_handler.assert_not_called()
    assert answer == behind(page, HTTP_IF_MODIFIED_SINCE=modified)
    earlier = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert front(page, HTTP_IF_MODIFIED_SINCE=earlier).status == "200 OK"


def test_if_match_is_left_to_django(page, django_handler):
    assert front(page, HTTP_IF_MATCH='"something-else"').status == "412 Precondition Failed"
    django_handler.assert_called_once()


def test_head_has_the_headers_of_get_and_no_body(page, django_handler):
    get, head = front(page), front(page, "HEAD")
    assert head.status == "200 OK" and head.body == b""
    assert head.headers == get.headers  # Content-Length included: what GET would send
    django_handler.assert_not_called()


# --- What goes to Django ------------------------------------------------------------------------


def test_a_host_not_allowed_goes_to_django_and_is_refused(page, django_handler):
    assert front(page, HTTP_HOST="attacker.example").status.startswith("400")
    django_handler.assert_called_once()


def test_a_host_allowed_until_the_settings_change_is_refused_after(page, settings, django_handler):
    assert front(page).status == "200 OK"  # the front has judged this Host once
    django_handler.assert_not_called()
    settings.ALLOWED_HOSTS = ["clinic.example"]
    assert front(page).status.startswith("400")
    django_handler.assert_called_once()


def test_a_key_worked_out_under_one_site_address_is_not_used_under_another(
    page, settings, django_handler
):
    assert front(page).status == "200 OK"
    settings.SITE_URL = "https://clinic-b.example"  # another site's pages, another key
    front(page)
    django_handler.assert_called_once()


@override_settings(USE_X_FORWARDED_HOST=True)
def test_a_forwarded_host_is_checked_when_django_would_read_it(page, django_handler):
    assert front(page, HTTP_X_FORWARDED_HOST="attacker.example").status.startswith("400")
    assert front(page, HTTP_X_FORWARDED_HOST="localhost").status == "200 OK"
    django_handler.assert_called_once()


def test_a_request_without_a_host_header_goes_to_django(page, django_handler):
    env = environ(page)
    del env["HTTP_HOST"]
    assert call(wsgi.application, env).status == "200 OK"
    django_handler.assert_called_once()


def test_a_reader_with_a_session_goes_to_django(page, django_handler, django_assert_num_queries):
    with django_assert_num_queries(1):  # the page rendered for them
        answer = front(page, HTTP_COOKIE="sessionid=not-a-real-session")
    assert answer.status == "200 OK"
    django_handler.assert_called_once()


def test_other_cookies_do_not_keep_a_reader_from_the_cache(page, django_handler):
    assert front(page, HTTP_COOKIE="theme=dark").status == "200 OK"
    django_handler.assert_not_called()


def test_post_goes_to_django(page, django_handler):
    assert front(page, "POST").status == "403 Forbidden"  # no CSRF token: refused by Django
    django_handler.assert_called_once()


def test_page_cache_off_goes_to_django(page, settings, django_handler):
    settings.PAGE_CACHE_SECONDS = 0
    answer = front(page)
    assert answer.status == "200 OK" and answer.header("Cache-Control").endswith("s-maxage=0")
    django_handler.assert_called_once()


def test_a_draft_is_never_answered_by_the_front(client, approved, django_handler):
    path = f"/articles/{approved.slug}/"
    assert client.get(path).status_code == 404
    assert front(path).status.startswith("404")
    django_handler.assert_called_once()


@pytest.mark.parametrize(
    "extra", [{"PATH_INFO": "/articles/caf\xc3\xa9/"}, {"SCRIPT_NAME": "/site"}]
)
def test_a_path_django_would_read_differently_goes_to_django(page, django_handler, extra):
    call(wsgi.application, {**environ(page), **extra})
    django_handler.assert_called_once()


def test_pages_that_are_never_stored_go_to_django(page, django_handler):
    jobs.record_run(timezone.now(), jobs.JobReport())  # else /healthz reports the jobs stopped
    assert front("/healthz").status == "200 OK"
    django_handler.assert_called_once()


# --- Schemes ------------------------------------------------------------------------------------


def test_a_page_cached_over_http_is_not_answered_over_https(page, django_handler):
    answer = front(page, **{"wsgi.url_scheme": "https", "SERVER_PORT": "443"})
    assert answer.header("Strict-Transport-Security") is not None
    django_handler.assert_called_once()


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_a_tls_proxy_the_scheme_is_the_proxys(client, page, django_handler):
    assert client.get(page, secure=True).status_code == 200  # stored under https
    answer = front(page, HTTP_X_FORWARDED_PROTO="https")
    assert answer.header("Strict-Transport-Security").startswith("max-age=")
    django_handler.assert_not_called()
    assert front(page, HTTP_X_FORWARDED_PROTO="http").header("Strict-Transport-Security") is None


# --- Invalidation -------------------------------------------------------------------------------


def test_a_new_publication_is_served_fresh(page, published, revise, go_live, django_handler):
    revise(published, "Retitled.", title="Back pain: what helps")
    go_live(published)
    answer = front(page)
    assert b"Back pain: what helps" in answer.body
    django_handler.assert_called_once()
    django_handler.reset_mock()
    assert front(page).body == answer.body  # stored again, and answered by the front
    django_handler.assert_not_called()


def test_an_unpublished_page_is_gone_at_once(page, published, take_down, django_handler):
    take_down(published)
    assert front(page).status.startswith("404")
    django_handler.assert_called_once()


# --- A cache that is down or a lookup that fails ------------------------------------------------


def test_a_cache_that_is_down_slows_pages_never_breaks_them(page, published, django_handler):
    down = closed_port_url().replace("http", "redis") + "/0"
    backend = "config.redis_cache.RedisCache"
    with override_settings(CACHES={"default": {"BACKEND": backend, "LOCATION": down}}):
        answers = [front(page) for _ in range(2)]
    assert [answer.status for answer in answers] == ["200 OK", "200 OK"]
    assert published.title.encode() in answers[-1].body
    assert django_handler.call_count == 2


def test_an_error_in_the_lookup_is_logged_once_and_django_answers(
    page, django_handler, caplog, monkeypatch
):
    from articles.public import wsgi as front_module

    monkeypatch.setattr(front_module._Errors, "reported", False)
    with (
        mock.patch.object(front_module, "cached_answer", side_effect=RuntimeError("broken")),
        caplog.at_level(logging.ERROR, logger="articles.public.wsgi"),
    ):
        assert [front(page).status for _ in range(2)] == ["200 OK", "200 OK"]
    assert django_handler.call_count == 2
    assert len([r for r in caplog.records if r.name == "articles.public.wsgi"]) == 1
