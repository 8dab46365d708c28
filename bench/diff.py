"""The review screen's "What changed": milliseconds to diff two 10,000-word revisions.

    .venv/bin/python bench/diff.py [--runs 20] [--words 10000]

No database: the diff reads frozen revision content only (articles.review). Three cases, each a
pair of bodies of about `--words` words in 100-word paragraphs with citation markers:
one sentence edited; one sentence edited in every tenth paragraph; a tenth of the paragraphs
added, removed or rewritten. Target: under 200 ms for the whole diff (rendered text of both
revisions, block match, word diff of changed blocks, the HTML of each change).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = [
    "pain",
    "knee",
    "back",
    "exercise",
    "walking",
    "rest",
    "study",
    "patients",
    "weeks",
    "months",
    "doctor",
    "treatment",
    "physiotherapy",
    "strength",
    "joint",
    "muscle",
    "trial",
    "people",
    "gently",
    "often",
    "most",
    "help",
    "helps",
    "better",
    "improve",
    "daily",
    "activity",
    "swelling",
    "ice",
    "heat",
    "movement",
    "stretch",
    "posture",
    "sleep",
    "weight",
]


def paragraph(rng: random.Random, n: int, citations: int) -> str:
    sentences = []
    for s in range(10):
        words = [rng.choice(WORDS) for _ in range(10)]
        sentence = " ".join(words).capitalize() + "."
        if s == 0 and citations:
            key = f"s{n % citations + 1}"
            sentence += f'<sup data-citation="{key}">{n % citations + 1}</sup>'
        sentences.append(sentence)
    return f"<p>{' '.join(sentences)}</p>"


def content(paragraphs: list[str], citations: int) -> dict:
    return {
        "title": "Knee pain: what helps",
        "summary": "What the evidence says about exercise for knee pain.",
        "body": "".join(paragraphs),
        "citations": [
            {"key": f"s{i}", "source": {"id": i, "title": f"Trial {i}"}}
            for i in range(1, citations + 1)
        ],
    }


def edit_sentence(text: str) -> str:
    return text.replace(".", " and then walk a little more.", 1)


def cases(words: int, citations: int = 50) -> dict[str, tuple[dict, dict]]:
    rng = random.Random(13)
    count = words // 100
    base = [paragraph(rng, n, citations) for n in range(count)]
    one = list(base)
    one[count // 2] = edit_sentence(one[count // 2])
    tenth = [edit_sentence(p) if n % 10 == 0 else p for n, p in enumerate(base)]
    heavy = []
    for n, p in enumerate(base):
        if n % 30 == 0:
            continue  # removed
        if n % 30 == 10:
            heavy.append(paragraph(rng, n, citations))  # rewritten
        else:
            heavy.append(p)
        if n % 30 == 20:
            heavy.append(paragraph(rng, n + 1, citations))  # added
    old = content(base, citations)
    return {
        "one sentence edited": (old, content(one, citations)),
        "every tenth paragraph edited": (old, content(tenth, citations)),
        "a tenth added, removed or rewritten": (old, content(heavy, citations)),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--words", type=int, default=10_000)
    args = parser.parse_args()

    import os

    # No database is opened; settings only need to load.
    os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
    from bench.environment import local_production

    local_production()
    import django

    django.setup()
    from articles import review

    print(f"{args.words:,}-word revisions, {args.runs} runs each (ms)")
    print(f"{'case':40} {'p50':>7} {'max':>7} {'blocks changed':>15}")
    for name, (old, new) in cases(args.words).items():
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            comparison = review.compare(old, new, title="", prompt_names={})
            for change in comparison.text.changes:
                change.html  # noqa: B018 - the screen renders each change
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"{name:40} {statistics.median(times):7.1f} {max(times):7.1f} "
            f"{len(comparison.text.changes):15}"
        )


if __name__ == "__main__":
    main()
