"""Findings, what the checks look at, and the check registry. Running the gate over a revision
is `articles.gate.runner.run`, which needs every check registered first."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from articles.text import html_blocks, text_block

STAGES = ("review", "submit", "approve", "publish")


class Severity(StrEnum):
    BLOCKER = "blocker"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str  # plain English: what is wrong, and what to do
    location: str  # where in the content: "body, paragraph 3", "reference 2", "title"
    # The exact sentence a claim finding is about. Overrides are keyed to it, so an override
    # survives re-saves that keep the sentence and lapses when the sentence changes.
    excerpt: str = field(default="", compare=False)
    overridable: bool = field(default=False, compare=False)
    # The other content the finding is about, when fixing it means changing that content (a
    # placed prompt): its model name and id, so a screen can link to it.
    about: tuple[str, int] | None = field(default=None, compare=False)

    def as_dict(self) -> dict[str, str]:
        """The public shape of a finding (check_article --json, the import report)."""
        return {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "location": self.location,
        }


@dataclass
class Subject:
    """What the checks look at: one revision's frozen content, and the live state of what it
    points to (sources are retracted and verified, prompts approved, after a revision is frozen).

    Everything the checks need from the database is loaded here, in a fixed number of queries
    whatever the length of the content or the number of citations."""

    obj: Any  # the Article or Prompt
    content: dict[str, Any]  # the revision's content (see revision_content())
    sources: dict[int, Any] = field(default_factory=dict)  # Source rows by id (LIVE_SOURCE_FIELDS)
    stage: str = "review"  # "review", "submit", "approve", "publish"
    reviewer: Any = None  # the signing reviewer, at the approve stage
    prompts: dict[int, Any] = field(default_factory=dict)  # placed Prompt rows by id

    @property
    def kind(self) -> str:
        return self.obj._meta.model_name  # "article" or "prompt"

    @property
    def article_kind(self) -> str:
        """The article's kind ("research_summary", "patient_guide", "promotional"), or ""."""
        return self.content.get("kind", "") if self.kind == "article" else ""

    @property
    def citations(self) -> list[dict[str, Any]]:
        return self.content.get("citations") or []

    @property
    def placements(self) -> list[dict[str, Any]]:
        return self.content.get("prompts") or []

    @cached_property
    def blocks(self) -> list:
        """Every block of reader-visible text, in reading order (see articles.text)."""
        content = self.content
        if self.kind == "prompt":
            return [
                text_block("headline", content.get("headline", "")),
                *html_blocks("body", content.get("body", "")),
                text_block("button label", content.get("button_label", "")),
            ]
        return [
            text_block("title", content.get("title", "")),
            text_block("summary", content.get("summary", "")),
            *html_blocks("body", content.get("body", "")),
        ]

    @cached_property
    def cited_keys(self) -> frozenset[str]:
        return frozenset(c.get("key", "") for c in self.citations)


# What the checks read from a cited source's row: its verdicts, and every field of its snapshot,
# so they can tell whether the source was edited after the revision froze it (a verdict about the
# row as it is now says nothing about what the revision would publish).
LIVE_SOURCE_FIELDS = (
    "id", "kind", "doi", "pmid", "pmcid", "isbn", "url", "title", "authors", "authors_truncated",
    "journal", "year", "volume", "issue", "pages", "book_title", "editors", "publisher",
    "publisher_place", "accessed", "retracted", "retraction_notice",
    "verification_status", "verification_details",
)  # fmt: skip

Check = Callable[[Subject], Iterable[Finding]]
CHECKS: list[Check] = []


def check(fn: Check | None = None, *, stages: Iterable[str] | None = None):
    """Register a check. Order of registration is the order findings are reported in.

    `@check` runs at every stage; `@check(stages={"approve"})` only at those stages."""

    def register(f: Check) -> Check:
        f.gate_stages = frozenset(stages) if stages is not None else None
        CHECKS.append(f)
        return f

    return register(fn) if fn is not None else register


def blockers(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == Severity.BLOCKER]


def warnings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == Severity.WARNING]
