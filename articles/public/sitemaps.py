"""sitemap.xml: the home page and policies, every topic with published articles, and every
published article with lastmod from its last publication. Addresses come from SITE_URL."""

from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.urls import reverse

from articles.models import Article, Topic
from articles.public.site import site_domain, site_protocol


class _OnThisSite(Sitemap):
    def get_protocol(self, protocol: str | None = None) -> str:
        return site_protocol()

    def get_domain(self, site=None) -> str:
        return site_domain()


class ArticleSitemap(_OnThisSite):
    def items(self):
        return Article.objects.published().only("slug", "last_published_at").order_by("pk")

    def lastmod(self, item: Article) -> datetime:
        return item.last_published_at


class TopicSitemap(_OnThisSite):
    def items(self):
        live = Q(articles__in=Article.objects.published().values("pk"))
        return (
            Topic.objects.annotate(latest=Max("articles__last_published_at", filter=live))
            .filter(latest__isnull=False)
            .order_by("pk")
        )

    def location(self, item: Topic) -> str:
        return reverse("articles:topic", kwargs={"slug": item.slug})

    def lastmod(self, item: Topic) -> datetime:
        return item.latest


class PageSitemap(_OnThisSite):
    def items(self) -> list[str]:
        return ["articles:home", "articles:editorial_policy", "articles:privacy"]

    def location(self, item: str) -> str:
        return reverse(item)


SITEMAPS = {"pages": PageSitemap, "topics": TopicSitemap, "articles": ArticleSitemap}
