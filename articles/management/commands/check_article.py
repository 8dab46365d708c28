"""`manage.py check_article SLUG [--json]`: the publication gate on an article's latest revision.

The same findings the review screen shows and publish acts on. Writes nothing. Exits 0 whatever
the findings (use `publishable` in the JSON to decide); an unknown slug is a one-line error and a
non-zero exit.
"""

from __future__ import annotations

import json
import textwrap

from django.core.management.base import BaseCommand, CommandError

from articles import gate, workflow
from articles.models import Article

SEVERITY_ORDER = {gate.Severity.BLOCKER: 0, gate.Severity.WARNING: 1, gate.Severity.INFO: 2}
MESSAGE_WIDTH = 72


class Command(BaseCommand):
    help = (
        "Run the publication gate on an article's latest revision and list its findings "
        "(--json for tools)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="The article's slug, as in /articles/<slug>/.")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, slug: str, **options) -> None:
        article = (
            Article.objects.select_related("latest_revision").filter(slug=slug.strip()).first()
        )
        if article is None:
            raise CommandError(f"No article has the slug “{slug}”.")
        if article.latest_revision is None:
            raise CommandError(f"“{article}” has no saved revision to check.")
        findings = gate.run(article, revision=article.latest_revision, stage="publish")
        approved = workflow.valid_signature(article) is not None
        result = {
            "slug": article.slug,
            "state": article.state,
            "approved": approved,
            "publishable": approved and not gate.blockers(findings),
            "findings": [finding.as_dict() for finding in findings],
        }
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        self.stdout.write(self._human(article, result, findings))

    def _human(self, article: Article, result: dict, findings: list[gate.Finding]) -> str:
        revision = article.latest_revision
        blockers = len(gate.blockers(findings))
        warnings = len(gate.warnings(findings))
        lines = [
            f"{article.title}",
            f"slug {article.slug} · {article.get_state_display().lower()} · "
            f"revision {revision.number} · "
            f"{'approved' if result['approved'] else 'not approved'} · "
            f"{'publishable' if result['publishable'] else 'not publishable'}",
            f"{blockers} blocker{'s' if blockers != 1 else ''}, "
            f"{warnings} warning{'s' if warnings != 1 else ''}",
        ]
        if not findings:
            lines.append("No findings.")
            return "\n".join(lines)
        ordered = sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])
        widths = (
            max(len("severity"), *(len(f.severity) for f in ordered)),
            max(len("code"), *(len(f.code) for f in ordered)),
            min(28, max(len("location"), *(len(f.location) for f in ordered))),
        )
        header = ("severity", "code", "location", "message")
        lines.append("")
        lines.append(self._row(header, widths))
        lines.append(self._row(tuple("-" * w for w in widths) + ("-" * MESSAGE_WIDTH,), widths))
        for finding in ordered:
            message = textwrap.wrap(finding.message, MESSAGE_WIDTH) or [""]
            location = textwrap.wrap(finding.location, widths[2]) or [""]
            for i in range(max(len(message), len(location))):
                lines.append(
                    self._row(
                        (
                            str(finding.severity) if i == 0 else "",
                            finding.code if i == 0 else "",
                            location[i] if i < len(location) else "",
                            message[i] if i < len(message) else "",
                        ),
                        widths,
                    )
                )
        return "\n".join(lines)

    @staticmethod
    def _row(cells: tuple[str, ...], widths: tuple[int, ...]) -> str:
        padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=False)]
        return "  ".join([*padded, cells[-1]]).rstrip()
