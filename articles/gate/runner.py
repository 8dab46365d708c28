"""Running the gate over one revision: load what the checks look at, run every registered check
for the stage, apply recorded overrides.

Importing this module registers the checks (`articles.gate.checks`), so the registry
(`articles.gate.core`) never has to import its own checks or the overrides built on it."""

from __future__ import annotations

from articles.gate import checks  # noqa: F401  (registers the checks)
from articles.gate.core import CHECKS, LIVE_SOURCE_FIELDS, STAGES, Finding, Subject
from articles.gate.overrides import apply_overrides
from articles.models import Prompt
from evidence.models import Source


def subject_for(obj, revision, stage: str, reviewer) -> Subject:
    """What the checks look at for `revision` (default: the latest) of `obj`, in two queries."""
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
    if stage not in STAGES:
        raise ValueError(f"Unknown gate stage {stage!r}; expected one of {', '.join(STAGES)}.")
    subject = subject_for(obj, revision, stage, reviewer)
    findings: list[Finding] = []
    for fn in CHECKS:
        stages = getattr(fn, "gate_stages", None)
        if stages is None or stage in stages:
            findings.extend(fn(subject))
    return apply_overrides(obj, findings)
