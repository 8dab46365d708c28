"""SQLite: an FTS5 table (porter stemming) keyed by article id, bm25() ranking, snippet().

The table (made by migration 0007) holds its own copy of each entry's text; these functions keep
it in step with SearchEntry inside the same transaction. A row left behind by a deleted article
is harmless: every query joins SearchEntry and its live revision.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet

from articles.models import SearchEntry
from articles.search.text import ELLIPSIS, START, STOP, Match

FTS_TABLE = "articles_search_fts"
# bm25() weights for the columns title, summary, body.
WEIGHTS = "10.0, 4.0, 1.0"
SNIPPET_TOKENS = 32
BODY_COLUMN, SUMMARY_COLUMN = 2, 1

# The S608 findings below are for table names, which are constants; every value is a parameter.
_INSERT = f"INSERT INTO {FTS_TABLE} (rowid, title, summary, body) VALUES (%s, %s, %s, %s)"  # noqa: S608
_DELETE = f"DELETE FROM {FTS_TABLE} WHERE rowid = %s"  # noqa: S608
_DELETE_ALL = f"DELETE FROM {FTS_TABLE}"  # noqa: S608


def match_expression(terms: list[str]) -> str:
    """Each term as a quoted FTS5 string, so no character or word in it is query syntax.

    Terms are letters, digits, apostrophes and hyphens only (`clean_query`); doubling quotes
    keeps that true even if they were not."""
    return " ".join('"{}"'.format(term.replace('"', '""')) for term in terms)


def lock() -> None:
    """Nothing to do: Vetted's SQLite transactions are IMMEDIATE, so writers already queue."""


def store(entries: Iterable[SearchEntry]) -> None:
    rows = [(e.article_id, e.title, e.summary, e.body) for e in entries]
    unstore(row[0] for row in rows)
    with connection.cursor() as cursor:
        cursor.executemany(_INSERT, rows)


def unstore(article_ids: Iterable[int]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(_DELETE, [(pk,) for pk in article_ids])


def clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute(_DELETE_ALL)


def find(
    terms: list[str], live_revisions: QuerySet, offset: int, limit: int
) -> tuple[int, list[Match]]:
    """How many entries match, and the page of them from `offset`, best first (two queries, one
    when the page is past the end)."""
    expression = match_expression(terms)
    live_sql, live_params = live_revisions.query.sql_with_params()
    matching = (
        f"FROM {FTS_TABLE} JOIN {SearchEntry._meta.db_table} AS entry "
        f"ON entry.article_id = {FTS_TABLE}.rowid "
        f"WHERE {FTS_TABLE} MATCH %s AND entry.revision_id IN ({live_sql})"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) {matching}", [expression, *live_params])  # noqa: S608
        total = cursor.fetchone()[0]
        if offset >= total:
            return total, []
        # Rank and cut the page first, then make snippets for that page only: SQLite would
        # otherwise compute every matching row's snippets before sorting.
        snippet = f"snippet({FTS_TABLE}, %s, %s, %s, %s, {SNIPPET_TOKENS})"
        cursor.execute(
            f"WITH page (article_id, score) AS ("  # noqa: S608
            f"SELECT entry.article_id, bm25({FTS_TABLE}, {WEIGHTS}) {matching} "
            f"ORDER BY 2, 1 LIMIT %s OFFSET %s) "
            f"SELECT page.article_id, page.score, {snippet}, {snippet} "
            f"FROM page JOIN {FTS_TABLE} ON {FTS_TABLE}.rowid = page.article_id "
            f"WHERE {FTS_TABLE} MATCH %s ORDER BY page.score, page.article_id",
            [
                expression,
                *live_params,
                limit,
                offset,
                BODY_COLUMN,
                START,
                STOP,
                ELLIPSIS,
                SUMMARY_COLUMN,
                START,
                STOP,
                ELLIPSIS,
                expression,
            ],
        )
        # bm25() is lower for better matches; SearchHit.rank is higher for them.
        return total, [Match(pk, -score, body, summary) for pk, score, body, summary in cursor]
