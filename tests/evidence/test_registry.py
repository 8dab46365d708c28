"""The registry clients against a local server answering in Crossref's and PubMed's formats."""

import threading
import time

import pytest

from evidence.registry import (
    CROSSREF,
    FOUND,
    NOT_FOUND,
    PUBMED,
    UNREACHABLE,
    WORKERS,
    RegistryClient,
    RegistryConfigError,
)
from tests.conftest import closed_port_url

LIVER = "10.1186/s13287-023-03518-x"
MS = "10.3389/fcell.2021.696434"


@pytest.fixture
def client(registry_server):
    with RegistryClient(backoff=0.01) as client:
        yield client


def test_crossref_work_is_read_into_a_neutral_record(client, registry_server):
    lookup = client.crossref(LIVER)

    assert (lookup.registry, lookup.identifier, lookup.status) == (CROSSREF, LIVER, FOUND)
    record = lookup.record
    assert record.title == (
        "Efficacy and safety of mesenchymal stem cell therapy in liver cirrhosis: "
        "a systematic review and meta-analysis"
    )
    assert record.authors == [{"family": "Lu", "given": "W."}, {"family": "Qu", "given": "J."}]
    assert record.journal == "Stem Cell Research & Therapy"  # Crossref's "&amp;" decoded
    assert record.journal_short == "Stem Cell Res Ther"
    assert (record.year, record.volume, record.issue, record.pages) == (2023, "14", "1", "301")
    assert record.doi == LIVER
    assert record.retracted is False


def test_crossref_requests_are_polite(client, registry_server):
    client.crossref(LIVER)

    [seen] = registry_server.requests
    assert seen.path == f"/crossref/works/{LIVER}"
    assert seen.headers["user-agent"] == "Vetted/0.1 (mailto:editors@clinic.test)"
    assert seen.query["mailto"] == ["editors@clinic.test"]


def test_full_given_names_and_dates_from_crossref(client):
    record = client.crossref(MS).record

    assert record.authors[0] == {"family": "Smith", "given": "Jayden A."}
    assert record.authors[4] == {"family": "Peruzzotti-Jametti", "given": "Luca"}
    assert (record.journal, record.journal_short) == (
        "Frontiers in Cell and Developmental Biology",
        "Front. Cell Dev. Biol.",
    )
    assert (record.year, record.pages) == (2021, "696434")


def test_crossref_retraction_from_updated_by(client):
    record = client.crossref("10.5555/regen.2019.0042").record

    assert record.retracted is True
    assert record.retraction_notice == (
        "Retraction (2022-03-14): https://doi.org/10.5555/regen.2022.0101"
    )


def test_crossref_retraction_in_place_from_update_to_its_own_doi(client):
    record = client.crossref("10.5555/regen.2018.0007").record

    assert record.retracted is True
    assert "Retraction (2021-06-01)" in record.retraction_notice
    # The "RETRACTED:" marker is not part of the work's title.
    assert record.title == "Adipose stem cells restore cartilage in hip osteoarthritis"


def test_pubmed_summary_is_read_into_the_same_record(client, registry_server):
    lookup = client.pubmed(["98000001"])["98000001"]

    assert (lookup.registry, lookup.status) == (PUBMED, FOUND)
    record = lookup.record
    assert record.title == "Stem Cell Therapies for Progressive Multiple Sclerosis."
    assert record.authors[:2] == [
        {"family": "Smith", "given": "JA"},
        {"family": "Nicaise", "given": "AM"},
    ]
    assert record.authors[4] == {"family": "Peruzzotti-Jametti", "given": "L"}
    assert (record.journal, record.journal_short) == (
        "Frontiers in cell and developmental biology",
        "Front Cell Dev Biol",
    )
    assert (record.year, record.volume, record.pages) == (2021, "9", "696434")
    assert (record.doi, record.pmid, record.retracted) == (MS, "98000001", False)
    [seen] = registry_server.requests
    assert seen.path == "/eutils/esummary.fcgi"
    assert seen.query["db"] == ["pubmed"] and seen.query["retmode"] == ["json"]
    assert seen.query["email"] == ["editors@clinic.test"]


def test_pubmed_retracted_publication(client):
    record = client.pubmed(["98000002"])["98000002"].record

    assert record.retracted is True
    assert record.retraction_notice == (
        "Retraction in: Cell Transplant Ex. 2023 Jan-Dec;32:9636897231100001 (PMID 98000009)"
    )
    assert record.authors[-1] == {"family": "Regenerative Outcomes Study Group", "given": ""}
    assert record.other_years == [2019]  # published online the year before print


def test_pubmed_ids_are_asked_for_in_one_request(client, registry_server):
    found = client.pubmed(["98000001", "98000002", "98000003", "98000404"])

    assert len(registry_server.requests) == 1
    assert registry_server.requests[0].query["id"] == ["98000001,98000002,98000003,98000404"]
    assert {pmid: lookup.status for pmid, lookup in found.items()} == {
        "98000001": FOUND,
        "98000002": FOUND,
        "98000003": NOT_FOUND,  # esummary's per-id "cannot get document summary"
        "98000404": NOT_FOUND,  # left out of the result altogether
    }


def test_unknown_doi_is_not_found(client):
    lookup = client.crossref("10.5555/no.such.work")

    assert lookup.status == NOT_FOUND
    assert lookup.reason == "not registered at Crossref"


def test_pubmed_error_status_is_not_taken_for_an_unknown_id(client, registry_server):
    # A 404 from esummary means a wrong address, not a missing article.
    registry_server.script("/eutils/", (404, {}, "Not Found"))

    assert client.pubmed(["98000001"])["98000001"].status == UNREACHABLE


def test_unreadable_answer_is_unreachable_not_a_crash(client, registry_server):
    registry_server.script("/crossref/", (200, {"Content-Type": "text/html"}, "<html>busy</html>"))
    registry_server.script("/eutils/", (200, {"Content-Type": "text/html"}, "<html>busy</html>"))

    assert client.crossref(LIVER).status == UNREACHABLE
    assert client.pubmed(["98000001"])["98000001"].status == UNREACHABLE


def test_server_down_is_unreachable_and_fast(settings):
    settings.CROSSREF_API_URL = closed_port_url()
    settings.PUBMED_EUTILS_URL = closed_port_url()
    start = time.monotonic()
    with RegistryClient(backoff=0.01) as client:
        lookup = client.crossref(LIVER)
        pubmed = client.pubmed(["98000001"])["98000001"]

    assert lookup.status == UNREACHABLE and "could not be reached" in lookup.reason
    assert pubmed.status == UNREACHABLE
    assert time.monotonic() - start < 2


def test_timeout_is_retried_then_unreachable(registry_server):
    registry_server.delay = 0.5
    with RegistryClient(timeout=0.1, retries=1, backoff=0.01) as client:
        lookup = client.crossref(LIVER)

    assert lookup.status == UNREACHABLE
    assert lookup.reason == "Crossref timed out"
    assert len(registry_server.requests) == 2


def test_server_error_then_success_is_retried(client, registry_server):
    registry_server.script("/crossref/", (500, {}, "Internal Server Error"))

    lookup = client.crossref(LIVER)

    assert lookup.status == FOUND
    assert len(registry_server.requests) == 2


def test_server_errors_past_the_retries_are_unreachable(client, registry_server):
    registry_server.script("/crossref/", *[(503, {}, "Service Unavailable")] * 3)

    lookup = client.crossref(LIVER)

    assert lookup.status == UNREACHABLE
    assert lookup.reason == "Crossref answered HTTP 503"
    assert len(registry_server.requests) == 3  # the first try and two retries


def test_too_many_requests_waits_as_told(client, registry_server):
    registry_server.script("/crossref/", (429, {"Retry-After": "1"}, "Too Many Requests"))
    start = time.monotonic()

    lookup = client.crossref(LIVER)

    assert lookup.status == FOUND
    assert time.monotonic() - start >= 0.95
    assert len(registry_server.requests) == 2


def test_retry_after_beyond_the_cap_gives_up_at_once(registry_server):
    registry_server.script("/crossref/", (429, {"Retry-After": "3600"}, "Too Many Requests"))
    with RegistryClient(backoff=0.01, max_retry_after=5) as client:
        lookup = client.crossref(LIVER)

    assert lookup.status == UNREACHABLE
    assert len(registry_server.requests) == 1


def test_a_failing_registry_stops_being_asked(registry_server):
    registry_server.script("/crossref/", *[(500, {}, "")] * 20)
    with RegistryClient(retries=0, backoff=0.01, trip_after=3) as client:
        lookups = [client.crossref(f"10.5555/item.{i}") for i in range(6)]

    assert {lookup.status for lookup in lookups} == {UNREACHABLE}
    assert len(registry_server.requests) == 3
    assert "not answering" in lookups[-1].reason


def test_crossref_advertised_rate_limit_is_followed(client, registry_server):
    registry_server.script(
        "/crossref/",
        (200, {"X-Rate-Limit-Limit": "5", "X-Rate-Limit-Interval": "1s"},
         (registry_server_recording(LIVER))),
    )  # fmt: skip
    client.crossref(LIVER)
    start = time.monotonic()
    client.crossref(MS)

    assert time.monotonic() - start >= 0.15  # five a second: 0.2 s apart


def registry_server_recording(doi: str) -> str:
    from tests.evidence.conftest import RECORDINGS

    return (RECORDINGS / "crossref" / (doi.replace("/", "_") + ".json")).read_text()


def test_connections_are_reused(client, registry_server):
    for _ in range(5):
        client.crossref(LIVER)

    assert len({seen.client_port for seen in registry_server.requests}) == 1


def test_batch_lookups_run_a_few_at_a_time(client, registry_server, monkeypatch):
    in_flight, most = 0, 0
    lock = threading.Lock()
    answer = registry_server._answer

    def counting(path, query):
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.05)
        with lock:
            in_flight -= 1
        return answer(path, query)

    monkeypatch.setattr(registry_server, "_answer", counting)
    dois = [f"10.5555/item.{i}" for i in range(12)]

    pending = client.start(dois, ["98000001", "98000002"])
    results = [pending.for_source(doi, "") for doi in dois]

    assert all(lookup.status == NOT_FOUND for [lookup] in results)
    assert pending.for_source("", "98000002")[0].record.retracted
    assert 1 < most <= WORKERS
    assert len(registry_server.requests) == 13  # twelve DOIs and one PubMed batch


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("crossref_url", "api.crossref.org"),
        ("crossref_url", "ftp://api.crossref.org"),
        ("crossref_url", ""),
        ("crossref_url", "http://localhost:port"),
        ("pubmed_url", "not a url"),
    ],
)
def test_unusable_addresses_are_refused_before_any_request(setting, value):
    with pytest.raises(RegistryConfigError) as refused:
        RegistryClient(**{setting: value})

    name = "CROSSREF_API_URL" if setting == "crossref_url" else "PUBMED_EUTILS_URL"
    assert str(refused.value).startswith(f"{name} must be an http(s) address")
    assert "\n" not in str(refused.value)


def test_rate_limit_headers_never_slow_requests_past_the_cap():
    from evidence.registry import MAX_PACE, _Pace

    pace = _Pace(0.0, 3)
    pace.slow_to(3600.0)  # "X-Rate-Limit-Interval: 3600s" with a limit of 1
    assert pace.min_interval == MAX_PACE
