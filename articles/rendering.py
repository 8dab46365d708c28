"""How a frozen revision reads on the public page: numbered citation markers that link to an AMA
reference list. It works from the revision's content alone, so the page shows exactly what the
reviewer signed and costs no queries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape

from evidence.models import EVIDENCE_IN_PLAIN_WORDS
from evidence.references import ReferenceEntry, format_references

# The sanitizer stores markers in exactly this form (bleach serializes attributes consistently).
_MARKER = re.compile(r'<sup data-citation="([^"]+)">.*?</sup>', re.DOTALL)
_DOI_TEXT = re.compile(r"doi:[^\s<]+")


@dataclass(frozen=True)
class Reference:
    entry: ReferenceEntry
    evidence: str  # the kind of evidence, in plain words

    @property
    def anchor(self) -> str:
        return f"ref-{self.entry.number}"

    @property
    def html(self) -> str:
        """The AMA entry with its "doi:…" made the link to the study, so the DOI is printed once
        and followed from where a reader expects it."""
        if not self.entry.doi_url:
            return self.entry.html
        return _DOI_TEXT.sub(
            lambda m: f'<a href="{escape(self.entry.doi_url)}">{m.group(0)}</a>', self.entry.html, 1
        )


def references(content: dict[str, Any]) -> list[Reference]:
    citations = content.get("citations", [])
    entries = format_references([citation["source"] for citation in citations])
    return [
        Reference(entry, EVIDENCE_IN_PLAIN_WORDS.get(citation["source"].get("kind"), ""))
        for entry, citation in zip(entries, citations, strict=True)
    ]


def body_with_linked_markers(content: dict[str, Any]) -> str:
    """The body with each citation marker turned into its reference number, linked to the entry.
    A marker naming no citation keeps its text but links nowhere (the gate reports it)."""
    numbers = {c["key"]: n for n, c in enumerate(content.get("citations", []), start=1)}

    def link(match: re.Match) -> str:
        number = numbers.get(match.group(1))
        if number is None:
            return match.group(0)
        return (
            f'<sup class="citation"><a href="#ref-{number}" '
            f'aria-label="Reference {number}">{number}</a></sup>'
        )

    return _MARKER.sub(link, content.get("body", ""))
