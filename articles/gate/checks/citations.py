"""The body's citation markers against the cited sources: `citation-unresolved` (a marker that
names no cited source, or whose source is gone), `citation-unused` (a cited source no marker uses)
and `citation-unmarked` (a superscript or bracketed number that is only text, so the page would
show a number that links nowhere).

Prompts have no cited sources: any marker in one is unresolved. Markers are read by
`articles.text` from the frozen body; the reader's numbering is the order of first
appearance, which `articles.citations` keeps the citation rows in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.utils.translation import gettext

from articles.gate.checks.sources import describe
from articles.gate.core import Finding, Severity, Subject, check
from articles.text import Block, html_blocks

# A number written as a superscript that is not a marker ("<sup>3</sup>", "<sup>[1,2]</sup>",
# "<sup><a href="#r1">1</a></sup>" from an old site), replaced before the blocks are read by
# private-use characters around the number, so the finding can name its paragraph.
_NUMBERED_SUP = re.compile(
    r"<sup>((?:\s|<(?!/?sup\b)[^>]*>)*\[?\s*\d{1,3}(?:\s*[,–-]\s*\d{1,3})*\s*\]?"
    r"(?:\s|</?(?!sup\b)[^>]*>)*)</sup>"
)
SUP_OPEN, SUP_CLOSE = "\ue002", "\ue003"
_TAGS = re.compile(r"<[^>]+>")
_UNMARKED_SUP = re.compile(f"{SUP_OPEN}([^{SUP_CLOSE}]*){SUP_CLOSE}")
# "[3]", "[1, 2]", "[4–6]" in running text: a reference number typed by hand.
_BRACKETED = re.compile(r"\[\s*\d{1,3}(?:\s*[,–-]\s*\d{1,3})*\s*\]")


def _plain_superscripts(html: str) -> str:
    return _NUMBERED_SUP.sub(
        lambda m: f"{SUP_OPEN}{_TAGS.sub('', m.group(1)).strip()}{SUP_CLOSE}", html
    )


def _body_field(subject: Subject) -> str:
    return subject.content.get("body", "") or ""


def _marked_blocks(subject: Subject) -> list[Block]:
    return [b for b in subject.blocks if b.field == "body" and b.keys]


@check
def citation_unresolved(subject: Subject) -> Iterator[Finding]:
    cited = {c.get("key", ""): c for c in subject.citations}
    reported: set[tuple[str, str]] = set()
    for block in _marked_blocks(subject):
        for key in block.keys:
            if (block.location, key) in reported:
                continue
            reported.add((block.location, key))
            citation = cited.get(key)
            if subject.kind == "prompt":
                message = gettext(
                    "A prompt cannot cite sources, but this one has a citation marker. Delete "
                    "the marker, or move the statement it supports into an article."
                )
            elif citation is None:
                message = gettext(
                    "A citation marker here names no cited source, so readers would see a number "
                    "that leads nowhere. Delete the marker and cite the source again with “Cite”."
                )
            elif (citation.get("source") or {}).get("id") not in subject.sources:
                message = gettext(
                    "A citation marker here cites a source that is no longer in the library. "
                    "Delete the marker and cite the source again with “Cite”."
                )
            else:
                continue
            yield Finding("citation-unresolved", Severity.BLOCKER, message, block.location)


@check
def citation_unused(subject: Subject) -> Iterator[Finding]:
    if subject.kind != "article":
        return
    used = {key for block in _marked_blocks(subject) for key in block.keys}
    for number, citation in enumerate(subject.citations, start=1):
        if citation.get("key", "") in used:
            continue
        source = describe(citation.get("source") or {})
        yield Finding(
            "citation-unused",
            Severity.BLOCKER,
            gettext(
                "%(source)s is a cited source, but no sentence cites it. Put the cursor after the "
                "sentence it supports and cite it with “Cite”, or remove it from the cited sources."
            )
            % {"source": source},
            gettext("reference %(number)s") % {"number": number},
        )


@check
def citation_unmarked(subject: Subject) -> Iterator[Finding]:
    body = _body_field(subject)
    if "<sup>" not in body and "[" not in body:
        return
    for block in html_blocks("body", _plain_superscripts(body)):
        found = [
            gettext("superscript %(number)s") % {"number": n}
            for n in _UNMARKED_SUP.findall(block.raw)
        ]
        found += [f"“{n}”" for n in _BRACKETED.findall(_UNMARKED_SUP.sub("", block.text))]
        if not found:
            continue
        what = ", ".join(found[:3]) + (" " + gettext("and more") if len(found) > 3 else "")
        yield Finding(
            "citation-unmarked",
            Severity.BLOCKER,
            gettext(
                "The %(what)s here looks like a reference number but is only text, so it links "
                "to no "
                "source. Delete it and cite the source with “Cite”."
            )
            % {"what": what},
            block.location,
        )


def unmarked_numbers(body: str) -> list[str]:
    """Every superscript or bracketed number in `body` that is not a citation marker."""
    found = []
    for block in html_blocks("body", _plain_superscripts(body or "")):
        found += _UNMARKED_SUP.findall(block.raw)
        found += _BRACKETED.findall(_UNMARKED_SUP.sub("", block.text))
    return found


def citation_problems(body: str, cited_keys: list[str], markers: list[str]) -> list[str]:
    """A one-line summary of what the three checks would report, for the data migration's report
    (it runs without the models the gate reads)."""
    problems = []
    if unresolved := [k for k in markers if k not in cited_keys]:
        problems.append(f"markers naming no cited source: {', '.join(unresolved)}")
    if unused := [k for k in cited_keys if k not in markers]:
        problems.append(f"cited sources no marker uses: {', '.join(unused)}")
    if unmarked := unmarked_numbers(body):
        problems.append(f"numbers that are not markers: {', '.join(unmarked[:5])}")
    return problems
