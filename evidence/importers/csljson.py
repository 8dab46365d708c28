"""CSL-JSON (Zotero, Mendeley, citation.js, pandoc) → parsed entries."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext

from evidence.importers.parsed import (
    ParsedEntry,
    UnreadableFile,
    is_et_al,
    kind_from_title,
    person,
    squash,
)
from evidence.models import SourceKind

_WEB_TYPES = {"webpage", "post", "post-weblog"}
# CSL types that are kinds of publication with their own AMA layout.
_KINDS = {
    **dict.fromkeys(_WEB_TYPES, SourceKind.WEBSITE),
    "book": SourceKind.BOOK,
    "chapter": SourceKind.CHAPTER,
    "entry-encyclopedia": SourceKind.CHAPTER,
    "report": SourceKind.REPORT,
    "thesis": SourceKind.THESIS,
}
# Keys that make a JSON object a CSL item; a JSON file with none of them is something else.
_CSL_KEYS = {"type", "title", "author", "DOI", "PMID", "URL", "container-title", "issued", "ISBN"}


def _text(value: Any) -> str:
    return squash(value) if isinstance(value, str | int | float) else ""


def _authors(names: Any) -> tuple[list[dict[str, str]], bool]:
    authors: list[dict[str, str]] = []
    truncated = False
    for name in names if isinstance(names, list) else []:
        if not isinstance(name, dict):
            continue
        literal = _text(name.get("literal"))
        if literal:
            if is_et_al(literal):
                truncated = True
            else:
                authors.append({"family": literal, "given": ""})
            continue
        # "van der Berg" (non-dropping particle) belongs with the family name.
        family = " ".join(
            part
            for part in (_text(name.get("non-dropping-particle")), _text(name.get("family")))
            if part
        )
        given = " ".join(
            p for p in (_text(name.get("given")), _text(name.get("dropping-particle"))) if p
        )
        if family or given:
            authors.append(person(family, given, _text(name.get("suffix"))))
    return authors, truncated


def _year(issued: Any) -> Any:
    """`{"date-parts": [[2021, 6]]}`, `{"raw": "2021-06"}`, `{"literal": …}` or a plain value."""
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return _text(parts[0][0])
        return _text(issued.get("raw") or issued.get("literal") or issued.get("year"))
    return _text(issued)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value else []


def _date(value: Any) -> str:
    """ "2024-03-05" from `{"date-parts": [[2024, 3, 5]]}` or `{"raw": "2024-03-05"}`."""
    if isinstance(value, dict):
        parts = value.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and len(parts[0]) == 3:
            try:
                year, month, day = (int(p) for p in parts[0])
            except (TypeError, ValueError):
                return ""
            return f"{year:04d}-{month:02d}-{day:02d}"
        return _text(value.get("raw") or value.get("literal"))
    return _text(value)


def _fields(item: dict[str, Any]) -> dict[str, Any]:
    authors, truncated = _authors(item.get("author"))
    title = _text(item.get("title"))
    csl_type = _text(item.get("type"))
    kind = _KINDS.get(csl_type) or kind_from_title(title)
    container = _text(item.get("container-title"))
    if kind in (SourceKind.CHAPTER, SourceKind.WEBSITE, SourceKind.BOOK, SourceKind.REPORT):
        journal = ""
    else:
        # AMA cites journals by their abbreviation, so the short title wins when there is one.
        journal = (
            _text(item.get("container-title-short"))
            or _text(item.get("journalAbbreviation"))
            or container
        )
    publisher = _text(item.get("publisher"))
    if kind == SourceKind.WEBSITE and not publisher:
        publisher = container  # the site a page belongs to
    return {
        "kind": kind,
        "title": title,
        "book_title": container if kind == SourceKind.CHAPTER else "",
        "editors": _authors(item.get("editor"))[0],
        "publisher": publisher,
        "publisher_place": _text(item.get("publisher-place")),
        "accessed": _date(item.get("accessed")),
        "issn": " ".join(_text(v) for v in _list(item.get("ISSN"))),
        "authors": authors,
        "authors_truncated": truncated,
        "journal": journal,
        "year": _year(item.get("issued")),
        "volume": _text(item.get("volume")),
        "issue": _text(item.get("issue")),
        "pages": _text(item.get("page")),
        "doi": _text(item.get("DOI")),
        "pmid": _text(item.get("PMID")),
        "pmcid": _text(item.get("PMCID")),
        "isbn": _text(item.get("ISBN")),
        "url": _text(item.get("URL")),
    }


def parse(text: str) -> list[ParsedEntry]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableFile(
            gettext("is not valid JSON (%(error)s at line %(line)s, column %(column)s).")
            % {"error": error.msg, "line": error.lineno, "column": error.colno}
        ) from None
    if isinstance(data, dict):
        data = data["items"] if isinstance(data.get("items"), list) else [data]
    if not isinstance(data, list) or (
        data and not any(isinstance(i, dict) and _CSL_KEYS & i.keys() for i in data)
    ):
        raise UnreadableFile(
            gettext("is JSON but not CSL-JSON (a list of references with titles, types).")
        )
    entries = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            entries.append(
                ParsedEntry(
                    gettext("entry %(number)s") % {"number": number},
                    problem=gettext("It is not a JSON object ({…})."),
                )
            )
            continue
        label = _text(item.get("id")) or gettext("entry %(number)s") % {"number": number}
        written = json.dumps(item, ensure_ascii=False, sort_keys=True)
        entries.append(ParsedEntry(label, _fields(item), written))
    return entries
