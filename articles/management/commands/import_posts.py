import json
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from articles.gate import Finding, Severity
from articles.importers import FORMATS, ImportFailed, ImportReport, import_path
from articles.importers.load import ArticleOutcome

POLICY = (
    "Posts that cannot be read are skipped and listed under Errors; the rest of the file is "
    "imported. Everything is imported as a draft; nothing is published."
)


def _codes(findings: list[Finding], severity: Severity) -> str:
    counts = Counter(f.code for f in findings if f.severity == severity)
    return ", ".join(f"{code} ×{n}" if n > 1 else code for code, n in counts.items()) or "—"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _pack(items: list[str], width: int) -> list[str]:
    """Comma-separated items on as few lines of `width` as fit, never splitting an item."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + 2 + len(item) <= width:
            lines[-1] += ", " + item
        else:
            if lines:
                lines[-1] += ","
            lines.append(item)
    return lines or [""]


def _table(
    header: tuple[str, ...], rows: list[tuple[str, ...]], widths: tuple[int, ...], wrap: int = 0
) -> str:
    """Columns of fixed width. The first columns are cut to fit (the details below the tables
    give titles in full); the last `wrap` columns hold finding codes, which are wrapped onto more
    lines instead, because a code cut short is a code nobody can look up."""

    def lines(cells: tuple[str, ...]) -> list[str]:
        columns = []
        for n, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            if n >= len(cells) - wrap:
                columns.append(_pack(cell.split(", "), width))
            else:
                columns.append([_cut(cell, width)])
        height = max(len(column) for column in columns)
        return [
            "  ".join(
                (column[row] if row < len(column) else "").ljust(width)
                for column, width in zip(columns, widths, strict=True)
            ).rstrip()
            for row in range(height)
        ]

    return "\n".join([*lines(header), *(line for row in rows for line in lines(row))])


def render(report: ImportReport, path: str) -> str:
    """The report a person reads: tables first, then each article's findings in full."""
    lines = _summary(report, path)
    lines += ["", "Articles", _articles_table(report)]
    lines += ["", "Prompts", _prompts_table(report)]
    lines += ["", "Sources", _sources_table(report)]
    lines += ["", "Errors", *_errors(report)]
    lines += _images_not_imported(report)
    lines += _possible_prompts(report)
    lines += ["", "Details", *_article_details(report), *_prompt_details(report)]
    return "\n".join(lines)


def _summary(report: ImportReport, path: str) -> list[str]:
    created = Counter(outcome.status for outcome in report.articles)
    new_sources = sum(1 for s in report.sources if s.status == "created")
    media = f", {len(report.media)} images not imported" if report.media is not None else ""
    lines = [
        f"{Path(path).name}: {len(report.articles)} articles "
        f"({', '.join(f'{n} {status}' for status, n in created.items()) or 'none'}), "
        f"{len(report.prompts)} prompts, {len(report.sources)} sources ({new_sources} new), "
        f"{len(report.errors)} errors{media}.",
        POLICY,
    ]
    if report.dry_run:
        lines.append("Dry run: this is what an import would do; nothing was written.")
    return lines


def _kind(outcome: ArticleOutcome) -> str:
    return outcome.article.get_kind_display().lower() if outcome.article else outcome.kind


def _articles_table(report: ImportReport) -> str:
    return _table(
        ("TITLE", "KIND", "STATE", "IMPORT", "BLOCKERS", "WARNINGS"),
        [
            (
                o.title,
                _kind(o),
                o.article.get_state_display().lower() if o.article else "",
                o.status,
                _codes(o.findings, Severity.BLOCKER),
                _codes(o.findings, Severity.WARNING),
            )
            for o in report.articles
        ],
        (40, 16, 11, 9, 34, 32),
        wrap=2,
    )


def _prompts_table(report: ImportReport) -> str:
    if not report.prompts:
        return "(none)"
    return _table(
        ("HEADLINE", "KIND", "STATE", "IMPORT", "APPEARS", "BLOCKERS", "WARNINGS"),
        [
            (
                o.prompt.headline,
                o.prompt.get_kind_display().lower(),
                o.prompt.get_state_display().lower(),
                o.status,
                f"{o.appearances}×",
                _codes(o.findings, Severity.BLOCKER),
                _codes(o.findings, Severity.WARNING),
            )
            for o in report.prompts
        ],
        (30, 18, 11, 9, 7, 24, 20),
        wrap=2,
    )


def _sources_table(report: ImportReport) -> str:
    if not report.sources:
        return "(none)"
    return _table(
        ("ID", "DOI", "IMPORT", "TITLE"),
        [
            (
                "—" if report.dry_run and s.status == "created" else str(s.source.pk),
                s.source.doi or "—",
                "new" if s.status == "created" else "known",
                s.source.title or s.source.as_written,
            )
            for s in report.sources
        ],
        (5, 30, 6, 70),
    )


def _errors(report: ImportReport) -> list[str]:
    return [f"  {e.where}: {e.message}" for e in report.errors] or ["  (none)"]


def _images_not_imported(report: ImportReport) -> list[str]:
    """Only for a WordPress export (`report.media` is None for a text export)."""
    if report.media is None:
        return []
    lines = ["", "Images not imported (removed from the text)"]
    lines += [
        f"  {m.file} (in “{m.post}”"
        + (f" and {len(m.posts) - 1} more" if len(m.posts) > 1 else "")
        + f"): {m.reason}"
        for m in report.media
    ] or ["  (none)"]
    return lines


def _possible_prompts(report: ImportReport) -> list[str]:
    if not report.possible_prompts:
        return []
    lines = ["", "Possible calls to action (kept in the text)"]
    lines += [f"  {p.where}: {p.message}" for p in report.possible_prompts]
    return lines


def _findings(findings: list[Finding]) -> list[str]:
    return [f"  {f.severity} {f.code} at {f.location}: {f.message}" for f in findings]


def _article_details(report: ImportReport) -> list[str]:
    lines = []
    for o in report.articles:
        lines.append(f"“{o.title}” ({o.where})")
        if history := o.details.get("history"):
            lines.append(f"  was {history}; imported as a draft")
        if o.status == "skipped":
            lines.append(f"  skipped: {o.reason}")
        elif o.kind_reason:
            lines.append(f"  {_kind(o)}: {o.kind_reason}")
        lines += _findings(o.findings)
    return lines


def _prompt_details(report: ImportReport) -> list[str]:
    """Only the prompts with something to say."""
    lines = []
    for o in report.prompts:
        if o.findings or o.reason:
            lines.append(f"Prompt “{o.prompt.headline}”")
            if o.reason:
                lines.append(f"  skipped: {o.reason}")
            lines += _findings(o.findings)
    return lines


class ProgressBar:
    """Posts done, redrawn in place on one line: "Importing  [#####-----]  120/2000"."""

    WIDTH = 30

    def __init__(self, stream: OutputWrapper) -> None:
        self.stream = stream
        self.shown = 0  # length of the line on screen, to blank out what a shorter one leaves

    def __call__(self, what: str, done: int, total: int | None) -> None:
        if total:
            filled = self.WIDTH * done // total
            line = f"{what.capitalize():<10} [{'#' * filled}{'-' * (self.WIDTH - filled)}] "
            line += f"{done}/{total}"
        else:
            line = f"{what.capitalize():<10} {done} items read"
        self.stream.write("\r" + line.ljust(self.shown), ending="")
        self.stream.flush()
        self.shown = len(line)

    def finish(self) -> None:
        if self.shown:
            self.stream.write("")  # the line break that ends the bar


class Command(BaseCommand):
    help = (
        "Import a blog export as drafts (never published), with its sources and calls to action, "
        "and report each article's gate findings. Importing the same file again updates the "
        "drafts it made, unless someone has edited, submitted or published them since."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="the export file")
        parser.add_argument(
            "--format",
            default="text",
            choices=FORMATS,
            help="text (a plain-text blog export) or wxr (a WordPress export, Tools → Export)",
        )
        parser.add_argument(
            "--media-dir",
            help="wxr: a copy of the site's wp-content/uploads folder, to import its images from "
            "(nothing is ever downloaded)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would happen; write nothing"
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--progress",
            action="store_true",
            help="show a progress bar on stderr even when it is not a terminal",
        )

    def handle(self, *args, **options) -> None:
        bar = ProgressBar(self.stderr) if options["progress"] or self.stderr.isatty() else None
        try:
            report = import_path(
                options["path"],
                fmt=options["format"],
                dry_run=options["dry_run"],
                media_dir=options["media_dir"],
                progress=bar,
            )
        except ImportFailed as error:
            raise CommandError(str(error)) from None
        finally:
            if bar is not None:
                bar.finish()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render(report, options["path"]))
