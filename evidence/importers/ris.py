"""RIS and MEDLINE (PubMed's .nbib export) → parsed entries, with rispy.

rispy 0.10 reads RIS records but has no MEDLINE reader, and it silently drops a record that has
no end line. So the file is first cut into records here (which also gives each record's line
number for messages), and each record is parsed on its own: by `rispy.loads` for RIS, and by
`MedlineParser`, a `rispy.RisParser` for MEDLINE's four-letter tags, for MEDLINE.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import rispy
from django.utils.translation import gettext

from evidence.importers.parsed import (
    ParsedEntry,
    authors_from,
    editors_from,
    kind_from_publication_types,
    kind_from_title,
    name_from_text,
    squash,
)
from evidence.models import SourceKind

# --- RIS --------------------------------------------------------------------------------------

_RIS_WEB = {"ELEC", "WEB", "BLOG", "ICOMM"}
_RIS_BOOKS = {"BOOK", "EBOOK", "EDBOOK", "CHAP", "ECHAP"}
# RIS reference types that are kinds of publication with their own AMA layout.
_RIS_KINDS = {
    **dict.fromkeys(_RIS_WEB, SourceKind.WEBSITE),
    **dict.fromkeys(("BOOK", "EBOOK", "EDBOOK"), SourceKind.BOOK),
    **dict.fromkeys(("CHAP", "ECHAP"), SourceKind.CHAPTER),
    **dict.fromkeys(("RPRT", "GOVDOC"), SourceKind.REPORT),
    "THES": SourceKind.THESIS,
    "STAND": SourceKind.GUIDELINE,
}
# "ED" (editor) is written by EndNote and Zotero but is not in rispy's table.
_RIS_MAPPING = {**rispy.TAG_KEY_MAPPING, "ED": "editors"}
_RIS_LIST_TAGS = [*rispy.LIST_TYPE_TAGS, "ED"]
# Tags with one space before the dash ("TY - JOUR"), as some exporters write them; rispy reads
# only the standard two.
_ONE_SPACE_TAG = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?: |$)", re.MULTILINE)
_ISSN = re.compile(r"^\d{4}-?\d{3}[\dXx]$")
_PUBMED_DATABASES = re.compile(r"pubmed|medline|nlm", re.IGNORECASE)


def _records(text: str, starts: re.Pattern, ends: re.Pattern | None):
    """(first line number, lines, ended) for each record; lines outside records are skipped
    (exports put headers and blank lines there)."""
    record: list[str] = []
    first = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if starts.match(line):
            if record:
                yield first, record, ends is None
            record, first = [line], number
        elif record:
            record.append(line)
            if ends is not None and ends.match(line):
                yield first, record, True
                record = []
    if record:
        yield first, record, ends is None


def _first(record: dict[str, Any], *names: str) -> str:
    for name in names:
        value = record.get(name)
        if isinstance(value, list):
            value = next((v for v in value if squash(v)), "")
        if squash(value):
            return squash(value)
    return ""


def _ris_fields(record: dict[str, Any]) -> dict[str, Any]:
    ris_type = squash(record.get("type_of_reference")).upper()
    names = record.get("authors") or record.get("first_authors") or []
    authors, truncated = authors_from(names)
    title, book_title = _ris_titles(record, ris_type)
    kind = (
        _RIS_KINDS.get(ris_type, "")
        or kind_from_publication_types([_first(record, "type_of_work")])
        or kind_from_title(title)
    )
    doi = _ris_doi(record)
    issn, isbn = _ris_serial(record, ris_type)
    pmcid = _first(record, "custom2")
    return {
        "kind": kind,
        "title": title,
        "authors": authors,
        "authors_truncated": truncated,
        "journal": _ris_journal(record, ris_type, kind),
        "year": _first(record, "year", "publication_year", "date"),
        "volume": _first(record, "volume"),
        "issue": _first(record, "number"),
        "pages": _ris_pages(record),
        "doi": doi,
        "pmid": _ris_pmid(record),
        "pmcid": pmcid if re.match(r"^PMC\d+$", pmcid, re.IGNORECASE) else "",
        "isbn": isbn,
        "issn": issn,
        "book_title": book_title,
        "editors": _ris_editors(record, kind),
        "publisher": _first(record, "publisher"),
        "publisher_place": _first(record, "place_published"),
        "accessed": _first(record, "access_date") if kind == SourceKind.WEBSITE else "",
        "url": _ris_url(record, doi),
    }


def _ris_titles(record: dict[str, Any], ris_type: str) -> tuple[str, str]:
    """(title, book title): a chapter's book is its secondary title."""
    title = _first(record, "title", "primary_title")
    if ris_type in ("CHAP", "ECHAP") and not title:
        title = _first(record, "secondary_title")
    book_title = ""
    if _RIS_KINDS.get(ris_type) == SourceKind.CHAPTER:
        book_title = _first(record, "secondary_title", "tertiary_title")
        book_title = "" if book_title == title else book_title
    return title, book_title


def _ris_journal(record: dict[str, Any], ris_type: str, kind: str) -> str:
    if kind in (SourceKind.REPORT, SourceKind.THESIS):
        return ""
    if ris_type in _RIS_WEB:
        return _first(record, "secondary_title", "publisher")
    if ris_type in _RIS_BOOKS:
        return ""
    # AMA cites journals by their abbreviation, so a standard abbreviation (J2, JA) wins
    # over the full name (T2, JF, JO).
    return _first(
        record,
        "alternate_title1",
        "alternate_title2",
        "secondary_title",
        "alternate_title3",
        "journal_name",
    )


def _ris_pages(record: dict[str, Any]) -> str:
    start, end = _first(record, "start_page"), _first(record, "end_page")
    return f"{start}-{end}" if start and end and "-" not in start else start or end


def _ris_doi(record: dict[str, Any]) -> str:
    doi = _first(record, "doi")
    type_of_work = _first(record, "type_of_work")
    if not doi and type_of_work.startswith("10."):
        doi = type_of_work  # some exporters put the DOI in M3
    return doi


def _ris_pmid(record: dict[str, Any]) -> str:
    """The accession number, when the record says it comes from PubMed."""
    database = f"{_first(record, 'name_of_database')} {_first(record, 'database_provider')}"
    return _first(record, "accession_number") if _PUBMED_DATABASES.search(database) else ""


def _ris_serial(record: dict[str, Any], ris_type: str) -> tuple[str, str]:
    """(ISSN, ISBN): SN holds an ISSN for a journal and an ISBN for a book; the shape says which."""
    serial = _first(record, "issn")
    issn = " ".join(s for s in serial.replace(";", " ").split() if _ISSN.match(s))
    isbn = "" if issn or ris_type not in _RIS_BOOKS | {"RPRT", "THES"} else serial
    return issn, isbn


def _ris_editors(record: dict[str, Any], kind: str) -> list[dict[str, str]]:
    return editors_from(
        [*(record.get("editors") or []), *(record.get("secondary_authors") or [])]
        if kind in (SourceKind.CHAPTER, SourceKind.BOOK)
        else record.get("editors") or []
    )


def _ris_url(record: dict[str, Any], doi: str) -> str:
    """The first web address; a doi.org address becomes the DOI when there is no DO line."""
    urls = [squash(u) for u in record.get("urls") or [] if squash(u)]
    return next((u for u in urls if "doi.org/" not in u), "") or (
        "" if doi else next(iter(urls), "")
    )


def parse_ris(text: str) -> list[ParsedEntry]:
    entries = []
    text = _ONE_SPACE_TAG.sub(r"\1  - ", text)
    records = _records(text, re.compile(r"^TY  -"), re.compile(r"^ER  -"))
    for number, (line, lines, ended) in enumerate(records, start=1):
        record_text = "\n".join(lines)
        position = gettext("entry %(number)s (line %(line)s)") % {"number": number, "line": line}
        if not ended:
            entries.append(
                ParsedEntry(
                    position,
                    as_written=record_text,
                    problem=gettext(
                        "It has no end line (“ER  -”), so it may be cut short; add the end line "
                        "if the record is complete."
                    ),
                )
            )
            continue
        parsed = rispy.loads(
            record_text, skip_unknown_tags=True, mapping=_RIS_MAPPING, list_tags=_RIS_LIST_TAGS
        )
        record = parsed[0] if parsed else {}
        label = squash(record.get("id")) or position
        if not record:
            entries.append(ParsedEntry(label, problem=gettext("It could not be read as RIS.")))
            continue
        entries.append(ParsedEntry(label, _ris_fields(record), record_text))
    return entries


# --- MEDLINE ----------------------------------------------------------------------------------


class MedlineParser(rispy.RisParser):
    """MEDLINE/nbib records: tags of up to four letters ("PMID- ", "TI  - ", "FAU - ") and
    continuation lines indented by six spaces. Each record must be passed with an "ER  - " line
    appended: MEDLINE separates records with blank lines, rispy ends them with ER."""

    START_TAG = "PMID"
    END_TAG = "ER"
    PATTERN = r"^[A-Z]{2,4} *- "
    DEFAULT_MAPPING: ClassVar[dict[str, str]] = {
        "PMID": "pmid",
        "TI": "title",
        "BTI": "book_title",
        "AU": "authors",
        "FAU": "full_authors",
        "CN": "corporate_authors",
        "TA": "journal_abbreviation",
        "JT": "journal",
        "DP": "date",
        "VI": "volume",
        "IP": "issue",
        "PG": "pages",
        "LID": "location_ids",
        "AID": "article_ids",
        "PMC": "pmcid",
        "PT": "publication_types",
        "MH": "mesh_headings",
        "ISBN": "isbn",
        "IS": "issn",
        "ED": "editors",
        "FED": "full_editors",
        "PB": "publisher",
        "PL": "place",
        "ER": "end",
    }
    DEFAULT_LIST_TAGS: ClassVar[list[str]] = [
        "AU", "FAU", "CN", "LID", "AID", "PT", "MH", "ISBN", "IS", "ED", "FED",
    ]  # fmt: skip
    DEFAULT_DELIMITER_MAPPING: ClassVar[dict[str, str]] = {}
    _TAG = re.compile(PATTERN)

    def parse_line(self, line: str) -> tuple[str, str] | tuple[None, str]:
        if self._TAG.match(line):
            tag, _, value = line.partition("-")
            return tag.strip(), value.strip()
        return None, line.strip()


_MEDLINE_TAG = re.compile(MedlineParser.PATTERN)
_DOI_ID = re.compile(r"^(\S+)\s*\[doi\]$", re.IGNORECASE)
# PubMed's records of NCBI Bookshelf books and chapters (GeneReviews and the like).
_BOOK_ID = re.compile(r"^(NBK[0-9]+)\s*\[bookaccession\]$", re.IGNORECASE)
# "1538-3598 (Electronic)", "0098-7484 (Linking)": the ISSN before the note.
_MEDLINE_ISSN = re.compile(r"^([0-9]{4}-[0-9]{3}[0-9Xx])")


def _medline_records(text: str):
    """(first line number, lines) for each record. Records are separated by blank lines (a
    continuation line is indented, never blank), and a second "PMID-" line starts a new record
    even without one; a record need not start with its PMID."""
    record: list[str] = []
    first = 0
    for number, line in enumerate(text.split("\n"), start=1):
        starts_again = line.startswith("PMID-") and any(r.startswith("PMID-") for r in record)
        if not line.strip() or starts_again:
            if any(_MEDLINE_TAG.match(r) for r in record):
                yield first, record
            record = []
            if not line.strip():
                continue
        if not record and not _MEDLINE_TAG.match(line):
            continue  # text between records (a header, a stray line) is not a record
        if not record:
            first = number
        record.append(line)
    if any(_MEDLINE_TAG.match(r) for r in record):
        yield first, record


def _medline_fields(record: dict[str, Any]) -> dict[str, Any]:
    types = record.get("publication_types") or []
    authors, truncated = _medline_authors(record)
    title = _first(record, "title", "book_title")
    book = _bookshelf_id(record)
    book_title = _first(record, "book_title")
    kind = kind_from_publication_types(types, record.get("mesh_headings") or [])
    if book or book_title:
        # A Bookshelf record: a chapter when it has its own title inside the book.
        kind = SourceKind.CHAPTER if book_title and book_title != title else SourceKind.BOOK
    return {
        "kind": kind or kind_from_title(title),
        "title": title,
        "book_title": book_title if kind == SourceKind.CHAPTER else "",
        "editors": _medline_editors(record),
        "publisher": _first(record, "publisher") if book or book_title else "",
        # PL is the journal's country in an article record; a book's place of publication.
        "publisher_place": _first(record, "place") if book or book_title else "",
        "issn": _medline_issns(record),
        "authors": authors,
        "authors_truncated": truncated,
        # TA is the NLM abbreviation AMA asks for; JT the full title.
        "journal": "" if book or book_title else _first(record, "journal_abbreviation", "journal"),
        "year": _first(record, "date"),
        "volume": _first(record, "volume"),
        "issue": _first(record, "issue"),
        "pages": _first(record, "pages"),
        "doi": _medline_doi(record),
        "pmid": _first(record, "pmid"),
        "pmcid": _first(record, "pmcid"),
        "isbn": _first(record, "isbn"),
        "url": f"https://www.ncbi.nlm.nih.gov/books/{book}/" if book else "",
        # "Retracted Publication" is the retracted paper; "Retraction of Publication" the notice.
        "retracted": any(squash(t).lower() == "retracted publication" for t in types),
    }


def _medline_authors(record: dict[str, Any]) -> tuple[list[dict[str, str]], bool]:
    full = record.get("full_authors") or []
    short = record.get("authors") or []
    # FAU has whole given names ("Mesa Bedoya, Luis E"); AU only initials ("Mesa Bedoya LE").
    authors, truncated = authors_from(full if len(full) >= len(short) else short)
    authors += [a for a in map(name_from_text, record.get("corporate_authors") or []) if a]
    return authors, truncated


def _medline_editors(record: dict[str, Any]) -> list[dict[str, str]]:
    full_editors = record.get("full_editors") or []
    short_editors = record.get("editors") or []
    return editors_from(full_editors if len(full_editors) >= len(short_editors) else short_editors)


def _medline_doi(record: dict[str, Any]) -> str:
    for identifier in [*(record.get("location_ids") or []), *(record.get("article_ids") or [])]:
        found = _DOI_ID.match(squash(identifier))
        if found:
            return found.group(1)
    return ""


def _bookshelf_id(record: dict[str, Any]) -> str:
    return next(
        (m.group(1) for i in record.get("article_ids") or [] if (m := _BOOK_ID.match(squash(i)))),
        "",
    )


def _medline_issns(record: dict[str, Any]) -> str:
    issns = [m.group(1) for i in record.get("issn") or [] if (m := _MEDLINE_ISSN.match(squash(i)))]
    return " ".join(dict.fromkeys(issns))


def parse_medline(text: str) -> list[ParsedEntry]:
    entries = []
    parser = MedlineParser(skip_unknown_tags=True)
    for number, (line, lines) in enumerate(_medline_records(text), start=1):
        record_text = "\n".join(lines).strip()
        # rispy starts a record at its start tag: the PMID line goes first, and a record
        # without one gets an empty one.
        pmid = [n for n in lines if n.startswith("PMID-")][:1] or ["PMID- "]
        rest = [n for n in lines if n is not pmid[0]]
        parsed = parser.parse_lines(iter([*pmid, *rest, "ER  - "]))
        label = gettext("entry %(number)s (line %(line)s)") % {"number": number, "line": line}
        if not parsed:
            entries.append(ParsedEntry(label, problem=gettext("It could not be read as MEDLINE.")))
            continue
        entries.append(ParsedEntry(label, _medline_fields(parsed[0]), record_text))
    return entries
