"""The phrase rules in `claims.toml`, loaded and compiled once per process.

Patterns are matched against lower-cased text (`lowered`), which lets the regular-expression
engine scan several times faster than case-insensitive matching; a category marked
`case_sensitive` is matched against the text as written. Lower-casing keeps every offset, so a
match's position is the same in both.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from articles.gate.core import Severity

RULES_FILE = Path(__file__).with_name("claims.toml")


@dataclass(frozen=True)
class ClaimCategory:
    name: str
    label: str
    severity: Severity
    citation_supports: bool  # a citation marker in the sentence supports it
    overridable: bool  # a medical reviewer may record an override
    case_sensitive: bool  # matched against the text as written, not lower-cased
    hedged: bool  # "may", "potential"… in the sentence make it a possibility, not a claim
    pattern: re.Pattern
    health: bool = False  # a claim only in a paragraph that speaks of health

    @property
    def absolute(self) -> bool:
        """A promise nothing can support: blocks, cited or not, and cannot be overridden."""
        return (
            self.severity == Severity.BLOCKER
            and not self.citation_supports
            and not self.overridable
        )

    @property
    def needs_review(self) -> bool:
        """Blocks cited or not (a testimonial, "clinically proven"), until a reviewer overrides."""
        return self.severity == Severity.BLOCKER and not self.citation_supports and self.overridable


@dataclass(frozen=True)
class Rules:
    categories: tuple[ClaimCategory, ...]
    any_claim: re.Pattern  # a quick pre-filter: does the text hold any phrase at all?
    negation_words: frozenset[str]
    negation_window: int
    hedge: re.Pattern
    other_nouns: re.Pattern
    other_qualifiers: frozenset[str]
    attribution: re.Pattern
    vague_publisher: re.Pattern
    vague_phrase: re.Pattern
    disclosure_labels: tuple[str, ...]
    health: re.Pattern  # a word that makes a paragraph about health
    authoritative_hosts: tuple[str, ...]  # public-health sites (see [vague_source])
    announcement: re.Pattern  # a product announcement (see [announcement])


_LETTER = re.compile(r"(?<![\\?])[A-Z]")  # not the letter of an escape (\W) or a group (?P<…>)


def _lower(pattern: str) -> str:
    return _LETTER.sub(lambda m: m.group(0).lower(), pattern)


def lowered(text: str) -> str:
    """`text` in lower case, character for character, so offsets stay valid ("İ" lower-cases to
    two characters; such characters are left as they are)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _alternation(phrases: list[str]) -> str:
    return "|".join(f"(?:{_lower(p)})" for p in phrases)


def _words(phrases: list[str]) -> str:
    # "(?=\w)" after the first "\b" lets the engine skip ahead to word starts quickly (about a
    # third faster on long texts than "\b" alone).
    return rf"\b(?=\w)(?:{_alternation(phrases)})\b"


@cache
def rules() -> Rules:
    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    categories = []
    for name, spec in data["claims"].items():
        case_sensitive = spec.get("case_sensitive", False)
        phrases = spec["phrases"]
        as_written = "|".join(f"(?:{p})" for p in phrases)
        pattern = rf"\b(?:{as_written})\b" if case_sensitive else _words(phrases)
        categories.append(
            ClaimCategory(
                name=name,
                label=spec["label"],
                severity=Severity(spec["severity"]),
                citation_supports=spec["citation_supports"],
                overridable=spec["overridable"],
                case_sensitive=case_sensitive,
                hedged=spec.get("hedged", False),
                pattern=re.compile(pattern),
                health=spec.get("health", False),
            )
        )
    # The pre-filter covers the case-sensitive categories too, lower-cased: it only says "look".
    everything = [p for spec in data["claims"].values() for p in spec["phrases"]]
    other = data["other_treatments"]
    vague = data["vague_source"]
    names = "|".join(
        re.escape(n).replace(r"\ ", r"\s+")
        for n in sorted(vague["publishers"], key=len, reverse=True)
    )
    publisher = (
        rf"\(\s*(?:source:\s*|see\s+|via\s+|from\s+)?(?P<paren>{names})(?:[\s,;]+\d{{4}})?\s*\)"
        rf"|\baccording\s+to\s+(?:the\s+)?(?P<according>{names})\b"
    )
    return Rules(
        categories=tuple(categories),
        any_claim=re.compile(_words(everything)),
        negation_words=frozenset(w.casefold() for w in data["negation"]["words"]),
        negation_window=int(data["negation"]["window"]),
        hedge=re.compile(_words([re.escape(w) for w in data["hedges"]["words"]])),
        other_nouns=re.compile(_words([re.escape(n) for n in other["nouns"]])),
        other_qualifiers=frozenset(w.casefold() for w in other["qualifiers"]),
        attribution=re.compile(_words(data["research_summary"]["cues"])),
        vague_publisher=re.compile(_lower(publisher)),
        vague_phrase=re.compile(_words(vague["phrases"])),
        disclosure_labels=tuple(label.casefold() for label in data["disclosure"]["labels"]),
        health=re.compile(_words([re.escape(w) for w in data["health"]["words"]])),
        authoritative_hosts=tuple(h.casefold() for h in vague.get("authoritative_hosts", [])),
        announcement=re.compile(_words(data["announcement"]["phrases"])),
    )
