"""The source library as the citation picker uses it: pasted identifiers, authors as plain
lines, the staff-only JSON endpoints (against the local registry stand-in), and taking the
registry's details in one click."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from articles.roles import Role
from evidence import library
from evidence.identifiers import InvalidIdentifier
from evidence.library import Identifier, format_author_lines, parse_author_lines, parse_identifier
from evidence.models import Source, VerificationStatus
from tests.conftest import log_in_verified

INTRATHECAL_DOI = "10.1186/s13287-024-03748-7"


# --- What a writer pastes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pasted", "expected"),
    [
        ("10.1056/NEJMoa1511939", Identifier("doi", "10.1056/nejmoa1511939")),
        ("doi:10.1056/NEJMoa1511939", Identifier("doi", "10.1056/nejmoa1511939")),
        ("https://doi.org/10.1056/NEJMoa1511939", Identifier("doi", "10.1056/nejmoa1511939")),
        ("https://dx.doi.org/10.1186/s13287-024-03748-7", Identifier("doi", INTRATHECAL_DOI)),
        ("26551272", Identifier("pmid", "26551272")),
        ("PMID: 26551272", Identifier("pmid", "26551272")),
        ("https://pubmed.ncbi.nlm.nih.gov/26551272/", Identifier("pmid", "26551272")),
        ("https://www.ncbi.nlm.nih.gov/pubmed/26551272", Identifier("pmid", "26551272")),
        ("  https://pubmed.ncbi.nlm.nih.gov/26551272  ", Identifier("pmid", "26551272")),
    ],
)
def test_identifiers_writers_paste(pasted, expected):
    assert parse_identifier(pasted) == expected


@pytest.mark.parametrize(
    "pasted", ["", "hello", "https://pubmed.ncbi.nlm.nih.gov/?term=knee", "https://example.org/"]
)
def test_what_is_not_an_identifier_says_so(pasted):
    with pytest.raises(InvalidIdentifier) as refused:
        parse_identifier(pasted)
    assert "DOI" in str(refused.value) or "PubMed" in str(refused.value)


# --- Authors as plain lines ----------------------------------------------------------------------


def test_author_lines_in_every_accepted_form():
    authors, truncated = parse_author_lines(
        "Williamson JD\nMesa Bedoya, L.E.\n  Camacho Barbosa JC \nSmith John\n"
        "SPRINT Research Group\nWHO\n\net al."
    )
    assert authors == [
        {"family": "Williamson", "given": "JD"},
        {"family": "Mesa Bedoya", "given": "L.E."},
        {"family": "Camacho Barbosa", "given": "JC"},
        {"family": "Smith", "given": "John"},
        {"literal": "SPRINT Research Group"},
        {"literal": "WHO"},
    ]
    assert truncated is True


def test_author_lines_round_trip():
    authors = [
        {"family": "Mesa Bedoya", "given": "L.E."},
        {"literal": "SPRINT Research Group"},
        {"family": "Knowler", "given": ""},
    ]
    text = format_author_lines(authors, truncated=True)
    assert text == "Mesa Bedoya, L.E.\nSPRINT Research Group\nKnowler\net al."
    parsed, truncated = parse_author_lines(text)
    assert truncated and parsed[:2] == authors[:2]
    assert parsed[2] == {"literal": "Knowler"}  # one word: printed as written either way


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Williamson JD, Pajewski NM",
            "Line 1 (“Williamson JD, Pajewski NM”) seems to name several",
        ),
        ("et al.\nWilliamson JD", "Line 2 comes after “et al.”, which must be the last line."),
        ("Smith J\n" + "x" * 201, "Line 2 is longer than 200 characters."),
    ],
)
def test_author_lines_that_cannot_be_read_name_the_line(text, message):
    with pytest.raises(ValueError) as refused:
        parse_author_lines(text)
    assert str(refused.value).startswith(message)


# --- The endpoints -------------------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client()
    log_in_verified(client, user)
    return client


URLS = {
    name: reverse(f"admin:evidence_library_{name}")
    for name in ("search", "describe", "look_up", "add")
}


def test_search_by_title_author_doi_and_pmid(writer, liver_source, intrathecal_source):
    intrathecal_source.pmid = "98000002"
    intrathecal_source.save()
    client = client_for(writer)

    def ids(q):
        answer = client.get(URLS["search"], {"q": q}).json()
        return [s["id"] for s in answer["sources"]]

    assert ids("liver cirrhosis") == [liver_source.pk]
    assert ids("Mesa Bedoya") == [intrathecal_source.pk]
    assert ids(f"https://doi.org/{INTRATHECAL_DOI}") == [intrathecal_source.pk]
    assert ids("98000002") == [intrathecal_source.pk]
    found = client.get(URLS["search"], {"q": "Zhao"}).json()["sources"][0]
    assert found["label"] == "Zhao 2023" and "Zhao Y" in found["reference"]


def test_who_may_use_the_library(make_user, liver_source):
    admin_role = make_user("ada_admin", Role.ADMIN)
    reviewer = make_user("rex_reviewer", Role.REVIEWER)
    assert client_for(reviewer).get(URLS["search"], {"q": "liver"}).status_code == 200
    refused = client_for(reviewer).post(URLS["add"], {"title": "A new work"})
    assert refused.status_code == 403 and Source.objects.count() == 1
    assert client_for(admin_role).post(URLS["add"], {"title": "A new work"}).status_code == 403
    anonymous = Client().get(URLS["search"], {"q": "liver"})
    assert anonymous.status_code == 302  # to the login page: staff only


def test_a_doi_is_looked_up_confirmed_then_added_once(writer, registry_server):
    client = client_for(writer)
    answer = client.post(URLS["look_up"], {"identifier": f"https://doi.org/{INTRATHECAL_DOI}"})
    record = answer.json()["record"]
    assert answer.json()["status"] == "found" and record["registry"] == "Crossref"
    assert record["authors"].startswith("Mesa Bedoya, L. E.\nCamacho Barbosa, J. C.")
    assert not Source.objects.exists()  # shown for confirmation, nothing stored yet

    added = client.post(URLS["look_up"], {"identifier": INTRATHECAL_DOI, "add": "1"}).json()
    assert added["status"] == "added"
    source = Source.objects.get()
    assert (source.doi, source.year, source.verification_status) == (
        INTRATHECAL_DOI,
        2024,
        VerificationStatus.VERIFIED,
    )
    again = client.post(URLS["look_up"], {"identifier": INTRATHECAL_DOI, "add": "1"}).json()
    assert (again["status"], again["source"]["id"]) == ("existing", source.pk)
    assert Source.objects.count() == 1


def test_not_found_and_offline_offer_entry_by_hand(writer, registry_server, settings):
    client = client_for(writer)
    missing = client.post(URLS["look_up"], {"identifier": "10.5555/nobody.knows"}).json()
    assert (
        missing["status"] == "not-found"
        and "enter the source's details by hand" in (missing["message"])
    )
    settings.CROSSREF_API_URL = "http://127.0.0.1:9/crossref"  # nothing listens there
    offline = client.post(URLS["look_up"], {"identifier": "10.5555/nobody.knows"}).json()
    assert offline["status"] == "unreachable" and "could not be reached" in offline["message"]
    bad = client.post(URLS["look_up"], {"identifier": "not an id"})
    assert bad.status_code == 400 and bad.json()["status"] == "invalid"


def test_a_source_entered_by_hand_with_plain_author_lines(writer):
    client = client_for(writer)
    refused = client.post(URLS["add"], {"title": "", "authors": "Williamson JD, Pajewski NM"})
    errors = refused.json()["errors"]
    assert set(errors) == {"title", "authors"} and "own line" in errors["authors"][0]

    added = client.post(
        URLS["add"],
        {
            "title": "A randomized trial of intensive versus standard blood-pressure control",
            "authors": "SPRINT Research Group\nWright JT\nWilliamson JD\net al.",
            "journal": "N Engl J Med",
            "year": "2015",
            "doi": "https://doi.org/10.1056/NEJMoa1511939",
        },
    ).json()
    source = Source.objects.get(pk=added["source"]["id"])
    assert source.authors[0] == {"literal": "SPRINT Research Group"}
    assert source.authors_truncated and source.doi == "10.1056/nejmoa1511939"
    assert added["source"]["label"] == "SPRINT Research Group 2015"
    again = client.post(URLS["add"], {"title": "Same", "doi": "10.1056/NEJMoa1511939"}).json()
    assert (again["status"], again["source"]["id"]) == ("existing", source.pk)


# --- "Use the registry's details" ---------------------------------------------------------------


def test_one_click_takes_the_registrys_authors_and_journal(writer, registry_server, liver_source):
    from evidence.verification import verify_sources

    verify_sources([liver_source])
    liver_source.refresh_from_db()
    assert liver_source.verification_status == VerificationStatus.MISMATCH
    assert library.differs_from_registry(liver_source)
    client = client_for(writer)
    page = client.get(reverse("admin:evidence_source_change", args=[liver_source.pk]))
    assert "Use the registry's details</button>" in page.content.decode()

    url = reverse("admin:evidence_source_use_registry", args=[liver_source.pk])
    response = client.post(url)
    assert response.status_code == 302
    liver_source.refresh_from_db()
    assert liver_source.authors[0]["family"] == "Lu"
    assert liver_source.verification_status == VerificationStatus.VERIFIED
    assert not library.differs_from_registry(liver_source)
    assert client.get(url).status_code == 405  # a change is never a GET
