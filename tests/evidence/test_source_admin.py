"""Sources in the staff workspace: who sees and edits them, the list, and the verify action."""

from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.roles import Role
from evidence.library import format_author_lines
from evidence.models import Source, SourceKind, VerificationStatus
from tests.conftest import log_in_verified

CHANGELIST = "admin:evidence_source_changelist"
pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    log_in_verified(client, user)
    return client


def change_url(source: Source) -> str:
    return reverse("admin:evidence_source_change", args=[source.pk])


def form_data(source: Source, **changes) -> dict:
    data = {
        "kind": source.kind,
        "title": source.title,
        "authors": format_author_lines(source.authors, source.authors_truncated),
        "journal": source.journal,
        "year": source.year or "",
        "volume": source.volume,
        "issue": source.issue,
        "pages": source.pages,
        "doi": source.doi,
        "pmid": source.pmid,
        "pmcid": source.pmcid,
        "isbn": source.isbn,
        "url": source.url,
        "as_written": source.as_written,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("role", "may_edit"),
    [(Role.WRITER, True), (Role.EDITOR, True), (Role.REVIEWER, False), (Role.ADMIN, False)],
)
def test_every_staff_role_sees_sources_and_writers_and_editors_edit_them(
    make_user, liver_source, role, may_edit
):
    user = make_user(f"someone_{role.name.lower()}", role)
    client = login(user)

    listing = client.get(reverse(CHANGELIST))
    assert listing.status_code == 200
    assert "10.1186/s13287-023-03518-x" in listing.content.decode()
    assert user.has_perm("evidence.change_source") is may_edit
    assert user.has_perm("evidence.add_source") is may_edit
    assert not user.has_perm("evidence.delete_source")
    actions = listing.context["action_form"].fields["action"].choices if may_edit else []
    assert ("verify_against_registries" in dict(actions)) is may_edit


def test_changelist_columns_and_query_budget_do_not_grow_with_rows(writer, new_source):
    client = login(writer)

    def load() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(CHANGELIST))
        assert response.status_code == 200
        return len(queries)

    for i in range(3):
        new_source(doi=f"10.5555/few.{i}", authors=[{"family": "Lu", "given": "W"}] * 2)
    few = load()
    for i in range(27):
        new_source(doi=f"10.5555/many.{i}", pmid=str(1000 + i), year=2020)
    assert load() == few

    page = unescape(client.get(reverse(CHANGELIST)).content.decode())
    for header in ("Kind", "First author", "Year", "DOI", "PubMed ID", "Verification",
                   "Retracted"):  # fmt: skip
        assert header in page
    assert "Lu et al." in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [("10.1186/s13287-023-03518-x", 1), ("98000001", 1), ("liver cirrhosis", 1), ("9800", 0)],
)
def test_search_by_title_doi_and_pmid(writer, liver_source, ms_source, query, expected):
    ms_source.pmid = "98000001"
    ms_source.save()

    response = login(writer).get(reverse(CHANGELIST), {"q": query})

    assert response.context["cl"].result_count == expected


def test_filters_by_status_and_retraction(writer, liver_source, ms_source):
    Source.objects.filter(pk=liver_source.pk).update(verification_status="mismatch")
    client = login(writer)

    mismatched = client.get(reverse(CHANGELIST), {"verification_status__exact": "mismatch"})
    retracted = client.get(reverse(CHANGELIST), {"retracted__exact": "1"})

    assert [s.pk for s in mismatched.context["cl"].result_list] == [liver_source.pk]
    assert retracted.context["cl"].result_count == 0


def test_verify_action_checks_the_selected_sources(
    registry_server, writer, liver_source, ms_source, new_source
):
    website = new_source(title="Clinic page", url="https://clinic.example/")
    client = login(writer)

    response = client.post(
        reverse(CHANGELIST),
        {
            "action": "verify_against_registries",
            "_selected_action": [liver_source.pk, ms_source.pk, website.pk],
        },
        follow=True,
    )

    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == (
        "Checked 2 of 3 selected sources: 1 matches the registry, 1 differs from the registry. "
        "1 without a DOI or PMID could not be checked."
    )
    assert Source.objects.get(pk=liver_source.pk).verification_status == "mismatch"
    assert Source.objects.get(pk=ms_source.pk).verification_status == "verified"


def test_verify_action_with_registries_down_reports_instead_of_failing(writer, ms_source):
    response = login(writer).post(
        reverse(CHANGELIST),
        {"action": "verify_against_registries", "_selected_action": [ms_source.pk]},
        follow=True,
    )

    assert response.status_code == 200
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == "Checked 1 of 1 selected sources: 1 registry unreachable."


def test_verify_action_refused_to_a_reviewer(reviewer, ms_source, registry_server):
    response = login(reviewer).post(
        reverse(CHANGELIST),
        {"action": "verify_against_registries", "_selected_action": [ms_source.pk]},
    )

    assert response.status_code in (200, 302, 403)
    assert registry_server.requests == []
    assert Source.objects.get(pk=ms_source.pk).verification_status == "unverified"


def test_change_page_shows_the_registry_check_read_only(registry_server, writer, liver_source):
    client = login(writer)
    client.post(
        reverse(CHANGELIST),
        {"action": "verify_against_registries", "_selected_action": [liver_source.pk]},
    )

    page = unescape(client.get(change_url(liver_source)).content.decode())
    assert "Differs from the registry" in page
    assert "written “Zhao Y, Liu Y, Zhang W, Li H, Wang L”; registry “Lu W, Qu J”" in page
    assert "Stem Cell Res Ther" in page  # the cached registry record

    # The registry fields cannot be set through the form.
    client.post(change_url(liver_source), form_data(liver_source, verification_status="verified",
                                                    retracted="on"))  # fmt: skip
    liver_source.refresh_from_db()
    assert liver_source.verification_status == VerificationStatus.MISMATCH
    assert liver_source.retracted is False


def test_change_page_says_what_readers_are_told_the_source_is(writer, liver_source):
    liver_source.kind = SourceKind.RANDOMIZED_TRIAL
    liver_source.save()

    page = unescape(login(writer).get(change_url(liver_source)).content.decode())

    shown = page.split("Readers read it as", 1)[1][:400]
    assert "randomized trial" in shown


def test_correcting_a_mismatch_in_the_form_clears_it_without_asking_again(
    registry_server, writer, liver_source
):
    client = login(writer)
    client.post(
        reverse(CHANGELIST),
        {"action": "verify_against_registries", "_selected_action": [liver_source.pk]},
    )
    asked = len(registry_server.requests)
    liver_source.refresh_from_db()

    response = client.post(
        change_url(liver_source),
        form_data(
            liver_source,
            authors="Lu W.\nQu J.\net al.",
            title="Efficacy and safety of mesenchymal stem cell therapy in liver cirrhosis: "
            "a systematic review and meta-analysis",
        ),
    )

    assert response.status_code == 302
    liver_source.refresh_from_db()
    assert liver_source.verification_status == VerificationStatus.VERIFIED
    assert liver_source.verification_details == []
    assert len(registry_server.requests) == asked


def test_identifiers_are_stored_canonical_and_bad_ones_refused(writer, ms_source):
    client = login(writer)

    ok = client.post(
        change_url(ms_source),
        form_data(
            ms_source,
            doi="https://www.frontiersin.org/articles/10.3389/FCELL.2021.696434/full",
            pmid="PMID: 98000001",
        ),
    )
    assert ok.status_code == 302
    ms_source.refresh_from_db()
    assert (ms_source.doi, ms_source.pmid) == ("10.3389/fcell.2021.696434", "98000001")

    bad = client.post(change_url(ms_source), form_data(ms_source, doi="not a doi"))
    assert bad.status_code == 200
    assert "does not contain a DOI" in unescape(bad.content.decode())
