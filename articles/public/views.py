"""Public pages. Thin: `pages` fetches what a page shows (live revisions only; anything else is
a 404; an article page as it was rendered when it went live), templates lay lists out, and
`cache.public_page` serves the result to everyone."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.core.paginator import InvalidPage
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from articles import health
from articles import search as engine
from articles.public import cache, pages
from articles.public.feeds import LatestArticles, TopicArticles
from articles.public.purge import LISTS_KEY, article_key
from articles.public.site import absolute_url
from articles.public.sitemaps import SITEMAPS

SEARCH_PAGE_SIZE = 10
T = TypeVar("T")


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    # One spelling per page ("2", never "02"): each spelling would be another cache entry, so
    # variants could push real pages out of the cache and force every request to render.
    if not raw.isascii() or not raw.isdigit() or raw != str(int(raw)) or int(raw) < 1:
        raise Http404("There is no such page of this list.")
    return int(raw)


def _canonical(request: HttpRequest, number: int = 1) -> str:
    return absolute_url(request.path + (f"?page={number}" if number > 1 else ""))


def _listing(request: HttpRequest, fetch: Callable[..., T], *args: str) -> tuple[T, int]:
    """`fetch(*args, page number)` for the page this request asks for; no such page is a 404."""
    number = _page_number(request)
    try:
        return fetch(*args, number), number
    except InvalidPage as exc:
        raise Http404("There is no such page of this list.") from exc


def _list_response(
    request: HttpRequest, template: str, page: pages.ListPage, number: int, **context
) -> HttpResponse:
    response = render(
        request,
        template,
        {**context, "listing": page.listing, "canonical": _canonical(request, number)},
    )
    return cache.describe(response, modified=page.modified, live_until=page.live_until)


@cache.public_page(params=["page"], keys=[LISTS_KEY])
def home(request: HttpRequest) -> HttpResponse:
    page, number = _listing(request, pages.home)
    return _list_response(request, "articles/home.html", page, number, home=page)


@cache.public_page(params=["page"], keys=[LISTS_KEY])
def topic(request: HttpRequest, slug: str) -> HttpResponse:
    page, number = _listing(request, pages.topic, slug)
    if page is None:
        raise Http404("There is no such topic.")
    return _list_response(request, "articles/topic.html", page, number, topic=page.topic)


@cache.public_page(params=["page"], keys=[LISTS_KEY])
def tag(request: HttpRequest, slug: str) -> HttpResponse:
    page, number = _listing(request, pages.tag, slug)
    if page is None:
        raise Http404("No published article has this tag.")
    return _list_response(request, "articles/tag.html", page, number, tag=page.tag)


@cache.public_page
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    page = pages.stored_article(slug)
    if page is None:
        raise Http404("No published article has this address.")
    if isinstance(page, pages.Moved):  # a reviewed change of address
        return HttpResponsePermanentRedirect(reverse("articles:detail", args=[page.slug]))
    response = HttpResponse(page.html)
    return cache.describe(
        response,
        modified=page.modified,
        live_until=page.live_until,
        etag=page.etag,
        keys=[article_key(page.article_id)],
    )


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Search results. Not page-cached: queries are unbounded, and each is cheap."""
    query = engine.clean_query(request.GET.get("q", ""))
    results = None
    if query:
        results = engine.search(query, page=_page_number(request), per_page=SEARCH_PAGE_SIZE)
    suggest = results is None or not results.total
    return render(
        request,
        "articles/search.html",
        {
            "raw_query": request.GET.get("q", ""),
            "query": query,
            "results": results,
            "topics": pages.topics_with_articles() if suggest else [],
        },
    )


@cache.public_page(keys=[LISTS_KEY])
def feed(request: HttpRequest) -> HttpResponse:
    return LatestArticles()(request)


@cache.public_page(keys=[LISTS_KEY])
def topic_feed(request: HttpRequest, slug: str) -> HttpResponse:
    return TopicArticles()(request, slug=slug)


@cache.public_page(keys=[LISTS_KEY])
def sitemap(request: HttpRequest) -> HttpResponse:
    return sitemap_view(request, sitemaps=SITEMAPS)


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        f"Sitemap: {absolute_url(reverse('articles:sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@cache.public_page
def editorial_policy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "pages/editorial_policy.html",
        {
            "canonical": absolute_url(request.path),
            "review_validity_days": settings.REVIEW_VALIDITY_DAYS,
            "corrections_email": settings.CORRECTIONS_EMAIL,
        },
    )


@cache.public_page
def privacy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "pages/privacy.html",
        {
            "canonical": absolute_url(request.path),
            "corrections_email": settings.CORRECTIONS_EMAIL,
            "retention_days": settings.INFORMATION_REQUEST_RETENTION_DAYS,
            "confirm_hours": settings.NEWSLETTER_CONFIRM_HOURS,
        },
    )


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    status, body = health.report()
    return JsonResponse(body, status=status)
