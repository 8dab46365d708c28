"""The body's citation markers are the truth about what an article cites.

A marker is `<sup data-citation="KEY">N</sup>` (the prose editor's citation node writes it; the
sanitizer keeps exactly that attribute). KEY names one of the article's `Citation` rows; a source
cited for the first time from the editor's "Cite" picker has the key `source-ID`. Every save
through `workflow.save_revision` calls `sync_with_body`, before the revision is frozen:

- a `source-ID` marker of a source not yet cited adds its Citation row (the writer never types a
  key); one of a source already cited under another key is renamed to that key;
- the rows are numbered in the order the body first cites them (AMA), so the editor's reference
  list, the review screen and the public page agree; rows no marker uses keep their place after
  them, and the gate reports each (`citation-unused`) rather than anything being deleted.

A marker that names nothing stays as it is; the gate reports it (`citation-unresolved`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape, unescape
from typing import Any

from articles.models import Article, Citation
from evidence.models import Source

_MARKER_KEY = re.compile(r'data-citation="([^"]*)"')
# A whole marker, as the sanitizer stores it (bleach serializes attributes consistently).
MARKER = re.compile(r'<sup data-citation="([^"]+)">.*?</sup>', re.DOTALL)
NEW_KEY = re.compile(r"^source-([0-9]{1,12})$")


def numbered_markers(html: str, content: dict[str, Any], make: Callable[[int], str]) -> str:
    """Each citation marker of `html` replaced by `make(number)`, the number of its citation in
    `content` (a revision's: by first appearance); a marker naming no citation stays as written
    (the gate reports it)."""
    numbers = {c["key"]: n for n, c in enumerate(content.get("citations") or [], start=1)}

    def replace(match: re.Match) -> str:
        number = numbers.get(match.group(1))
        return match.group(0) if number is None else make(number)

    return MARKER.sub(replace, html)


def marker_keys(html: str) -> list[str]:
    """The keys the body's markers name, each once, in order of first appearance."""
    return list(dict.fromkeys(unescape(key) for key in _MARKER_KEY.findall(html or "")))


def new_key(source_id: int) -> str:
    return f"source-{source_id}"


def rename_markers(html: str, renames: dict[str, str]) -> str:
    def rename(match: re.Match) -> str:
        key = unescape(match.group(1))
        return f'data-citation="{escape(renames.get(key, key))}"'

    return _MARKER_KEY.sub(rename, html)


def sync_with_body(content) -> None:
    """Make the article's Citation rows follow its body's markers (see the module's doc)."""
    if not isinstance(content, Article):
        return
    rows = list(content.citations.order_by("order", "pk"))
    by_key = {row.key: row for row in rows}
    by_source = {row.source_id: row for row in rows}
    keys = marker_keys(content.body)
    wanted = {
        int(m.group(1)): key
        for key in keys
        if key not in by_key and (m := NEW_KEY.match(key)) is not None
    }
    renames = {key: by_source[sid].key for sid, key in wanted.items() if sid in by_source}
    new_ids = [sid for sid in wanted if sid not in by_source]
    for source_id in Source.objects.filter(pk__in=new_ids).values_list("pk", flat=True):
        row = Citation.objects.create(article=content, source_id=source_id, key=wanted[source_id])
        rows.append(row)
        by_key[row.key] = row
    if renames:
        content.body = rename_markers(content.body, renames)
        Article.objects.filter(pk=content.pk).update(body=content.body)
        keys = marker_keys(content.body)
    cited = [by_key[key] for key in keys if key in by_key]
    numbered = cited + [row for row in rows if row not in cited]
    changed = []
    for number, row in enumerate(numbered, start=1):
        if row.order != number:
            row.order = number
            changed.append(row)
    if changed:
        Citation.objects.bulk_update(changed, ["order"])
