"""`manage.py verify_sources`: the command-line contract."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from evidence.models import Source, VerificationStatus

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("verify_sources", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def seed_sources(liver_source, intrathecal_source, ms_source, new_source):
    new_source(title="Mayo Clinic: back pain", url="https://clinic.example/back-pain")
    return liver_source, intrathecal_source, ms_source


def test_json_has_exactly_the_documented_shape(registry_server, seed_sources):
    liver, intrathecal, ms = seed_sources

    out, _ = run("--json")

    payload = json.loads(out)  # stdout holds the JSON and nothing else
    assert list(payload) == ["checked", "results"]
    assert payload["checked"] == 3
    for result in payload["results"]:
        assert list(result) == ["source", "doi", "pmid", "status", "details"]
    assert [(r["source"], r["doi"], r["pmid"], r["status"]) for r in payload["results"]] == [
        (liver.pk, liver.doi, "", "mismatch"),
        (intrathecal.pk, intrathecal.doi, "", "verified"),
        (ms.pk, ms.doi, "", "verified"),
    ]
    liver_details = payload["results"][0]["details"]
    assert {d["field"] for d in liver_details} == {"authors", "title"}
    assert all(list(d) == ["field", "written", "registry"] for d in liver_details)
    assert payload["results"][1]["details"] == []


def test_progress_goes_to_stderr(registry_server, seed_sources):
    out, err = run("--json")

    assert "Checking sources: 3/3" in err
    assert "Checking sources" not in out


def test_plain_output_summarizes_and_names_the_differences(registry_server, seed_sources):
    out, _ = run()

    lines = out.splitlines()
    assert lines[0] == "Checked 3 sources: 2 verified, 1 mismatch."
    assert lines[1] == f"  source {seed_sources[0].pk} (doi 10.1186/s13287-023-03518-x): mismatch"
    assert "    authors: written “Zhao Y, Liu Y, Zhang W, Li H, Wang L”, registry “Lu W, Qu J”" in (
        lines
    )


def test_every_status_appears_in_json(registry_server, seed_sources, new_source):
    new_source(doi="10.5555/regen.2019.0042")
    new_source(doi="10.5555/never.registered")
    new_source(pmid="98000404")
    registry_server.script("/eutils/", *[(503, {}, "")] * 3)

    payload = json.loads(run("--json")[0])

    assert sorted(r["status"] for r in payload["results"]) == [
        "mismatch", "not-found", "retracted", "unreachable", "verified", "verified",
    ]  # fmt: skip


def test_offline_registries_do_not_fail_the_command(seed_sources):
    # Registries on a closed port (the autouse fixture): every source unreachable, exit 0.
    out, err = run("--json")

    payload = json.loads(out)
    assert {r["status"] for r in payload["results"]} == {"unreachable"}
    assert "Traceback" not in err
    assert set(Source.objects.values_list("verification_status", flat=True)) == {
        VerificationStatus.UNREACHABLE,
        VerificationStatus.UNVERIFIED,  # the web page without a DOI or PMID
    }


def test_no_checkable_sources(registry_server):
    assert json.loads(run("--json")[0]) == {"checked": 0, "results": []}
    assert run()[0].strip() == "No sources with a DOI or PMID to check."
    assert registry_server.requests == []


@pytest.mark.parametrize("address", ["api.crossref.org", "ftp://api.crossref.org", " "])
def test_unusable_registry_address_is_one_line_and_changes_nothing(
    registry_server, seed_sources, settings, address
):
    settings.CROSSREF_API_URL = address

    with pytest.raises(CommandError) as refused:
        run("--json")

    assert str(refused.value).startswith("CROSSREF_API_URL must be an http(s) address")
    assert "\n" not in str(refused.value)
    assert registry_server.requests == []
    assert set(Source.objects.values_list("verification_status", flat=True)) == {"unverified"}


def test_from_the_shell_bad_address_exits_non_zero_with_one_line_and_no_traceback(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "test-only",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "http://127.0.0.1:8000",
        "AUDIT_HMAC_KEY": "test-only",
        "CROSSREF_API_URL": "ftp://api.crossref.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "verify_sources", "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode != 0
    assert result.stdout == ""
    assert not (tmp_path / "unused.sqlite3").exists()  # failed before touching the database
    assert result.stderr.strip().splitlines() == [
        "CommandError: CROSSREF_API_URL must be an http(s) address, not “ftp://api.crossref.org”."
    ]
