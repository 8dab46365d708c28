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
from bibtexparser.latexenc import latex_to_unicode

from evidence.importers.parsed import (
    ParsedEntry,
    UnreadableFile,
    is_et_al,
    kind_from_title,
    person,
    squash,
)
from evidence.models import SourceKind

_HEADER = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)[ \t]*[{(][ \t]*([^,\s{}()]*)", re.MULTILINE)
_NOT_ENTRIES = {"comment", "string", "preamble"}
_WEB_TYPES = {"online", "electronic", "www", "webpage"}
# Formatting commands whose argument is the text (\emph{in vivo} → in vivo). latex_to_unicode
# would leave the command name in front of it.
_FORMATTING = re.compile(
    r"\\(?:emph|textit|textbf|textsc|textrm|textsf|texttt|textup|mbox|text|mathrm|mathit)"
    r"\s*\{([^{}]*)\}"
)
# Old-style font switches ({\it in vivo}); latex_to_unicode would read "\it" as a dotless i.
_FONT_SWITCH = re.compile(r"\\(?:it|bf|em|sc|rm|sl|tt|sf|up)(?![A-Za-z])\s*")
_URL_COMMAND = re.compile(r"\\(?:url|href)\s*\{([^{}]*)\}")


def _latex(value: str) -> str:
    """LaTeX markup → Unicode text: accents ({\\'e} → é), escapes, braces and dashes."""
    text = _URL_COMMAND.sub(r"\1", value)
    for _ in range(3):  # nested \emph{\textbf{…}}
        text = _FORMATTING.sub(r"\1", text)
    text = _FONT_SWITCH.sub("", text)
    # Dotless i and j carry accents in TeX ({\"\i}); in Unicode the plain letters do.
    text = re.sub(r"\\([ij])(?![A-Za-z])", r"\1", text)
    # latex_to_unicode turns accents ({\'e}, {\"u}) into letters and drops grouping braces.
    text = latex_to_unicode(text).replace("~", " ").replace("---", "—").replace("--", "–")
    text = text.replace("\\%", "%").replace("\\$", "$").replace("\\#", "#").replace("\\_", "_")
    text = unicodedata.normalize("NFC", text.replace("{", "").replace("}", ""))
    return squash(text)


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


def _authors(value: str) -> tuple[list[dict[str, str]], bool]:
    authors: list[dict[str, str]] = []
    truncated = False
    for name in _split_authors(value):
        if is_et_al(name):
            truncated = True
            continue
        try:
            parts = splitname(name, strict_mode=False)
        except InvalidName:
            parts = {"last": [name], "first": [], "von": [], "jr": []}
        # "van der Berg, Hans": the particle belongs with the family name, as AMA prints it.
        family = " ".join(parts.get("von", []) + parts.get("last", []) + parts.get("jr", []))
        given = " ".join(parts.get("first", []))
        authors.append(person(_latex(family), _latex(given)))
    return authors, truncated


def _kind(entry_type: str, fields: dict[str, str], title: str) -> str:
    if entry_type in _WEB_TYPES:
        return SourceKind.WEBSITE
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
        or (fields.get("booktitle") if entry_type in ("incollection", "inproceedings") else "")
        or ""
    )
    return {
        "kind": _kind(entry_type, fields, title),
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


def parse(text: str) -> list[ParsedEntry]:
    """Every entry in the file, in order, including those bibtexparser could not read."""
    found = list(_HEADER.finditer(text))
    headers = []
    for n, match in enumerate(found):
        if match.group(1).lower() in _NOT_ENTRIES:
            continue
        end = found[n + 1].start() if n + 1 < len(found) else len(text)
        line = text.count("\n", 0, match.start()) + 1
        # The entry as it stands in the file, up to the next "@": what `as_written` keeps.
        headers.append((match.group(2), line, text[match.start() : end].strip()))
    parser = BibTexParser(
        common_strings=True, ignore_nonstandard_types=False, interpolate_strings=True
    )
    try:
        parsed = bibtexparser.loads(text, parser).entries
    except Exception as error:  # pyparsing raises many kinds; any of them means "unreadable"
        raise UnreadableFile(f"is not readable BibTeX ({error}).") from None
    entries: list[ParsedEntry] = []
    remaining = list(parsed)
    for number, (key, line, written) in enumerate(headers, start=1):
        if remaining and remaining[0].get("ID") == key and key:
            entries.append(ParsedEntry(key, _fields(remaining.pop(0)), written))
        elif not key:
            entries.append(
                ParsedEntry(
                    f"entry {number} (line {line})",
                    as_written=written,
                    problem="It has no citation key (@type{key, …}), so it could not be read.",
                )
            )
        else:
            entries.append(
                ParsedEntry(
                    key,
                    as_written=written,
                    problem=f"It could not be read as BibTeX (line {line}): check its braces, "
                    "quotes and commas.",
                )
            )
    # Entries the header scan did not see (unusual spacing) are still imported.
    for raw in remaining:
        entries.append(ParsedEntry(raw.get("ID") or "entry", _fields(raw), _as_written(raw)))
    return entries
