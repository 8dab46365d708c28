"""sitemap.xml: the home page and policies, every topic live revisions are filed under, and every
published article with lastmod from its last publication. Addresses come from SITE_URL."""

from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from articles.models import Article
from articles.public.pages import PublicTopic, topics_with_articles
from articles.public.site import site_domain, site_protocol


class _OnThisSite(Sitemap):
    def get_protocol(self, protocol: str | None = None) -> str:
        return site_protocol()

    def get_domain(self, site=None) -> str:
        return site_domain()


class ArticleSitemap(_OnThisSite):
    def items(self):
        return Article.objects.published().only("live_slug", "last_published_at").order_by("pk")

    def lastmod(self, item: Article) -> datetime:
        return item.last_published_at


class TopicSitemap(_OnThisSite):
    """The topics live revisions are filed under (`pages.topics_with_articles`)."""

    def items(self) -> list[PublicTopic]:
        return topics_with_articles()

    def location(self, item: PublicTopic) -> str:
        return reverse("articles:topic", kwargs={"slug": item.slug})

    def lastmod(self, item: PublicTopic) -> datetime | None:
        return item.latest


class PageSitemap(_OnThisSite):
    def items(self) -> list[str]:
        return ["articles:home", "articles:editorial_policy", "articles:privacy"]

    def location(self, item: str) -> str:
        return reverse(item)


SITEMAPS = {"pages": PageSitemap, "topics": TopicSitemap, "articles": ArticleSitemap}
