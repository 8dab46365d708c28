"""`manage.py import_references`: BibTeX, RIS, MEDLINE and CSL-JSON into sources."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

import evidence.importers as importers
from evidence.importers import detect_format, parse_text
from evidence.importers.parsed import kind_from_publication_types
from evidence.models import Source, SourceKind

DATA = Path(__file__).parent / "data"
PROJECT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def run(path: Path | str, *args: str) -> str:
    out = StringIO()
    call_command("import_references", str(path), *args, stdout=out)
    return out.getvalue()


def run_json(path: Path | str) -> dict:
    return json.loads(run(path, "--json"))


def state() -> list[tuple]:
    """Every source row, all columns: to show that something changed nothing."""
    return list(Source.objects.order_by("pk").values_list())


# --- BibTeX -----------------------------------------------------------------------------------


def test_bibtex_counts_and_exact_json_shape():
    result = run_json(DATA / "references.bib")

    # The brief's shape, then the fields added since (never renamed).
    assert list(result) == ["created", "updated", "duplicates", "sources", "errors", "warnings"]
    assert result["warnings"] == []
    assert (result["created"], result["updated"], result["duplicates"]) == (5, 0, 1)
    assert result["errors"] == [
        {"entry": "bad-doi", "message": "DOI “10.abc” is not a well-formed DOI."}
    ]
    assert all(list(s) == ["id", "doi", "pmid", "title"] for s in result["sources"])
    by_doi = {s["doi"]: s for s in result["sources"]}
    assert by_doi["10.1186/s13287-024-03748-7"]["pmid"] == "98000002"
    # Five sources: lu2021-again names the same work as lu2021 and is listed once.
    assert len(result["sources"]) == Source.objects.count() == 5
    assert {s["id"] for s in result["sources"]} == set(Source.objects.values_list("pk", flat=True))


def test_bibtex_fields_latex_and_kinds():
    run(DATA / "references.bib")

    mesa = Source.objects.get(doi="10.1186/s13287-024-03748-7")
    assert mesa.title == (
        "Mesenchymal stromal cells for knee osteoarthritis: über-results & open questions"
    )
    assert mesa.authors == [
        {"family": "Mésa Bedoya", "given": "Luis E."},
        {"family": "Dupont", "given": "Jean-Pierre"},
        {"family": "van der Berg", "given": "Hans"},
        {"family": "World Health Organization", "given": ""},
    ]
    assert (mesa.journal, mesa.year, mesa.volume, mesa.issue, mesa.pages) == (
        "Stem Cell Res Ther", 2024, "15", "1", "146",
    )  # fmt: skip
    assert mesa.as_written.startswith("@article{mesa2024,")
    assert "M{\\'e}sa Bedoya" in mesa.as_written  # kept exactly as written

    review = Source.objects.get(doi="10.5555/regen.2020.0099")
    assert review.kind == SourceKind.SYSTEMATIC_REVIEW
    assert review.authors_truncated is True  # "and others"
    assert len(review.authors) == 7
    assert review.pages == "1290-1301"

    book = Source.objects.get(title="Living with Chronic Pain")
    assert book.isbn == "9780306406157"  # the ISBN-10 as written, converted

    page = Source.objects.get(title="Back pain")
    assert page.kind == SourceKind.WEBSITE
    assert page.url == "https://www.nhs.uk/conditions/back-pain/"

    assert not Source.objects.filter(title__contains="broken identifier").exists()


def test_duplicate_doi_in_one_file_is_merged_into_one_source():
    result = run_json(DATA / "references.bib")

    lu = Source.objects.get(doi="10.3389/fcell.2021.696434")
    # lu2021 wrote no pages; lu2021-again (same DOI, written as a doi.org link) did.
    assert lu.pages == "696434"
    assert lu.title == "Mesenchymal stromal cell therapy: progress to date and future outlook"
    assert lu.journal == "Front Cell Dev Biol"  # the first entry's; the full name matches it
    assert [s["id"] for s in result["sources"]].count(lu.pk) == 1


def test_reimporting_the_same_file_changes_nothing():
    first = run_json(DATA / "references.bib")
    before = state()

    second = run_json(DATA / "references.bib")

    assert (second["created"], second["updated"], second["duplicates"]) == (0, 0, 6)
    assert second["errors"] == first["errors"]
    assert second["sources"] == first["sources"]
    assert state() == before  # not even updated_at moved


def test_entries_that_cannot_be_read_are_reported_and_the_rest_imported(tmp_path):
    path = tmp_path / "mixed.bib"
    path.write_text(
        "@article{fine1, title={A readable entry}, doi={10.5555/fine.1}}\n\n"
        "@article{broken, title={An unclosed {brace, year={2020}}\n\n"
        "@article{, title={No key}}\n\n"
        "@article{fine2, title={Another readable entry}, doi={10.5555/fine.2}}\n",
        encoding="utf-8",
    )

    result = run_json(path)

    assert result["created"] == 3
    assert [e["entry"] for e in result["errors"]] == ["broken"]
    assert "could not be read as BibTeX (line 3)" in result["errors"][0]["message"]
    # An entry without a key is imported under a made-up key, and the report says so.
    assert [w["entry"] for w in result["warnings"]] == ["entry 3 (line 5)"]
    assert "no citation key" in result["warnings"][0]["message"]
    assert set(Source.objects.values_list("title", flat=True)) == {
        "A readable entry",
        "No key",
        "Another readable entry",
    }


# --- RIS, MEDLINE, CSL-JSON -------------------------------------------------------------------


def test_ris():
    result = run_json(DATA / "references.ris")

    assert (result["created"], result["updated"], result["duplicates"]) == (2, 0, 0)
    assert result["errors"] == [
        {
            "entry": "bad-pmid",
            "message": "“PMID12x” is not a PubMed ID (a positive whole number).",
        },
        {
            "entry": "entry 4 (line 40)",
            "message": "It has no end line (“ER  -”), so it may be cut short; add the end line if "
            "the record is complete.",
        },
    ]
    trial = Source.objects.get(doi="10.5555/regen.2019.0042")
    assert trial.kind == SourceKind.RANDOMIZED_TRIAL
    assert trial.title == (
        "Neural stem cells for progressive multiple sclerosis: a randomized, "
        "placebo-controlled trial"
    )
    assert trial.authors == [
        {"family": "Smith", "given": "John A."},
        {"family": "Nicaise", "given": "Alexandra M."},
    ]
    assert (trial.journal, trial.year, trial.pages) == ("J Regen Neurol", 2019, "112-119")
    assert (trial.pmid, trial.pmcid) == ("98000001", "PMC7654321")
    page = Source.objects.get(kind=SourceKind.WEBSITE)
    assert page.url == "https://www.nhs.uk/conditions/osteoarthritis/treatment/"
    assert page.journal == "National Health Service"


def test_medline():
    result = run_json(DATA / "pubmed.nbib")

    assert (result["created"], result["updated"], result["duplicates"]) == (3, 0, 0)
    assert result["errors"] == []
    trial = Source.objects.get(pmid="98000001")
    assert trial.kind == SourceKind.RANDOMIZED_TRIAL
    assert trial.doi == "10.5555/regen.2019.0042"
    assert trial.authors[0] == {"family": "Smith", "given": "John A"}  # FAU, not AU
    assert trial.journal == "J Regen Neurol"  # TA, the NLM abbreviation AMA uses
    assert trial.title.endswith("placebo-controlled trial")  # continuation joined, "." dropped

    review = Source.objects.get(pmid="98000003")
    assert review.kind == SourceKind.SYSTEMATIC_REVIEW
    assert review.doi == "10.5555/regen.2018.0007"  # the [doi] AID, not the [pii]
    assert review.authors[-1] == {"family": "Regenerative Medicine Study Group", "given": ""}

    rabbits = Source.objects.get(pmid="98000004")
    assert rabbits.kind == SourceKind.PRECLINICAL  # MeSH "Animals" without "Humans"
    assert rabbits.retracted is True  # publication type "Retracted Publication"


def test_csl_json():
    result = run_json(DATA / "references.json")

    assert (result["created"], result["updated"], result["duplicates"]) == (2, 0, 0)
    assert result["errors"] == [
        {
            "entry": "bad-isbn",
            "message": "ISBN “978-0-306-40615-8” has a wrong ISBN-13 check digit.",
        },
        {"entry": "entry 4", "message": "It is not a JSON object ({…})."},
    ]
    zhang = Source.objects.get(pmid="98000005")
    assert zhang.doi == "10.5555/regen.2023.0101"  # "doi:" prefix removed
    assert zhang.journal == "J Orthop Res"  # container-title-short preferred
    assert zhang.authors == [
        {"family": "Zhang", "given": "Li"},
        {"family": "van der Berg", "given": "Hans"},
    ]
    assert zhang.authors_truncated is True
    assert (zhang.year, zhang.volume, zhang.issue) == (2023, "41", "5")
    cdc = Source.objects.get(kind=SourceKind.WEBSITE)
    assert (cdc.url, cdc.year) == ("https://www.cdc.gov/arthritis/", 2024)


def test_the_same_study_from_ris_then_medline_is_one_source():
    run(DATA / "references.ris")
    before = Source.objects.get(doi="10.5555/regen.2019.0042")

    result = run_json(DATA / "pubmed.nbib")

    # Same DOI; "112-9" and "112-119" are the same pages, "John A" and "John A." the same name.
    assert (result["created"], result["duplicates"]) == (2, 1)
    assert result["errors"] == []
    assert Source.objects.get(pk=before.pk).pages == "112-119"


def test_format_comes_from_the_content_with_the_extension_as_a_hint(tmp_path):
    medline_named_ris = tmp_path / "export.ris"
    medline_named_ris.write_text((DATA / "pubmed.nbib").read_text(encoding="utf-8"))
    bibtex_named_txt = tmp_path / "refs.txt"
    bibtex_named_txt.write_text("@article{a, title={T}, doi={10.5555/a.1}}\n")

    assert run_json(medline_named_ris)["created"] == 3
    assert run_json(bibtex_named_txt)["created"] == 1
    assert detect_format("PMID- 1\nTI  - T\n", ".ris") == "medline"
    assert detect_format('[{"title": "T"}]', "") == "csljson"


@pytest.mark.parametrize(
    ("types", "mesh", "kind"),
    [
        (["Journal Article", "Meta-Analysis"], [], SourceKind.SYSTEMATIC_REVIEW),
        (["Systematic Review", "Randomized Controlled Trial"], [], SourceKind.SYSTEMATIC_REVIEW),
        (["Randomized Controlled Trial"], ["Humans"], SourceKind.RANDOMIZED_TRIAL),
        (["Practice Guideline"], [], SourceKind.GUIDELINE),
        (["Observational Study"], [], SourceKind.OBSERVATIONAL),
        (["Case Reports"], [], SourceKind.CASE_SERIES),
        (["Clinical Trial, Phase II"], ["Humans"], ""),  # says nothing about a control group
        (["Journal Article"], ["Animals", "Mice"], SourceKind.PRECLINICAL),
        (["Journal Article"], ["Animals", "Humans"], ""),
    ],
)
def test_medline_publication_types(types, mesh, kind):
    assert kind_from_publication_types(types, mesh) == kind


# --- Merging with the database ----------------------------------------------------------------


def test_matching_source_gets_its_blank_fields_filled():
    existing = Source.objects.create(
        doi="10.3389/fcell.2021.696434",
        title="Mesenchymal stromal cell therapy: progress to date and future outlook",
    )

    text = run(DATA / "references.bib")

    # lu2021 fills authors, journal, year and volume; lu2021-again then fills the pages.
    assert "5 created" not in text and "4 created, 2 updated, 0 already present" in text
    assert f"lu2021 → source {existing.pk}" in text
    assert "(same DOI as source" in text and "filled authors, journal, year, volume)" in text
    assert "filled pages)" in text
    existing.refresh_from_db()
    assert existing.authors == [
        {"family": "Lu", "given": "Wei"},
        {"family": "Allickson", "given": "Julie"},
    ]
    assert (existing.journal, existing.year, existing.volume, existing.pages) == (
        "Front Cell Dev Biol", 2021, "9", "696434",
    )  # fmt: skip
    assert existing.as_written == ""  # only a new source takes the text as written


def test_different_written_metadata_is_never_overwritten():
    existing = Source.objects.create(
        doi="10.5555/regen.2020.0099", title="A different title for this DOI", year=2020
    )
    before = state()

    result = run_json(DATA / "references.bib")

    error = next(e for e in result["errors"] if e["entry"] == "kim2020")
    assert error["message"] == (
        f"Same DOI as source {existing.pk}, which has a different title: “A different title for "
        "this DOI” (the file says “Stem cell injections for chronic low back pain: a systematic "
        "review and meta-analysis”). Nothing was changed; correct the file or the source, then "
        "import again."
    )
    assert result["created"] == 4 and result["duplicates"] == 1
    assert existing.pk not in {s["id"] for s in result["sources"]}
    assert state()[0] == before[0]  # not even its blank fields were filled


def test_conflict_inside_one_file_names_the_earlier_entry(tmp_path):
    path = tmp_path / "twice.bib"
    path.write_text(
        "@article{first, title={The title}, doi={10.5555/x.1}, year={2020}}\n"
        "@article{second, title={The title}, doi={10.5555/X.1}, year={2021}}\n"
    )

    result = run_json(path)

    assert result["created"] == 1
    assert result["errors"][0]["entry"] == "second"
    assert result["errors"][0]["message"].startswith(
        "Same DOI as first earlier in this file, which has a different year: “2020” "
        "(the file says “2021”)."
    )
    assert Source.objects.get().year == 2020


def test_an_entry_matching_two_sources_is_refused():
    by_doi = Source.objects.create(doi="10.5555/regen.2023.0101", title="Platelet-rich plasma")
    by_pmid = Source.objects.create(pmid="98000005", title="Platelet-rich plasma")

    result = run_json(DATA / "references.json")

    assert result["errors"][0] == {
        "entry": "zhang2023",
        "message": f"Its DOI matches source {by_doi.pk} and its PubMed ID matches source "
        f"{by_pmid.pk}; merge those two sources first.",
    }
    assert Source.objects.count() == 3  # the two, and the CDC page


def test_sources_without_doi_or_pmid_are_not_copied_on_reimport(tmp_path):
    path = tmp_path / "plain.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": "t",
                    "type": "report",
                    "title": "A report",
                    "author": [{"family": "Roe"}],
                    "issued": {"date-parts": [[2019]]},
                },
                {"id": "u", "type": "webpage", "title": "A page", "URL": "https://example.org/p"},
                {"id": "i", "type": "book", "title": "A book", "ISBN": "9780306406157"},
            ]
        )  # fmt: skip
    )

    assert run_json(path)["created"] == 3
    second = run_json(path)

    assert (second["created"], second["duplicates"]) == (0, 3)
    assert Source.objects.count() == 3


# --- Atomicity --------------------------------------------------------------------------------


def test_a_failing_entry_leaves_no_row(tmp_path):
    path = tmp_path / "long.json"
    path.write_text(
        json.dumps(
            [
                {"id": "ok", "title": "Fine", "DOI": "10.5555/ok.1"},
                {
                    "id": "long",
                    "title": "Too long",
                    "DOI": "10.5555/long.1",
                    "container-title": "J" * 301,
                },
                {"id": "bad-url", "title": "Bad address", "URL": "www.example.org/no-scheme"},
            ]
        )  # fmt: skip
    )

    result = run_json(path)

    assert result["errors"] == [
        {"entry": "long", "message": "Its journal is 301 characters long; a source's journal "
         "holds at most 300."},
        {"entry": "bad-url", "message": "Web address “www.example.org/no-scheme” is not a full "
         "http:// or https:// address."},
    ]  # fmt: skip
    assert list(Source.objects.values_list("doi", flat=True)) == ["10.5555/ok.1"]


def test_a_source_created_meanwhile_is_merged_not_duplicated(monkeypatch):
    # Another writer inserted the same DOI after our lookup (possible on PostgreSQL): the lookup
    # missed it, the unique constraint stops our insert, and the import is planned again.
    other_writers = Source.objects.create(doi="10.5555/regen.2020.0099", title="")
    real_lookup = importers._lookup
    calls = []

    def stale_first_lookup(cleaned):
        calls.append(1)
        rows = real_lookup(cleaned)
        return [r for r in rows if r.pk != other_writers.pk] if len(calls) == 1 else rows

    monkeypatch.setattr(importers, "_lookup", stale_first_lookup)

    result = run_json(DATA / "references.bib")

    assert len(calls) == 2
    assert (result["created"], result["updated"], result["duplicates"]) == (4, 1, 1)
    other_writers.refresh_from_db()
    assert other_writers.title.startswith("Stem cell injections")  # its blank title filled
    assert Source.objects.count() == 5


def test_a_write_that_keeps_failing_leaves_nothing(monkeypatch):
    def fail(*args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(Source.objects, "bulk_create", fail)

    with pytest.raises(IntegrityError):
        run(DATA / "references.bib")
    assert Source.objects.count() == 0


# --- Files that cannot be read ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.bib", b"", "is empty."),
        ("blank.ris", b"  \n\n ", "is empty."),
        (
            "latin1.bib",
            "@article{x, title={Caf\u00e9}}".encode("latin-1"),
            "is not UTF-8 text (byte 0xE9 at offset 22); save it as UTF-8 and import it again.",
        ),
        (
            "notes.txt",
            b"Just some notes about back pain.\n",
            "is not a reference file: no BibTeX entry (@article{…}), RIS record (“TY  -”), "
            "MEDLINE record (“PMID-”) or CSL-JSON list was found.",
        ),
        (
            "notes.bib",
            b"Just some notes.\n",
            "is not a reference file (its extension says BibTeX): no BibTeX entry (@article{…}), "
            "RIS record (“TY  -”), MEDLINE record (“PMID-”) or CSL-JSON list was found.",
        ),
        (
            "broken.json",
            b'[{"title": "x",',
            "is not valid JSON (Expecting property name enclosed in double quotes at line 1, "
            "column 16).",
        ),
        (
            "other.json",
            b'{"name": "not references"}',
            "is JSON but not CSL-JSON (a list of references with titles, types).",
        ),
        ("comments.bib", b"@comment{nothing to import}\n", "is BibTeX but contains no references."),
        ("image.ris", b"TY  - JOUR\x00\x01", "is a binary file, not a reference list."),
    ],
)
def test_unreadable_file_is_one_line_and_writes_nothing(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(CommandError) as raised:
        run(path, "--json")

    assert str(raised.value) == f"{path}: {problem}"
    assert "\n" not in str(raised.value)
    assert Source.objects.count() == 0


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(CommandError, match=r"^.*missing\.bib: no such file\.$"):
        run(tmp_path / "missing.bib")
    with pytest.raises(CommandError, match=r": is a folder, not a file\.$"):
        run(tmp_path)


def test_command_line_exit_status_and_single_line_without_traceback(tmp_path):
    path = tmp_path / "empty.ris"
    path.write_bytes(b"")

    finished = subprocess.run(
        [sys.executable, "manage.py", "import_references", str(path)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )

    assert finished.returncode != 0
    assert finished.stderr.strip().splitlines() == [f"CommandError: {path}: is empty."]
    assert finished.stdout == ""


# --- What a person reads ----------------------------------------------------------------------


def test_human_report_says_what_was_and_was_not_imported():
    text = run(DATA / "references.bib")

    assert text.splitlines()[0] == (
        f"{DATA / 'references.bib'} (BibTeX): 7 entries — 5 created, 0 updated, "
        "1 already present, 1 not imported."
    )
    assert "Created: 5" in text
    assert "lu2021-again → source" in text and "(same DOI as lu2021 earlier in this file" in text
    assert "Not imported: 1\n  bad-doi: DOI “10.abc” is not a well-formed DOI." in text


# --- Queries ----------------------------------------------------------------------------------


def _many(tmp_path, count: int, extra: str = "") -> Path:
    path = tmp_path / f"many{count}.bib"
    path.write_text(
        "\n".join(
            f"@article{{e{n}, title={{Title {n}}}, author={{Smith, J and Doe, K}}, "
            f"journal={{J Test}}, year={{2020}}, doi={{10.5555/test.{n}}}{extra}}}"
            for n in range(count)
        )
    )
    return path


def test_queries_do_not_grow_per_entry(tmp_path, django_assert_max_num_queries):
    # 200 entries: savepoint and release, one lookup, the INSERTs (SQLite keeps a statement
    # under 999 parameters, so 999 // columns rows; PostgreSQL 500), and nothing per entry.
    # See import_entries for the bound.
    path = _many(tmp_path, 200)
    columns = len(Source._meta.concrete_fields) - 1  # all but the id
    with django_assert_max_num_queries(3 + math.ceil(200 / (999 // columns))):
        assert run_json(path)["created"] == 200

    # Filling blank pages in all 200: one lookup and one UPDATE.
    updated = _many(tmp_path, 200, extra=", pages={1-2}")
    with django_assert_max_num_queries(4):
        assert run_json(updated)["updated"] == 200

    # All duplicates: the lookup only.
    with django_assert_max_num_queries(3):
        assert run_json(updated)["duplicates"] == 200


def test_parsed_entries_keep_file_order_and_positions():
    text = (DATA / "references.ris").read_text(encoding="utf-8")

    labels = [entry.label for entry in parse_text(text, "ris")]

    assert labels == ["smith2019", "entry 2 (line 23)", "bad-pmid", "entry 4 (line 40)"]


def test_bibtex_latex_markup_becomes_plain_text():
    text = (
        "@article{k, author={Na{\\\"\\i}ve, Ana and {\\'E}mile Zola and {Smith and Sons}},"
        " title={{\\it In vivo} results -- a {\\textbf{50~\\%}} gain \\& {COVID}-19},"
        " journal={J. Bone \\& Joint}, pages={10--12}, url={https://x.org/a\\_b}}"
    )

    (entry,) = parse_text(text, "bibtex")

    assert entry.fields["title"] == "In vivo results – a 50 % gain & COVID-19"
    assert entry.fields["authors"] == [
        {"family": "Naïve", "given": "Ana"},
        {"family": "Zola", "given": "Émile"},
        {"family": "Smith and Sons", "given": ""},
    ]
    assert entry.fields["journal"] == "J. Bone & Joint"
    assert entry.fields["pages"] == "10-12"
    assert entry.fields["url"] == "https://x.org/a_b"
