"""Search over published content: one interface over PostgreSQL full-text search and SQLite FTS5.

Only what the public sees is searchable: the live revision's title, summary and body, indexed when
it goes live (`articles.search.index`), and at query time only articles that are published now
(an expiry time that has passed hides an article before `run_jobs` takes it down).

A query is reduced to plain terms (`clean_query`) and each backend builds its query from the terms,
so no character a reader types is search syntax.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from articles.models import Article
from articles.search.index import backend
from articles.search.text import snippet_html, without_controls

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
MAX_PER_PAGE = 50
# How much of what a reader sent is looked at; more could never fit in the cleaned query anyway.
_SCANNED = 1000

# Letters and digits, with apostrophes and hyphens only inside a word ("don't", "low-fat").
_TERM = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")
_TYPOGRAPHIC = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "‐": "-", "‑": "-"})
# FTS5's operators, which it only reads in capitals. Search has no operators; reading them as words
# would make "NEAR(" a search for "near".
_OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})


@dataclass(frozen=True)
class SearchHit:
    article: Article  # with live_revision and topic loaded
    snippet_html: str  # escaped text with <mark>…</mark> around matches; safe to output
    rank: float  # higher is better; comparable within one result list only


@dataclass(frozen=True)
class SearchResults:
    query: str  # the cleaned query ("" if nothing searchable was left)
    hits: list[SearchHit]
    total: int
    page: int  # as asked, at least 1 (a page past the last has no hits)
    pages: int  # 0 when nothing was found


def clean_query(raw: str) -> str:
    """The searchable part of what a reader typed: at most MAX_TERMS words, MAX_QUERY_LENGTH
    characters, separated by single spaces; "" when nothing is left."""
    text = without_controls(unicodedata.normalize("NFKC", (raw or "")[:_SCANNED]))
    terms = [term for term in _TERM.findall(text.translate(_TYPOGRAPHIC)) if term not in _OPERATORS]
    kept: list[str] = []
    length = -1  # no space before the first term
    for term in terms[:MAX_TERMS]:
        if length + 1 + len(term) > MAX_QUERY_LENGTH:
            if not kept:  # one overlong word: keep what fits rather than nothing
                kept.append(term[:MAX_QUERY_LENGTH].rstrip("'-"))
            break
        kept.append(term)
        length += 1 + len(term)
    return " ".join(kept)


def search(query: str, *, page: int = 1, per_page: int = 10) -> SearchResults:
    """Published articles matching the query, best first, one page of them.

    At most three queries whatever the number of hits (none for an empty query): the count, the
    page, and its articles."""
    cleaned = clean_query(query)
    page = max(1, page)
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    if not cleaned:
        return SearchResults(query="", hits=[], total=0, page=page, pages=0)
    live_revisions = Article.objects.published().order_by().values("live_revision")
    total, matches = backend().find(
        cleaned.split(" "), live_revisions, (page - 1) * per_page, per_page
    )
    articles = (
        Article.objects.published()
        .select_related("live_revision", "topic")
        .in_bulk([match.article_id for match in matches])
        if matches
        else {}
    )
    hits = [
        SearchHit(articles[m.article_id], snippet_html(m), m.rank)
        for m in matches
        if m.article_id in articles  # unpublished between the two queries
    ]
    return SearchResults(
        query=cleaned, hits=hits, total=total, page=page, pages=math.ceil(total / per_page)
    )
