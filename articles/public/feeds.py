"""Atom feeds of published articles: the whole site, and one per topic. Links are absolute
addresses from SITE_URL, so a cached feed is right for every reader."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from articles.models import Article, Topic
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
        return filed(pages.cards())[:FEED_SIZE]

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
        if not item.frozen_filing:  # saved before revisions froze their topic: as it was shown
            return [item.topic.name] if item.topic else []
        return [item.live_topic] if item.live_topic else []


class TopicArticles(LatestArticles):
    def get_object(self, request, slug: str) -> Topic:
        return get_object_or_404(Topic, slug=slug)

    def title(self, topic: Topic) -> str:
        return f"Vetted: {topic.name}"

    def subtitle(self, topic: Topic) -> str:
        return topic.description or f"Health articles about {topic.name.lower()}."

    def link(self, topic: Topic) -> str:
        return absolute_url(reverse("articles:topic", kwargs={"slug": topic.slug}))

    def feed_url(self, topic: Topic) -> str:
        return absolute_url(reverse("articles:topic_feed", kwargs={"slug": topic.slug}))

    def items(self, topic: Topic):
        # Which articles: by the working copy's topic, as the topic's page lists them.
        return filed(pages.cards(Article.objects.filter(topic=topic)))[:FEED_SIZE]


def filed(cards: QuerySet[Article]) -> QuerySet[Article]:
    """Cards with the topic their live revision is filed under (`live_topic`), and whether the
    revision froze one at all (`frozen_filing`)."""
    return cards.annotate(
        live_topic=KeyTextTransform("name", KeyTransform("topic", "live_revision__content")),
        frozen_filing=ExpressionWrapper(
            Q(live_revision__content__has_key="tags"), output_field=BooleanField()
        ),
    )
