import json

from django.core.management.base import BaseCommand, CommandError

from evidence.importers import FORMATS, ImportReport, UnreadableFile, import_path
from evidence.models import first_author_name

POLICY = (
    "Sources are matched by DOI or PubMed ID (entries with neither: by ISBN, web address, or "
    "title, year and first author). A match only fills in the source's blank fields; an entry "
    "that differs from what a source already says is not imported, and nothing is overwritten."
)


def _describe(source) -> str:
    first = first_author_name(source.authors)
    label = " ".join(str(p) for p in (first, source.year) if p)
    title = source.title or source.doi or source.url or source.isbn
    title = title if len(title) <= 80 else title[:79] + "…"
    return f"{label}: {title}" if label else title


def render(report: ImportReport) -> str:
    """The report a person reads: what was imported, what was not, and why."""
    entries = len(report.outcomes) + len(report.errors)
    lines = [
        f"{report.path} ({FORMATS.get(report.format, report.format)}): {entries} entries — "
        f"{report.count('created')} created, {report.count('updated')} updated, "
        f"{report.count('duplicate')} already present, {len(report.errors)} not imported.",
        POLICY,
    ]
    sections = (
        ("created", "Created"),
        ("updated", "Updated (blank fields filled in)"),
        ("duplicate", "Already present (nothing new)"),
    )
    for status, heading in sections:
        outcomes = [o for o in report.outcomes if o.status == status]
        if not outcomes:
            continue
        lines += ["", f"{heading}: {len(outcomes)}"]
        for o in outcomes:
            detail = f"source {o.source.pk}: {_describe(o.source)}"
            if o.matched:
                detail += f" (same {o.matched_by} as {o.matched}"
                detail += f"; filled {', '.join(o.filled)})" if o.filled else ")"
            lines.append(f"  {o.label} → {detail}")
    if report.warnings:
        lines += ["", f"Imported with a warning: {len(report.warnings)}"]
        lines += [f"  {w.entry}: {w.message}" for w in report.warnings]
    lines += ["", f"Not imported: {len(report.errors)}"]
    lines += [f"  {e.entry}: {e.message}" for e in report.errors] or ["  (none)"]
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Import a BibTeX, RIS, MEDLINE (.nbib) or CSL-JSON file into sources, merging entries "
        "that name the same work by DOI or PubMed ID. The format is read from the content. "
        "Entries with problems are listed and skipped; the rest are imported. A file that cannot "
        "be read at all exits with an error and changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="the reference file")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options) -> None:
        try:
            report = import_path(options["path"])
        except UnreadableFile as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
        else:
            self.stdout.write(render(report))
