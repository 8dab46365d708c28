"""Public pages. They show only live revisions; anything else is a 404."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from articles import rendering
from articles.models import Article


def _public_articles():
    return Article.objects.published().select_related(
        "live_revision", "live_signature", "owner__profile", "topic"
    )


def home(request: HttpRequest) -> HttpResponse:
    articles = _public_articles().order_by("-last_published_at")[:20]
    return render(request, "articles/home.html", {"articles": articles})


def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(_public_articles(), slug=slug)
    content = article.live_revision.content
    return render(
        request,
        "articles/detail.html",
        {
            "article": article,
            "page": content,
            "body": rendering.body_with_linked_markers(content),
            "references": rendering.references(content),
            "signature": article.live_signature,
        },
    )


def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
