"""The WSGI front: cached public pages answered before Django's request handler runs.

A cache hit needs nothing Django's handler provides (no database, no session, no view, no
middleware: the stored page already carries the headers the whole stack gave it), yet the handler
alone (request signals and their connection checks, WSGIRequest, URL resolving, response
closing) costs most of a minimal request. So config/wsgi.py wraps Django's application with
`serve_cached_pages`, an in-process front cache: it asks the page cache the same question
PageCacheMiddleware asks (`cache.cached_answer`, one implementation) and answers a hit itself.

It answers only what it can answer exactly as Django would; anything else goes to Django, which
renders, refuses or stores as usual: a method other than GET or HEAD, a path that is not plain
ASCII or runs under a script name, a Host that ALLOWED_HOSTS refuses (Django answers 400), a
session cookie, a miss, a stale entry, the cache off or down, and any error in the lookup (logged
once per process).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.http.request import split_domain_port, validate_host

from articles.public.cache import PageRequest, cached_answer, per_process

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_STATUS_LINES = {status: f"{status} {HTTPStatus(status).phrase}" for status in (200, 304)}


class _Errors:
    reported = False


def serve_cached_pages(django_app: WSGIApp) -> WSGIApp:
    """`django_app`, with cached public pages answered in front of it."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]):
        answer = _cached_answer(environ)
        if answer is None:
            return django_app(environ, start_response)
        status, headers, body = answer
        start_response(_STATUS_LINES[status], headers)
        return [body]

    return application


def _cached_answer(environ: dict[str, Any]):
    try:
        request = page_request(environ)
        return None if request is None else cached_answer(request)
    except Exception:
        # Django then handles the request, and reports the error in full if it meets it too.
        if not _Errors.reported:
            _Errors.reported = True
            log.exception("The WSGI page cache front failed; passing requests to Django.")
        return None


class _Settings:
    """The settings the front reads on every request, read once (each `settings.NAME` costs
    about a microsecond) and again after any setting changes (tests override them), with the
    verdict on each Host header seen: at most HOSTS_REMEMBERED, dropped all at once when full
    (the header is the client's to make up)."""

    HOSTS_REMEMBERED = 256

    def __init__(self) -> None:
        self.script_name_forced = settings.FORCE_SCRIPT_NAME is not None
        self.use_x_forwarded_host: bool = settings.USE_X_FORWARDED_HOST
        allowed_hosts = settings.ALLOWED_HOSTS
        if settings.DEBUG and not allowed_hosts:
            allowed_hosts = [".localhost", "127.0.0.1", "[::1]"]
        self.allowed_hosts: list[str] = list(allowed_hosts)
        self.secure_proxy_ssl_header: tuple[str, str] | None = settings.SECURE_PROXY_SSL_HEADER
        self.hosts: dict[str, bool] = {}


_settings = per_process(_Settings)


def page_request(environ: dict[str, Any]) -> PageRequest | None:
    """The request as the page cache reads it, or None if it must go to Django: not a GET or
    HEAD, a path Django would read differently (not ASCII, under a script name), or a host
    Django would refuse."""
    method = environ.get("REQUEST_METHOD", "").upper()
    if method not in ("GET", "HEAD"):
        return None
    # Django re-decodes PATH_INFO as UTF-8 (get_path_info); an ASCII path reads the same either
    # way, and anything else is left to it.
    path = environ.get("PATH_INFO", "")
    current = _settings()
    if not path.startswith("/") or not path.isascii() or _script_name(environ, current):
        return None
    if not _host_allowed(environ, current):
        return None
    get = environ.get
    return PageRequest(
        method,
        _scheme(environ, current),
        path,
        path,
        get("QUERY_STRING", ""),
        get("HTTP_COOKIE", ""),
        get("HTTP_IF_NONE_MATCH", ""),
        get("HTTP_IF_MODIFIED_SINCE", ""),
        get("HTTP_IF_MATCH", ""),
        get("HTTP_IF_UNMODIFIED_SINCE", ""),
    )


def _script_name(environ: dict[str, Any], current: _Settings) -> bool:
    # Whatever django.core.handlers.wsgi.get_script_name would read a prefix from.
    return (
        current.script_name_forced
        or bool(environ.get("SCRIPT_URL"))
        or bool(environ.get("REDIRECT_URL"))
        or bool(environ.get("SCRIPT_NAME"))
    )


def _host_allowed(environ: dict[str, Any], current: _Settings) -> bool:
    """HttpRequest.get_host's check. A request without a Host header (HTTP/1.0) goes to Django,
    which rebuilds the host from the server's name and port."""
    if current.use_x_forwarded_host and "HTTP_X_FORWARDED_HOST" in environ:
        host = environ["HTTP_X_FORWARDED_HOST"]
    elif "HTTP_HOST" in environ:
        host = environ["HTTP_HOST"]
    else:
        return False
    hosts = current.hosts
    allowed = hosts.get(host)
    if allowed is None:
        domain, _ = split_domain_port(host)
        allowed = bool(domain) and validate_host(domain, current.allowed_hosts)
        if len(hosts) >= current.HOSTS_REMEMBERED:
            hosts.clear()
        hosts[host] = allowed
    return allowed


def _scheme(environ: dict[str, Any], current: _Settings) -> str:
    """HttpRequest.scheme: the proxy's header when SECURE_PROXY_SSL_HEADER names one and it is
    present (its first value), else the server's."""
    if current.secure_proxy_ssl_header:
        header, secure_value = current.secure_proxy_ssl_header
        value = environ.get(header)
        if value is not None:
            return "https" if value.split(",", 1)[0].strip() == secure_value else "http"
    return environ.get("wsgi.url_scheme", "")
