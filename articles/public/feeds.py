"""Atom feeds of published articles: the whole site, and one per topic. Links are absolute
addresses from SITE_URL, so a cached feed is right for every reader."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from articles.models import Article
from articles.public import pages
from articles.public.site import absolute_url

FEED_SIZE = 20


class LatestArticles(Feed):
    feed_type = Atom1Feed
    title = "Vetted: health articles"
    subtitle = (
        "Health information for patients, checked by a medical reviewer before it is published."
    )
    author_name = "Vetted"

    def link(self) -> str:
        return absolute_url(reverse("articles:home"))

    def feed_url(self) -> str:
        return absolute_url(reverse("articles:feed"))

    def items(self):
        return pages.cards()[:FEED_SIZE]

    def item_title(self, item: Article) -> str:
        return item.live_title

    def item_description(self, item: Article) -> str:
        # Atom carries the summary as HTML; ours is plain text.
        return escape(item.live_summary or "")

    def item_link(self, item: Article) -> str:
        return absolute_url(item.get_absolute_url())

    def item_author_name(self, item: Article) -> str | None:
        return item.live_author or None

    def item_pubdate(self, item: Article) -> datetime:
        return item.first_published_at

    def item_updateddate(self, item: Article) -> datetime:
        return item.last_published_at

    def item_categories(self, item: Article) -> list[str]:
        return [item.live_topic_name] if item.live_topic_name else []


class TopicArticles(LatestArticles):
    """The articles whose live revision is filed under the topic, as its page lists them."""

    def get_object(self, request, slug: str) -> pages.PublicTopic:
        found = pages.filed_under_topic(slug).values_list("live_topic_name", flat=True).first()
        if found is None:
            raise Http404("No published article is filed under this topic.")
        return pages.PublicTopic(slug, found or slug)

    def title(self, topic: pages.PublicTopic) -> str:
        return f"Vetted: {topic.name}"

    def subtitle(self, topic: pages.PublicTopic) -> str:
        return f"Health articles about {topic.name.lower()}."

    def link(self, topic: pages.PublicTopic) -> str:
        return absolute_url(reverse("articles:topic", kwargs={"slug": topic.slug}))

    def feed_url(self, topic: pages.PublicTopic) -> str:
        return absolute_url(reverse("articles:topic_feed", kwargs={"slug": topic.slug}))

    def items(self, topic: pages.PublicTopic):
        return pages.filed_under_topic(topic.slug)[:FEED_SIZE]
