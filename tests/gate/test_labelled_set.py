"""Precision and recall of the gate's phrase rules on a labelled set written for the project
(tests/data/gate_labelled.toml): sound public-health paragraphs must pass, commercial release
language must be blocked. The table in docs/gate-precision.md is this test's output, kept true.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

from articles import gate
from evidence.models import SourceKind

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "gate_labelled.toml"
DOC = ROOT / "docs" / "gate-precision.md"
PHRASE_CODES = {"unsupported-claim", "vague-source", "missing-disclosure", "attribution-mismatch"}
MARKER = '<sup data-citation="s1">1</sup>'
MIN_PRECISION = 0.95
MIN_RECALL = 0.95


def labelled() -> tuple[str, list[dict]]:
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    return data["default_title"], data["paragraph"]


def test_the_set_is_large_enough():
    _title, paragraphs = labelled()
    labels = [p["label"] for p in paragraphs]
    assert labels.count("sound") >= 30 and labels.count("promotional") >= 30
    assert all(p.get("class") for p in paragraphs if p["label"] == "promotional")


@pytest.fixture
def outcomes(make_gate_source, build) -> list[tuple[dict, set[str]]]:
    """(paragraph, phrase-rule blocker codes) for every paragraph of the set."""
    source = make_gate_source(
        kind=SourceKind.GUIDELINE,
        title="Management of osteoarthritis: a clinical guideline",
        authors=[{"family": "Okafor", "given": "A."}],
    )
    default_title, paragraphs = labelled()
    results = []
    for number, paragraph in enumerate(paragraphs, start=1):
        body = "<p>" + paragraph["text"].replace("{cite}", MARKER) + "</p>"
        article = build(
            paragraph.get("title", default_title),
            slug=f"labelled-{number}",
            body=body,
            sources=[source],
        )
        codes = {f.code for f in gate.blockers(gate.run(article))} & PHRASE_CODES
        results.append((paragraph, codes))
    return results


def table(outcomes: list[tuple[dict, set[str]]]) -> tuple[str, float, float]:
    flagged = [(p["label"], bool(codes)) for p, codes in outcomes]
    tp = sum(1 for label, hit in flagged if label == "promotional" and hit)
    fp = sum(1 for label, hit in flagged if label == "sound" and hit)
    fn = sum(1 for label, hit in flagged if label == "promotional" and not hit)
    tn = sum(1 for label, hit in flagged if label == "sound" and not hit)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    by_class: dict[str, list[bool]] = defaultdict(list)
    for paragraph, codes in outcomes:
        if paragraph["label"] == "promotional":
            by_class[paragraph["class"]].append(bool(codes))
    lines = [
        "| paragraphs | blocked | passed |",
        "| --- | ---: | ---: |",
        f"| promotional ({tp + fn}) | {tp} | {fn} |",
        f"| sound ({fp + tn}) | {fp} | {tn} |",
        "",
        f"Precision {precision:.2f}, recall {recall:.2f}.",
        "",
        "| promotional class | blocked |",
        "| --- | ---: |",
        *(f"| {name} | {sum(hits)} of {len(hits)} |" for name, hits in sorted(by_class.items())),
    ]
    return "\n".join(lines), precision, recall


def test_precision_and_recall_meet_the_thresholds_and_the_doc_says_so(outcomes):
    text, precision, recall = table(outcomes)
    wrong = [
        (p["label"], p["text"][:70], sorted(codes))
        for p, codes in outcomes
        if bool(codes) != (p["label"] == "promotional")
    ]
    assert precision >= MIN_PRECISION and recall >= MIN_RECALL, wrong
    documented = re.search(
        r"<!-- table -->\n(.*?)\n<!-- /table -->", DOC.read_text(encoding="utf-8"), re.S
    )
    assert documented is not None and documented.group(1).strip() == text, (
        "docs/gate-precision.md is out of date; its table should read:\n" + text
    )
