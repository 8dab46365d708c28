"""Hostile input on the evidence side: reference files too large, too deep or too long in one
field, sources with 200 MB titles, and registry answers too large or trickled a byte at a time.
Each ends in one line that says what and where, and nothing is written or stored whole."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from bench.hostile_server import HostileRegistry
from evidence import limits
from evidence.models import Source, VerificationStatus
from evidence.registry import FOUND, UNREACHABLE, RegistryClient
from tests.conftest import log_in_verified

pytestmark = pytest.mark.django_db

RIS = "TY  - JOUR\nTI  - {title}\nAU  - Smith, J\nPY  - 2020\nDO  - {doi}\nER  - \n\n"


def import_references(path) -> dict:
    out = StringIO()
    call_command("import_references", str(path), json=True, stdout=out)
    return json.loads(out.getvalue())


def refused(path) -> str:
    with pytest.raises(CommandError) as raised:
        call_command("import_references", str(path), stdout=StringIO())
    message = str(raised.value)
    assert "\n" not in message and "Traceback" not in message
    return message


# --- Reference files ------------------------------------------------------------------------


def test_a_200_mb_file_is_refused_by_its_size_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.ris"
    with path.open("wb") as file:
        file.truncate(200 * 1024 * 1024)  # sparse: no time, no disk
    monkeypatch.setattr(limits, "read_at_most", lambda *a: pytest.fail("the file was read"))

    message = refused(path)

    assert message == (
        f"{path}: is 200.0 MB; files up to 10.0 MB are imported (the REFERENCES_MAX_BYTES "
        "setting). Split it into smaller files."
    )
    assert Source.objects.count() == 0


def test_a_device_without_a_size_is_read_no_further_than_the_limit(tmp_path, settings):
    settings.REFERENCES_MAX_BYTES = 1000
    device = tmp_path / "zero"
    device.symlink_to("/dev/zero")
    if not device.exists():
        pytest.skip("no /dev/zero here")

    assert refused(device) == (
        f"{device}: is larger than 0.0 MB, the most that is imported (the "
        "REFERENCES_MAX_BYTES setting). Split it into smaller files."
    )


def test_deeply_nested_csl_json_is_refused_in_one_line(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('[{"title": "x", "author": ' + "[" * 100_000 + "]" * 100_000 + "}]")

    assert refused(path) == (
        f"{path}: nests lists and objects more than 50 levels deep (the IMPORT_MAX_DEPTH "
        "setting); CSL-JSON needs about five."
    )
    assert Source.objects.count() == 0


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path):
    path = tmp_path / "brackets.json"
    title = '[[[[ a title with \\" brackets ' + "[" * 200
    path.write_text(json.dumps([{"title": title, "DOI": "10.5555/brackets"}]))

    report = import_references(path)

    assert report["created"] == 1


def test_more_entries_than_the_limit_refuse_the_file(tmp_path, settings):
    settings.REFERENCES_MAX_ENTRIES = 2
    path = tmp_path / "three.ris"
    path.write_text("".join(RIS.format(title=f"Study {n}", doi=f"10.5555/{n}") for n in range(3)))

    assert refused(path) == (
        f"{path}: has 3 references; files of up to 2 are imported (the REFERENCES_MAX_ENTRIES "
        "setting). Split it into smaller files."
    )
    assert Source.objects.count() == 0


def test_a_one_line_title_of_two_megabytes_is_refused_and_never_stored(tmp_path):
    path = tmp_path / "long-title.ris"
    path.write_text(
        RIS.format(title="A" * 2_000_000, doi="10.5555/long")
        + RIS.format(title="A normal title", doi="10.5555/normal")
    )

    report = import_references(path)

    assert report["created"] == 1
    assert report["errors"] == [
        {
            "entry": "entry 1 (line 1)",
            "message": "The title is 2,000,000 characters long; a source's title holds at most "
            "1,000.",
        }
    ]
    assert list(Source.objects.values_list("title", flat=True)) == ["A normal title"]
    assert max(len(s.as_written) for s in Source.objects.all()) < 1000


def test_too_many_authors_or_an_endless_name_refuse_the_entry(tmp_path, settings):
    settings.SOURCE_MAX_AUTHORS = 3
    path = tmp_path / "authors.json"
    path.write_text(
        json.dumps(
            [
                {"id": "many", "title": "Many", "author": [{"family": f"A{n}"} for n in range(4)]},
                {"id": "long", "title": "Long", "author": [{"family": "B" * 201}]},
                {"id": "fine", "title": "Fine", "author": [{"family": "C"}]},
            ]
        )
    )

    report = import_references(path)

    assert [e["entry"] for e in report["errors"]] == ["many", "long"]
    assert report["errors"][0]["message"].startswith("It lists 4 authors; a source lists at most 3")
    assert report["errors"][1]["message"] == (
        "An author's name is 201 characters long; at most 200 are allowed."
    )
    assert list(Source.objects.values_list("title", flat=True)) == ["Fine"]


# --- The Source admin and the model ---------------------------------------------------------


def test_the_source_form_names_the_field_that_is_too_long(writer):
    client = Client()
    log_in_verified(client, writer)
    data = {
        "kind": "journal_article",
        "title": "T" * 1001,
        "authors": json.dumps([{"family": "Smith", "given": "J"}]),
        "year": "2020",
    }

    response = client.post(reverse("admin:evidence_source_add"), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["title"] == [
        "The title is 1,001 characters long; a source's title holds at most 1,000."
    ]
    assert Source.objects.count() == 0


def test_an_author_line_past_a_name_s_length_is_a_form_error_not_a_crash(writer):
    client = Client()
    log_in_verified(client, writer)
    data = {"kind": "journal_article", "title": "T", "authors": "[" * 100_000 + "]" * 100_000}

    response = client.post(reverse("admin:evidence_source_add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["authors"] == [
        "Line 1 is longer than 200 characters."
    ]
    assert Source.objects.count() == 0


def test_no_path_saves_a_source_over_the_limits():
    with pytest.raises(limits.TooLarge, match="The title is 1,001 characters long"):
        Source.objects.create(title="T" * 1001)
    assert Source.objects.count() == 0


# --- Registry answers -----------------------------------------------------------------------


def client_for(server: HostileRegistry, **options) -> RegistryClient:
    return RegistryClient(crossref_url=server.url, pubmed_url=server.url, retries=0, **options)


@pytest.mark.parametrize("declare_length", [False, True], ids=["streamed", "content-length"])
def test_an_endless_answer_is_read_no_further_than_the_cap(declare_length):
    server = HostileRegistry("huge", declare_length=declare_length)
    with server, client_for(server, max_bytes=256 * 1024) as client:
        lookup = client.crossref("10.5555/huge")

    assert lookup.status == UNREACHABLE
    assert lookup.reason == "Crossref's answer is larger than 0.2 MB; not read"
    # Stopped near the cap, not at the end of an answer that has no end.
    assert server.sent < 64 * 1024 * 1024


def test_an_answer_trickled_a_byte_at_a_time_ends_at_the_deadline():
    server = HostileRegistry("trickle", interval=0.02, give_up_after=10)
    with server, client_for(server, deadline=0.3, timeout=5) as client:
        crossref = client.crossref("10.5555/slow")
        pubmed = client.pubmed(["12345"])

    assert crossref.status == UNREACHABLE
    assert crossref.reason == "Crossref did not answer within 0.3 seconds"
    assert pubmed["12345"].reason == "PubMed did not answer within 0.3 seconds"
    # Each lookup stopped at its deadline: far fewer bytes than ten seconds of trickle.
    assert server.sent < 100


def test_verify_sources_reports_the_trickle_as_unreachable_in_one_line(settings, new_source):
    source = new_source(title="Slow", doi="10.5555/slow")
    settings.REGISTRY_DEADLINE = 0.3
    with HostileRegistry("trickle", interval=0.02) as server:
        settings.CROSSREF_API_URL = settings.PUBMED_EUTILS_URL = server.url
        out = StringIO()
        call_command("verify_sources", json=True, stdout=out)

    result = json.loads(out.getvalue())["results"][0]
    assert result["status"] == "unreachable"
    assert "did not answer within 0.3 seconds" in json.dumps(result["details"])
    source.refresh_from_db()
    assert source.verification_status == VerificationStatus.UNREACHABLE


def test_a_record_longer_than_a_source_may_be_is_unusable(registry_server):
    title = "T" * 5000
    body = json.dumps({"message": {"DOI": "10.5555/long", "title": [title]}})
    registry_server.script("/crossref/works/", (200, {"Content-Type": "application/json"}, body))

    with RegistryClient(retries=0) as client:
        lookup = client.crossref("10.5555/long")

    assert lookup.status == UNREACHABLE
    assert lookup.reason == (
        "Crossref's record is unusable: The title is 5,000 characters long; a source's title "
        "holds at most 1,000."
    )


def test_a_collaboration_of_thousands_keeps_its_first_authors(registry_server, settings):
    settings.SOURCE_MAX_AUTHORS = 10
    authors = [{"family": f"Author{n}", "given": "A"} for n in range(3000)]
    body = json.dumps({"message": {"DOI": "10.5555/many", "title": ["T"], "author": authors}})
    registry_server.script("/crossref/works/", (200, {"Content-Type": "application/json"}, body))

    with RegistryClient(retries=0) as client:
        lookup = client.crossref("10.5555/many")

    assert lookup.status == FOUND
    assert [a["family"] for a in lookup.record.authors] == [f"Author{n}" for n in range(10)]


def test_an_answer_nested_past_the_parser_is_unreadable_not_a_crash(registry_server):
    body = '{"message": ' + "[" * 100_000 + "]" * 100_000 + "}"
    registry_server.script("/crossref/works/", (200, {"Content-Type": "application/json"}, body))

    with RegistryClient(retries=0) as client:
        lookup = client.crossref("10.5555/deep")

    assert (lookup.status, lookup.reason) == (UNREACHABLE, "unreadable answer from Crossref")
