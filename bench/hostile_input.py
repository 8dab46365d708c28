"""Hostile input benchmark: seconds and peak memory for each input the limits exist for.

    .venv/bin/python bench/hostile_input.py [--case NAME]

Each case runs in a fresh process (so its peak resident memory, the kernel's VmHWM, is its own)
against a throw-away SQLite file migrated once, with the default limits. It prints the case, the one
line the product answered with, the seconds it took and the peak memory; `baseline` is a process
that only starts Django, for comparison. Nothing is asserted here (the tests check the refusals
and that nothing was written); the figures are in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MB = 1024 * 1024
WORK = Path(tempfile.mkdtemp(prefix="hostile-"))


def _wxr(content: str) -> str:
    item = """<item><title>{title}</title><link>https://x.example/?p={n}</link>
<guid isPermaLink="false">https://x.example/?p={n}</guid>
<content:encoded><![CDATA[{content}]]></content:encoded>
<wp:post_id>{n}</wp:post_id><wp:status>draft</wp:status><wp:post_type>post</wp:post_type></item>"""
    items = item.format(title="Nested", n=1, content=content) + item.format(
        title="Plain", n=2, content="<p>Walking helps most people with knee pain.</p>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2'
        f"</wp:wxr_version>{items}</channel></rss>"
    )


def _sparse(name: str, size: int = 200 * MB) -> Path:
    path = WORK / name
    with path.open("wb") as file:
        file.truncate(size)
    return path


def _clean(html: str) -> Callable[[], str]:
    def run() -> str:
        from articles.sanitize import clean_html

        return f"{len(clean_html(html)):,} characters kept"

    return run


def _import_posts(path: Path, fmt: str) -> Callable[[], str]:
    def run() -> str:
        from articles.importers import import_path

        report = import_path(path, fmt=fmt, dry_run=True)
        errors = "; ".join(e.message for e in report.errors)
        return f"{len(report.articles)} imported; {errors}"

    return run


def _import_references(path: Path) -> Callable[[], str]:
    def run() -> str:
        from evidence.importers import import_path

        report = import_path(path)
        return f"{report.count('created')} created; " + "; ".join(e.message for e in report.errors)

    return run


def _registry(mode: str, **options) -> Callable[[], str]:
    def run() -> str:
        from bench.hostile_server import HostileRegistry
        from evidence.registry import RegistryClient

        server = HostileRegistry(mode, **options)
        with server, RegistryClient(crossref_url=server.url, pubmed_url=server.url) as client:
            lookup = client.crossref("10.5555/hostile")
        return f"{lookup.status}: {lookup.reason} ({server.sent / MB:,.1f} MB sent)"

    return run


def cases() -> dict[str, Callable[[], Callable[[], str]]]:
    """Each case builds its input (not timed) and returns the operation to time."""

    def nested_quotes(n: int = 20_000) -> str:
        return "<blockquote>" * n + "x" + "</blockquote>" * n

    def reopened() -> str:
        run = "".join(f'<p><b title="{n}">x</p>' for n in range(90)) + "</b>" * 90
        return run * 80

    def at_the_limits() -> str:
        run = "<blockquote>" * 99 + "x" + "</blockquote>" * 99
        return run * (199_000 // len(run))

    def ordinary() -> str:
        paragraph = (
            "<p>Most people recover with <strong>gentle activity</strong>; see "
            '<a href="https://example.org/guide">the guide</a>.</p>\n'
        )
        return paragraph * (199_000 // len(paragraph))

    def write(name: str, text: str) -> Path:
        path = WORK / name
        path.write_text(text, encoding="utf-8")
        return path

    def long_ris_title() -> Path:
        record = "TY  - JOUR\nTI  - {}\nDO  - 10.5555/{}\nER  - \n\n"
        return write("long.ris", record.format("A" * 9 * MB, "long") + record.format("Ok", "ok"))

    return {
        "baseline": lambda: lambda: "Django started",
        "blockquotes-500KB": lambda: _clean(nested_quotes()),
        "blockquotes-5000-deep": lambda: _clean(nested_quotes(5000)),
        "formatting-reopened": lambda: _clean(reopened()),
        # The most the limits let through: what the sanitizer then costs.
        "body-99-deep-199KB": lambda: _clean(at_the_limits()),
        "body-ordinary-199KB": lambda: _clean(ordinary()),
        "wxr-1000-nested-divs": lambda: _import_posts(
            write("nested.xml", _wxr("<div>" * 1000 + "<p>x</p>" + "</div>" * 1000)), "wxr"
        ),
        "csl-json-100000-deep": lambda: _import_references(
            write("deep.json", '[{"title": "x", "author": ' + "[" * 10**5 + "]" * 10**5 + "}]")
        ),
        "text-5MB-paragraph": lambda: _import_posts(
            write(
                "paragraph.txt",
                "Endless\n\nEndless\n\n" + "Word and more words. " * 250_000 + "\n\n"
                "Short Post\n\nShort Post\n\nWalking helps most people.\n",
            ),
            "text",
        ),
        "posts-200MB-text": lambda: _import_posts(_sparse("big.txt"), "text"),
        "posts-200MB-wxr": lambda: _import_posts(_sparse("big.xml"), "wxr"),
        "references-200MB": lambda: _import_references(_sparse("big.ris")),
        "ris-title-9MB": lambda: _import_references(long_ris_title()),
        "registry-300MB": lambda: _registry("huge", total_bytes=300 * MB),
        "registry-trickle": lambda: _registry("trickle", interval=0.1, give_up_after=60),
    }


def run_case(name: str) -> dict:
    if "DATABASE_URL" in os.environ:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        os.environ.setdefault("SECRET_KEY", "bench")
        import django

        django.setup()
    else:  # run on its own: a throw-away database (its migration counts in the peak)
        from bench.workflow import setup

        setup()
    operation = cases()[name]()
    started = time.perf_counter()
    try:
        result = operation()
    except Exception as error:  # a refusal: the one line a person would read
        result = f"refused: {error}"
    seconds = time.perf_counter() - started
    return {"case": name, "result": result, "seconds": seconds, "peak_mb": peak_mb()}


def peak_mb() -> float:
    """The process's peak resident memory. getrusage's ru_maxrss survives exec (it would report
    the parent's), so Linux's VmHWM is read when there is one."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=list(cases()), help="run one case, in this process")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case)))
        return

    from bench.workflow import setup

    setup()  # migrates the throw-away database once; the cases share it
    print(f"{'case':<24} {'seconds':>8} {'peak MB':>8}  result")
    for name in cases():
        finished = subprocess.run(
            [sys.executable, __file__, "--case", name],
            env=os.environ,
            capture_output=True,
            text=True,
            check=False,
        )
        if finished.returncode:
            print(f"{name:<24} failed: {finished.stderr.strip().splitlines()[-1:]}")
            continue
        row = json.loads(finished.stdout.strip().splitlines()[-1])
        result = row["result"] if len(row["result"]) <= 110 else row["result"][:109] + "…"
        print(f"{name:<24} {row['seconds']:>8.2f} {row['peak_mb']:>8.0f}  {result}")


if __name__ == "__main__":
    main()
