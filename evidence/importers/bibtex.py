"""BibTeX (and the common biblatex fields) → parsed entries, with bibtexparser 1.4.

bibtexparser drops an entry it cannot read without saying so, so the entry headers
(`@type{key,`) are also found with a regular expression: a header with no parsed entry behind it
is reported by its key (or position and line) instead of vanishing.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import bibtexparser
from bibtexparser.bibdatabase import BibDatabase
from bibtexparser.bparser import BibTexParser
from bibtexparser.bwriter import BibTexWriter
from bibtexparser.customization import InvalidName, splitname
from django.utils.translation import gettext
from pylatexenc.latex2text import LatexNodes2Text

from evidence.importers.parsed import (
    ParsedEntry,
    UnreadableFile,
    editors_from,
    is_et_al,
    is_suffix,
    kind_from_title,
    person,
    squash,
)
from evidence.models import SourceKind

_HEADER = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)[ \t]*[{(][ \t]*([^,\s{}()]*)", re.MULTILINE)
_NOT_ENTRIES = {"comment", "string", "preamble"}
_WEB_TYPES = {"online", "electronic", "www", "webpage"}
_BOOK_TYPES = {"book", "mvbook", "booklet"}
_CHAPTER_TYPES = {"incollection", "inbook", "inreference"}
_REPORT_TYPES = {"techreport", "report"}
_THESIS_TYPES = {"phdthesis", "mastersthesis", "thesis"}
_URL_COMMAND = re.compile(r"\\(?:url|href)\s*\{([^{}]*)\}")
# pylatexenc (the decoder bibtexparser 2 uses): accents in any spelling ({\'n}, \'{n}, split
# across lines), \emph{…} and font switches, escapes, dashes, Greek letters and math.
_DECODER = LatexNodes2Text(math_mode="text", strict_latex_spaces=False)


def _latex(value: str) -> str:
    """LaTeX markup → Unicode text: Ba{\\'n}ka → Bańka, \\emph{in vivo} → in vivo."""
    text = _URL_COMMAND.sub(r"\1", value)
    try:
        text = _DECODER.latex_to_text(text)
    except Exception:  # pylatexenc is tolerant, but a broken field must not stop the file
        text = text.replace("{", "").replace("}", "")
    return squash(unicodedata.normalize("NFC", text))


def _url(value: str) -> str:
    """A URL or DOI field: only the \\url{} wrapper and TeX escapes come off; "_" and "%" stay."""
    text = _URL_COMMAND.sub(r"\1", value.strip())
    text = re.sub(r"\\([_%&#$~])", r"\1", text)
    return squash(text.replace("{", "").replace("}", ""))


def _split_authors(value: str) -> list[str]:
    """Names split on "and" outside braces ({Smith and Sons} is one name)."""
    names, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\s+and\s+", value, re.IGNORECASE):
        token = match.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            names.append(value[start : match.start()])
            start = match.end()
    names.append(value[start:])
    return [n.strip() for n in names if n.strip()]


def _suffix_last(name: str) -> str:
    """ "Fulton, James E., Jr." (as many exporters write it) in BibTeX's own order, "Fulton, Jr.,
    James E."; BibTeX would otherwise read "Jr." as the given name."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 3 and is_suffix(parts[2]) and not is_suffix(parts[1]):
        return f"{parts[0]}, {parts[2]}, {parts[1]}"
    return name


def _authors(value: str) -> tuple[list[dict[str, str]], bool]:
    authors: list[dict[str, str]] = []
    truncated = False
    for name in _split_authors(value):
        if is_et_al(name):
            truncated = True
            continue
        name = _suffix_last(name)
        try:
            parts = splitname(name, strict_mode=False)
        except InvalidName:
            parts = {"last": [name], "first": [], "von": [], "jr": []}
        # "van der Berg, Hans": the particle belongs with the family name, as AMA prints it;
        # "Fulton, James E., Jr.": the suffix is its own part, printed after the initials.
        family = " ".join(parts.get("von", []) + parts.get("last", []))
        given = " ".join(parts.get("first", []))
        suffix = " ".join(parts.get("jr", []))
        authors.append(person(_latex(family), _latex(given), _latex(suffix)))
    return authors, truncated


def _kind(entry_type: str, fields: dict[str, str], title: str) -> str:
    if entry_type in _WEB_TYPES:
        return SourceKind.WEBSITE
    if entry_type in _BOOK_TYPES:
        return SourceKind.BOOK
    if entry_type in _CHAPTER_TYPES:
        return SourceKind.CHAPTER
    if entry_type in _REPORT_TYPES:
        return SourceKind.REPORT
    if entry_type in _THESIS_TYPES:
        return SourceKind.THESIS
    journal = fields.get("journal") or fields.get("journaltitle")
    if (
        entry_type == "misc"
        and not journal
        and (fields.get("url") or "\\url" in fields.get("howpublished", ""))
    ):
        # Zotero and most reference managers export web pages as @misc with a URL.
        return SourceKind.WEBSITE
    return kind_from_title(title)


def _pmid(fields: dict[str, str]) -> str:
    if fields.get("pmid"):
        return fields["pmid"]
    if fields.get("eprinttype", "").lower() in ("pubmed", "pmid") and fields.get("eprint"):
        return fields["eprint"]
    return ""


def _pmcid(fields: dict[str, str]) -> str:
    if fields.get("pmcid"):
        return fields["pmcid"]
    if fields.get("eprinttype", "").lower() in ("pmc", "pmcid") and fields.get("eprint"):
        return fields["eprint"]
    return ""


def _fields(raw: dict[str, str]) -> dict[str, Any]:
    fields = {k.lower(): v for k, v in raw.items()}
    entry_type = fields.get("entrytype", "").lower()
    title = _latex(fields.get("title", ""))
    authors, truncated = _authors(fields.get("author", ""))
    url = _url(fields.get("url", ""))
    if not url and "\\url" in fields.get("howpublished", ""):
        url = _url(fields["howpublished"])
    journal = (
        fields.get("shortjournal")
        or fields.get("journal")
        or fields.get("journaltitle")
        or (fields.get("booktitle") if entry_type == "inproceedings" else "")
        or ""
    )
    kind = _kind(entry_type, fields, title)
    book_title = fields.get("booktitle", "") if kind == SourceKind.CHAPTER else ""
    if kind == SourceKind.CHAPTER and not book_title and fields.get("chapter"):
        # @inbook{title = {the book}, chapter = {the chapter}}
        book_title, title = fields.get("title", ""), _latex(fields["chapter"])
    publisher = fields.get("publisher", "")
    if kind in (SourceKind.REPORT, SourceKind.THESIS):
        publisher = publisher or fields.get("institution") or fields.get("school", "")
    elif kind == SourceKind.WEBSITE:
        publisher = publisher or fields.get("organization", "")
    return {
        "kind": kind,
        "book_title": _latex(book_title),
        "editors": editors_from(_latex(n) for n in _split_authors(fields.get("editor", ""))),
        "publisher": _latex(publisher),
        "publisher_place": _latex(fields.get("address") or fields.get("location", "")),
        "accessed": fields.get("urldate", ""),
        "issn": _url(fields.get("issn", "")),
        "title": title,
        "authors": authors,
        "authors_truncated": truncated,
        "journal": _latex(journal),
        "year": fields.get("year") or fields.get("date", ""),
        "volume": _latex(fields.get("volume", "")),
        "issue": _latex(fields.get("number") or fields.get("issue", "")),
        # "100--109" is a page range in TeX; the reference style writes it with a hyphen.
        "pages": re.sub(r"\s*-{1,3}\s*|–", "-", _url(fields.get("pages", ""))),
        "doi": _url(fields.get("doi", "")),
        "pmid": _url(_pmid(fields)),
        "pmcid": _url(_pmcid(fields)),
        "isbn": _url(fields.get("isbn", "")),
        "url": url,
    }


def _as_written(raw: dict[str, str]) -> str:
    """The entry re-written from its fields, for entries whose text could not be located."""
    database = BibDatabase()
    database.entries = [raw]
    writer = BibTexWriter()
    writer.indent = "  "
    writer.order_entries_by = None
    return writer.write(database).strip()


def _with_keys(text: str) -> tuple[str, dict[str, int]]:
    """The text with a key made up for each entry that has none (`@article{,`), which
    bibtexparser would drop; and {made-up key: line}."""
    made_up: dict[str, int] = {}
    parts, last = [], 0
    for number, match in enumerate(_HEADER.finditer(text), start=1):
        if match.group(2) or match.group(1).lower() in _NOT_ENTRIES:
            continue
        key = f"entry-{number}"
        while re.search(rf"[{{(]\s*{re.escape(key)}\s*,", text):
            key += "-x"
        made_up[key] = text.count("\n", 0, match.start()) + 1
        parts += [text[last : match.end(2)], key]
        last = match.end(2)
    return "".join(parts) + text[last:], made_up


def parse(text: str) -> list[ParsedEntry]:
    """Every entry in the file, in order, including those bibtexparser could not read."""
    original = text
    text, made_up = _with_keys(text)
    headers = _headers(text, original, made_up)
    remaining = _read_entries(text)
    entries: list[ParsedEntry] = []
    for number, (key, line, written) in enumerate(headers, start=1):
        if remaining and remaining[0].get("ID") == key and key:
            entries.append(_entry(remaining.pop(0), number, key, line, written, made_up))
        else:
            entries.append(_unread_entry(number, key, line, written))
    # Entries the header scan did not see (unusual spacing) are still imported.
    for raw in remaining:
        entries.append(ParsedEntry(raw.get("ID") or "entry", _fields(raw), _as_written(raw)))
    return entries


def _headers(text: str, original: str, made_up: dict[str, int]) -> list[tuple[str, int, str]]:
    """(key, line, the entry as written) for each entry header in the file."""
    found = list(_HEADER.finditer(text))
    originals = [m for m in _HEADER.finditer(original) if m.group(1).lower() not in _NOT_ENTRIES]
    headers = []
    for n, match in enumerate(found):
        if match.group(1).lower() in _NOT_ENTRIES:
            continue
        end = found[n + 1].start() if n + 1 < len(found) else len(text)
        line = text.count("\n", 0, match.start()) + 1
        # The entry as it stands in the file, up to the next "@": what `as_written` keeps.
        written = text[match.start() : end].strip()
        if match.group(2) in made_up:
            start = originals[len(headers)].start()
            written = original[start : start + len(written) - len(match.group(2))].strip()
        headers.append((match.group(2), line, written))
    return headers


def _read_entries(text: str) -> list[dict[str, str]]:
    """The entries bibtexparser can read, in order."""
    parser = BibTexParser(
        common_strings=True, ignore_nonstandard_types=False, interpolate_strings=True
    )
    try:
        return list(bibtexparser.loads(text, parser).entries)
    except Exception as error:  # pyparsing raises many kinds; any of them means "unreadable"
        raise UnreadableFile(
            gettext("is not readable BibTeX (%(error)s).") % {"error": error}
        ) from None


def _entry(
    raw: dict[str, str], number: int, key: str, line: int, written: str, made_up: dict[str, int]
) -> ParsedEntry:
    entry = ParsedEntry(key, _fields(raw), written)
    if key in made_up:
        entry.label = gettext("entry %(number)s (line %(line)s)") % {"number": number, "line": line}
        entry.warnings.append(
            gettext(
                "It has no citation key (@type{key, …}); it was imported, and its key is now "
                "“%(key)s”."
            )
            % {"key": key}
        )
    return entry


def _unread_entry(number: int, key: str, line: int, written: str) -> ParsedEntry:
    """A header bibtexparser read no entry for, as an entry with the problem."""
    if not key:
        return ParsedEntry(
            gettext("entry %(number)s (line %(line)s)") % {"number": number, "line": line},
            as_written=written,
            problem=gettext("It has no citation key (@type{key, …}), so it could not be read."),
        )
    return ParsedEntry(
        key,
        as_written=written,
        problem=gettext(
            "It could not be read as BibTeX (line %(line)s): check its braces, quotes and commas."
        )
        % {"line": line},
    )
