"""PostgreSQL: the stored `document` tsvector (migration 0007), ts_rank and ts_headline.

PostgreSQL computes `document` from the row on every write, so storing an entry is all the
maintenance there is. The terms go through plainto_tsquery, which reads every word as a plain
term: "or", "not" and "-" never become operators.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connection
from django.db.models import Expression, F, Func, QuerySet, Value

from articles.models import SearchEntry
from articles.search.text import START, STOP, Match

CONFIG = "english"
# The migration's document reads "<" as this character (PostgreSQL's parser takes "<script>" in
# plain text for a tag and skips what follows); headlines must read the text the same way.
TAG_GUARD = "\ue000"
FRAGMENT_DELIMITER = " … "


def lock() -> None:
    """Make publishing wait while the index is rebuilt, so the rebuild cannot overwrite a newer
    entry with what it read before (it reads the live revisions after taking this lock)."""
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {SearchEntry._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")


def store(entries: Iterable[SearchEntry]) -> None:
    """Nothing to do: the document column follows the row."""


def unstore(article_ids: Iterable[int]) -> None:
    """Nothing to do: the document goes with the row."""


def clear() -> None:
    """Nothing to do: the documents go with the rows."""


class Document(Expression):
    """The `document` column migration 0007 made, which the model cannot declare. Named through
    the query's own alias for the table, so it stays right inside a subquery (where Django
    renames the table), as a hard-coded table name would not."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{table}.document", []


def _headline(field: str, query: SearchQuery) -> SearchHeadline:
    guarded = Func(F(field), Value("<"), Value(TAG_GUARD), function="translate")
    return SearchHeadline(
        guarded,
        query,
        config=CONFIG,
        start_sel=START,
        stop_sel=STOP,
        max_words=18,
        min_words=8,
        max_fragments=2,
        fragment_delimiter=FRAGMENT_DELIMITER,
    )


def find(
    terms: list[str], live_revisions: QuerySet, offset: int, limit: int
) -> tuple[int, list[Match]]:
    """How many entries match, and the page of them from `offset`, best first (two queries, one
    when the page is past the end)."""
    query = SearchQuery(" ".join(terms), config=CONFIG, search_type="plain")
    matching = SearchEntry.objects.annotate(document=Document()).filter(
        document=query, revision__in=live_revisions
    )
    total = matching.count()
    if offset >= total:
        return total, []
    ranked = matching.annotate(rank=SearchRank(F("document"), query)).order_by("-rank", "pk")
    # Headlines for the page's rows only: selected along with the ranking, ts_headline would also
    # run for every row the OFFSET skips.
    page = ranked.values("pk")[offset : offset + limit]
    rows = (
        ranked.filter(pk__in=page)
        .annotate(
            body_snippet=_headline("body", query), summary_snippet=_headline("summary", query)
        )
        .values_list("pk", "rank", "body_snippet", "summary_snippet")
    )
    return total, [
        Match(pk, rank, body.replace(TAG_GUARD, "<"), summary.replace(TAG_GUARD, "<"))
        for pk, rank, body, summary in rows
    ]
