"""The page cache: whole public pages, rendered once and served to every reader.

Public pages are the same for everyone (no per-user content, no CSRF token, no session), so a
rendered page is stored in Django's default cache (local memory, or Redis with REDIS_URL) under
the site (SITE_URL: deployments sharing one Redis never answer each other's pages, and each has
its own KEY_PREFIX too), its scheme, path and the query parameters the page reads, together with
the *site generation* it
was rendered under: a counter that every change to what the public sees (`live_changed`: publish,
unpublish, expiry, for articles and prompts) bumps. One counter so invalidates every page: an
entry from an earlier generation is never served again, and ages out. A page is also never kept
past the first expiry of anything it shows, since run_jobs may take down expired content a minute
late.

`cached_answer` is the one lookup: from what a request says (`PageRequest`: method, scheme, path,
query string, Cookie and precondition headers) to the page cache's answer (status, headers,
body) or None, with one cache round trip: the generation, read from the shared cache on every
request (never a copy of it: a page is served only if its generation is what the shared cache
said after the request arrived); the page is this process's copy of that generation
(`_Copies`), read from the shared cache only when this process has no current copy (with the
generation, in the same round trip, when it has none at all). Two thin
adapters ask it: the WSGI front (`articles.public.wsgi`, wrapped around Django's handler in
config/wsgi.py) answers hits before Django's handler runs, and `PageCacheMiddleware`, first in
MIDDLEWARE, answers them wherever the front is not in the way (runserver, the test client) and
stores misses: the page as the whole stack left it, headers included, so an answer from the
cache carries the same Content-Security-Policy and other headers as one rendered afresh.
Neither adapter checks the host in the lookup; each checks ALLOWED_HOSTS as Django does before
answering. `public_page` marks the views whose pages may be stored.

Every page carries a strong ETag over its body, Last-Modified, Cache-Control with s-maxage so a
CDN can hold it, and the surrogate keys it may be purged by (`articles.public.purge`); a
conditional GET is answered 304, from the cache or not.

A cache that fails (Redis stopped) must slow pages, never break them: the error is logged once,
the cache is left alone for RETRY_SECONDS, and pages are rendered uncached meanwhile.
PAGE_CACHE_SECONDS=0 turns the page cache off (the headers stay)."""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, NamedTuple, TypeVar

from django.conf import settings
from django.core.cache import BaseCache, cache, caches
from django.core.signals import setting_changed
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, QueryDict
from django.http.cookie import parse_cookie
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_etags, parse_http_date, parse_http_date_safe
from django.views.decorators.http import require_safe
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
T = TypeVar("T")

GENERATION_KEY = "vetted:public:generation"
BROWSER_MAX_AGE = 60
RETRY_SECONDS = 30
# What a cache backend raises when its server is unreachable or slow.
CACHE_ERRORS = (RedisError, OSError)
# Set by the entry itself when it is served, never replayed from the stored headers.
_ENTRY_HEADERS = {"content-type", "content-length", "etag", "last-modified", "cache-control"}
_PRECONDITIONS = (
    "HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE",
)  # fmt: skip


# --- Talking to the cache, guarded -------------------------------------------------------------


class _Health:
    """Whether this process is leaving the cache alone after a failure, and whether it could not
    bump the generation meanwhile (it bumps it before it reads a page from the cache again)."""

    retry_at: float | None = None
    bump_pending: bool = False


def _available() -> bool:
    return _Health.retry_at is None or time.monotonic() >= _Health.retry_at


def _failed(exc: Exception) -> None:
    if _Health.retry_at is None:
        log.warning(
            "The page cache is unreachable (%s); serving pages uncached, retrying in %s s.",
            exc,
            RETRY_SECONDS,
        )
    _Health.retry_at = time.monotonic() + RETRY_SECONDS


def _recovered() -> None:
    if _Health.retry_at is not None:
        log.info("The page cache answers again.")
        _Health.retry_at = None


def _guarded(operation: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
    """(True, result) if the cache answered; (False, None) if it is down."""
    if not _available():
        return False, None
    try:
        result = operation(*args)
    except CACHE_ERRORS as exc:
        _failed(exc)
        return False, None
    _recovered()
    return True, result


# --- Settings read on every request -------------------------------------------------------------


class _Settings:
    """The settings a lookup reads, read once: each `settings.NAME` costs about a microsecond, and
    a cached page is answered in a few dozen. Read again after any setting changes (tests
    override them), together with what is worked out from them: the cache key of each request
    seen (`cache_key`), at most KEYS_REMEMBERED of them, dropped all at once when full (query
    strings are the reader's to make up)."""

    KEYS_REMEMBERED = 4096

    def __init__(self) -> None:
        self.page_cache_seconds: int = settings.PAGE_CACHE_SECONDS
        self.process_bytes: int = settings.PAGE_CACHE_PROCESS_BYTES
        self.session_cookie_name: str = settings.SESSION_COOKIE_NAME
        self.root_urlconf: str = settings.ROOT_URLCONF
        self.site_url: str = settings.SITE_URL
        self.keys: dict[tuple[str, str, str, str], str | None] = {}
        self._backends = threading.local()

    def cache(self) -> BaseCache:
        """The default cache, as `django.core.cache.cache` gives it to this thread, without
        asking Django's per-context registry on every request."""
        try:
            return self._backends.cache
        except AttributeError:
            self._backends.cache = caches["default"]
            return self._backends.cache


def per_process(build: Callable[[], T]) -> Callable[[], T]:
    """What `build` makes from settings, made once per process and again after any setting
    changes (tests override settings; a running site never changes them)."""
    kept: dict[str, T] = {}

    def current() -> T:
        try:
            return kept["value"]
        except KeyError:
            value = kept["value"] = build()
            return value

    def forget(**kwargs: Any) -> None:
        kept.clear()

    setting_changed.connect(forget, weak=False)
    return current


_settings = per_process(_Settings)


# --- The site generation ----------------------------------------------------------------------


def _fresh_generation() -> int:
    # Time-based, so a generation lost with the cache (restart, eviction) restarts above every
    # number used before, and no entry stored under an old generation can be read again.
    return time.time_ns() // 1000


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet: any new one is above all earlier ones
        cache.set(GENERATION_KEY, _fresh_generation(), None)


def invalidate() -> None:
    """Make every cached page stale now."""
    ok, _ = _guarded(_bump)
    _Health.bump_pending = not ok


def invalidate_on_change(sender, **kwargs) -> None:
    """live_changed receiver. Invalidates at once, so nothing reads the old pages from here on,
    and again when the transaction commits: a page rendered meanwhile, from the database as it was
    before the commit, may have been cached under the new generation."""
    invalidate()
    transaction.on_commit(invalidate)


# --- Pages --------------------------------------------------------------------------------------


def strong_etag(content: bytes) -> str:
    return f'"{hashlib.sha256(content).hexdigest()[:40]}"'


@dataclass(frozen=True)
class _Page:
    """What public_page knows of a page it served: its validators, when something on it stops
    being live, and the query parameters it reads."""

    etag: str
    last_modified: float  # seconds since the epoch
    last_modified_header: str  # the same, as the header says it
    # When something on the page stops being live, on the clock `published()` reads.
    live_until: datetime | None
    params: tuple[str, ...]

    @classmethod
    def of(cls, response: HttpResponse, params: tuple[str, ...]) -> _Page:
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        modified = getattr(response, "page_modified", None)
        if modified is not None:
            last_modified = modified.timestamp()
        elif response.has_header("Last-Modified"):  # the feed and sitemap views set their own
            last_modified = parse_http_date(response["Last-Modified"])
        else:
            last_modified = timezone.now().timestamp()
        return cls(
            etag=getattr(response, "page_etag", None) or strong_etag(response.content),
            last_modified=last_modified,
            last_modified_header=http_date(last_modified),
            live_until=getattr(response, "page_live_until", None),
            params=params,
        )

    def seconds_left(self, limit: int) -> int:
        if self.live_until is None:
            return limit
        return max(0, min(limit, int((self.live_until - timezone.now()).total_seconds())))

    def finish(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """The response with its validators and Cache-Control, or a 304 if the reader's copy
        is current."""
        response.headers["ETag"] = self.etag
        response.headers["Last-Modified"] = self.last_modified_header
        response.headers["Cache-Control"] = (
            f"public, max-age={self.seconds_left(BROWSER_MAX_AGE)}, "
            f"s-maxage={self.seconds_left(settings.PAGE_CACHE_SECONDS)}"
        )
        # Without a precondition header the answer is this response (the common case, spared
        # the parsing).
        if not any(name in request.META for name in _PRECONDITIONS):
            return response
        return get_conditional_response(
            request, etag=self.etag, last_modified=int(self.last_modified), response=response
        )


class PageRequest(NamedTuple):
    """What the page cache reads of a request, the same whether it comes from Django's handler or
    straight from the WSGI server. Strings as WSGI gives them (the query string and headers
    decoded as latin-1); `path` is what the key is made of, `path_info` what the URLconf
    matches (the same unless the site runs under a script name). A named tuple: the WSGI front
    makes one for every request it is asked, and a tuple is made in a fraction of the time a
    frozen dataclass takes."""

    method: str
    scheme: str
    path: str
    path_info: str
    query_string: str = ""
    cookies: str = ""  # the Cookie header
    if_none_match: str = ""
    if_modified_since: str = ""
    # Rare preconditions the page cache leaves to the view (412s and their subtleties).
    if_match: str = ""
    if_unmodified_since: str = ""

    @classmethod
    def of(cls, request: HttpRequest) -> PageRequest:
        meta = request.META
        return cls(
            method=request.method or "",
            scheme=request.scheme or "",
            path=request.path,
            path_info=request.path_info,
            query_string=meta.get("QUERY_STRING", ""),
            cookies=meta.get("HTTP_COOKIE", ""),
            if_none_match=meta.get("HTTP_IF_NONE_MATCH", ""),
            if_modified_since=meta.get("HTTP_IF_MODIFIED_SINCE", ""),
            if_match=meta.get("HTTP_IF_MATCH", ""),
            if_unmodified_since=meta.get("HTTP_IF_UNMODIFIED_SINCE", ""),
        )


# (status, headers in the order they are sent, body): a response as WSGI sends it.
Answer = tuple[int, list[tuple[str, str]], bytes]


@dataclass(frozen=True)
class _Entry:
    """A page as stored in the cache: its bytes, the headers the middleware stack gave it, and
    the generation it was rendered under."""

    content: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...]
    page: _Page
    generation: int

    def answer(self, request: PageRequest) -> Answer:
        """The 200, or the 304 if the reader's copy is current, with the headers a rendered
        page gets: its validators and Cache-Control (as `_Page.finish` sets them), what the
        stack adds to every response, a 304 included, and Content-Length as CommonMiddleware
        sets it. A HEAD gets the headers of the GET and no body."""
        page = self.page
        validators = [
            ("ETag", page.etag),
            ("Last-Modified", page.last_modified_header),
            (
                "Cache-Control",
                f"public, max-age={page.seconds_left(BROWSER_MAX_AGE)}, "
                f"s-maxage={page.seconds_left(_settings().page_cache_seconds)}",
            ),
        ]
        if self._not_modified(request):
            return 304, [*validators, *self.headers, ("Content-Length", "0")], b""
        headers = [
            ("Content-Type", self.content_type),
            *validators,
            *self.headers,
            ("Content-Length", str(len(self.content))),
        ]
        return 200, headers, b"" if request.method == "HEAD" else self.content

    def _not_modified(self, request: PageRequest) -> bool:
        # Steps 3 and 4 of django.utils.cache.get_conditional_response, for a GET or HEAD of a
        # page that has both validators.
        etags = parse_etags(request.if_none_match) if request.if_none_match else []
        if etags:
            return etags == ["*"] or self.page.etag.strip("W/") in (
                etag.strip("W/") for etag in etags
            )
        since = request.if_modified_since and parse_http_date_safe(request.if_modified_since)
        modified = int(self.page.last_modified)
        return bool(since) and bool(modified) and modified <= since

    def is_current(self, generation: int | None) -> bool:
        """Rendered under this site generation, and nothing on it has stopped being live."""
        return self.generation == generation and bool(
            self.page.seconds_left(_settings().page_cache_seconds)
        )


def describe(
    response: HttpResponse,
    *,
    modified: datetime | None,
    live_until: datetime | None,
    etag: str | None = None,
    keys: Iterable[str] = (),
) -> HttpResponse:
    """Tell the page cache when the page last changed, when something on it stops being live,
    its ETag if it is already known (a page rendered at publish time), and the surrogate keys a
    CDN may purge it by (`articles.public.purge`)."""
    response.page_modified = modified
    response.page_live_until = live_until
    response.page_etag = etag
    response.page_keys = tuple(keys)
    return response


def public_page(
    view: Callable[..., HttpResponse] | None = None,
    *,
    params: Iterable[str] = (),
    keys: Iterable[str] = (),
):
    """Give the view's 200 responses ETag, Last-Modified and Cache-Control, answer conditional
    GETs, and let PageCacheMiddleware store them; `params` are the query parameters the page
    depends on, `keys` the surrogate keys a CDN may purge it by (with those the view gives
    `describe`), sent as Surrogate-Key and Cache-Tag. Anything but a 200 (a 404 for a draft, a
    redirect) is passed through and never cached."""
    params = tuple(params)
    static_keys = tuple(keys)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @require_safe
        def serve(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.cookies:
                return response
            page_keys = (*static_keys, *getattr(response, "page_keys", ()))
            _name_keys(response, page_keys)
            response.page = _Page.of(response, params)
            answer = response.page.finish(request, response)
            if answer is not response:  # a 304 has the 200's keys too, as from the cache
                _name_keys(answer, page_keys)
            return answer

        serve.page_params = params
        return serve

    return decorate(view) if view is not None else decorate


def _name_keys(response: HttpResponse, keys: tuple[str, ...]) -> None:
    """The surrogate keys a CDN may purge the page by, in the headers CDNs read them from."""
    if keys:
        response.headers["Surrogate-Key"] = " ".join(keys)
        response.headers["Cache-Tag"] = ",".join(keys)


# --- This process's copies ------------------------------------------------------------------------


class _Copies:
    """Pages this process read from or stored in the shared cache, with the site generation they
    were rendered under. With the cache in Redis, a hit then moves a number out of Redis instead
    of a whole page to unpickle (bench/README.md has the figures).

    A copy is only served when the generation read from the shared cache for this very request
    is its own (`_fetch`), and every change to what the public sees bumps that generation before
    it commits: no copy outlives an unpublish in any process. All copies are of one generation;
    reading another drops them all, since they can never be current again. At most
    PAGE_CACHE_PROCESS_BYTES of pages are kept, the least recently served dropped first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # gunicorn's threaded workers share one process
        self._generation: int | None = None
        self._pages: OrderedDict[str, tuple[_Entry, float]] = OrderedDict()
        self._size = 0

    def holds(self, key: str) -> bool:
        """Whether there is a copy of this page, current or not."""
        return key in self._pages

    def get(self, key: str, generation: int) -> _Entry | None:
        with self._lock:
            if generation != self._generation:
                self._switch(generation)
                return None
            entry, copied_at = self._pages.get(key, (None, 0.0))
            if entry is None:
                return None
            # No older than the shared cache keeps a page: a generation bump that never reached
            # the shared cache (it was down) cannot keep a copy alive past PAGE_CACHE_SECONDS.
            if time.monotonic() - copied_at > _settings().page_cache_seconds:
                del self._pages[key]
                self._size -= len(entry.content)
                return None
            self._pages.move_to_end(key)
            return entry

    def read(self, generation: int) -> None:
        """The site generation was read: drop every copy if it moved."""
        with self._lock:
            if generation != self._generation:
                self._switch(generation)

    def _switch(self, generation: int) -> None:
        self._pages.clear()
        self._size = 0
        self._generation = generation

    def put(self, key: str, entry: _Entry) -> None:
        limit = _settings().process_bytes
        if len(entry.content) > limit:
            return
        with self._lock:
            if entry.generation != self._generation:
                return  # a change was seen meanwhile; the page may be stale already
            if (replaced := self._pages.pop(key, None)) is not None:
                self._size -= len(replaced[0].content)
            while self._pages and self._size + len(entry.content) > limit:
                _, (dropped, _) = self._pages.popitem(last=False)
                self._size -= len(dropped.content)
            self._pages[key] = (entry, time.monotonic())
            self._size += len(entry.content)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._size = 0
            self._generation = None


_copies = _Copies()


# --- The middleware -------------------------------------------------------------------------------


@functools.cache
def _routes(urlconf: str) -> tuple[tuple[re.Pattern[str], ...], tuple[str, ...]]:
    """The paths of the views `public_page` serves, as regular expressions over the whole path,
    and every query parameter any of them reads. From the URLconf, read once."""
    paths: list[re.Pattern[str]] = []
    params: set[str] = set()

    def walk(patterns: Iterable, prefix: str) -> None:
        for entry in patterns:
            regex = prefix + entry.pattern.regex.pattern.removeprefix("^")
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, regex)
            elif hasattr(entry.callback, "page_params"):
                paths.append(re.compile(regex))
                params.update(entry.callback.page_params)

    resolver = get_resolver(urlconf)
    walk(resolver.url_patterns, resolver.pattern.regex.pattern)
    return tuple(paths), tuple(sorted(params))


def _key(request: PageRequest, params: Iterable[str]) -> str:
    # Only the parameters a page reads, so made-up query strings cannot fill the cache.
    query = ""
    if request.query_string:
        # Read as WSGIRequest.GET reads it: the WSGI string's bytes, decoded as UTF-8.
        values = QueryDict(request.query_string.encode("iso-8859-1"))
        query = "&".join(
            f"{name}={values[name]}" for name in params if values.get(name) is not None
        )
    # The site too: deployments sharing one cache under one KEY_PREFIX still never answer each
    # other's pages (and the Host header does not matter: pages link to SITE_URL whatever it is).
    page = f"{_settings().site_url}|{request.scheme}:{request.path}?{query}"
    return f"vetted:page:{hashlib.sha256(page.encode()).hexdigest()}"


def cache_key(request: PageRequest) -> str | None:
    """The cache key of the page this request asks for, or None if the page cache cannot answer
    it: the cache is off, the request may change something or comes with a session (staff see
    the same pages, rendered), it carries a precondition left to the view, or nothing at this
    path is ever stored. Worked out once per process for each scheme, path and query string
    (`_Settings.keys`)."""
    current = _settings()
    if (
        not current.page_cache_seconds
        or request.method not in ("GET", "HEAD")
        or request.if_match
        or request.if_unmodified_since
        or (request.cookies and current.session_cookie_name in parse_cookie(request.cookies))
    ):
        return None
    where = (request.scheme, request.path, request.path_info, request.query_string)
    keys = current.keys
    try:
        return keys[where]
    except KeyError:
        pass
    paths, params = _routes(current.root_urlconf)
    key = _key(request, params) if any(path.match(request.path_info) for path in paths) else None
    if len(keys) >= current.KEYS_REMEMBERED:
        keys.clear()
    keys[where] = key
    return key


def _fetch(key: str) -> tuple[bool, int | None, _Entry | None]:
    """(whether the cache answered, the site generation, the entry stored under `key`).

    The generation is read from the shared cache on every call, so nothing is served after a
    change another process committed; the entry comes from this process's copies when it has
    one of that generation, else from the shared cache: read together with the generation (one
    round trip) when this process holds no copy of the page, after it when its copy turns out
    to be of an earlier generation."""
    if _Health.bump_pending:
        invalidate()
    shared = _settings().cache()
    if _copies.holds(key):
        ok, generation = _guarded(shared.get, GENERATION_KEY)
        entry = _copies.get(key, generation) if ok and generation is not None else None
        fetched = False
    else:
        ok, found = _guarded(shared.get_many, [GENERATION_KEY, key])
        generation, entry = (found.get(GENERATION_KEY), found.get(key)) if ok else (None, None)
        fetched = True
    if ok and generation is None:
        # Read before the page is rendered, like any generation a page is stored under.
        ok, generation = _guarded(shared.get_or_set, GENERATION_KEY, _fresh_generation, None)
        entry = None
    if not ok:
        return False, None, None
    if entry is None and not fetched:
        ok, entry = _guarded(shared.get, key)
        fetched = True
    if fetched:
        _copies.read(generation)
        if entry is not None and entry.generation != generation:
            entry = None
        if entry is not None:
            _copies.put(key, entry)
    return ok, generation, entry


def cached_answer(request: PageRequest) -> Answer | None:
    """The page cache's answer to this request, or None if the page must be rendered: not a
    page it answers, not stored, stored under an earlier generation or past an expiry, or the
    cache is down. The one lookup behind both PageCacheMiddleware and the WSGI front
    (`articles.public.wsgi`); neither checks the host, each adapter does."""
    key = cache_key(request)
    if key is None:
        return None
    _, generation, entry = _fetch(key)
    if entry is None or not entry.is_current(generation):
        return None
    return entry.answer(request)


def as_response(answer: Answer) -> HttpResponse:
    status, headers, body = answer
    if status == 304:
        return HttpResponseNotModified(headers=headers)
    return HttpResponse(body, status=status, headers=headers)


class PageCacheMiddleware:
    """Serves public pages from the page cache before the rest of the middleware stack runs,
    and stores what the stack answers when the page was not there. First in MIDDLEWARE.

    Under gunicorn the WSGI front answers cached pages before Django's handler; this answers
    them wherever the front is not in the way (runserver, the test client) and is the only
    place pages are stored, from what the whole stack made of them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        page_request = PageRequest.of(request)
        key = cache_key(page_request)
        if key is None:
            return self.get_response(request)
        request.get_host()  # ALLOWED_HOSTS holds before anything is served
        ok, generation, entry = _fetch(key)
        if entry is not None and entry.is_current(generation):
            return as_response(entry.answer(page_request))
        response = self.get_response(request)
        if ok and generation is not None:
            self._store(page_request, key, generation, response)
        return response

    def _store(
        self, request: PageRequest, key: str, generation: int, response: HttpResponse
    ) -> None:
        page: _Page | None = getattr(response, "page", None)
        if (
            page is None
            or response.status_code != 200
            or response.cookies
            # A page that varies by a request header cannot be one entry for everyone.
            or response.has_header("Vary")
            # The request names a parameter this page does not read: keep one entry per page.
            or key != _key(request, page.params)
        ):
            return
        if timeout := page.seconds_left(settings.PAGE_CACHE_SECONDS):
            entry = _Entry(
                content=response.content,
                content_type=response["Content-Type"],
                headers=tuple(
                    (name, value)
                    for name, value in response.items()
                    if name.lower() not in _ENTRY_HEADERS
                ),
                page=page,
                generation=generation,
            )
            stored, _ = _guarded(cache.set, key, entry, timeout)
            if stored:
                _copies.put(key, entry)
