"""`manage.py verify_sources [--json]`: check every source with a DOI or PMID against Crossref
and PubMed. The work is `evidence.verification.verify_sources`; this only reports it."""

from __future__ import annotations

import json
from collections import Counter

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from evidence.models import Source, VerificationStatus
from evidence.registry import RegistryClient, RegistryConfigError
from evidence.verification import Outcome, verify_sources


class ProgressBar:
    """Progress on stderr, so stdout stays clean for --json. Redrawn in place on a terminal; on
    a pipe or in a log, one line per tenth of the work instead of one per source."""

    def __init__(self, stream: OutputWrapper, label: str = "Checking sources", width: int = 30):
        self.stream = stream
        self.label = label
        self.width = width
        self.tty = stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if total == 0:
            return
        if self.tty:
            filled = self.width * done // total
            bar = "#" * filled + "." * (self.width - filled)
            end = "\n" if done == total else ""
            self._write(f"\r{self.label} [{bar}] {done}/{total}{end}")
        elif done == total or (done and done % max(1, total // 10) == 0):
            self._write(f"{self.label}: {done}/{total}\n")

    def _write(self, text: str) -> None:
        self.stream.write(text, style_func=lambda s: s, ending="")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Check every source with a DOI or PMID against Crossref and PubMed: verified, mismatch "
        "(with the differing fields), retracted, not-found or unreachable."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--json",
            action="store_true",
            help='Print {"checked": N, "results": [{"source", "doi", "pmid", "status", '
            '"details"}]} on stdout.',
        )

    def handle(self, *args, **options) -> None:
        try:
            client = RegistryClient()  # checks the registry settings before anything is asked
        except RegistryConfigError as exc:
            raise CommandError(str(exc)) from exc
        with client:
            outcomes = verify_sources(
                Source.objects.with_identifier().order_by("pk"),
                client=client,
                progress=ProgressBar(self.stderr),
            )
        if options["json"]:
            payload = {"checked": len(outcomes), "results": [o.as_json() for o in outcomes]}
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        for line in report_lines(outcomes):
            self.stdout.write(line)


def report_lines(outcomes: list[Outcome]) -> list[str]:
    if not outcomes:
        return ["No sources with a DOI or PMID to check."]
    counts = Counter(o.status for o in outcomes)
    order = [s for s in VerificationStatus.values if s in counts]
    lines = [
        f"Checked {len(outcomes)} sources: " + ", ".join(f"{counts[s]} {s}" for s in order) + "."
    ]
    for o in outcomes:
        if o.status == VerificationStatus.VERIFIED and not o.details:
            continue
        ids = ", ".join(x for x in (o.doi and f"doi {o.doi}", o.pmid and f"pmid {o.pmid}") if x)
        incomplete = " (author list incomplete)" if o.status == VerificationStatus.VERIFIED else ""
        lines.append(f"  source {o.source} ({ids}): {o.status}{incomplete}")
        lines += [
            f"    {d['field']}: written “{d['written']}”, registry “{d['registry']}”"
            if d["written"]
            else f"    {d['field']}: {d['registry']}"
            for d in o.details
        ]
    return lines
