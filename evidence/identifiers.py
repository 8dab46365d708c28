"""Normalizing and validating the identifiers that make a source checkable.

Each `normalize_*` returns the canonical form, or raises `InvalidIdentifier` with a message that
says what is wrong. None of this touches the network.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

# re.ASCII throughout: `\d` would otherwise accept Arabic-Indic and other digits, and IGNORECASE
# would let the Kelvin sign match "k".
# Crossref's recommended pattern for modern DOIs (their "1.0" regex), anchored.
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/[-._;()/:a-z0-9<>\[\]]+$", re.IGNORECASE | re.ASCII)
_DOI_IN_TEXT = re.compile(r"10\.\d{4,9}/[^\s\"'<>]+", re.IGNORECASE | re.ASCII)
_RESOLVER = re.compile(r"^https?://(?:dx\.|www\.)?doi\.org/", re.IGNORECASE)
_WEB_ADDRESS = re.compile(r"^https?://", re.IGNORECASE)
_DOI_LABEL = re.compile(r"^doi:?\s*", re.IGNORECASE)
# What publisher sites append to a DOI in their URLs to pick a view of the article
# (Frontiers ".../full", Wiley ".../epdf", Springer "....pdf", bioRxiv "...v2.full").
_PUBLISHER_VIEW = re.compile(
    r"(?:/(?:full|abstract|pdf|epdf|fulltext|full-text|meta|references|figures)"
    r"|(?:v\d+)?\.(?:full\.pdf|full|abstract|pdf))$",
    re.IGNORECASE,
)
_PREPRINT_VERSION = re.compile(r"^(10\.1101/.+?)v\d+$", re.IGNORECASE)
_TRAILING = ".,;:)]}>\"'"
_PMCID = re.compile(r"^(?:PMC)?(\d{1,9})$", re.IGNORECASE | re.ASCII)


class InvalidIdentifier(ValueError):
    """The identifier cannot be read; the message says why."""


def _strip_trailing(value: str) -> str:
    value = value.strip()
    while value and value[-1] in _TRAILING:
        # Keep a closing bracket that closes one inside the DOI, as in 10.1016/S0140-6736(20)30183-5
        if value[-1] == ")" and value.count("(") >= value.count(")"):
            break
        value = value[:-1]
    return value


def _doi_candidates(value: str) -> tuple[list[str], bool]:
    """The strings a DOI may be in, and whether they come from a publisher's web address."""
    resolver = _RESOLVER.match(value)
    if resolver:
        # Split off a query or fragment before decoding: a "?" or "#" inside a DOI is encoded.
        rest = re.split(r"[?#]", value[resolver.end() :], maxsplit=1)[0]
        return [unquote(rest)], False
    if _WEB_ADDRESS.match(value):
        # A publisher page: the DOI is in the path, or in a query value (PLOS's ?id=10.1371/...).
        parts = urlsplit(value)
        return [unquote(parts.path)] + [v for _, v in parse_qsl(parts.query)], True
    return [unquote(_DOI_LABEL.sub("", value))], False


def normalize_doi(value: str) -> str:
    """`10.1186/abc`, `doi:10.1186/ABC`, `https://doi.org/10.1186/abc.` → `10.1186/abc`.

    Publisher URLs work too: the DOI is taken from the path or query, without the view suffix
    (`/full`, `.pdf`) or preprint version (`v2`) that the site adds."""
    raw = (value or "").strip()
    candidates, from_publisher = _doi_candidates(raw)
    found_any = False
    for text in candidates:
        text = text.strip()
        if not text.startswith("10."):
            found = _DOI_IN_TEXT.search(text)
            if not found:
                continue
            text = found.group(0)
        found_any = True
        doi = _strip_trailing(text)
        if from_publisher:
            doi = _PUBLISHER_VIEW.sub("", doi)
            doi = _PREPRINT_VERSION.sub(r"\1", doi)
        doi = doi.lower()
        if DOI_PATTERN.match(doi):
            return doi
    if not found_any:
        raise InvalidIdentifier(f"“{value}” does not contain a DOI (they start with 10.).")
    raise InvalidIdentifier(f"“{value}” is not a well-formed DOI.")


def doi_from_url(url: str) -> str | None:
    """The DOI inside a doi.org or publisher URL, if there is one."""
    try:
        return normalize_doi(url)
    except InvalidIdentifier:
        return None


def normalize_pmid(value: str | int) -> str:
    text = str(value).strip()
    text = re.sub(r"^(?:PMID:?\s*)", "", text, flags=re.IGNORECASE)
    # ASCII digits only: str.isdigit() also accepts "²" and other scripts' digits.
    if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) <= 0:
        raise InvalidIdentifier(f"“{value}” is not a PubMed ID (a positive whole number).")
    return str(int(text))


def normalize_pmcid(value: str) -> str:
    match = _PMCID.match((value or "").strip())
    if not match or int(match.group(1)) <= 0:
        raise InvalidIdentifier(f"“{value}” is not a PubMed Central ID (like PMC1234567).")
    return f"PMC{int(match.group(1))}"


def normalize_isbn(value: str) -> str:
    """ISBN-13 with a valid check digit (ISBN-10s are converted)."""
    text = re.sub(r"^ISBN(?:-1[03])?:?", "", (value or "").strip(), flags=re.IGNORECASE)
    digits = re.sub(r"[\s-]", "", text).upper()
    if len(digits) == 10 and re.fullmatch(r"[0-9]{9}[0-9X]", digits):
        if sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits)) % 11:
            raise InvalidIdentifier(f"“{value}” has a wrong ISBN-10 check digit.")
        digits = "978" + digits[:9]
        digits += str((10 - sum((1, 3)[i % 2] * int(c) for i, c in enumerate(digits)) % 10) % 10)
    if not re.fullmatch(r"97[89][0-9]{10}", digits):
        raise InvalidIdentifier(f"“{value}” is not an ISBN-13.")
    if sum((1, 3)[i % 2] * int(c) for i, c in enumerate(digits)) % 10:
        raise InvalidIdentifier(f"“{value}” has a wrong ISBN-13 check digit.")
    return digits
