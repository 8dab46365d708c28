"""The publication gate: one registry of small checks that every path shares.

Submit, approve and publish refuse on blockers (`articles.workflow.GateBlocked`); the review
screen, the import report and `manage.py check_article` show the same findings. Checks live in
`articles/gate/checks/`, one module per concern, each registering functions with `@check`; the
phrase rules they use are data, in `articles/gate/claims.toml`.

Finding codes are stable (tools and tests rely on them); see the brief for the list.
"""

from __future__ import annotations

from articles.gate.core import (
    CHECKS,
    STAGES,
    Finding,
    Severity,
    Subject,
    blockers,
    check,
    warnings,
)
from articles.gate.runner import run

__all__ = [
    "CHECKS",
    "STAGES",
    "Finding",
    "Severity",
    "Subject",
    "blockers",
    "check",
    "run",
    "warnings",
]
