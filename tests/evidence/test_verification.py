"""Judging sources against registry records, saving the verdict, and the retraction re-check."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from articles import jobs
from articles.models import Citation
from evidence.models import Source, VerificationStatus
from evidence.registry import CROSSREF, FOUND, PUBMED, Lookup, RegistryClient, RegistryRecord
from evidence.verification import (
    assess,
    author_matches,
    authors_match,
    due_for_recheck,
    journals_match,
    reassess_from_cache,
    recheck_due,
    title_key,
    verify_source,
    verify_sources,
)
from tests.conftest import closed_port_url

pytestmark = pytest.mark.django_db


# --- The seed's citations, against the recorded registry answers -------------------------------


def test_liver_reference_is_a_mismatch_naming_authors_and_title(registry_server, liver_source):
    outcome = verify_source(liver_source)

    assert outcome.status == VerificationStatus.MISMATCH
    assert {d["field"] for d in outcome.details} == {"authors", "title"}
    authors = next(d for d in outcome.details if d["field"] == "authors")
    assert authors == {
        "field": "authors",
        "written": "Zhao Y, Liu Y, Zhang W, Li H, Wang L",
        "registry": "Lu W, Qu J",
    }
    title = next(d for d in outcome.details if d["field"] == "title")
    assert title["written"].startswith("Efficacy and safety of mesenchymal stem cells in the")
    assert title["registry"] == (
        "Efficacy and safety of mesenchymal stem cell therapy in liver cirrhosis: "
        "a systematic review and meta-analysis"
    )
    liver_source.refresh_from_db()
    assert liver_source.verification_status == VerificationStatus.MISMATCH
    assert liver_source.verification_details == outcome.details
    assert liver_source.verified_at is not None
    assert liver_source.retracted is False


def test_correct_reference_with_et_al_and_abbreviated_journal_verifies(
    registry_server, intrathecal_source
):
    outcome = verify_source(intrathecal_source)

    assert (outcome.status, outcome.details) == (VerificationStatus.VERIFIED, [])
    assert intrathecal_source.verification_status == VerificationStatus.VERIFIED


def test_initials_against_full_given_names_verify(registry_server, ms_source):
    assert verify_source(ms_source).status == VerificationStatus.VERIFIED


def test_doi_and_pmid_both_asked_and_both_cached(registry_server, ms_source):
    ms_source.pmid = "98000001"
    ms_source.save()

    outcome = verify_source(ms_source)

    assert outcome.status == VerificationStatus.VERIFIED
    ms_source.refresh_from_db()
    assert set(ms_source.registry_metadata) == {CROSSREF, PUBMED}
    assert ms_source.registry_metadata[CROSSREF]["journal_short"] == "Front. Cell Dev. Biol."
    assert ms_source.registry_metadata[PUBMED]["authors"][0] == {"family": "Smith", "given": "JA"}
    assert ms_source.metadata_fetched_at is not None
    assert sorted(registry_server.paths()) == [
        "/crossref/works/10.3389/fcell.2021.696434",
        "/eutils/esummary.fcgi",
    ]


def test_pmid_of_another_article_is_a_mismatch(registry_server, liver_source):
    liver_source.pmid = "98000001"  # the multiple sclerosis review's record
    liver_source.save()

    outcome = verify_source(liver_source)

    assert outcome.status == VerificationStatus.MISMATCH
    pmid = next(d for d in outcome.details if d["field"] == "pmid")
    assert pmid["registry"] == "PubMed 98000001 is DOI 10.3389/fcell.2021.696434"


# --- Retractions -------------------------------------------------------------------------------


def test_crossref_retraction_is_saved(registry_server, new_source):
    source = new_source(
        doi="10.5555/regen.2019.0042",
        title="Umbilical cord stem cells reverse knee osteoarthritis: a randomized trial",
        authors=[{"family": "Okafor", "given": "N."}, {"family": "Lindqvist", "given": "E."}],
        journal="J Regen Ex",
        year=2019,
    )

    [outcome] = verify_sources([source])

    assert outcome.status == VerificationStatus.RETRACTED
    assert outcome.newly_retracted is True
    assert outcome.details[0] == {
        "field": "retraction",
        "written": "",
        "registry": "Retraction (2022-03-14): https://doi.org/10.5555/regen.2022.0101",
    }
    source.refresh_from_db()
    assert source.retracted is True
    assert source.retraction_notice.endswith("https://doi.org/10.5555/regen.2022.0101")
    assert source.verification_status == VerificationStatus.RETRACTED
    # Checking again finds it retracted, but not newly.
    [again] = verify_sources([source])
    assert (again.status, again.newly_retracted) == (VerificationStatus.RETRACTED, False)


def test_pubmed_retraction_is_saved_and_vouches_for_a_non_crossref_doi(registry_server, new_source):
    source = new_source(
        doi="10.5555/cte.2019.0001",  # no Crossref record; PubMed lists it for this PMID
        pmid="98000002",
        title="Intravenous stem cells halt progression of Parkinson disease: an open-label study",
        authors=[{"family": "Haddad", "given": "R"}],
        authors_truncated=True,
        journal="Cell Transplantation Examples",
        year=2019,
    )

    outcome = verify_source(source)

    assert outcome.status == VerificationStatus.RETRACTED
    assert [d["field"] for d in outcome.details] == ["retraction"]
    assert source.retracted is True
    assert source.retraction_notice.startswith("Retraction in: Cell Transplant Ex. 2023")


def test_retraction_in_place_is_found(registry_server, new_source):
    source = new_source(doi="10.5555/regen.2018.0007")

    assert verify_source(source).status == VerificationStatus.RETRACTED
    assert source.retracted is True


# --- Not found and unreachable -----------------------------------------------------------------


def test_unregistered_doi_is_not_found(registry_server, new_source):
    source = new_source(doi="10.5555/never.registered", title="Something")

    outcome = verify_source(source)

    assert outcome.status == VerificationStatus.NOT_FOUND
    assert outcome.details == [
        {"field": "doi", "written": "10.5555/never.registered", "registry": "not registered at "
         "Crossref"}
    ]  # fmt: skip
    assert source.verification_status == VerificationStatus.NOT_FOUND
    assert source.registry_metadata == {}


@pytest.mark.parametrize("pmid", ["98000003", "98000404"])  # per-id error; left out entirely
def test_unknown_pmid_is_not_found(registry_server, new_source, pmid):
    source = new_source(pmid=pmid)

    assert verify_source(source).status == VerificationStatus.NOT_FOUND


def test_registry_down_never_raises_and_leaves_source_unreachable(liver_source):
    # The autouse fixture points both registries at a closed port.
    outcome = verify_source(liver_source)

    assert outcome.status == VerificationStatus.UNREACHABLE
    assert "could not be reached" in outcome.details[0]["registry"]
    liver_source.refresh_from_db()
    assert liver_source.verification_status == VerificationStatus.UNREACHABLE
    assert liver_source.verified_at is None


def test_an_outage_does_not_erase_the_last_answer(registry_server, ms_source, settings):
    verify_source(ms_source)
    verified_at = ms_source.verified_at
    settings.CROSSREF_API_URL = closed_port_url()

    outcome = verify_source(ms_source)

    assert outcome.status == VerificationStatus.UNREACHABLE
    ms_source.refresh_from_db()
    assert ms_source.verification_status == VerificationStatus.VERIFIED
    assert ms_source.verified_at == verified_at
    assert ms_source.registry_metadata[CROSSREF]["doi"] == ms_source.doi


def test_a_retracted_source_stays_retracted_while_its_registry_is_down(
    registry_server, new_source, settings
):
    source = new_source(doi="10.5555/regen.2019.0042", pmid="98000001")
    verify_source(source)
    settings.CROSSREF_API_URL = closed_port_url()  # PubMed still answers (and says nothing)

    outcome = verify_source(source)

    assert outcome.status == VerificationStatus.RETRACTED
    assert source.retracted is True


def test_server_error_then_success_verifies(registry_server, ms_source):
    registry_server.script("/crossref/", (500, {}, "Internal Server Error"))
    with RegistryClient(backoff=0.01) as client:
        outcome = verify_source(ms_source, client=client)

    assert outcome.status == VerificationStatus.VERIFIED
    assert len(registry_server.requests) == 2


def test_timeout_leaves_source_unreachable(registry_server, ms_source):
    registry_server.delay = 0.5
    with RegistryClient(timeout=0.1, retries=0) as client:
        outcome = verify_source(ms_source, client=client)

    assert outcome.status == VerificationStatus.UNREACHABLE
    assert outcome.details[0]["registry"] == "Crossref timed out"


def test_many_sources_each_saved_with_progress(
    registry_server, liver_source, intrathecal_source, ms_source, new_source
):
    no_identifier = new_source(title="A website", url="https://clinic.example/")
    seen = []

    outcomes = verify_sources(
        Source.objects.order_by("pk"), progress=lambda done, total: seen.append((done, total))
    )

    assert [o.source for o in outcomes] == [liver_source.pk, intrathecal_source.pk, ms_source.pk]
    assert [o.status for o in outcomes] == ["mismatch", "verified", "verified"]
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]
    no_identifier.refresh_from_db()
    assert no_identifier.verification_status == VerificationStatus.UNVERIFIED


# --- The comparison's tolerance ----------------------------------------------------------------


def record(**fields) -> RegistryRecord:
    return RegistryRecord(registry=CROSSREF, **fields)


def written(**fields) -> Source:
    return Source(**fields)


@pytest.mark.parametrize(
    ("as_written", "registered"),
    [
        ({"family": "Mesa Bedoya", "given": "L.E."}, {"family": "Mesa Bedoya", "given": "L. E."}),
        ({"family": "Mesa Bedoya", "given": "L.E."}, {"family": "Mesa-Bedoya", "given": "Luz"}),
        ({"family": "Mesa-Bedoya", "given": "LE"}, {"family": "Mesa Bedoya", "given": ""}),
        ({"family": "Mesa Bedoya", "given": "L.E."}, {"family": "Bedoya", "given": "L. Mesa"}),
        ({"family": "Lopez Quiceno", "given": "L"}, {"family": "López Quiceno", "given": "Lina"}),
        ({"family": "MÜLLER", "given": "h.-j."}, {"family": "Müller", "given": "Hans-Jürgen"}),
        ({"family": "Smith", "given": "JA"}, {"family": "Smith", "given": "Jayden A."}),
        ({"family": "Smith", "given": "J."}, {"family": "Smith", "given": "Jayden A."}),
        ({"family": "O'Brien", "given": "Siobhan"}, {"family": "OBrien", "given": "S"}),
        ({"family": "Søndergaard", "given": "K"}, {"family": "Sondergaard", "given": "K."}),
        ({"family": "Peruzzotti-Jametti", "given": "Luca"}, {"family": "Peruzzotti-Jametti",
                                                            "given": "Luca"}),
    ],
)  # fmt: skip
def test_the_same_author_written_differently_matches(as_written, registered):
    assert author_matches(as_written, registered)


@pytest.mark.parametrize(
    ("as_written", "registered"),
    [
        ({"family": "Zhao", "given": "Y."}, {"family": "Lu", "given": "W."}),
        ({"family": "Smith", "given": "K"}, {"family": "Smith", "given": "Jayden A."}),
        ({"family": "Smith", "given": "John"}, {"family": "Smith", "given": "Jayden"}),
        ({"family": "Mesa", "given": "L"}, {"family": "Mesa Bedoya", "given": "L. E."}),
    ],
)
def test_different_authors_do_not_match(as_written, registered):
    assert not author_matches(as_written, registered)


def test_author_lists_compare_in_order_and_only_the_listed_prefix_after_et_al():
    registered = [{"family": n, "given": "A"} for n in ("Lu", "Qu", "Chen", "Park")]
    first_two = [{"family": "Lu", "given": "A"}, {"family": "Qu", "given": "A"}]

    assert authors_match(first_two, True, registered)
    assert not authors_match(first_two, False, registered)  # no "et al.": names are missing
    assert not authors_match(list(reversed(first_two)), True, registered)
    assert not authors_match(registered + first_two, True, registered)


@pytest.mark.parametrize(
    ("name", "registered"),
    [
        ("Stem Cell Res Ther", "Stem Cell Research & Therapy"),
        ("Stem Cell Research and Therapy", "Stem Cell Research &amp; Therapy"),
        ("stem cell research & therapy", "Stem cell research & therapy"),
        ("Front Cell Dev Biol", "Front. Cell Dev. Biol."),
        ("Front Cell Dev Biol", "Frontiers in Cell and Developmental Biology"),
        ("Proc Natl Acad Sci U S A", "Proceedings of the National Academy of Sciences of the "
                                     "United States of America"),
        ("The Lancet", "Lancet"),
        ("J Clin Invest", "The Journal of Clinical Investigation"),
    ],
)  # fmt: skip
def test_journal_abbreviations_match_full_names(name, registered):
    assert journals_match(name, registered)


@pytest.mark.parametrize(
    ("name", "registered"),
    [
        ("Cell Rep", "Cell Research"),
        ("Stem Cell Rev Rep", "Stem Cell Research & Therapy"),
        ("Stem Cell Res Ther", "Stem Cell Reports"),
        ("J Clin Med", "Journal of Clinical Microbiology"),
        ("Nature", "Nature Medicine"),
    ],
)
def test_different_journals_do_not_match(name, registered):
    assert not journals_match(name, registered)


@pytest.mark.parametrize(
    ("title", "registered"),
    [
        ("Stem cell therapies for progressive multiple sclerosis.",
         "Stem Cell Therapies for Progressive Multiple Sclerosis"),
        ("A meta analysis of randomized trials", "A meta-analysis of randomised trials"),
        ("Paediatric tumours and behaviour", "Pediatric tumors and behavior"),
        ("The role of TNF-α in fibrosis", "The role of TNF-alpha in fibrosis"),
        ("Effects of <i>in vitro</i> culture", "Effects of in vitro culture"),
        ("RETRACTED ARTICLE: Stem cells in knees", "Stem cells in knees"),
    ],
)  # fmt: skip
def test_titles_differing_only_in_form_match(title, registered):
    assert title_key(title) == title_key(registered)


@pytest.mark.parametrize(
    ("title", "registered"),
    [
        ("A phase II trial of stem cells", "A phase III trial of stem cells"),
        ("Stem cells in children with cerebral palsy", "Stem cells in adults with cerebral palsy"),
        ("Efficacy and safety of mesenchymal stem cells in the treatment of liver cirrhosis",
         "Efficacy and safety of mesenchymal stem cell therapy in liver cirrhosis"),
    ],
)  # fmt: skip
def test_titles_with_different_words_do_not_match(title, registered):
    assert title_key(title) != title_key(registered)


def found(rec: RegistryRecord) -> Lookup:
    return Lookup(rec.registry, rec.doi or rec.pmid, FOUND, rec)


def test_year_agrees_with_print_or_online_year_but_not_another():
    rec = record(doi="10.5555/x", year=2020, other_years=[2019])

    assert assess(written(doi="10.5555/x", year=2019), [found(rec)]).status == "verified"
    verdict = assess(written(doi="10.5555/x", year=2018), [found(rec)])
    assert verdict.status == "mismatch"
    assert verdict.details == [{"field": "year", "written": "2018", "registry": "2020"}]


def test_fields_left_empty_on_either_side_are_not_compared():
    rec = record(doi="10.5555/x", title="", authors=[], journal="Some Journal", year=None)
    source = written(doi="10.5555/x", title="Anything", authors=[{"family": "Anyone"}])

    assert assess(source, [found(rec)]).status == "verified"


def test_journal_difference_names_both_forms():
    rec = record(doi="10.5555/x", journal="Stem Cell Reports", journal_short="Stem Cell Rep")

    verdict = assess(written(doi="10.5555/x", journal="Stem Cell Res Ther"), [found(rec)])

    assert verdict.details == [
        {
            "field": "journal",
            "written": "Stem Cell Res Ther",
            "registry": "Stem Cell Reports (Stem Cell Rep)",
        }
    ]


def test_et_al_against_a_longer_list_shows_as_many_registered_names():
    rec = record(
        doi="10.5555/x",
        authors=[{"family": n, "given": "A."} for n in ("Lu", "Qu", "Chen", "Park")],
    )
    source = written(
        doi="10.5555/x",
        authors=[{"family": "Zhao", "given": "Y."}, {"family": "Liu", "given": "Y."}],
        authors_truncated=True,
    )

    [difference] = assess(source, [found(rec)]).details

    assert difference == {
        "field": "authors",
        "written": "Zhao Y, Liu Y et al.",
        "registry": "Lu A, Qu A et al.",
    }


# --- Edits judged against the cache ------------------------------------------------------------


def test_correcting_the_reference_clears_the_mismatch_without_asking_again(
    registry_server, liver_source
):
    verify_source(liver_source)
    asked = len(registry_server.requests)
    liver_source.authors = [{"family": "Lu", "given": "W"}, {"family": "Qu", "given": "J"}]
    liver_source.authors_truncated = True
    liver_source.title = (
        "Efficacy and safety of mesenchymal stem cell therapy in liver cirrhosis: "
        "a systematic review and meta-analysis"
    )

    reassess_from_cache(liver_source, identifiers_changed=False)

    assert liver_source.verification_status == VerificationStatus.VERIFIED
    assert liver_source.verification_details == []
    assert len(registry_server.requests) == asked


def test_changing_the_doi_makes_the_source_unverified(registry_server, new_source):
    source = new_source(doi="10.1186/s13287-024-03748-7")
    verify_source(source)
    source.doi = "10.3389/fcell.2021.696434"

    reassess_from_cache(source, identifiers_changed=True)

    assert source.verification_status == VerificationStatus.UNVERIFIED
    assert (source.retracted, source.registry_metadata, source.verified_at) == (False, {}, None)


def test_editing_the_doi_never_un_retracts_a_study(registry_server, new_source):
    """Changing the DOI away and back must not clear a retraction; only a registry's answer
    about the new identifier may, and the periodic re-check asks it."""
    source = new_source(doi="10.5555/regen.2019.0042")
    verify_source(source)
    assert source.retracted

    source.doi = "10.1000/unrelated.1"
    reassess_from_cache(source, identifiers_changed=True)
    source.save()
    source.doi = "10.5555/regen.2019.0042"
    reassess_from_cache(source, identifiers_changed=True)
    source.save()

    assert (source.retracted, source.verification_status) == (True, VerificationStatus.RETRACTED)
    assert source.verified_at is None
    assert source in due_for_recheck()


# --- The periodic re-check ---------------------------------------------------------------------


def test_recheck_asks_about_sources_checked_long_ago_or_never(registry_server, new_source):
    now = timezone.now()
    stale = new_source(doi="10.5555/regen.2019.0042")  # retracted since the last check
    fresh = new_source(doi="10.5555/regen.2018.0007")
    never = new_source(doi="10.3389/fcell.2021.696434")
    Source.objects.filter(pk=stale.pk).update(
        verification_status="verified", verified_at=now - timedelta(days=8)
    )
    Source.objects.filter(pk=fresh.pk).update(
        verification_status="verified", verified_at=now - timedelta(days=6)
    )

    newly = recheck_due(now, every=timedelta(days=7))

    assert newly == [stale]
    # Never-checked sources are asked too: an unchecked retracted study must not wait forever.
    assert sorted(registry_server.paths()) == [
        "/crossref/works/10.3389/fcell.2021.696434",
        "/crossref/works/10.5555/regen.2019.0042",
    ]
    never.refresh_from_db()
    assert never.verification_status == VerificationStatus.VERIFIED
    # A retracted source is not asked about again, nor reported twice.
    assert recheck_due(now + timedelta(days=30), every=timedelta(days=7)) == [fresh]


def test_recheck_retries_sources_whose_registry_was_unreachable(registry_server, new_source):
    source = new_source(doi="10.3389/fcell.2021.696434", verification_status="unreachable")

    assert recheck_due(timezone.now()) == []

    source.refresh_from_db()
    assert source.verification_status == VerificationStatus.VERIFIED


@pytest.fixture
def retracting_source(new_source):
    source = new_source(
        doi="10.5555/regen.2019.0042",
        title="Umbilical cord stem cells reverse knee osteoarthritis: a randomized trial",
    )
    Source.objects.filter(pk=source.pk).update(
        verification_status="verified", verified_at=timezone.now() - timedelta(days=30)
    )
    source.refresh_from_db()
    return source


def test_run_jobs_tells_writer_and_editors_of_every_citing_article_once(
    registry_server,
    retracting_source,
    make_article,
    published,
    writer,
    other_writer,
    editor,
    django_capture_on_commit_callbacks,
):
    # Cited by a draft's working copy, and by the live revision of a published article.
    draft = make_article("Knee injections", owner=other_writer)
    Citation.objects.create(article=draft, source=retracting_source, key="okafor")
    # The live revision cites it; the working copy has since dropped the citation.
    published.live_revision.cited_sources.add(retracting_source)
    assert not published.citations.filter(source=retracting_source).exists()
    uncited = make_article("Back pain basics", slug="back-pain-basics")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        report = jobs.run_all()

    assert report.retracted == [f"source “{retracting_source}”"]
    assert "sources newly retracted: 1" in report.lines()
    by_article = {}
    for message in mail.outbox:
        assert "has been retracted" in message.subject
        assert "Retraction (2022-03-14): https://doi.org/10.5555/regen.2022.0101" in message.body
        title = message.subject.split("“")[1].split("”")[0]
        by_article.setdefault(title, set()).update(message.to)
    assert by_article == {
        draft.title: {other_writer.email, editor.email},
        published.title: {writer.email, editor.email},
    }
    assert uncited.title not in by_article
    retracting_source.refresh_from_db()
    assert retracting_source.retracted is True

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        later = jobs.run_all(timezone.now() + timedelta(days=30))
    assert later.retracted == [] and mail.outbox == []


def test_run_jobs_with_registries_down_reports_nothing_and_raises_nothing(retracting_source):
    report = jobs.run_all()

    assert report.retracted == [] and report.failed == []
    retracting_source.refresh_from_db()
    assert retracting_source.verification_status == VerificationStatus.VERIFIED


def test_run_jobs_with_an_unusable_registry_address_reports_it(retracting_source, settings):
    settings.CROSSREF_API_URL = "crossref"

    report = jobs.run_all()

    assert report.failed == ["retraction re-check: CROSSREF_API_URL must be an http(s) "
                             "address, not “crossref”."]  # fmt: skip
