"""Keeping the search index equal to what the public sees.

An article's entry is written when a revision goes live and removed when the article leaves the
public site, by a receiver of `articles.signals.live_changed` inside the workflow's transaction:
if indexing fails, the publication rolls back with it. `rebuild` makes the whole index again from
the live revisions (a database that predates search, a restored backup).
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from articles.models import Article, Revision, SearchEntry
from articles.search.text import body_text, without_controls

BACKENDS = {"postgresql": "articles.search.postgres", "sqlite": "articles.search.sqlite"}
REBUILD_CHUNK = 200


def backend() -> ModuleType:
    """The search module for the database in use."""
    try:
        return import_module(BACKENDS[connection.vendor])
    except KeyError:
        raise ImproperlyConfigured(
            f"Search supports PostgreSQL and SQLite, not the {connection.vendor} database "
            "configured in DATABASE_URL."
        ) from None


def entry_for(article_id: int, revision: Revision) -> SearchEntry:
    """The entry for a live revision: its frozen title, summary and body, as plain text."""
    content = revision.content
    return SearchEntry(
        article_id=article_id,
        revision=revision,
        title=without_controls(content.get("title", "")),
        summary=without_controls(content.get("summary", "")),
        body=body_text(content.get("body", "")),
    )


def index(article_id: int, revision: Revision) -> None:
    entry = entry_for(article_id, revision)
    entry.save()
    backend().store([entry])


def remove(article_id: int) -> None:
    SearchEntry.objects.filter(article_id=article_id).delete()
    backend().unstore([article_id])


def on_live_changed(sender, instance: Article, revision: Revision | None, **kwargs) -> None:
    """Receiver of `live_changed` for articles (prompts are not searched on their own)."""
    if revision is None:
        remove(instance.pk)
    else:
        index(instance.pk, revision)


@transaction.atomic
def rebuild() -> int:
    """Index every article with a live revision, from scratch; returns how many. Running it
    twice gives the same index."""
    search_backend = backend()
    search_backend.lock()
    SearchEntry.objects.all().delete()
    search_backend.clear()
    live = (
        Article.objects.filter(live_revision__isnull=False)
        .select_related("live_revision")
        .only("pk", "live_revision__content")
        .order_by("pk")
    )
    count = 0
    chunk: list[SearchEntry] = []
    for article in live.iterator(chunk_size=REBUILD_CHUNK):
        chunk.append(entry_for(article.pk, article.live_revision))
        if len(chunk) == REBUILD_CHUNK:
            count += _store_new(chunk, search_backend)
            chunk = []
    return count + _store_new(chunk, search_backend)


def _store_new(entries: list[SearchEntry], search_backend: ModuleType) -> int:
    SearchEntry.objects.bulk_create(entries)
    search_backend.store(entries)
    return len(entries)
