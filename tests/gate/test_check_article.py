"""`manage.py check_article SLUG [--json]`."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.audit.models import AuditEvent
from articles.models import Revision


def run(*args) -> str:
    out = StringIO()
    call_command("check_article", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_json_for_a_published_article(published):
    result = json.loads(run(published.slug, "--json"))
    assert result == {
        "slug": published.slug,
        "state": "published",
        "approved": True,
        "publishable": True,
        "findings": [],
    }


def test_json_for_gate_failing_content(uncited_article):
    result = json.loads(run(uncited_article.slug, "--json"))
    assert list(result) == ["slug", "state", "approved", "publishable", "findings"]
    assert (result["state"], result["approved"], result["publishable"]) == ("draft", False, False)
    assert [f["code"] for f in result["findings"]] == ["no-sources", "unsupported-claim"]
    for finding in result["findings"]:
        assert list(finding) == ["code", "severity", "message", "location"]
    assert result["findings"][1]["location"] == "body, paragraph 1"
    assert result["findings"][1]["severity"] == "blocker"


def test_approved_but_blocked_is_not_publishable(approved):
    source = approved.citations.get().source
    source.retracted = True
    source.save()
    result = json.loads(run(approved.slug, "--json"))
    assert (result["approved"], result["publishable"]) == (True, False)
    assert [f["code"] for f in result["findings"]] == ["retracted-source"]


def test_human_output_is_a_table(uncited_article):
    output = run(uncited_article.slug)
    lines = output.splitlines()
    assert lines[0] == uncited_article.title
    assert "draft" in lines[1] and "not publishable" in lines[1]
    assert "2 blockers, 0 warnings" in output
    header = next(line for line in lines if line.startswith("severity"))
    assert header.split() == ["severity", "code", "location", "message"]
    assert any(line.startswith("blocker   no-sources") for line in lines)
    assert "body, paragraph 1" in output


def test_human_output_without_findings(published):
    assert "No findings." in run(published.slug)


def test_unknown_slug_is_a_one_line_error(db):
    with pytest.raises(CommandError) as refused:
        run("no-such-article")
    assert str(refused.value) == "No article has the slug “no-such-article”."
    assert "\n" not in str(refused.value)


def test_unknown_slug_exits_non_zero(db, capsys):
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "check_article", "no-such-article"]).execute()
    assert exited.value.code != 0
    error = capsys.readouterr().err.strip()
    assert error == "CommandError: No article has the slug “no-such-article”."


def test_checking_writes_nothing(uncited_article, published):
    before = (AuditEvent.objects.count(), Revision.objects.count())
    run(uncited_article.slug, "--json")
    run(published.slug)
    assert (AuditEvent.objects.count(), Revision.objects.count()) == before
