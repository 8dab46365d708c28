"""What each public page shows, fetched in a fixed number of queries whatever its length.

Only live content is ever read: `Article.objects.published()` (a live revision inside its
go-live/expiry window). An article page is read whole, as `articles.rendering` stored it when it
went live, in one query; lists are rendered per request. Every page also says when it last changed
(`modified`, for Last-Modified) and when something on it stops being live (`live_until`), so the
page cache never serves it past an expiry that run_jobs has not processed yet."""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import DateTimeField, Expression, QuerySet
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.utils import timezone

from articles import audit, rendering
from articles.audit import records
from articles.models import Article

log = logging.getLogger(__name__)

PAGE_SIZE = 12
FEATURED_COUNT = 3


# --- Lists ------------------------------------------------------------------------------------


def _live(key: str, *path: str):
    """A value of the live revision's frozen content, read in the database."""
    source = "live_revision__content"
    for step in path:
        source = KeyTransform(step, source)
    return KeyTextTransform(key, source)


def cards(queryset: QuerySet[Article] | None = None) -> QuerySet[Article]:
    """Published articles as a list shows them, entirely from what the reviewer signed: title,
    summary, kind, byline and topic read from the live revision in the database (not the whole
    frozen content), the address from live_slug, with the review date joined. Nothing comes from
    the working copy, which may hold unreviewed changes."""
    queryset = Article.objects.all() if queryset is None else queryset
    return (
        queryset.published()
        .select_related("live_signature")
        .annotate(
            live_title=_live("title"),
            live_summary=_live("summary"),
            live_kind=_live("kind"),
            live_author=_live("name", "author"),
            live_topic_name=_live("name", "topic"),
            live_topic_slug=_live("slug", "topic"),
        )
        .only(
            "live_slug",
            "featured",
            "expire_at",
            "first_published_at",
            "last_published_at",
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


@dataclass(frozen=True)
class PublicTopic:
    """A topic as the public sees it: the name and slug live revisions were signed with. A topic
    has a page only while a live revision is filed under it; its description is staff notes,
    never shown (it is not reviewed content)."""

    slug: str
    name: str
    article_count: int = 0
    latest: datetime | None = None  # the last publication of an article under it


def topics_with_articles() -> list[PublicTopic]:
    """Topics that live revisions are filed under, each with `article_count`, by name. One
    query: the topic of every live revision (a few bytes each)."""
    rows = (
        Article.objects.published()
        .order_by("last_published_at")
        .values_list(_live("slug", "topic"), _live("name", "topic"), "last_published_at")
    )
    found: dict[str, PublicTopic] = {}
    for slug, name, published_at in rows:
        if slug:
            count = found[slug].article_count if slug in found else 0
            # The latest publication names the topic, should revisions disagree after a rename.
            found[slug] = PublicTopic(slug, name or slug, count + 1, published_at)
    return sorted(found.values(), key=lambda t: (t.name.casefold(), t.slug))


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
    topics: list[PublicTopic]

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
    topic: PublicTopic


def filed_under_topic(slug: str) -> QuerySet[Article]:
    return cards(Article.objects.filter(live_revision__content__topic__slug=slug))


def topic(slug: str, number: int) -> TopicPage | None:
    """A topic's page; None unless a live revision is filed under it."""
    listing = _paginate(filed_under_topic(slug), number)
    if not listing.articles:
        return None
    first = listing.articles[0]
    return TopicPage(listing, PublicTopic(slug, first.live_topic_name or slug))


@dataclass(frozen=True)
class PublicTag:
    slug: str
    name: str


@dataclass(frozen=True)
class TagPage(ListPage):
    tag: PublicTag


def tag(slug: str, number: int) -> TagPage | None:
    """A tag's page; None unless a live revision carries it. Tags are matched in the live
    revisions' frozen content (one query reads their tags: JSON arrays cannot be joined on
    portably), so a tag added in an unreviewed draft has no page and lists nothing."""
    name, tagged = None, []
    tags = KeyTransform("tags", "live_revision__content")
    rows = Article.objects.published().order_by().values_list("pk", tags)
    for pk, tags in rows:
        for item in _tag_list(tags):
            if item.get("slug") == slug:
                name = name or item.get("name")
                tagged.append(pk)
    if not tagged:
        return None
    listing = _paginate(cards(Article.objects.filter(pk__in=tagged)), number)
    return TagPage(listing, PublicTag(slug, name or slug))


def _tag_list(raw) -> list[dict]:
    """The tags as the database returns them: a list, or JSON text (KeyTextTransform)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return []
    return [item for item in raw or [] if isinstance(item, dict)]


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
            "live_revision__rendering__seal",
            "live_revision_id",
            "live_revision__content_hash",
            "live_slug",
        )
    )


@dataclass(frozen=True)
class Moved:
    """The article published at an old address now lives at `slug` (a 301)."""

    slug: str


def stored_article(slug: str) -> StoredPage | Moved | None:
    """The stored page of a published article, in one query: the rendering of the live revision
    of the article that is published now and was ever published at this slug (`ArticleSlug`).
    Moved if its live revision has another slug. A page missing, out of date or not matching its
    seal is rendered now and stored (`rendering.render_live`)."""
    row = next(iter(_stored_pages().filter(slugs__slug=slug)), None)  # a slug has one owner
    if row is None:
        return None
    (article_id, expire_at, html, etag, modified, prompts_until, key, seal, revision_id, hashed,
     live_slug) = row  # fmt: skip
    if live_slug != slug:
        return Moved(live_slug)
    stored = {
        "page_html": html,
        "etag": etag,
        "render_key": key,
        "live_until": prompts_until,
        "rendered_at": modified,
        "seal": seal,
    }
    if html and not records.page_seal_matches(revision_id, hashed, stored):
        _report_altered_page(article_id, revision_id)
        html = ""
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


def _report_altered_page(article_id: int, revision_id: int) -> None:
    """A stored page that does not match its seal was changed in the database: it is never
    served. The page is rendered again from the signed revision, and the audit trail keeps the
    fact (`verify_audit` would otherwise lose it once the page is replaced)."""
    log.error("Stored page of revision %s was altered; rendering it again.", revision_id)
    audit.record(
        "page_altered",
        obj=Article.objects.only("title").get(pk=article_id),
        detail={"revision": revision_id},
    )


def _passed(moment: datetime | None) -> bool:
    return moment is not None and moment <= timezone.now()
