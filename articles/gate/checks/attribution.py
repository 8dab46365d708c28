"""`attribution-mismatch`: the text names a study by its authors ("Lu et al.", "Mesa Bedoya et
al.’s", "Smith and Jones found") and no cited source has that first author.

Names are compared without accents, case or hyphens, and a compound surname matches either way
round ("Bedoya et al." and family "Mesa Bedoya"), so only a real mismatch is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.utils.translation import gettext

from articles.gate.analysis import fold, quote
from articles.gate.core import Finding, Severity, Subject, check

_ET_AL = re.compile(r"\bet\.?\s+al\b\.?(?:[’']s)?|\band\s+(?:colleagues|co-?workers|co-?authors)\b")
# "Smith and Jones" names a study only when it is followed by a possessive, a year in brackets or
# a reporting verb ("Smith and Jones found"); "Recovery and Monitoring" is a heading. Searched from
# each " and " outwards, which is much cheaper than testing every word as a possible surname.
_AND = re.compile(r" (?:and|&) ")
_WORD_BEFORE = re.compile(r"([^\W\d_][\w’'-]*)$")
_SECOND_AUTHOR = re.compile(
    r"([^\W\d_][\w’'-]*)(?=[’']s\b|\s+\(\d{4}[a-z]?\)|\s+(?:found|find|showed|show|shows|"
    r"reported|report|reports|concluded|conclude|concludes|suggested|suggest|suggests|demonstrated|"
    r"demonstrate|observed|noted|described|argued|proposed|wrote|studied|examined|analy[sz]ed|"
    r"investigated|compared|summari[sz]ed|explored|explore|explained)\b)"
)


def two_authors(text: str) -> list[tuple[str, str]]:
    """("Smith", "Jones") for each "Smith and Jones found…" in `text`."""
    found = []
    for match in _AND.finditer(text):
        end = match.end()
        if end >= len(text) or not text[end].isupper():
            continue
        before = _WORD_BEFORE.search(text[max(0, match.start() - 40) : match.start()])
        if before is None or not before.group(1)[0].isupper():
            continue
        second = _SECOND_AUTHOR.match(text, end)
        if second is not None:
            found.append((before.group(1), second.group(1)))
    return found


# Lower-case words that belong inside surnames: "van der Berg", "de la Cruz".
PARTICLES = frozenset(
    {"de", "da", "das", "del", "della", "der", "den", "di", "do", "dos", "du", "la", "le", "van",
     "von", "ter", "ten", "y", "bin", "ibn"}
)  # fmt: skip
# Capitalized words that open a sentence or clause and are never part of the name before "et al."
LEADING = frozenset(
    {"in", "as", "according", "the", "a", "an", "by", "from", "while", "however", "also", "and",
     "but", "since", "like", "unlike", "per", "for", "on", "at", "of", "with", "when", "where",
     "although", "though", "both", "then", "here", "there", "this", "that", "these", "study",
     "review", "trial", "authors", "researchers", "dr", "prof", "professor"}
)  # fmt: skip
MAX_NAME_WORDS = 4


def _name_before(prefix: str) -> str:
    """The surname written just before "et al.": the run of capitalized words (and particles)
    ending at the end of `prefix`, with sentence openers like "In" or "According" dropped."""
    words: list[str] = []
    for token in reversed(prefix.rstrip().split()):
        if len(words) == MAX_NAME_WORDS:
            break
        if words and token[-1:] in ',;:.!?)”"':
            break
        bare = token.strip("“”\"'(")
        if not bare:
            break
        if bare[0].isupper() or (words and bare.casefold() in PARTICLES):
            words.insert(0, bare)
        else:
            break
    while words and (words[0].casefold().strip(".") in LEADING or words[0].casefold() in PARTICLES):
        words.pop(0)
    return " ".join(words)


def _first_authors(subject: Subject) -> list[tuple[int, str]]:
    """(reference number, first author's family name) of each cited source that lists authors."""
    result = []
    for number, citation in enumerate(subject.citations, start=1):
        authors = (citation.get("source") or {}).get("authors") or []
        if authors and isinstance(authors[0], dict):
            family = authors[0].get("family") or authors[0].get("literal") or ""
            if family.strip():
                result.append((number, family))
    return result


def _same_name(written: str, family: str) -> bool:
    a, b = fold(written), fold(family)
    if not a or not b:
        return False
    return a == b or a.endswith(f" {b}") or b.endswith(f" {a}")


def _mentions(subject: Subject) -> Iterator[tuple[object, str, str, str]]:
    """(block, surname, as written, sentence) of every author attribution in the text."""
    for block in subject.blocks:
        for sentence in block.sentences:
            text = sentence.text
            for match in _ET_AL.finditer(text):
                name = _name_before(text[: match.start()])
                if name:
                    yield block, name, f"{name} et al.", text
            if block.kind == "heading":
                continue
            for first, second in two_authors(text):
                if first.casefold() not in LEADING:
                    yield block, first, f"{first} and {second}", text


@check
def attribution_mismatch(subject: Subject) -> Iterator[Finding]:
    if subject.kind != "article":
        return
    # A cited source without authors (a web page, a title) vouches for no one: "Moreno et al.
    # found…" must match a cited source's first author, whatever else the page cites.
    first_authors = _first_authors(subject)
    reported: set[tuple[str, str]] = set()
    for block, name, written, sentence in _mentions(subject):
        if any(_same_name(name, family) for _number, family in first_authors):
            continue
        if (block.location, fold(name)) in reported:
            continue
        reported.add((block.location, fold(name)))
        if first_authors:
            listed = "; ".join(
                gettext("reference %(number)s lists %(family)s first")
                % {"number": n, "family": family}
                for n, family in first_authors
            )
            message = gettext(
                "The text credits “%(written)s” (%(quote)s), but no cited source "
                "has %(name)s as its first author (%(listed)s). Check who wrote the study: correct "
                "the name in the text, or correct the reference (its registry record shows the "
                "real authors)."
            ) % {"written": written, "quote": quote(sentence, 80), "name": name, "listed": listed}
        elif subject.citations:
            message = gettext(
                "The text credits “%(written)s” (%(quote)s), but no cited source "
                "lists its authors, so none is that study. Cite the study it refers to, with "
                "its authors."
            ) % {"written": written, "quote": quote(sentence, 80)}
        else:
            message = gettext(
                "The text credits “%(written)s” (%(quote)s), but no source is cited. "
                "Cite the study it refers to."
            ) % {"written": written, "quote": quote(sentence, 80)}
        yield Finding("attribution-mismatch", Severity.BLOCKER, message, block.location)
