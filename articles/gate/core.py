"""Findings, the check registry, and running the gate over one revision."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

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
        """Every block of reader-visible text, in reading order (see articles.gate.text)."""
        from articles.gate.text import html_blocks, text_block

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


def _subject(obj, revision, stage: str, reviewer) -> Subject:
    from articles.models import Prompt
    from evidence.models import Source

    revision = revision or obj.latest_revision
    content = revision.content if revision is not None else obj.revision_content()
    ids = [c["source"]["id"] for c in content.get("citations") or []]
    # Only the live facts the checks read: a source's registry record can be large.
    sources = Source.objects.only(*LIVE_SOURCE_FIELDS).in_bulk(ids) if ids else {}
    prompt_ids = [p["prompt"] for p in content.get("prompts") or []]
    prompts = (
        Prompt.objects.select_related("latest_revision", "live_revision").in_bulk(prompt_ids)
        if prompt_ids
        else {}
    )
    return Subject(
        obj=obj,
        content=content,
        sources=sources,
        stage=stage,
        reviewer=reviewer,
        prompts=prompts,
    )


def run(obj, *, revision=None, stage: str = "review", reviewer=None) -> list[Finding]:
    """Every finding for `revision` (default: the latest) of `obj`, overrides applied.

    At most four queries, whatever the length of the content or the number of citations: the
    cited sources, the placed prompts, the reviewer's profile (approve stage), the recorded
    overrides (only when a finding could be overridden); plus the content type the first time
    (Django caches it)."""
    from articles.gate import checks  # noqa: F401  (registers the checks)
    from articles.gate.overrides import apply_overrides

    if stage not in STAGES:
        raise ValueError(f"Unknown gate stage {stage!r}; expected one of {', '.join(STAGES)}.")
    subject = _subject(obj, revision, stage, reviewer)
    findings: list[Finding] = []
    for fn in CHECKS:
        stages = getattr(fn, "gate_stages", None)
        if stages is None or stage in stages:
            findings.extend(fn(subject))
    return apply_overrides(obj, findings)


def blockers(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == Severity.BLOCKER]


def warnings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == Severity.WARNING]
