"""`missing-reviewer-credentials` (approve stage): the public page names the reviewer with their
credentials, so a reviewer with none on file cannot sign."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext

from articles.gate.core import Finding, Severity, Subject, check
from articles.models.content import credentials, display_name


@check(stages={"approve"})
def missing_reviewer_credentials(subject: Subject) -> Iterator[Finding]:
    reviewer = subject.reviewer
    if reviewer is None or credentials(reviewer).strip():
        return
    yield Finding(
        "missing-reviewer-credentials",
        Severity.BLOCKER,
        gettext(
            "%(reviewer)s has no credentials on file, and the public page shows the "
            "approving reviewer's credentials. Ask an admin to add them to the reviewer's profile "
            "(for example “MD, neurology”), then sign."
        )
        % {"reviewer": display_name(reviewer)},
        "approving reviewer",
    )
