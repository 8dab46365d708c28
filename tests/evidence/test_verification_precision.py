"""Verification precision (issue 15): journals cited by their NLM/ISO 4 abbreviation with
parentheticals, hyphens and sub-series; ISSNs; an author list that stops early is incomplete, not
a mismatch, and is completed from the registry in one step."""

from __future__ import annotations

import pytest

from evidence.models import Source, VerificationStatus
from evidence.registry import CROSSREF, FOUND, PUBMED, Lookup, RegistryRecord, parse_crossref
from evidence.verification import (
    INCOMPLETE,
    apply_registry_details,
    assess,
    journals_match,
    verify_source,
)


@pytest.mark.parametrize(
    ("written", "registered"),
    [
        ("Front. Biosci. (Landmark Ed)", "Frontiers in Bioscience-Landmark"),
        ("Front Biosci (Landmark Ed)", "Frontiers in Bioscience (Landmark Edition)"),
        ("Front Biosci (Elite Ed)", "Frontiers in Bioscience-Elite"),
        ("J Bone Joint Surg Am", "The Journal of Bone and Joint Surgery. American Volume"),
        ("Medicine (Baltimore)", "Medicine"),
        ("Rev Esp Cardiol (Engl Ed)", "Revista Española de Cardiología (English Edition)"),
        ("J Clin Med (Online)", "Journal of Clinical Medicine"),
    ],
)
def test_nlm_and_iso4_abbreviations_with_parentheticals_match(written, registered):
    assert journals_match(written, registered)
    assert journals_match(registered, written)


@pytest.mark.parametrize(
    ("written", "registered"),
    [
        ("Front Biosci (Landmark Ed)", "Frontiers in Bioscience-Elite"),
        ("J Bone Joint Surg Am", "The Journal of Bone and Joint Surgery. British Volume"),
        ("Cell Rep", "Cell Research"),
        ("Medicine (Baltimore)", "Medical Hypotheses"),
    ],
)
def test_other_journals_and_other_sub_series_still_differ(written, registered):
    assert not journals_match(written, registered)


def found(record: RegistryRecord) -> list[Lookup]:
    identifier = record.doi if record.registry == CROSSREF else record.pmid
    return [Lookup(record.registry, identifier, FOUND, record)]


def people(*names: str) -> list[dict[str, str]]:
    return [{"family": n, "given": "A"} for n in names]


TEN = people(
    "Okafor", "Lindqvist", "Haddad", "Moreno", "Chen", "Ito", "Abara", "Ruiz", "Sato", "Park"
)


def test_an_issn_the_registry_gives_settles_the_journal():
    record = RegistryRecord(
        registry=CROSSREF, doi="10.5555/x.1", journal="Knee Surgery Letters", issns=["5555-0101"]
    )
    # A house abbreviation no rule could expand, but the same ISSN.
    same = Source(doi="10.5555/x.1", journal="KSL", issn="5555-0101")
    other = Source(doi="10.5555/x.1", journal="KSL", issn="5555-0999")

    assert assess(same, found(record)).status == VerificationStatus.VERIFIED
    assert assess(other, found(record)).status == VerificationStatus.MISMATCH


def test_crossref_and_pubmed_issns_are_read():
    assert parse_crossref({"DOI": "10.5555/a", "ISSN": ["2768-6701", "27686698"]}).issns == [
        "2768-6701",
        "2768-6698",
    ]


def test_a_correct_prefix_of_the_author_list_is_incomplete_not_a_mismatch():
    record = RegistryRecord(registry=PUBMED, pmid="30111111", title="Knee study", authors=TEN)
    source = Source(pmid="30111111", title="Knee study", authors=TEN[:3])

    judged = assess(source, found(record))

    assert judged.status == VerificationStatus.VERIFIED
    [detail] = judged.details
    assert detail["field"] == "authors" and detail["problem"] == INCOMPLETE
    assert (detail["listed"], detail["registered"]) == ("3", "10")


def test_a_prefix_with_a_wrong_name_or_order_is_still_a_mismatch():
    record = RegistryRecord(registry=PUBMED, pmid="30111111", title="Knee study", authors=TEN)
    wrong = Source(pmid="30111111", title="Knee study", authors=people("Okafor", "Zhao"))
    reordered = Source(pmid="30111111", title="Knee study", authors=[TEN[1], TEN[0]])

    assert assess(wrong, found(record)).status == VerificationStatus.MISMATCH
    assert assess(reordered, found(record)).status == VerificationStatus.MISMATCH


@pytest.mark.django_db
def test_registry_details_complete_the_list_in_one_step():
    record = RegistryRecord(
        registry=CROSSREF,
        doi="10.5555/knee.9",
        title="Knee study",
        authors=TEN,
        journal="Knee Surgery Letters",
        journal_short="Knee Surg Lett",
        year=2022,
        volume="4",
        pages="10-19",
        issns=["5555-0101"],
    )
    source = Source.objects.create(
        doi="10.5555/knee.9",
        title="Knee study",
        authors=TEN[:3],
        journal="Knee Surg Lett",
        year=2022,
        registry_metadata={CROSSREF: record.as_dict()},
        verification_status=VerificationStatus.VERIFIED,
        verification_details=assess(Source(**{"doi": "10.5555/knee.9", "title": "Knee study",
                                             "authors": TEN[:3]}), found(record)).details,
    )  # fmt: skip

    changed = apply_registry_details(source)

    assert changed == ["authors", "volume", "pages", "issn"]  # the journal already agreed
    source.refresh_from_db()
    assert len(source.authors) == 10 and not source.authors_truncated
    assert source.journal == "Knee Surg Lett"  # kept as written
    assert source.verification_status == VerificationStatus.VERIFIED
    assert source.verification_details == []
    assert apply_registry_details(source) == []  # nothing left to take


@pytest.mark.django_db
def test_registry_details_do_nothing_without_a_record():
    source = Source.objects.create(doi="10.5555/none.1", title="Never checked")
    assert apply_registry_details(source) == []


@pytest.mark.django_db
def test_the_abbreviated_sub_series_journal_verifies_against_crossref(registry_server):
    source = Source.objects.create(
        doi="10.52586/4980",
        title="A phase II clinical trial with repeated intrathecal injections of autologous "
        "mesenchymal stem cells in patients with amyotrophic lateral sclerosis",
        authors=[
            {"family": "Petrou", "given": "Panayiota"},
            {"family": "Kassis", "given": "Ibrahim"},
            {"family": "Yaghmour", "given": "Nour Eddine"},
            {"family": "Ginzberg", "given": "Ariel"},
            {"family": "Karussis", "given": "Dimitrios"},
        ],
        journal="Front. Biosci. (Landmark Ed)",
        year=2021,
    )

    outcome = verify_source(source)

    assert outcome.status == VerificationStatus.VERIFIED, outcome.details
    assert outcome.details == []
