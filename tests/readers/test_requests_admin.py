"""Moderating information requests: only the Admin role sees them (a superuser without the role
does not), every action goes through the domain and is audited without personal data, and the
CSV export is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from articles.audit.models import AuditEvent
from articles.readers import consent, information_requests
from articles.readers.models import (
    ConsentPurpose,
    InformationRequest,
    NewsletterSubscription,
    RequestStatus,
)
from articles.workflow import NotAllowed
from tests.conftest import PASSWORD, give_factor, log_in_verified
from tests.readers.conftest import PERSONAL, make_requests

CHANGELIST = reverse("admin:readers_informationrequest_changelist")
# Session, user, the second factor's device, roles, permissions (2), counts (2), the page of
# rows, the date hierarchy (2).
CHANGELIST_BUDGET = 11


def change_url(item) -> str:
    return reverse("admin:readers_informationrequest_change", args=[item.pk])


@pytest.fixture
def one_request(packet):
    return make_requests(1, packet)[0]


@pytest.fixture
def superuser_without_role(db):
    root = get_user_model().objects.create_superuser("root", "root@clinic.test", PASSWORD)
    give_factor(root)
    return root


@pytest.fixture
def as_admin(client, admin_user):
    log_in_verified(client, admin_user)
    return client


def assert_no_personal_data(event: AuditEvent) -> None:
    written = f"{event.object_repr} {event.detail} {event.from_state} {event.to_state}"
    for personal in PERSONAL:
        assert personal not in written


# --- Who sees requests ---------------------------------------------------------------------

NON_ADMINS = ["writer", "reviewer", "editor", "superuser_without_role"]


@pytest.mark.parametrize("who", NON_ADMINS)
def test_nobody_but_the_admin_role_sees_requests_in_the_workspace(
    request, client, who, one_request
):
    log_in_verified(client, request.getfixturevalue(who))
    pages = [
        CHANGELIST,
        change_url(one_request),
        reverse("admin:readers_informationrequest_delete", args=[one_request.pk]),
        reverse("admin:readers_newslettersubscription_changelist"),
        reverse("admin:readers_consenttext_changelist"),
    ]

    for page in pages:
        assert client.get(page).status_code in (403, 404), page
    index = client.get(reverse("admin:index")).content.decode()
    assert "Information requests" not in index
    assert "Newsletter subscriptions" not in index
    assert "informationrequest" not in index


@pytest.mark.parametrize("who", NON_ADMINS)
def test_the_domain_refuses_everyone_but_the_admin_role(request, who, one_request):
    user = request.getfixturevalue(who)

    with pytest.raises(NotAllowed, match="Admin role"):
        information_requests.set_status(one_request, user, RequestStatus.CONTACTED)
    with pytest.raises(NotAllowed):
        information_requests.withdraw_consent(one_request, user)
    with pytest.raises(NotAllowed):
        information_requests.delete(one_request, user)
    with pytest.raises(NotAllowed):
        information_requests.export_csv(InformationRequest.objects.all(), user, filters={})
    one_request.refresh_from_db()
    assert one_request.status == RequestStatus.NEW and one_request.name
    assert not AuditEvent.objects.filter(action__startswith="information_request").exists()


@pytest.mark.parametrize("who", NON_ADMINS)
def test_a_non_admin_cannot_export_by_posting_the_action(request, client, who, one_request):
    log_in_verified(client, request.getfixturevalue(who))

    response = client.post(
        CHANGELIST, {"action": "export_csv", "_selected_action": [one_request.pk]}
    )

    assert response.status_code == 403
    assert "zoe@example.org" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="information_requests_exported").exists()


def test_the_admin_role_sees_the_models_in_the_workspace(as_admin, one_request):
    index = as_admin.get(reverse("admin:index")).content.decode()

    assert "Information requests" in index
    assert "Newsletter subscriptions" in index
    assert as_admin.get(CHANGELIST).status_code == 200


# --- The list ------------------------------------------------------------------------------


def test_the_list_of_fifty_requests_takes_a_fixed_number_of_queries(
    as_admin, packet, django_assert_max_num_queries
):
    make_requests(50, packet)

    with django_assert_max_num_queries(CHANGELIST_BUDGET):
        response = as_admin.get(CHANGELIST)

    assert response.content.decode().count("zoe@example.org") == 50


def test_the_list_of_fifty_subscriptions_takes_a_fixed_number_of_queries(
    as_admin, django_assert_max_num_queries
):
    agreed = consent.current(ConsentPurpose.NEWSLETTER)
    NewsletterSubscription.objects.bulk_create(
        NewsletterSubscription(
            email=f"reader{n}@example.org", consent=agreed, consented_at=timezone.now()
        )
        for n in range(50)
    )

    with django_assert_max_num_queries(CHANGELIST_BUDGET):
        response = as_admin.get(reverse("admin:readers_newslettersubscription_changelist"))

    assert response.content.decode().count("@example.org</td>") == 50


def test_the_list_filters_by_status_and_searches_names_and_addresses(as_admin, packet):
    make_requests(2, packet)
    make_requests(1, packet, name="李小龍", email="li@example.org", status=RequestStatus.SPAM)

    spam = as_admin.get(CHANGELIST, {"status__exact": "spam"}).content.decode()
    found = as_admin.get(CHANGELIST, {"q": "李小龍"}).content.decode()
    by_email = as_admin.get(CHANGELIST, {"q": "li@example"}).content.decode()

    assert "li@example.org" in spam and "zoe@example.org" not in spam
    assert "li@example.org" in found and "zoe@example.org" not in found
    assert "li@example.org" in by_email and "zoe@example.org" not in by_email


# --- One request ---------------------------------------------------------------------------


def test_the_change_page_shows_the_consent_wording_version_and_hash(as_admin, one_request):
    page = as_admin.get(change_url(one_request)).content.decode()

    stored = one_request.consent
    assert stored.sha256 in page
    assert "version 1" in page
    assert consent.wording("information_request").text in page
    assert "Request our information packet" in page  # the prompt revision the reader answered


def test_only_the_status_can_be_changed_and_the_change_is_audited(
    as_admin, one_request, admin_user
):
    response = as_admin.post(
        change_url(one_request),
        {"status": "contacted", "name": "Someone else", "email": "other@example.org"},
    )

    assert response.status_code == 302
    one_request.refresh_from_db()
    assert one_request.status == RequestStatus.CONTACTED
    assert (one_request.name, one_request.email) == ("Zoë Ødegård-Núñez", "zoe@example.org")
    event = AuditEvent.objects.get(action="information_request_status")
    assert (event.actor, event.from_state, event.to_state) == (admin_user, "new", "contacted")
    assert event.object_id == one_request.pk
    assert_no_personal_data(event)


@pytest.mark.parametrize(
    ("action", "status"),
    [("mark_contacted", "contacted"), ("mark_closed", "closed"), ("mark_spam", "spam")],
)
def test_status_actions_mark_the_selected_requests(as_admin, packet, action, status):
    chosen = make_requests(2, packet)
    other = make_requests(1, packet)[0]

    as_admin.post(CHANGELIST, {"action": action, "_selected_action": [r.pk for r in chosen]})

    assert set(InformationRequest.objects.filter(status=status)) == set(chosen)
    other.refresh_from_db()
    assert other.status == RequestStatus.NEW
    assert AuditEvent.objects.filter(action="information_request_status").count() == 2


def test_withdrawing_consent_deletes_the_personal_data_now(as_admin, one_request, admin_user):
    as_admin.post(CHANGELIST, {"action": "withdraw_consent", "_selected_action": [one_request.pk]})

    one_request.refresh_from_db()
    assert one_request.consent_withdrawn_at is not None
    assert one_request.status == RequestStatus.CLOSED
    for field in information_requests.PERSONAL_FIELDS:
        assert getattr(one_request, field) == ""
    # What stays says only that consent was given, with which wording, and withdrawn.
    assert one_request.consent.version == 1 and one_request.consented_at is not None
    event = AuditEvent.objects.get(action="information_request_consent_withdrawn")
    assert event.actor == admin_user
    assert_no_personal_data(event)


def test_deleting_a_request_is_audited_with_its_id_and_age_only(as_admin, one_request):
    InformationRequest.objects.filter(pk=one_request.pk).update(
        created_at=timezone.now() - timedelta(days=10)
    )

    response = as_admin.post(
        reverse("admin:readers_informationrequest_delete", args=[one_request.pk]),
        {"post": "yes"},
    )

    assert response.status_code == 302
    assert not InformationRequest.objects.exists()
    event = AuditEvent.objects.get(action="information_request_deleted")
    assert event.object_id == one_request.pk
    assert event.detail == {"age_days": 10}
    assert_no_personal_data(event)


def test_deleting_selected_requests_goes_through_the_domain(as_admin, packet):
    chosen = make_requests(3, packet)

    as_admin.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [r.pk for r in chosen], "post": "yes"},
    )

    assert not InformationRequest.objects.exists()
    assert AuditEvent.objects.filter(action="information_request_deleted").count() == 3


def test_a_subscription_deleted_by_an_admin_is_audited(as_admin, admin_user):
    subscription = NewsletterSubscription.objects.create(
        email="reader@example.org",
        consent=consent.current(ConsentPurpose.NEWSLETTER),
        consented_at=timezone.now(),
    )

    as_admin.post(
        reverse("admin:readers_newslettersubscription_delete", args=[subscription.pk]),
        {"post": "yes"},
    )

    assert not NewsletterSubscription.objects.exists()
    event = AuditEvent.objects.get(action="newsletter_subscription_deleted")
    assert event.actor == admin_user and "reader@example.org" not in str(event.detail)


# --- CSV export ----------------------------------------------------------------------------


def export(client, selected, **filters):
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return client.post(
        f"{CHANGELIST}?{query}",
        {"action": "export_csv", "_selected_action": [r.pk for r in selected]},
    )


def test_an_admin_exports_the_selected_requests_as_csv(as_admin, packet):
    chosen = make_requests(2, packet)

    response = export(as_admin, chosen)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]  # the admin's own never_cache
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 2
    assert rows[0]["name"] == "Zoë Ødegård-Núñez"
    assert rows[0]["email"] == "zoe@example.org"
    assert rows[0]["consent version"] == "1"
    assert rows[0]["prompt"] == "Information packet"


def test_each_export_is_audited_with_count_and_filters_but_no_data(as_admin, packet, admin_user):
    chosen = make_requests(3, packet, status=RequestStatus.CONTACTED)

    export(as_admin, chosen, status__exact="contacted", q="Zoë")

    event = AuditEvent.objects.get(action="information_requests_exported")
    assert event.actor == admin_user
    assert event.detail == {
        "count": 3,
        "filters": {"status__exact": "contacted", "search": True},
    }
    assert_no_personal_data(event)


def test_a_filter_on_a_readers_field_never_reaches_the_permanent_audit_trail(as_admin, packet):
    # The admin accepts ?email=… and ?name__icontains=…; the audit trail outlives withdrawal and
    # retention, so such filters are recorded only as "other filters".
    chosen = make_requests(1, packet)

    export(as_admin, chosen, email="zoe@example.org", name__icontains="Zo")

    event = AuditEvent.objects.get(action="information_requests_exported")
    assert event.detail == {"count": 1, "filters": {"other_filters": True}}
    assert_no_personal_data(event)


@pytest.mark.parametrize(
    "dangerous", ['=HYPERLINK("http://evil.example")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"]
)
def test_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(
    as_admin, packet, dangerous
):
    chosen = make_requests(1, packet, name=dangerous, message=dangerous)

    rows = list(csv.DictReader(io.StringIO(export(as_admin, chosen).content.decode())))

    assert rows[0]["name"] == "'" + dangerous
    assert rows[0]["message"] == "'" + dangerous


def test_ordinary_cells_are_exported_unchanged():
    assert information_requests.neutralise("Zoë") == "Zoë"
    assert information_requests.neutralise("") == ""
    assert information_requests.neutralise(None) == ""
    assert information_requests.neutralise(12) == "12"


# --- One history ---------------------------------------------------------------------------


def test_a_requests_history_is_its_audit_trail_and_no_log_entry(as_admin, packet):
    mine, other = make_requests(2, packet)
    for item in (mine, other):
        as_admin.post(CHANGELIST, {"action": "mark_contacted", "_selected_action": [item.pk]})
    change = reverse("admin:readers_informationrequest_change", args=[mine.pk])

    assert "Audit trail" in as_admin.get(change).content.decode()
    trail = as_admin.get(reverse("admin:readers_informationrequest_history", args=[mine.pk]))
    listed = as_admin.get(trail["Location"])

    assert listed.status_code == 200
    assert list(listed.context["cl"].result_list) == list(
        AuditEvent.objects.filter(object_id=mine.pk, action="information_request_status")
    )
    assert not LogEntry.objects.exists()
