"""`evidence.parsing.parse_reference`: free-text citations into structured fields."""

from __future__ import annotations

import pytest

from evidence.models import SourceKind
from evidence.parsing import guess_kind, parse_reference

from .conftest import SEED


def seed_source_lines() -> list[str]:
    if not SEED.is_file():
        pytest.skip("the seed export is not in ../shared/ (CI has it)")
    lines = SEED.read_text("utf-8").splitlines()
    return [line.removeprefix("Source:") for line in lines if line.startswith("Source:")]


def families(ref) -> list[str]:
    return [author["family"] for author in ref.authors]


# --- The seed's Source: lines --------------------------------------------------------------------


def test_the_seed_has_four_source_lines():
    # The brief speaks of five; the export has four (one per research summary).
    assert len(seed_source_lines()) == 4


def test_springer_style_with_compound_family_names_and_et_al():
    ref = parse_reference(seed_source_lines()[0])
    assert ref.authors == [
        {"family": "Mesa Bedoya", "given": "L.E."},
        {"family": "Camacho Barbosa", "given": "J.C."},
        {"family": "López Quiceno", "given": "L."},
    ]
    assert ref.authors_truncated is True
    assert ref.title.startswith("The safety profile of mesenchymal stem cell therapy")
    assert ref.title.endswith("randomised controlled trials")
    assert (ref.journal, ref.volume, ref.pages, ref.year) == (
        "Stem Cell Res Ther",
        "15",
        "146",
        2024,
    )
    assert ref.doi == "10.1186/s13287-024-03748-7"
    assert ref.url == ""  # a doi.org link is the DOI, not a second address
    assert ref.kind == SourceKind.SYSTEMATIC_REVIEW
    assert ref.problems == []


def test_nlm_style_with_published_date_and_doi_label():
    ref = parse_reference(seed_source_lines()[1])
    assert families(ref) == [
        "Smith", "Nicaise", "Ionescu", "Hamel", "Peruzzotti-Jametti", "Pluchino",
    ]  # fmt: skip
    assert ref.authors[0]["given"] == "J.A."
    assert ref.authors_truncated is False
    assert ref.title == "Stem Cell Therapies for Progressive Multiple Sclerosis"
    assert (ref.journal, ref.year, ref.volume, ref.issue, ref.pages) == (
        "Front Cell Dev Biol", 2021, "9", "", "696434",
    )  # fmt: skip
    assert ref.doi == "10.3389/fcell.2021.696434"


def test_apa_style_with_quoted_title_and_publisher_url_holding_the_doi():
    ref = parse_reference(seed_source_lines()[2])
    assert families(ref) == ["Zhao", "Liu", "Zhang", "Li", "Wang"]
    assert ref.authors[-1] == {"family": "Wang", "given": "L."}
    assert ref.title.startswith("Efficacy and safety of mesenchymal stem cells")
    assert not ref.title.endswith(".")
    assert (ref.journal, ref.year, ref.volume) == ("Stem Cell Research & Therapy", 2023, "")
    assert ref.doi == "10.1186/s13287-023-03518-x"  # the trailing full stop is not part of it
    assert ref.url.startswith("https://stemcellres.biomedcentral.com/articles/10.1186/")
    assert not ref.url.endswith(".")


def test_given_first_full_names_and_journal_with_brackets():
    ref = parse_reference(seed_source_lines()[3])
    assert ref.authors[0] == {"family": "Petrou", "given": "Panayiota"}
    assert ref.authors[2] == {"family": "Yaghmour", "given": "Nour Eddine"}
    assert len(ref.authors) == 5 and ref.authors_truncated is False
    assert ref.title.startswith("A phase II clinical trial")
    assert ref.journal == "Front. Biosci. (Landmark Ed)"
    assert (ref.year, ref.volume, ref.issue, ref.pages) == (2021, "26", "10", "693-706")
    assert ref.doi == "10.52586/4980"


# --- Synthetic variants --------------------------------------------------------------------------


def test_springer_style_with_particles():
    ref = parse_reference(
        "Okafor, C.N., van der Berg, P., Lindqvist, A. et al. Walking after knee replacement: a "
        "randomised controlled trial. BMC Musculoskelet Disord 21, 88 (2020). "
        "https://doi.org/10.1186/s12891-020-0000-0"
    )
    assert families(ref) == ["Okafor", "van der Berg", "Lindqvist"]
    assert ref.authors_truncated
    assert ref.kind == SourceKind.RANDOMIZED_TRIAL
    assert (ref.journal, ref.volume, ref.pages, ref.year) == (
        "BMC Musculoskelet Disord",
        "21",
        "88",
        2020,
    )


def test_nlm_with_issue_page_range_pmid_and_et_al():
    ref = parse_reference(
        "Haddad RM, O'Neil K, et al. Sleep after spinal surgery. J Spine Res. "
        "2019 Mar;12(3):201-209. PMID: 31234567."
    )
    assert ref.authors == [
        {"family": "Haddad", "given": "R.M."},
        {"family": "O'Neil", "given": "K."},
    ]
    assert ref.authors_truncated
    assert ref.title == "Sleep after spinal surgery"
    assert (ref.journal, ref.year, ref.volume, ref.issue, ref.pages) == (
        "J Spine Res", 2019, "12", "3", "201-209",
    )  # fmt: skip
    assert ref.pmid == "31234567"
    assert ref.doi == ""


def test_apa_with_year_in_brackets_and_hyphenated_initials():
    ref = parse_reference(
        "Moreau, J.-P., & Silva, A. (2018). Exercise for chronic neck pain. Journal of Gentle "
        "Movement, 7(2), 45–52. https://doi.org/10.5555/jgm.2018.7.45"
    )
    assert ref.authors == [
        {"family": "Moreau", "given": "J.-P."},
        {"family": "Silva", "given": "A."},
    ]
    assert ref.year == 2018
    assert ref.title == "Exercise for chronic neck pain"
    assert (ref.journal, ref.volume, ref.issue, ref.pages) == (
        "Journal of Gentle Movement",
        "7",
        "2",
        "45-52",
    )
    assert ref.doi == "10.5555/jgm.2018.7.45"


def test_given_first_names_with_particles_and_initials():
    ref = parse_reference(
        "Maria de la Cruz, John A. Whitfield and Ines Okonkwo. Balance training in older adults. "
        "Age Move. 2022;4:e12."
    )
    assert ref.authors == [
        {"family": "de la Cruz", "given": "Maria"},
        {"family": "Whitfield", "given": "John A."},
        {"family": "Okonkwo", "given": "Ines"},
    ]
    assert ref.title == "Balance training in older adults"
    assert (ref.journal, ref.year, ref.pages) == ("Age Move", 2022, "e12")


def test_question_mark_titles_keep_their_question_mark():
    ref = parse_reference("Hale JT, Ng P. Does bed rest help back pain? Spine Care. 2017;3:40-44.")
    assert ref.title == "Does bed rest help back pain?"
    assert ref.journal == "Spine Care"


def test_doi_forms_are_normalized_and_trailing_full_stop_dropped():
    for written in (
        "Hale JT. A title. J X. 2017;3:4. doi: 10.5555/ABC.123.",
        "Hale JT. A title. J X. 2017;3:4. https://dx.doi.org/10.5555/abc.123.",
        "Hale JT. A title. J X. 2017;3:4. DOI 10.5555/abc.123",
        "Hale JT. A title. J X. 2017;3:4. https://publisher.example/article/10.5555/abc.123.",
    ):
        assert parse_reference(written).doi == "10.5555/abc.123", written


def test_a_malformed_doi_is_kept_with_a_problem_so_the_gate_can_report_it():
    ref = parse_reference("Hale JT. A title. J X. 2017;3:4. doi:10.12/abc")
    assert ref.doi == "10.12/abc"
    assert any("DOI" in problem for problem in ref.problems)


def test_a_title_only_reading_list_entry():
    ref = parse_reference("Stem cells in sports injuries:")
    assert ref.title == "Stem cells in sports injuries"
    assert ref.authors == [] and ref.doi == "" and ref.year is None
    assert not ref.is_study
    assert "There is no DOI, PubMed ID or link to check it against." in ref.problems


def test_a_short_title_is_not_read_as_a_name():
    ref = parse_reference("Stem Cell Therapies. Front Cell Dev Biol. 2021;9:696434.")
    assert ref.authors == []
    assert ref.title == "Stem Cell Therapies"
    assert ref.journal == "Front Cell Dev Biol"


def test_empty_and_garbage_never_raise():
    assert parse_reference("").problems == ["The reference is empty."]
    ref = parse_reference(";;; ((( 12")
    assert ref.authors == [] and ref.doi == ""


def test_source_fields_fit_the_model():
    fields = parse_reference("Hale JT. " + "Long title " * 50 + ". J X. 2017;3:4.").source_fields()
    assert set(fields) >= {"doi", "pmid", "title", "authors", "journal", "year", "as_written"}
    assert len(fields["journal"]) <= 300


def test_guess_kind_only_reads_what_the_title_states():
    assert guess_kind("A systematic review of X") == SourceKind.SYSTEMATIC_REVIEW
    assert guess_kind("A randomized trial of X") == SourceKind.RANDOMIZED_TRIAL
    assert guess_kind("A phase II clinical trial of X") == SourceKind.JOURNAL_ARTICLE
