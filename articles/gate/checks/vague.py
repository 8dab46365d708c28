"""`vague-source`: a publisher or database named instead of a reference ("(Oxford Academic)",
"(PubMed)"), or research invoked without saying which ("studies have shown") with no citation
marker in the same sentence. One finding per sentence, located at its paragraph.

In a research summary, "the authors note that studies have shown…" reports the summarized study
(which cites its own sources), so the phrase is not a finding there; a publisher in parentheses
still is. In a page that cites an authoritative source (`cites_authority`), an uncited "studies
have shown" is a warning, not a blocker (decision recorded in claims.toml [vague_source]).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from django.utils.translation import gettext

from articles.gate.analysis import attributed, quote
from articles.gate.core import Finding, Severity, Subject, check
from articles.gate.rules import lowered, rules

_CAPITAL_WORD = re.compile(r"\b[A-Z][\w-]*")


def _defines_acronym(text: str, start: int, name: str) -> bool:
    """ "…the National Institutes of Health (NIH)": the parentheses spell out an acronym, they do
    not cite anything."""
    if not name.isupper() or len(name) < 2:
        return False
    before = _CAPITAL_WORD.findall(text[:start])
    initials = "".join(word[0] for word in before[-len(name) :])
    return initials == name


def vague_mentions(text: str, allow_phrase: bool) -> list[str]:
    """What in `text` points at a publisher or at unnamed research, as written."""
    r = rules()
    low = lowered(text)
    found = []
    for match in r.vague_publisher.finditer(low):
        group = "paren" if match.group("paren") else "according"
        name = text[match.start(group) : match.end(group)]
        if group == "paren" and _defines_acronym(text, match.start(), name):
            continue
        found.append(text[match.start() : match.end()].strip())
    if not allow_phrase:
        found.extend(text[m.start() : m.end()] for m in r.vague_phrase.finditer(low))
    return found


def cites_authority(subject: Subject) -> bool:
    """The page cites at least one authoritative source: a guideline or review, a study with a
    DOI or PubMed ID, or a page of a public-health host (claims.toml [vague_source])."""
    hosts = rules().authoritative_hosts
    for citation in subject.citations:
        source = citation.get("source") or {}
        if source.get("doi") or source.get("pmid"):
            return True
        if source.get("kind") in ("guideline", "systematic_review"):
            return True
        host = (urlsplit(source.get("url") or "").hostname or "").casefold()
        if host and any(host == h or host.endswith("." + h) for h in hosts):
            return True
    return False


@check
def vague_source(subject: Subject) -> Iterator[Finding]:
    reports_study = attributed(subject)
    authority = cites_authority(subject)
    for b, block in enumerate(subject.blocks):
        for s, sentence in enumerate(block.sentences):
            if sentence.cited:
                continue
            publishers = vague_mentions(sentence.text, allow_phrase=True)
            phrases = []
            if (b, s) not in reports_study:
                phrases = vague_mentions(sentence.text, allow_phrase=False)[len(publishers) :]
            if publishers or (phrases and not authority):
                named = ", ".join(f"“{f}”" for f in publishers + phrases)
                yield Finding(
                    "vague-source",
                    Severity.BLOCKER,
                    gettext(
                        "%(quote)s points to %(named)s instead of a reference a reader "
                        "can follow. Cite the specific study (add it as a source with its DOI or "
                        "PubMed ID and mark this sentence with its citation), or remove the "
                        "statement."
                    )
                    % {"quote": quote(sentence.text), "named": named},
                    block.location,
                    excerpt=sentence.text,
                )
            elif phrases:
                named = ", ".join(f"“{f}”" for f in phrases)
                yield Finding(
                    "vague-source",
                    Severity.WARNING,
                    gettext(
                        "%(quote)s says %(named)s without marking which study. The page "
                        "cites an authoritative source; check that it is what the sentence means, "
                        "and mark the sentence with its citation if it is."
                    )
                    % {"quote": quote(sentence.text), "named": named},
                    block.location,
                    excerpt=sentence.text,
                )
