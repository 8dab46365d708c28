"""Normalizing and validating the identifiers that make a source checkable.

Each `normalize_*` returns the canonical form, or raises `InvalidIdentifier` with a message that
says what is wrong. None of this touches the network.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

# Crossref's recommended pattern for modern DOIs (their "1.0" regex), anchored.
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/[-._;()/:a-z0-9<>\[\]]+$", re.IGNORECASE)
_DOI_IN_TEXT = re.compile(r"10\.\d{4,9}/[^\s\"'<>]+", re.IGNORECASE)
_DOI_PREFIXES = re.compile(
    r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/|https?://(?:www\.)?doi\.org/)", re.IGNORECASE
)
_TRAILING = ".,;:)]}>\"'"
_PMCID = re.compile(r"^(?:PMC)?(\d{1,9})$", re.IGNORECASE)


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


def normalize_doi(value: str) -> str:
    """`10.1186/abc`, `doi:10.1186/ABC`, `https://doi.org/10.1186/abc.` → `10.1186/abc`."""
    text = unquote((value or "").strip())
    text = _DOI_PREFIXES.sub("", text)
    if not text.startswith("10."):
        found = _DOI_IN_TEXT.search(text)
        if not found:
            raise InvalidIdentifier(f"“{value}” does not contain a DOI (they start with 10.).")
        text = found.group(0)
    doi = _strip_trailing(text).lower()
    if not DOI_PATTERN.match(doi):
        raise InvalidIdentifier(f"“{value}” is not a well-formed DOI.")
    return doi


def doi_from_url(url: str) -> str | None:
    """The DOI inside a doi.org or publisher URL, if there is one."""
    try:
        return normalize_doi(url)
    except InvalidIdentifier:
        return None


def normalize_pmid(value: str | int) -> str:
    text = str(value).strip()
    text = re.sub(r"^(?:PMID:?\s*)", "", text, flags=re.IGNORECASE)
    if not text.isdigit() or int(text) <= 0 or len(text) > 9:
        raise InvalidIdentifier(f"“{value}” is not a PubMed ID (a positive whole number).")
    return str(int(text))


def normalize_pmcid(value: str) -> str:
    match = _PMCID.match((value or "").strip())
    if not match or int(match.group(1)) <= 0:
        raise InvalidIdentifier(f"“{value}” is not a PubMed Central ID (like PMC1234567).")
    return f"PMC{int(match.group(1))}"


def normalize_isbn(value: str) -> str:
    """ISBN-13 with a valid check digit (ISBN-10s are converted)."""
    digits = re.sub(r"[\s-]", "", (value or "")).upper()
    if len(digits) == 10 and re.fullmatch(r"\d{9}[\dX]", digits):
        if sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits)) % 11:
            raise InvalidIdentifier(f"“{value}” has a wrong ISBN-10 check digit.")
        digits = "978" + digits[:9]
        digits += str((10 - sum((1, 3)[i % 2] * int(c) for i, c in enumerate(digits)) % 10) % 10)
    if not re.fullmatch(r"97[89]\d{10}", digits):
        raise InvalidIdentifier(f"“{value}” is not an ISBN-13.")
    if sum((1, 3)[i % 2] * int(c) for i, c in enumerate(digits)) % 10:
        raise InvalidIdentifier(f"“{value}” has a wrong ISBN-13 check digit.")
    return digits
