"""Importing reference files (BibTeX, RIS, MEDLINE/nbib, CSL-JSON) into sources.

Reading a file is split in two:

1. A format module (`bibtex`, `ris`, `csljson`) turns the text into `ParsedEntry`s: a label
   for messages (the entry's key, or its position) and the Source fields as the file gives them.
   Pure functions; no database.
2. `import_entries` validates each entry (identifiers through `evidence.identifiers`, lengths,
   web addresses), matches it against the database and the entries before it, and writes.

Matching. An entry with a DOI or PubMed ID matches the source with the same DOI or PubMed ID,
and nothing else. An entry with neither matches a source with the same ISBN or web address, or a
source without DOI and PubMed ID that has the same title, year and first author; without this a
second import of a file of web pages would copy each of them again.

Merge policy. An entry that matches a source only ever adds to it: each blank field of the source
is filled from the entry (a generic "journal article" kind counts as blank, and a retraction the
file records is taken). A field the source already has is never changed. When the entry
gives a different value for it (after ignoring case, accents, punctuation and spacing; a journal
abbreviation matches its full name), the entry is not merged at all and is reported as not
imported, naming the field and both values, so that a person decides which is right. Entries are
counted once each: `created` (a new source), `updated` (filled blank fields of a source that was in
the database before the import), `duplicates` (named a source already in the database or earlier
in the file and added nothing to a source that existed before), or reported under `errors`.

Each entry is atomic: it is validated in full before anything is written, so an entry with any
problem leaves no row and no change. Everything that passes is written in one transaction, in
batched queries: none per entry (see `import_entries`). Bulk writes do not call `Source.save()`
or send its signals; the verification fields are left as they are (a new source is unverified),
and `as_written` is only set on sources the import creates.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from evidence import limits
from evidence.identifiers import (
    InvalidIdentifier,
    normalize_doi,
    normalize_isbn,
    normalize_pmcid,
    normalize_pmid,
)
from evidence.importers import bibtex, csljson, ris
from evidence.importers.parsed import (
    ParsedEntry,
    UnreadableFile,
    accessed_date,
    clean_title,
    fold,
    kind_from_title,
    person,
    squash,
    year_from,
)
from evidence.models import Source, SourceKind, author_name, first_author_name
from evidence.verification import journals_match

FORMATS = {"bibtex": "BibTeX", "ris": "RIS", "medline": "MEDLINE", "csljson": "CSL-JSON"}
# The extension is only a hint: the content decides, and breaks a tie in the extension's favour.
EXTENSIONS = {
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".ris": "ris",
    ".nbib": "medline",
    ".medline": "medline",
    ".json": "csljson",
    ".csl": "csljson",
    ".csljson": "csljson",
}
_LOOKS_LIKE = {
    "bibtex": re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE),
    # Some exporters write one space before the dash ("TY - JOUR").
    "ris": re.compile(r"^TY {1,2}- ?", re.MULTILINE),
    # A MEDLINE record need not start with its PMID; these tags are MEDLINE's own.
    "medline": re.compile(r"^(?:PMID|FAU|OWN|STAT|JT|BTI)\s*- ", re.MULTILINE),
}

# Rows are looked up this many entries at a time, to stay far below the databases' limits on
# query parameters (SQLite allows 32766) while keeping the number of queries small.
LOOKUP_BATCH = 500
WRITE_BATCH = 500
_ATTEMPTS = 3

FIELD_NAMES = {
    "kind": gettext_noop("kind"),
    "doi": gettext_noop("DOI"),
    "pmid": gettext_noop("PubMed ID"),
    "pmcid": gettext_noop("PubMed Central ID"),
    "isbn": gettext_noop("ISBN"),
    "url": gettext_noop("web address"),
    "title": gettext_noop("title"),
    "authors": gettext_noop("authors"),
    "journal": gettext_noop("journal"),
    "year": gettext_noop("year"),
    "volume": gettext_noop("volume"),
    "issue": gettext_noop("issue"),
    "pages": gettext_noop("pages"),
    "book_title": gettext_noop("book title"),
    "editors": gettext_noop("editors"),
    "publisher": gettext_noop("publisher"),
    "publisher_place": gettext_noop("place of publication"),
    "accessed": gettext_noop("date accessed"),
    "issn": gettext_noop("ISSN"),
}
# Fields compared and filled when an entry matches a source, in the order messages name them.
MERGED_FIELDS = tuple(FIELD_NAMES)
# Fields that only ever fill a blank: two files read a web page on different days, or list one
# of a journal's two ISSNs, without contradicting each other.
_FILL_ONLY = {"accessed", "issn"}
_GENERIC_KIND = SourceKind.JOURNAL_ARTICLE
_is_web_address = URLValidator(schemes=["http", "https"])


class EntryProblem(ValueError):
    """One entry cannot be imported; the message says why, in words for the person importing."""


@dataclass
class EntryError:
    entry: str
    message: str


@dataclass
class Outcome:
    """What happened to one entry that was imported."""

    label: str
    status: str  # "created" | "updated" | "duplicate"
    source: Source
    filled: list[str] = field(default_factory=list)  # fields this entry filled in
    matched_by: str = ""  # how it was matched: "DOI", "PubMed ID", …
    matched: str = ""  # what it matched: "source 12" or "smith2020 earlier in this file"


@dataclass
class ImportReport:
    path: str
    format: str
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[EntryError] = field(default_factory=list)
    # Entries imported with something changed or left out (a field that could not be read, a
    # made-up key); the entry itself is in `outcomes`.
    warnings: list[EntryError] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def sources(self) -> list[Source]:
        """Each source the imported entries name, once, in the order of the file."""
        seen: dict[int, Source] = {}
        for outcome in self.outcomes:
            seen.setdefault(outcome.source.pk, outcome.source)
        return list(seen.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "created": self.count("created"),
            "updated": self.count("updated"),
            "duplicates": self.count("duplicate"),
            "sources": [
                {"id": s.pk, "doi": s.doi, "pmid": s.pmid, "title": s.title} for s in self.sources
            ],
            "errors": [{"entry": e.entry, "message": e.message} for e in self.errors],
            "warnings": [{"entry": w.entry, "message": w.message} for w in self.warnings],
        }


# --- Reading a file ----------------------------------------------------------------------------


def read_file(path: str | Path) -> tuple[str, str]:
    """The file's text and format, or `UnreadableFile` naming the file and what is wrong."""
    name = str(path)
    file = Path(path)
    if not file.exists():
        raise UnreadableFile(gettext("%(path)s: no such file.") % {"path": name})
    if file.is_dir():
        raise UnreadableFile(gettext("%(path)s: is a folder, not a file.") % {"path": name})
    if too_large := limits.file_size_problem(
        file, settings.REFERENCES_MAX_BYTES, "REFERENCES_MAX_BYTES"
    ):
        raise UnreadableFile(f"{name}: {too_large}")
    try:
        data = limits.read_at_most(file, settings.REFERENCES_MAX_BYTES, "REFERENCES_MAX_BYTES")
    except limits.TooLarge as error:
        raise UnreadableFile(f"{name}: {error}") from None
    except OSError as error:
        raise UnreadableFile(
            gettext("%(path)s: cannot be read (%(error)s).")
            % {"path": name, "error": error.strerror or error}
        ) from None
    if not data.strip():
        raise UnreadableFile(gettext("%(path)s: is empty.") % {"path": name})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            gettext(
                "%(path)s: is not UTF-8 text (byte %(byte)s at offset %(offset)s); save it as "
                "UTF-8 and import it again."
            )
            % {"path": name, "byte": f"0x{data[error.start]:02X}", "offset": error.start}
        ) from None
    if "\x00" in text:
        raise UnreadableFile(
            gettext("%(path)s: is a binary file, not a reference list.") % {"path": name}
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        return text, detect_format(text, file.suffix)
    except UnreadableFile as error:
        raise UnreadableFile(f"{name}: {error}") from None


def detect_format(text: str, suffix: str = "") -> str:
    """The format name ("bibtex", "ris", "medline", "csljson"); the extension breaks ties."""
    found = []
    if text.lstrip()[:1] in ("[", "{"):
        found.append("csljson")
    found += [fmt for fmt, pattern in _LOOKS_LIKE.items() if pattern.search(text)]
    hint = EXTENSIONS.get(suffix.lower())
    if hint in found:
        return hint
    if found:
        return found[0]
    if hint:
        problem = gettext(
            "is not a reference file (its extension says %(format)s): no BibTeX entry "
            "(@article{…}), RIS record (“TY  -”), MEDLINE record (“PMID-”) or CSL-JSON list was "
            "found."
        ) % {"format": FORMATS[hint]}
    else:
        problem = gettext(
            "is not a reference file: no BibTeX entry (@article{…}), RIS record (“TY  -”), "
            "MEDLINE record (“PMID-”) or CSL-JSON list was found."
        )
    raise UnreadableFile(problem)


def parse_text(text: str, fmt: str) -> list[ParsedEntry]:
    """Entries in file order; `UnreadableFile` (without the file name) if none can be read."""
    parsers = {
        "bibtex": bibtex.parse,
        "ris": ris.parse_ris,
        "medline": ris.parse_medline,
        "csljson": csljson.parse,
    }
    if fmt == "csljson" and (
        too_deep := limits.json_depth_problem(text, settings.IMPORT_MAX_DEPTH)
    ):
        raise UnreadableFile(too_deep)  # before json.loads, which recurses
    entries = parsers[fmt](text)
    if not entries:
        raise UnreadableFile(
            gettext("is %(format)s but contains no references.") % {"format": FORMATS[fmt]}
        )
    if len(entries) > settings.REFERENCES_MAX_ENTRIES:
        raise UnreadableFile(
            gettext(
                "has %(entries)s references; files of up to %(limit)s are imported (the "
                "REFERENCES_MAX_ENTRIES setting). Split it into smaller files."
            )
            % {"entries": f"{len(entries):,}", "limit": f"{settings.REFERENCES_MAX_ENTRIES:,}"}
        )
    return entries


def import_path(path: str | Path) -> ImportReport:
    """Read, parse and import a reference file. Raises `UnreadableFile` before writing anything."""
    text, fmt = read_file(path)
    try:
        entries = parse_text(text, fmt)
    except UnreadableFile as error:
        raise UnreadableFile(f"{path}: {error}") from None
    return import_entries(entries, path=str(path), fmt=fmt)


# --- Validating one entry ----------------------------------------------------------------------

_MAX_LENGTHS = {
    f.name: f.max_length for f in Source._meta.concrete_fields if getattr(f, "max_length", None)
}
_DOI_HOSTS = {"doi.org", "dx.doi.org", "www.doi.org"}


def _identifier(fields: dict[str, Any], name: str, normalize) -> str:
    raw = squash(fields.get(name))
    if not raw:
        return ""
    try:
        return normalize(raw)
    except InvalidIdentifier as error:
        # The identifiers' messages start with the value: "DOI “10.abc” is not…" reads best.
        prefix = {"doi": "DOI ", "isbn": "ISBN "}.get(name, "")
        raise EntryProblem(f"{prefix}{error}") from None


def _decoded(value: Any) -> str:
    """Text with HTML character references decoded: Crossref and some exporters write a journal
    called "Obstetrics & Gynecology" as "Obstetrics &amp; Gynecology"."""
    text = squash(value)
    return squash(html.unescape(text)) if "&" in text else text


def _names(values: Any) -> list[dict[str, str]]:
    return [
        person(a.get("family", ""), a.get("given", ""), a.get("suffix", ""))
        for a in values or []
        if squash(a.get("family")) or squash(a.get("given"))
    ]


def _checked_url(url: str, warnings: list[str]) -> str:
    """A web address as stored; a protocol-relative one ("//host/path") is read as https."""
    if url.startswith("//") and len(url) > 2:
        fixed = "https:" + url
        warnings.append(
            gettext("Its web address “%(url)s” had no http or https; it was kept as “%(fixed)s”.")
            % {"url": url, "fixed": fixed}
        )
        url = fixed
    if url:
        try:
            _is_web_address(url)
        except ValidationError:
            raise EntryProblem(
                gettext("Web address “%(url)s” is not a full http:// or https:// address.")
                % {"url": url}
            ) from None
    return url


def clean_fields(
    fields: dict[str, Any], as_written: str = "", warnings: list[str] | None = None
) -> dict[str, Any]:
    """Source field values for a parsed entry, or `EntryProblem` with the first thing wrong.

    One bad field never costs an entry that has a good DOI or PubMed ID: the field is left out
    and the reason appended to `warnings`. An entry without one is refused, since the bad field
    may be all a reader would have to find the work."""
    warnings = [] if warnings is None else warnings
    cleaned: dict[str, Any] = {
        **_identifiers(fields, warnings),
        **_description(fields, warnings),
        "as_written": as_written.strip(),
    }
    cleaned["kind"] = _kind(cleaned["kind"], cleaned["title"])
    _check_lengths(cleaned)
    if problems := limits.source_problems(cleaned):
        raise EntryProblem(next(iter(problems.values())))
    if not any(cleaned[k] for k in ("title", "doi", "pmid", "isbn", "url")):
        raise EntryProblem(
            gettext(
                "It has no title and no DOI, PubMed ID, ISBN or web address, so there is nothing "
                "to cite."
            )
        )
    return cleaned


def _identifiers(fields: dict[str, Any], warnings: list[str]) -> dict[str, str]:
    """DOI, PubMed ID, PubMed Central ID, ISBN and web address, normalized; a bad one is left out
    with a warning if the entry has a good DOI or PubMed ID, else the entry is refused."""
    url = squash(fields.get("url"))
    doi_raw = squash(fields.get("doi"))
    host = url.split("/")[2].lower() if url.count("/") >= 2 else ""
    if url and host in _DOI_HOSTS:
        # A doi.org address is the DOI (as in evidence.parsing); it is kept as the DOI.
        doi_raw = doi_raw or url
        url = ""
    identifiers: dict[str, Any] = {}
    problems: dict[str, str] = {}
    readers = {
        "doi": lambda: _identifier({"doi": doi_raw}, "doi", normalize_doi),
        "pmid": lambda: _identifier(fields, "pmid", normalize_pmid),
        "pmcid": lambda: _identifier(fields, "pmcid", normalize_pmcid),
        "isbn": lambda: _identifier(fields, "isbn", normalize_isbn),
        "url": lambda: _checked_url(url, warnings),
    }
    for name, read in readers.items():
        try:
            identifiers[name] = read()
        except EntryProblem as problem:
            identifiers[name], problems[name] = "", str(problem)
    if problems:
        if not (identifiers["doi"] or identifiers["pmid"]):
            raise EntryProblem(next(iter(problems.values())))
        for problem in problems.values():
            warnings.append(
                gettext("%(problem)s It was left out; the entry was imported without it.")
                % {"problem": problem}
            )
    return identifiers


def _description(fields: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """Everything but the identifiers, as a source stores it (the kind as the file gives it)."""
    return {
        "title": clean_title(_decoded(fields.get("title"))),
        "journal": _decoded(fields.get("journal")),
        "volume": squash(fields.get("volume")),
        "issue": squash(fields.get("issue")),
        "pages": squash(fields.get("pages")),
        "year": year_from(fields.get("year")),
        "authors": _names(fields.get("authors")),
        "book_title": clean_title(_decoded(fields.get("book_title"))),
        "editors": _names(fields.get("editors")),
        "publisher": _decoded(fields.get("publisher")),
        "publisher_place": _decoded(fields.get("publisher_place")),
        "accessed": _accessed(fields, warnings),
        "issn": " ".join(dict.fromkeys(squash(fields.get("issn")).upper().split()))[:40],
        "authors_truncated": bool(fields.get("authors_truncated")),
        "kind": fields.get("kind") or "",
        "retracted": bool(fields.get("retracted")),
    }


def _accessed(fields: dict[str, Any], warnings: list[str]) -> date | None:
    accessed = accessed_date(fields.get("accessed")) if squash(fields.get("accessed")) else None
    if squash(fields.get("accessed")) and accessed is None:
        warnings.append(
            gettext("Its date accessed “%(date)s” is not a date; it was left out.")
            % {"date": squash(fields.get("accessed"))}
        )
    return accessed


def _kind(kind: str, title: str) -> str:
    """The kind the file gives, if it is one of ours; else what the title says, else the
    generic kind."""
    if kind not in SourceKind.values:
        kind = ""
    return kind or kind_from_title(title) or _GENERIC_KIND


def _check_lengths(cleaned: dict[str, Any]) -> None:
    for name, limit in _MAX_LENGTHS.items():
        value = cleaned.get(name)
        if isinstance(value, str) and len(value) > limit:
            raise EntryProblem(
                gettext(
                    "Its %(field)s is %(length)s characters long; a source's %(field)s holds at "
                    "most %(limit)s."
                )
                % {"field": _field_name(name), "length": len(value), "limit": limit}
            )


def _field_name(name: str) -> str:
    """The field as a message names it ("web address"), in the reader's language."""
    return gettext(FIELD_NAMES[name]) if name in FIELD_NAMES else name


# --- Matching and merging ----------------------------------------------------------------------

_DASHES = re.compile(r"\s*(?:--|[-‐‑‒–—])\s*")


def _page_key(pages: str) -> str:
    """A comparison key: "693-9", "693–699" and "693 - 699" are the same pages."""
    text = _DASHES.sub("-", squash(pages).lower())
    first, sep, last = text.partition("-")
    if sep and first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return f"{first}{sep}{last}"


def _families(authors: Sequence[dict[str, str]]) -> list[str]:
    # The suffix is not compared: "Fulton JE Jr" and "Fulton JE" are the same person in a list.
    return [fold(author_name(a)) for a in authors]


def _url_key(url: str) -> str:
    url = url.strip().rstrip("/")
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}{sep}{host.lower()}{slash}{path}"


def _same(name: str, existing: Any, new: Any) -> bool:
    if name in ("title", "volume", "issue"):
        return fold(existing) == fold(new)
    if name == "journal":
        return journals_match(existing, new)
    if name == "pages":
        return _page_key(existing) == _page_key(new)
    if name == "url":
        return _url_key(existing) == _url_key(new)
    if name == "editors":
        return _families(existing) == _families(new)
    if name in ("book_title", "publisher", "publisher_place"):
        return fold(existing) == fold(new)
    return existing == new


def _shown(name: str, value: Any) -> str:
    if name in ("authors", "editors"):
        return ", ".join(
            f"{a.get('family', '')} {a.get('given', '')}".strip() for a in value[:4]
        ) + (", …" if len(value) > 4 else "")
    if name == "kind":
        return SourceKind(value).label.lower()
    return str(value)


def plan_merge(row: Source, cleaned: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(changes, differences) for merging an entry into a matched source.

    `changes` fills blank fields; `differences` names each field the source already has with a
    different value, as "title: “A” (the file says “B”)". Nothing is applied here."""
    changes: dict[str, Any] = {}
    differences: list[str] = []
    for name in MERGED_FIELDS:
        existing, new = getattr(row, name), cleaned[name]
        if new in ("", None, []):
            continue
        if name == "kind":
            if existing == _GENERIC_KIND and new != _GENERIC_KIND:
                changes["kind"] = new
            elif new != _GENERIC_KIND and new != existing:
                differences.append(name)
            continue
        if name == "authors":
            have, give = _families(existing), _families(new)
            if not existing:
                changes["authors"] = new
                changes["authors_truncated"] = cleaned["authors_truncated"]
            elif have == give or (cleaned["authors_truncated"] and give == have[: len(give)]):
                pass
            elif row.authors_truncated and have == give[: len(have)]:
                # The source's list ended "et al."; the file has the names it left out.
                changes["authors"] = new
                changes["authors_truncated"] = cleaned["authors_truncated"]
            else:
                differences.append(name)
            continue
        if existing in ("", None, []):
            changes[name] = new
        elif name not in _FILL_ONLY and not _same(name, existing, new):
            differences.append(name)
    differences = [
        gettext("%(field)s: “%(have)s” (the file says “%(give)s”)")
        % {
            "field": _field_name(name),
            "have": _shown(name, getattr(row, name)),
            "give": _shown(name, cleaned[name]),
        }
        for name in differences
    ]
    if not differences and cleaned["retracted"] and not row.retracted:
        changes["retracted"] = True
        changes["retraction_notice"] = "The imported record marks it as retracted."
    return changes, differences


class _Index:
    """Sources by the keys entries are matched on: rows from the database and rows this import
    is creating, kept current as entries fill in identifiers."""

    def __init__(self, rows: Iterable[Source]) -> None:
        self.by: dict[str, dict[Any, Source]] = {
            "doi": {},
            "pmid": {},
            "isbn": {},
            "url": {},
            "title": {},
        }
        for row in rows:
            self.add(row)

    @staticmethod
    def _title_key(row_or_fields: Any) -> tuple | None:
        get = (
            row_or_fields.get
            if isinstance(row_or_fields, dict)
            else lambda name: getattr(row_or_fields, name)
        )
        if get("doi") or get("pmid") or not get("title"):
            return None
        authors = get("authors") or []
        return (
            fold(get("title")),
            get("year"),
            fold(first_author_name(authors)),
        )

    def add(self, row: Source) -> None:
        for name in ("doi", "pmid", "isbn"):
            if getattr(row, name):
                self.by[name].setdefault(getattr(row, name), row)
        if row.url:
            self.by["url"].setdefault(_url_key(row.url), row)
        key = self._title_key(row)
        if key:
            self.by["title"].setdefault(key, row)

    def find(self, cleaned: dict[str, Any]) -> list[tuple[str, Source]]:
        """[(how, row)] for each distinct row the entry matches."""
        if cleaned["doi"] or cleaned["pmid"]:
            keys = [("doi", cleaned["doi"]), ("pmid", cleaned["pmid"])]
        else:
            keys = [
                ("isbn", cleaned["isbn"]),
                ("url", _url_key(cleaned["url"]) if cleaned["url"] else ""),
                ("title", self._title_key(cleaned)),
            ]
        found: list[tuple[str, Source]] = []
        for name, value in keys:
            row = self.by[name].get(value) if value else None
            if row is not None and all(row is not other for _, other in found):
                found.append((name, row))
        return found


_MATCHED_BY = {
    "doi": gettext_noop("DOI"),
    "pmid": gettext_noop("PubMed ID"),
    "isbn": gettext_noop("ISBN"),
    "url": gettext_noop("web address"),
    "title": gettext_noop("title, year and first author"),
}


def _lookup(cleaned: list[dict[str, Any]]) -> list[Source]:
    """The existing sources any of these entries could match, a batch of entries per query.

    Locked for update (PostgreSQL) so that no one changes them between our reading and writing;
    SQLite's IMMEDIATE transaction already holds the write lock."""
    rows: dict[int, Source] = {}
    for start in range(0, len(cleaned), LOOKUP_BATCH):
        batch = cleaned[start : start + LOOKUP_BATCH]
        query = Q()
        for name in ("doi", "pmid", "isbn"):
            values = {c[name] for c in batch if c[name]}
            if values:
                query |= Q(**{f"{name}__in": values})
        # With and without the final "/": the same page (see _url_key).
        urls = {
            v for c in batch if c["url"] for v in (c["url"].rstrip("/"), c["url"].rstrip("/") + "/")
        }
        if urls:
            query |= Q(url__in=urls)
        titles = {c["title"] for c in batch if c["title"] and not (c["doi"] or c["pmid"])}
        if titles:
            query |= Q(doi="", pmid="", title__in=titles)
        if query:
            for row in Source.objects.select_for_update().filter(query).order_by("pk"):
                rows[row.pk] = row
    return list(rows.values())


def _label_of(row: Source, created_by: dict[int, str]) -> str:
    label = created_by.get(id(row))
    if label:
        return gettext("%(entry)s earlier in this file") % {"entry": label}
    return gettext("source %(number)s") % {"number": row.pk}


def _import_once(
    entries: Sequence[ParsedEntry], cleaned: list[dict[str, Any] | None], report: ImportReport
) -> list[tuple[int, EntryError]]:
    """Match and merge in memory, then write; returns (position, error) for entries refused."""
    plan = _Plan(_Index(_lookup([c for c in cleaned if c is not None])), report)
    for position, (entry, fields) in enumerate(zip(entries, cleaned, strict=True)):
        if fields is not None:  # else reported already
            plan.add(position, entry, fields)
    plan.write()
    return plan.errors


class _Plan:
    """What one import writes, decided entry by entry in memory: the sources to create and the
    blank fields to fill in existing ones. Each entry's outcome goes into the report as it is
    decided; `write` then writes it all in batches."""

    def __init__(self, index: _Index, report: ImportReport) -> None:
        self.index = index
        self.report = report
        self.errors: list[tuple[int, EntryError]] = []
        self.created_by: dict[int, str] = {}  # id(row) → label of the entry that created it
        self.new_rows: list[Source] = []
        self.changed_rows: dict[int, Source] = {}
        self.changed_fields: set[str] = set()

    def add(self, position: int, entry: ParsedEntry, fields: dict[str, Any]) -> None:
        matches = self.index.find(fields)
        if len(matches) > 1:
            self._refuse_two_matches(position, entry, matches)
        elif not matches:
            self._create(entry, fields)
        else:
            self._merge(position, entry, fields, *matches[0])

    def _refuse_two_matches(
        self, position: int, entry: ParsedEntry, matches: list[tuple[str, Source]]
    ) -> None:
        (how_a, a), (how_b, b) = matches[:2]
        self.errors.append(
            (
                position,
                EntryError(
                    entry.label,
                    gettext(
                        "Its %(how_a)s matches %(a)s and its %(how_b)s matches %(b)s; merge those "
                        "two sources first."
                    )
                    % {
                        "how_a": gettext(_MATCHED_BY[how_a]),
                        "a": _label_of(a, self.created_by),
                        "how_b": gettext(_MATCHED_BY[how_b]),
                        "b": _label_of(b, self.created_by),
                    },
                ),
            )
        )

    def _create(self, entry: ParsedEntry, fields: dict[str, Any]) -> None:
        row = Source(**{k: v for k, v in fields.items() if k != "retracted"})
        if fields["retracted"]:
            row.retracted = True
            row.retraction_notice = "The imported record marks it as retracted."
        self.new_rows.append(row)
        self.created_by[id(row)] = entry.label
        self.index.add(row)
        self.report.outcomes.append(Outcome(entry.label, "created", row))

    def _merge(
        self, position: int, entry: ParsedEntry, fields: dict[str, Any], how: str, row: Source
    ) -> None:
        changes, differences = plan_merge(row, fields)
        matched = _label_of(row, self.created_by)
        if differences:
            self.errors.append(
                (
                    position,
                    EntryError(
                        entry.label,
                        gettext(
                            "Same %(how)s as %(matched)s, which has a different %(differences)s. "
                            "Nothing was changed; correct the file or the source, then import "
                            "again."
                        )
                        % {
                            "how": gettext(_MATCHED_BY[how]),
                            "matched": matched,
                            "differences": "; ".join(differences),
                        },
                    ),
                )
            )
            return
        for name, value in changes.items():
            setattr(row, name, value)
        self.index.add(row)
        existed = id(row) not in self.created_by
        filled = [n for n in changes if n in FIELD_NAMES or n == "retracted"]
        if existed and changes:
            self.changed_rows[row.pk] = row
            self.changed_fields.update(changes)
        status = "updated" if existed and filled else "duplicate"
        self.report.outcomes.append(
            Outcome(entry.label, status, row, filled, _MATCHED_BY[how], matched)
        )

    def write(self) -> None:
        Source.objects.bulk_create(self.new_rows, batch_size=WRITE_BATCH)
        if self.changed_rows:
            now = timezone.now()
            for row in self.changed_rows.values():
                row.updated_at = now
            Source.objects.bulk_update(
                list(self.changed_rows.values()),
                sorted(self.changed_fields | {"updated_at"}),
                batch_size=WRITE_BATCH,
            )


def import_entries(
    entries: Sequence[ParsedEntry], *, path: str = "", fmt: str = ""
) -> ImportReport:
    """Validate, match and write parsed entries; see the module docstring for the policy.

    Queries: one lookup per `LOOKUP_BATCH` (500) entries; one INSERT per batch of new sources
    (500 rows on PostgreSQL; on SQLite Django keeps each INSERT under 999 parameters, so 33 rows
    of Source's 30 columns); one UPDATE per 500 updated sources; plus the transaction's own two.
    Duplicates and entries with problems cost nothing. No query is made per entry.

    If another writer creates a source with one of the same identifiers between our lookup and
    our insert (PostgreSQL; SQLite's write lock prevents it), the unique constraint stops the
    insert and the whole import is looked up and planned again."""
    cleaned: list[dict[str, Any] | None] = []
    problems: list[tuple[int, EntryError]] = []
    warnings: list[EntryError] = []
    for position, entry in enumerate(entries):
        if entry.problem:
            problems.append((position, EntryError(entry.label, entry.problem)))
            cleaned.append(None)
            continue
        noted = list(entry.warnings)
        try:
            cleaned.append(clean_fields(entry.fields, entry.as_written, noted))
        except EntryProblem as error:
            problems.append((position, EntryError(entry.label, str(error))))
            cleaned.append(None)
            continue
        warnings += [EntryError(entry.label, message) for message in noted]
    for attempt in range(1, _ATTEMPTS + 1):
        report = ImportReport(path=path, format=fmt)
        try:
            with transaction.atomic():
                refused = _import_once(entries, cleaned, report)
            break
        except IntegrityError:
            if attempt == _ATTEMPTS:
                raise
    # In file order, whether found while reading an entry or while matching it.
    report.errors = [error for _, error in sorted(problems + refused, key=lambda p: p[0])]
    refused_labels = {error.entry for _, error in refused}
    report.warnings = [w for w in warnings if w.entry not in refused_labels]
    return report
