"""What each public page shows, fetched in a fixed number of queries whatever its length.

Only live content is ever read: `Article.objects.published()` (a live revision inside its
go-live/expiry window). An article page is read whole, as `articles.rendering` stored it when it
went live, in one query; lists are rendered per request. Every page also says when it last changed
(`modified`, for Last-Modified) and when something on it stops being live (`live_until`), so the
page cache never serves it past an expiry that run_jobs has not processed yet."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, DateTimeField, Expression, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.utils import timezone
from taggit.models import Tag

from articles import rendering
from articles.models import Article, Topic

PAGE_SIZE = 12
FEATURED_COUNT = 3


# --- Lists ------------------------------------------------------------------------------------


def cards(queryset: QuerySet[Article] | None = None) -> QuerySet[Article]:
    """Published articles as a list shows them: title and summary read from the live revision
    in the database (not the whole frozen content), with topic and review date joined.

    Lists (home, topic and tag pages) file articles by the working copy's topic and tags, which
    can be joined and filtered on; the article page and the feeds show the revision's."""
    queryset = Article.objects.all() if queryset is None else queryset
    return (
        queryset.published()
        .select_related("topic", "live_signature")
        .annotate(
            live_title=KeyTextTransform("title", "live_revision__content"),
            live_summary=KeyTextTransform("summary", "live_revision__content"),
            live_author=KeyTextTransform("name", KeyTransform("author", "live_revision__content")),
        )
        .only(
            "slug",
            "kind",
            "featured",
            "expire_at",
            "first_published_at",
            "last_published_at",
            "topic__name",
            "topic__slug",
            "live_signature__signed_at",
            "live_signature__reviewer_name",
            "live_signature__reviewer_credentials",
        )
        .order_by("-last_published_at", "-pk")
    )


@dataclass(frozen=True)
class ArticleList:
    page: Page

    @property
    def articles(self) -> list[Article]:
        return list(self.page.object_list)

    @property
    def modified(self) -> datetime | None:
        return _latest(a.last_published_at for a in self.articles)

    @property
    def live_until(self) -> datetime | None:
        return _earliest(a.expire_at for a in self.articles)


def _paginate(queryset: QuerySet[Article], number: int) -> ArticleList:
    """One page of a list; raises django.core.paginator.InvalidPage past the last page."""
    page = Paginator(queryset, PAGE_SIZE).page(number)
    page.object_list = list(page.object_list)
    return ArticleList(page)


def _latest(values) -> datetime | None:
    return max((v for v in values if v is not None), default=None)


def _earliest(values) -> datetime | None:
    return min((v for v in values if v is not None), default=None)


def topics_with_articles() -> list[Topic]:
    """Topics that have published articles, each with `article_count`."""
    live = Q(articles__in=Article.objects.published().values("pk"))
    return list(
        Topic.objects.annotate(article_count=Count("articles", filter=live)).filter(
            article_count__gt=0
        )
    )


@dataclass(frozen=True)
class ListPage:
    """A page that is a paginated list of articles."""

    listing: ArticleList

    @property
    def modified(self) -> datetime | None:
        return self.listing.modified

    @property
    def live_until(self) -> datetime | None:
        return self.listing.live_until


@dataclass(frozen=True)
class HomePage(ListPage):
    featured: list[Article]
    topics: list[Topic]

    @property
    def modified(self) -> datetime | None:
        return _latest([self.listing.modified, *(a.last_published_at for a in self.featured)])

    @property
    def live_until(self) -> datetime | None:
        return _earliest([self.listing.live_until, *(a.expire_at for a in self.featured)])


def home(number: int) -> HomePage:
    """Featured articles (shown once, at the top of the first page), the latest of the rest,
    and the topics."""
    featured = list(cards().filter(featured=True)[:FEATURED_COUNT])
    latest = _paginate(cards().exclude(pk__in=[a.pk for a in featured]), number)
    return HomePage(latest, featured if number == 1 else [], topics_with_articles())


@dataclass(frozen=True)
class TopicPage(ListPage):
    topic: Topic


def topic(slug: str, number: int) -> TopicPage | None:
    found = Topic.objects.filter(slug=slug).first()
    if found is None:
        return None
    return TopicPage(_paginate(cards(Article.objects.filter(topic=found)), number), found)


@dataclass(frozen=True)
class TagPage(ListPage):
    tag: Tag


def tag(slug: str, number: int) -> TagPage | None:
    """A tag's page; None when no published article carries it (tags are free text, and one
    used only by drafts says something about unpublished work)."""
    found = Tag.objects.filter(slug=slug).first()
    if found is None:
        return None
    listing = _paginate(cards(Article.objects.filter(tags=found)), number)
    if not listing.page.paginator.count:
        return None
    return TagPage(listing, found)


# --- One article ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredPage:
    """An article page as it was rendered when it went live (`articles.rendering`)."""

    article_id: int
    html: str
    etag: str
    modified: datetime
    live_until: datetime | None  # when the article or a prompt on the page stops being live


class _Clock(Expression):
    """The application's clock, `timezone.now()`, read each time the query runs rather than when
    it is built, so one query built once serves every request."""

    output_field = DateTimeField()

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        return "%s", [self.output_field.get_db_prep_value(timezone.now(), connection)]


@functools.cache
def _stored_pages() -> QuerySet:
    # Building a queryset costs more than running this one; only the slug is added per request.
    return (
        Article.objects.published(now=_Clock())
        .order_by()
        .values_list(
            "pk",
            "expire_at",
            "live_revision__rendering__page_html",
            "live_revision__rendering__etag",
            "live_revision__rendering__rendered_at",
            "live_revision__rendering__live_until",
            "live_revision__rendering__render_key",
        )
    )


def stored_article(slug: str) -> StoredPage | None:
    """The stored page of a published article, in one query: the rendering of the live revision
    of the article with this slug that is published now. A page missing or out of date is
    rendered now and stored (`rendering.render_live`)."""
    row = next(iter(_stored_pages().filter(slug=slug)), None)  # the slug is unique
    if row is None:
        return None
    article_id, expire_at, html, etag, modified, prompts_until, key = row
    if not html or key != rendering.render_key(slug) or _passed(prompts_until):
        fresh = rendering.render_live(article_id)
        if fresh is None:
            return None
        html, etag, modified, prompts_until = (
            fresh.page_html,
            fresh.etag,
            fresh.rendered_at,
            fresh.live_until,
        )
    return StoredPage(article_id, html, etag, modified, _earliest([expire_at, prompts_until]))


def _passed(moment: datetime | None) -> bool:
    return moment is not None and moment <= timezone.now()
