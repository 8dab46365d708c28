"""Findings, the check registry, and running the gate over one revision."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


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

    def as_dict(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items()}


@dataclass
class Subject:
    """What the checks look at: one revision's frozen content, and the live state of the sources
    it cites (retraction and verification change after a revision is frozen)."""

    obj: Any  # the Article or Prompt
    content: dict[str, Any]  # the revision's content (see revision_content())
    sources: dict[int, Any] = field(default_factory=dict)  # Source rows by id
    stage: str = "review"  # "review", "submit", "approve", "publish"
    reviewer: Any = None  # the signing reviewer, at the approve stage

    @property
    def kind(self) -> str:
        return self.obj._meta.model_name  # "article" or "prompt"


Check = Callable[[Subject], Iterable[Finding]]
CHECKS: list[Check] = []


def check(fn: Check) -> Check:
    """Register a check. Order of registration is the order findings are reported in."""
    CHECKS.append(fn)
    return fn


def _subject(obj, revision, stage: str, reviewer) -> Subject:
    from evidence.models import Source

    revision = revision or obj.latest_revision
    content = revision.content if revision is not None else obj.revision_content()
    ids = [c["source"]["id"] for c in content.get("citations", [])]
    sources = Source.objects.in_bulk(ids) if ids else {}
    return Subject(obj=obj, content=content, sources=sources, stage=stage, reviewer=reviewer)


def run(obj, *, revision=None, stage: str = "review", reviewer=None) -> list[Finding]:
    """Every finding for `revision` (default: the latest) of `obj`."""
    from articles.gate import checks  # noqa: F401  (registers the checks)

    subject = _subject(obj, revision, stage, reviewer)
    findings: list[Finding] = []
    for fn in CHECKS:
        findings.extend(fn(subject))
    return findings


def blockers(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == Severity.BLOCKER]
