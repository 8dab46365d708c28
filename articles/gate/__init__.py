"""The publication gate: one registry of small checks that every path shares.

Submit and publish refuse on blockers; the review screen, the import report and
`manage.py check_article` show the same findings. Checks live in `articles/gate/checks/`, one
module per concern, each registering functions with `@check`.

Finding codes are stable (tools and tests rely on them); see the brief for the list.
"""

from __future__ import annotations

from articles.gate.core import CHECKS, Finding, Severity, Subject, blockers, check, run

__all__ = ["CHECKS", "Finding", "Severity", "Subject", "blockers", "check", "run"]
