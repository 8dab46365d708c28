"""CSL-JSON (Zotero, Mendeley, citation.js, pandoc) → parsed entries."""

from __future__ import annotations

import json
from typing import Any

from evidence.importers.parsed import ParsedEntry, UnreadableFile, is_et_al, kind_from_title, squash
from evidence.models import SourceKind

_WEB_TYPES = {"webpage", "post", "post-weblog"}
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
        # "van der Berg" (non-dropping particle) and "Jr." belong with the family name.
        family = " ".join(
            part
            for part in (
                _text(name.get("non-dropping-particle")),
                _text(name.get("family")),
                _text(name.get("suffix")),
            )
            if part
        )
        given = " ".join(
            p for p in (_text(name.get("given")), _text(name.get("dropping-particle"))) if p
        )
        if family or given:
            authors.append({"family": family, "given": given})
    return authors, truncated


def _year(issued: Any) -> Any:
    """`{"date-parts": [[2021, 6]]}`, `{"raw": "2021-06"}`, `{"literal": …}` or a plain value."""
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return _text(parts[0][0])
        return _text(issued.get("raw") or issued.get("literal") or issued.get("year"))
    return _text(issued)


def _fields(item: dict[str, Any]) -> dict[str, Any]:
    authors, truncated = _authors(item.get("author"))
    title = _text(item.get("title"))
    csl_type = _text(item.get("type"))
    return {
        "kind": SourceKind.WEBSITE if csl_type in _WEB_TYPES else kind_from_title(title),
        "title": title,
        "authors": authors,
        "authors_truncated": truncated,
        # AMA cites journals by their abbreviation, so the short title wins when there is one.
        "journal": _text(item.get("container-title-short"))
        or _text(item.get("journalAbbreviation"))
        or _text(item.get("container-title")),
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
            f"is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})."
        ) from None
    if isinstance(data, dict):
        data = data["items"] if isinstance(data.get("items"), list) else [data]
    if not isinstance(data, list) or (
        data and not any(isinstance(i, dict) and _CSL_KEYS & i.keys() for i in data)
    ):
        raise UnreadableFile("is JSON but not CSL-JSON (a list of references with titles, types).")
    entries = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            entries.append(ParsedEntry(f"entry {number}", problem="It is not a JSON object ({…})."))
            continue
        label = _text(item.get("id")) or f"entry {number}"
        written = json.dumps(item, ensure_ascii=False, sort_keys=True)
        entries.append(ParsedEntry(label, _fields(item), written))
    return entries
