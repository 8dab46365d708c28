"""An author list that is right but stops early (issue 15) is a warning, never a blocker."""

from __future__ import annotations

from articles import gate
from evidence.verification import INCOMPLETE
from tests.gate.conftest import cited

BODY = cited("Walking helps knee pain, a trial found.")


def incomplete_detail(listed: int, registered: int) -> dict:
    return {
        "field": "authors",
        "written": "Smith J",
        "registry": "Smith J, Okafor A, …",
        "problem": INCOMPLETE,
        "listed": str(listed),
        "registered": str(registered),
    }


def test_incomplete_author_list_is_a_warning_naming_the_counts(make_gate_source, build):
    source = make_gate_source(verification_details=[incomplete_detail(3, 10)])
    article = build(body=BODY, sources=[source])

    findings = gate.run(article)

    assert [f for f in gate.blockers(findings) if f.code != "readability"] == []
    [warning] = [f for f in findings if f.code == "incomplete-authors"]
    assert warning.severity == gate.Severity.WARNING
    assert "3 of the 10 authors" in warning.message
    assert warning.location == "reference 1"


def test_a_complete_or_mismatched_list_gives_no_incomplete_warning(make_gate_source, build):
    complete = make_gate_source()
    mismatched = make_gate_source(
        verification_status="mismatch",
        verification_details=[{"field": "title", "written": "A", "registry": "B"}],
    )
    article = build(
        body=cited("Walking helps.") + cited("Rest helps.", "s2"), sources=[complete, mismatched]
    )

    codes = [f.code for f in gate.run(article)]

    assert "incomplete-authors" not in codes
    assert "metadata-mismatch" in codes
