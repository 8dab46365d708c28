"""WordPress import benchmark: seconds and peak memory to import a generated export of 2,000
posts (about 20 MB), with the time spent reading, writing and in the publication gate.

    .venv/bin/python bench/import_wxr.py [--posts 2000] [--export FILE]

Uses DATABASE_URL if set, otherwise a throw-away SQLite file. The export is generated first by
`bench/wxr_export.py` in a separate process, so the figures are the import's alone. It exits
non-zero, saying which, if the import takes 60 seconds or more or its peak memory (the process's
maximum resident set, `getrusage`) reaches 300 MB. Add --tracemalloc to see the peak of Python's
own allocations as well; tracing costs time and memory of its own, so such a run is not judged.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.workflow import setup  # noqa: E402

SECONDS_BAR = 60
MEMORY_BAR_MB = 300


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--export", type=Path, help="an export to import instead of generating")
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()

    export = args.export
    if export is None:
        export = Path(tempfile.mkdtemp()) / "export.xml"
        generator = Path(__file__).with_name("wxr_export.py")
        subprocess.run(
            [sys.executable, str(generator), "--posts", str(args.posts), "--out", str(export)],
            check=True,
        )
    setup()

    from articles import gate
    from articles.importers import import_path
    from articles.importers import load as load_module

    gate_seconds = 0.0
    real_run = gate.run

    def timed_run(*run_args, **run_kwargs):
        nonlocal gate_seconds
        started = time.perf_counter()
        try:
            return real_run(*run_args, **run_kwargs)
        finally:
            gate_seconds += time.perf_counter() - started

    load_module.gate.run = timed_run  # the loader calls it as gate.run: every run is timed
    phases: dict[str, float] = {}

    def progress(what: str, done: int, total: int | None) -> None:
        phases.setdefault(what, time.perf_counter())

    baseline = peak_rss_mb()
    if args.tracemalloc:
        tracemalloc.start()
    started = time.perf_counter()
    report = import_path(export, fmt="wxr", progress=progress)
    elapsed = time.perf_counter() - started
    traced = tracemalloc.get_traced_memory()[1] / 1e6 if args.tracemalloc else None
    peak = peak_rss_mb()

    reading = phases.get("importing", started + elapsed) - started
    statuses = Counter(outcome.status for outcome in report.articles)
    print(
        f"{export.name}: {export.stat().st_size / 1e6:.1f} MB, {len(report.articles)} articles "
        f"({dict(statuses)}), {len(report.prompts)} prompts, {len(report.sources)} sources, "
        f"{len(report.errors)} errors, {len(report.media or [])} images not imported"
    )
    print(f"seconds: {elapsed:.1f} in all (bar {SECONDS_BAR})")
    print(f"  reading and parsing: {reading:.1f}")
    print(f"  writing drafts: {elapsed - reading - gate_seconds:.1f}")
    print(f"  publication gate: {gate_seconds:.1f}")
    print(f"peak memory: {peak:.0f} MB resident (bar {MEMORY_BAR_MB}; {baseline:.0f} MB before)")
    if traced is not None:
        print(f"  Python allocations at their peak (tracemalloc): {traced:.0f} MB")
        return  # tracing costs time and memory of its own: the bars judge untraced runs only
    failures = []
    if elapsed >= SECONDS_BAR:
        failures.append(f"took {elapsed:.1f} s, over the {SECONDS_BAR} s bar")
    if peak >= MEMORY_BAR_MB:
        failures.append(f"peaked at {peak:.0f} MB, over the {MEMORY_BAR_MB} MB bar")
    if failures:
        sys.exit("FAILED: the import " + " and ".join(failures) + ".")


if __name__ == "__main__":
    main()
