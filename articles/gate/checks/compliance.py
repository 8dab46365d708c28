"""`missing-compliance-approval` (publish stage): with PROMOTIONAL_SECOND_REVIEW, promotional
content (promotional articles, prompts) is published only once a compliance reviewer has also
signed the exact revision the medical reviewer signed. One query, and only for such content."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from articles.gate.core import Finding, Severity, Subject, check
from articles.models.revisions import Signature, SignatureRole


@check(stages={"publish"})
def missing_compliance_approval(subject: Subject) -> Iterator[Finding]:
    obj = subject.obj
    if not (settings.PROMOTIONAL_SECOND_REVIEW and obj.promotional) or not obj.latest_revision_id:
        return
    revision = obj.latest_revision
    signed = Signature.objects.filter(
        revision=revision,
        role=SignatureRole.COMPLIANCE,
        content_hash=revision.content_hash,
        valid_until__gt=timezone.now(),
    ).exists()
    if not signed:
        yield Finding(
            "missing-compliance-approval",
            Severity.BLOCKER,
            gettext(
                "This is promotional content: a compliance reviewer must also approve this "
                "revision before it is published."
            ),
            "approval",
        )
