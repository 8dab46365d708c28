"""Applying recorded overrides to findings. Recording one is a workflow action:
`articles.workflow.override_finding`."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from articles.gate.core import Finding, Severity

# The codes a medical reviewer may override. Only claims, and whether a once password-protected
# post may be public, are a matter of judgement; a missing source, a retracted study or an
# unapproved prompt is fixed, not overridden.
OVERRIDABLE_CODES = frozenset({"unsupported-claim", "protected-origin"})


def sentence_hash(sentence: str) -> str:
    return hashlib.sha256(sentence.encode("utf-8")).hexdigest()


def overrides_for(obj) -> dict[tuple[str, str], object]:
    from django.contrib.contenttypes.models import ContentType

    from articles.models import GateOverride

    if obj.pk is None:
        return {}
    rows = GateOverride.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).order_by("created_at", "pk")
    return {(row.code, row.sentence_hash): row for row in rows}


def apply_overrides(obj, findings: list[Finding]) -> list[Finding]:
    """Findings with each overridden one reported as information, saying who and why."""
    if not any(f.overridable for f in findings):
        return findings
    recorded = overrides_for(obj)
    if not recorded:
        return findings
    result = []
    for finding in findings:
        row = (
            recorded.get((finding.code, sentence_hash(finding.excerpt)))
            if finding.overridable
            else None
        )
        if row is not None:
            finding = replace(
                finding,
                severity=Severity.INFO,
                message=f"{finding.message} — overridden by {row.reviewer_name}: {row.reason}",
                overridable=False,
            )
        result.append(finding)
    return result
