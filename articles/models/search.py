"""What public search finds: one row per live article, holding its live revision's text."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    """The searchable text of an article's live revision, as plain text.

    Written by `articles.search.index` when the live revision changes, never from the working
    copy. The full-text index itself is the database's: on PostgreSQL a stored generated
    `document` tsvector column with a GIN index on this table; on SQLite the FTS5 table
    `articles_search_fts`, keyed by article id. Both are made by migration 0007 and are unknown to
    the model on purpose (neither can be declared portably)."""

    article = models.OneToOneField(
        "articles.Article", primary_key=True, on_delete=models.CASCADE, related_name="search_entry"
    )
    # Search only returns an entry whose revision is still its article's live one, so an entry
    # that missed an update can never show text the public no longer sees.
    revision = models.ForeignKey("articles.Revision", on_delete=models.CASCADE, related_name="+")
    title = models.TextField()
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("search entries")

    def __str__(self) -> str:
        return self.title
