"""Reference files as exporters really write them (issue 15): one-space RIS tags, a bad field
next to a good identifier, MEDLINE records that do not start with PMID, BibTeX without keys or
with LaTeX, name suffixes, HTML entities, and books, chapters, reports, theses and web pages.

Every input here was written for the project."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from evidence.models import Source, SourceKind
from evidence.references import format_reference

pytestmark = pytest.mark.django_db


def imported(tmp_path: Path, name: str, text: str) -> dict:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("import_references", str(path), "--json", stdout=out)
    return json.loads(out.getvalue())


def source(**lookup) -> Source:
    return Source.objects.get(**lookup)


def ama(row: Source) -> str:
    return format_reference(row.snapshot()).text


# --- RIS ----------------------------------------------------------------------------------------

ONE_SPACE_RIS = """\
TY - JOUR
AU - Lindqvist, Maja
AU - Okonkwo, Chidi
TI - Walking programmes for knee osteoarthritis
JO - Knee Health
PY - 2021
DO - 10.5555/knee.2021.1
ER -

TY - JOUR
AU - Haddad, Samir
TI - Sleep and chronic back pain
JO - Spine Care
PY - 2019
DO - 10.5555/spine.2019.4
ER -
"""


@pytest.mark.parametrize("name", ["export.ris", "export.txt"])
def test_ris_with_one_space_before_the_dash_is_ris(tmp_path, name):
    result = imported(tmp_path, name, ONE_SPACE_RIS)

    assert result["created"] == 2, result
    assert result["errors"] == []
    walking = source(doi="10.5555/knee.2021.1")
    assert walking.title == "Walking programmes for knee osteoarthritis"
    assert walking.authors[0] == {"family": "Lindqvist", "given": "Maja"}
    assert walking.journal == "Knee Health"
    assert source(doi="10.5555/spine.2019.4").year == 2019


def test_protocol_relative_web_address_is_kept_as_https_with_a_warning(tmp_path):
    result = imported(
        tmp_path,
        "refs.ris",
        "TY  - JOUR\nID  - rel1\nTI  - Hand therapy after fracture\nDO  - 10.5555/hand.7\n"
        "UR  - //journals.example.org/hand/7\nER  - \n\n"
        "TY  - JOUR\nID  - rel2\nTI  - Grip strength in older adults\nDO  - 10.5555/grip.8\n"
        "UR  - //cdn.example.net/articles/grip-8.pdf\nER  - \n",
    )

    assert result["created"] == 2 and result["errors"] == []
    assert source(doi="10.5555/hand.7").url == "https://journals.example.org/hand/7"
    assert source(doi="10.5555/grip.8").url == "https://cdn.example.net/articles/grip-8.pdf"
    assert [w["entry"] for w in result["warnings"]] == ["rel1", "rel2"]
    assert "//journals.example.org/hand/7" in result["warnings"][0]["message"]


def test_a_bad_field_never_loses_a_record_with_a_good_identifier(tmp_path):
    result = imported(
        tmp_path,
        "refs.ris",
        # A PMC ID that is not one, next to a good DOI.
        "TY  - JOUR\nID  - good-doi\nTI  - Vitamin D and falls\nDO  - 10.5555/vitd.3\n"
        "C2  - PMCabc\nER  - \n\n"
        # A web address that is not one, next to a good PubMed ID.
        "TY  - JOUR\nID  - good-pmid\nTI  - Balance classes\nAN  - 31234567\nDB  - PubMed\n"
        "UR  - notaurl\nER  - \n\n"
        # Nothing good to keep it by: still refused, with the reason.
        "TY  - JOUR\nID  - nothing-good\nTI  - Posture and pain\nUR  - notaurl\nER  - \n",
    )

    assert result["created"] == 2
    assert {s["title"] for s in result["sources"]} == {"Vitamin D and falls", "Balance classes"}
    assert source(pmid="31234567").url == ""
    warned = {w["entry"]: w["message"] for w in result["warnings"]}
    assert set(warned) == {"good-pmid"} or set(warned) == {"good-doi", "good-pmid"}
    assert "notaurl" in warned["good-pmid"] and "left out" in warned["good-pmid"]
    assert [e["entry"] for e in result["errors"]] == ["nothing-good"]


# --- MEDLINE ------------------------------------------------------------------------------------

MEDLINE_MIXED = """\
PMID- 30111111
TI  - Exercise therapy for hip osteoarthritis: a randomized trial.
FAU - Moreno, Lucia
AU  - Moreno L
TA  - Hip Res
JT  - Hip research
DP  - 2020 Mar
PT  - Journal Article
PT  - Randomized Controlled Trial

OWN - NLM
STAT- MEDLINE
PMID- 30222222
TI  - Injections for knee pain: an overview of reviews.
FAU - Chen, Wei
TA  - Knee Rev
DP  - 2021
PT  - Journal Article
PT  - Systematic Review

TI  - A record an exporter wrote without its PMID.
FAU - Ito, Kenji
TA  - Clin Notes
DP  - 2018
LID - 10.5555/notes.2018.2 [doi]
PT  - Case Reports
"""


def test_medline_finds_every_record_and_never_folds_them(tmp_path):
    result = imported(tmp_path, "pubmed.nbib", MEDLINE_MIXED)

    assert result["created"] == 3, result
    assert result["errors"] == []
    trial = source(pmid="30111111")
    assert trial.kind == SourceKind.RANDOMIZED_TRIAL  # not the next record's "Systematic Review"
    assert trial.authors == [{"family": "Moreno", "given": "Lucia"}]
    review = source(pmid="30222222")
    assert review.kind == SourceKind.SYSTEMATIC_REVIEW
    assert review.authors == [{"family": "Chen", "given": "Wei"}]
    notes = source(doi="10.5555/notes.2018.2")
    assert notes.pmid == "" and notes.kind == SourceKind.CASE_SERIES


def test_medline_records_without_blank_lines_between_them(tmp_path):
    result = imported(
        tmp_path,
        "pubmed.txt",
        "PMID- 30333333\nTI  - First.\nTA  - A J\nDP  - 2019\nPT  - Review\n"
        "PMID- 30444444\nTI  - Second.\nTA  - B J\nDP  - 2020\nPT  - Observational Study\n",
    )

    assert result["created"] == 2
    assert source(pmid="30333333").title == "First"
    assert source(pmid="30444444").kind == SourceKind.OBSERVATIONAL


def test_pubmed_bookshelf_records_are_chapters_and_books(tmp_path):
    result = imported(
        tmp_path,
        "books.nbib",
        "PMID- 20300001\n"
        "STAT- Publisher\n"
        "BTI - InheritedConditions(R)\n"
        "TI  - Familial Tendon Laxity.\n"
        "FAU - Sørensen, Ida\n"
        "FED - Marsh, Peter A\n"
        "ED  - Marsh PA\n"
        "FED - Quill, Rosa\n"
        "ED  - Quill R\n"
        "PB  - Lakeside University\n"
        "PL  - Harborview (WA)\n"
        "DP  - 1999\n"
        "AID - NBK9001 [bookaccession]\n"
        "PT  - Review\n"
        "PT  - Book Chapter\n"
        "\n"
        "PMID- 20300002\n"
        "BTI - Handbook of Joint Care\n"
        "FAU - Abara, Nnamdi\n"
        "PB  - Riverbank Press\n"
        "DP  - 2015\n"
        "AID - NBK9002 [bookaccession]\n"
        "PT  - Book\n",
    )

    assert result["created"] == 2 and result["errors"] == []
    chapter = source(pmid="20300001")
    assert chapter.kind == SourceKind.CHAPTER
    assert chapter.journal == ""
    assert chapter.book_title == "InheritedConditions(R)"
    assert chapter.editors == [
        {"family": "Marsh", "given": "Peter A"},
        {"family": "Quill", "given": "Rosa"},
    ]
    assert chapter.url == "https://www.ncbi.nlm.nih.gov/books/NBK9001/"
    assert ama(chapter).startswith(
        "Sørensen I. Familial Tendon Laxity. In: Marsh PA, Quill R, eds. InheritedConditions(R). "
        "Lakeside University; 1999."
    )
    book = source(pmid="20300002")
    assert book.kind == SourceKind.BOOK and book.title == "Handbook of Joint Care"
    assert ama(book).startswith("Abara N. Handbook of Joint Care. Riverbank Press; 2015.")


# --- BibTeX -------------------------------------------------------------------------------------


def test_bibtex_entries_without_keys_are_all_imported_and_their_keys_reported(tmp_path):
    result = imported(
        tmp_path,
        "refs.bib",
        "@article{,\n  title = {Cold therapy after knee surgery},\n  doi = {10.5555/cold.1},\n}\n"
        "@article{,\n  title = {Heat therapy for stiffness},\n  doi = {10.5555/heat.2},\n}\n"
        "@article{named,\n  title = {Compression sleeves},\n  doi = {10.5555/sleeve.3},\n}\n",
    )

    assert result["created"] == 3 and result["errors"] == []
    assert [w["entry"] for w in result["warnings"]] == ["entry 1 (line 1)", "entry 2 (line 5)"]
    assert all("no citation key" in w["message"] for w in result["warnings"])
    # The made-up keys differ, and the entry as written is kept as the file has it.
    assert "entry-1" in result["warnings"][0]["message"]
    assert "entry-2" in result["warnings"][1]["message"]
    assert source(doi="10.5555/cold.1").as_written.startswith("@article{,")


def test_bibtex_latex_is_decoded_including_across_line_breaks(tmp_path):
    imported(
        tmp_path,
        "refs.bib",
        "@article{a1,\n"
        '  author = {Ba{\\\'n}ka, Zofia and M{\\"u}ller, J{\\"o}rg and Fran{\\c{c}}ois, '
        "Ren\\'{e}e and Ba{\\'\n   n}ka, Piotr},\n"
        "  title = {{$\\beta$}-blockers and {\\emph{in vivo}} recovery --- a {\\O}resund "
        "cohort},\n"
        "  journal = {Acta Card{\\'\\i}aca},\n"
        "  doi = {10.5555/beta.1},\n}\n",
    )

    row = source(doi="10.5555/beta.1")
    assert [a["family"] for a in row.authors] == ["Bańka", "Müller", "François", "Bańka"]
    assert row.authors[1]["given"] == "Jörg" and row.authors[2]["given"] == "Renée"
    assert row.title == "β-blockers and in vivo recovery — a Øresund cohort"
    assert row.journal == "Acta Cardíaca"


def test_name_suffixes_are_their_own_part(tmp_path):
    imported(
        tmp_path,
        "refs.bib",
        "@article{s1, author = {Fulton, James E., Jr. and Fulton, Jr., Marcus and "
        "Whitby, Alan, III}, title = {Family patterns of gout}, doi = {10.5555/gout.1}}\n",
    )
    imported(
        tmp_path,
        "refs.ris",
        "TY  - JOUR\nAU  - Fulton, James E., Jr.\nAU  - Okoro, Ada\nTI  - Gout in athletes\n"
        "DO  - 10.5555/gout.2\nER  - \n",
    )

    bib = source(doi="10.5555/gout.1")
    assert bib.authors == [
        {"family": "Fulton", "given": "James E.", "suffix": "Jr."},
        {"family": "Fulton", "given": "Marcus", "suffix": "Jr."},
        {"family": "Whitby", "given": "Alan", "suffix": "III"},
    ]
    assert ama(bib).startswith("Fulton JE Jr, Fulton M Jr, Whitby A III.")
    ris = source(doi="10.5555/gout.2")
    assert ris.authors[0] == {"family": "Fulton", "given": "James E.", "suffix": "Jr."}


def test_html_entities_in_journal_names_are_decoded(tmp_path):
    imported(
        tmp_path,
        "refs.json",
        json.dumps(
            [
                {
                    "type": "article-journal",
                    "title": "Pelvic floor training &amp; recovery",
                    "container-title": "Obstetrics &amp; Gynecology Reports",
                    "DOI": "10.5555/pelvic.1",
                }
            ]
        ),
    )
    imported(
        tmp_path,
        "refs.ris",
        "TY  - JOUR\nTI  - Bone density\nJO  - Bone &amp; Joint Letters\nDO  - 10.5555/bone.2\n"
        "ER  - \n",
    )

    assert source(doi="10.5555/pelvic.1").journal == "Obstetrics & Gynecology Reports"
    assert source(doi="10.5555/pelvic.1").title == "Pelvic floor training & recovery"
    assert source(doi="10.5555/bone.2").journal == "Bone & Joint Letters"


# --- Kinds of source beyond journal articles ----------------------------------------------------

KINDS_RIS = """\
TY  - BOOK
AU  - Okafor, Ada
TI  - Principles of Wound Care
PB  - Harbor Press
CY  - Boston, MA
PY  - 2019
SN  - 978-0-306-40615-7
ER  -

TY  - CHAP
AU  - Moreno, Lucia
TI  - Tendon healing
T2  - Sports Medicine Essentials
A2  - Adam, Margaret P.
A2  - Lin, Wei
PB  - Lakeside University Press
PY  - 2020
SP  - 45
EP  - 67
ER  -

TY  - RPRT
AU  - National Joint Health Council
TI  - Osteoarthritis care in rural clinics
PB  - National Joint Health Council
PY  - 2022
UR  - https://joints.example.org/rural-report
ER  -

TY  - THES
AU  - Sato, Hana
TI  - Cartilage repair after injury
PB  - Northfield University
PY  - 2018
M3  - Dissertation
ER  -

TY  - ELEC
TI  - Knee pain: what to know
PB  - Example Health Agency
PY  - 2023
Y2  - 2024/03/05
UR  - https://health.example.org/knee
ER  -
"""


def test_ris_books_chapters_reports_theses_and_web_pages(tmp_path):
    result = imported(tmp_path, "kinds.ris", KINDS_RIS)

    assert result["created"] == 5 and result["errors"] == []
    book = source(isbn="9780306406157")
    assert book.kind == SourceKind.BOOK
    assert ama(book) == "Okafor A. Principles of Wound Care. Harbor Press; 2019."
    chapter = source(title="Tendon healing")
    assert chapter.kind == SourceKind.CHAPTER and chapter.journal == ""
    assert ama(chapter) == (
        "Moreno L. Tendon healing. In: Adam MP, Lin W, eds. Sports Medicine Essentials. "
        "Lakeside University Press; 2020:45-67."
    )
    report = source(title="Osteoarthritis care in rural clinics")
    assert report.kind == SourceKind.REPORT
    assert ama(report).startswith(
        "National Joint Health Council. Osteoarthritis Care in Rural Clinics. "
        "National Joint Health Council; 2022."
    )
    thesis = source(title="Cartilage repair after injury")
    assert thesis.kind == SourceKind.THESIS
    assert (
        ama(thesis) == "Sato H. Cartilage Repair After Injury. Thesis. Northfield University; 2018."
    )
    page = source(url="https://health.example.org/knee")
    assert page.kind == SourceKind.WEBSITE and page.accessed == datetime.date(2024, 3, 5)
    assert ama(page) == (
        "Knee pain: what to know. Example Health Agency. 2023. Accessed March 5, 2024. "
        "https://health.example.org/knee"
    )


def test_bibtex_and_csl_json_kinds(tmp_path):
    imported(
        tmp_path,
        "kinds.bib",
        "@incollection{c1, author = {Lin, Wei}, title = {Shoulder rehabilitation}, "
        "booktitle = {Upper Limb Care}, editor = {Park, Jun and Adeyemi, Tolu}, "
        "publisher = {Coastal Medical}, year = {2017}, pages = {101--120}}\n"
        "@phdthesis{t1, author = {Nakamura, Emi}, title = {Gait after stroke}, "
        "school = {Eastfield University}, year = {2016}}\n"
        "@techreport{r1, author = {{Regional Health Board}}, title = {Fall prevention audit}, "
        "institution = {Regional Health Board}, year = {2021}}\n"
        "@online{w1, title = {Managing arthritis at home}, organization = {Arthritis Aid}, "
        "url = {https://arthritis.example.org/home}, urldate = {2025-01-20}, year = {2024}}\n",
    )
    imported(
        tmp_path,
        "kinds.json",
        json.dumps(
            [
                {
                    "id": "ch",
                    "type": "chapter",
                    "title": "Pain in children",
                    "author": [{"family": "Ruiz", "given": "Ana"}],
                    "editor": [{"family": "Bloom", "given": "Tess"}],
                    "container-title": "Paediatric Pain",
                    "publisher": "Northern Books",
                    "issued": {"date-parts": [[2020]]},
                },
                {
                    "id": "wp",
                    "type": "webpage",
                    "title": "Hip replacement recovery",
                    "container-title": "Bone Health Network",
                    "URL": "https://bones.example.org/hip",
                    "accessed": {"date-parts": [[2024, 11, 2]]},
                },
            ]
        ),
    )

    chapter = source(title="Shoulder rehabilitation")
    assert (chapter.kind, chapter.book_title, chapter.publisher) == (
        SourceKind.CHAPTER,
        "Upper Limb Care",
        "Coastal Medical",
    )
    assert ama(chapter) == (
        "Lin W. Shoulder rehabilitation. In: Park J, Adeyemi T, eds. Upper Limb Care. "
        "Coastal Medical; 2017:101-120."
    )
    assert source(title="Gait after stroke").kind == SourceKind.THESIS
    assert source(title="Gait after stroke").publisher == "Eastfield University"
    assert source(title="Fall prevention audit").kind == SourceKind.REPORT
    web = source(url="https://arthritis.example.org/home")
    assert (web.kind, web.accessed) == (SourceKind.WEBSITE, datetime.date(2025, 1, 20))
    assert "Accessed January 20, 2025." in ama(web)
    csl_chapter = source(title="Pain in children")
    assert csl_chapter.kind == SourceKind.CHAPTER and csl_chapter.journal == ""
    assert "In: Bloom T, ed. Paediatric Pain. Northern Books; 2020." in ama(csl_chapter)
    csl_page = source(url="https://bones.example.org/hip")
    assert "Bone Health Network" in ama(csl_page) and "Accessed November 2, 2024" in ama(csl_page)
