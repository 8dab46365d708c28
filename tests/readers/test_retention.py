"""run_jobs deletes readers' data past its time, and counts each deletion in the audit trail
without what the record held."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles import jobs
from articles.audit.models import AuditEvent
from articles.readers import consent, newsletter
from articles.readers.models import ConsentPurpose, InformationRequest, NewsletterSubscription
from tests.readers.conftest import PERSONAL, make_requests


def age(model, item, **delta) -> None:
    """Move a record's timestamps back, as if it had been stored that long ago."""
    then = timezone.now() - timedelta(**delta)
    model.objects.filter(pk=item.pk).update(created_at=then, consented_at=then)


def subscription(email: str, *, confirmed: bool) -> NewsletterSubscription:
    return NewsletterSubscription.objects.create(
        email=email,
        consent=consent.current(ConsentPurpose.NEWSLETTER),
        consented_at=timezone.now(),
        confirmed_at=timezone.now() if confirmed else None,
    )


def test_requests_older_than_the_retention_period_are_deleted(settings, packet):
    settings.INFORMATION_REQUEST_RETENTION_DAYS = 365
    old, older, recent = make_requests(3, packet)
    age(InformationRequest, old, days=366)
    age(InformationRequest, older, days=800)
    age(InformationRequest, recent, days=364)

    report = jobs.run_all()

    assert list(InformationRequest.objects.all()) == [recent]
    assert report.readers_data_deleted == 2
    assert "reader records deleted (retention): 2" in report.lines()
    events = AuditEvent.objects.filter(action="information_request_expired").order_by("sequence")
    assert [(e.object_id, e.detail, e.actor) for e in events] == [
        (old.pk, {"age_days": 366}, None),
        (older.pk, {"age_days": 800}, None),
    ]
    for event in events:
        written = f"{event.object_repr} {event.detail}"
        assert not any(personal in written for personal in PERSONAL)


def test_the_retention_period_is_a_setting(settings, packet):
    settings.INFORMATION_REQUEST_RETENTION_DAYS = 30
    [item] = make_requests(1, packet)
    age(InformationRequest, item, days=31)

    jobs.run_all()

    assert not InformationRequest.objects.exists()


def test_a_second_run_deletes_nothing_more(packet):
    [item] = make_requests(1, packet)
    age(InformationRequest, item, days=400)
    jobs.run_all()

    assert jobs.run_all().readers_data_deleted == 0
    assert AuditEvent.objects.filter(action="information_request_expired").count() == 1


@pytest.mark.django_db
def test_unconfirmed_sign_ups_are_deleted_once_their_link_has_expired(settings):
    settings.NEWSLETTER_CONFIRM_HOURS = 48
    stale = subscription("stale@example.org", confirmed=False)
    fresh = subscription("fresh@example.org", confirmed=False)
    loyal = subscription("loyal@example.org", confirmed=True)
    age(NewsletterSubscription, stale, hours=49)
    age(NewsletterSubscription, fresh, hours=47)
    age(NewsletterSubscription, loyal, days=900)

    report = jobs.run_all()

    assert set(NewsletterSubscription.objects.values_list("email", flat=True)) == {
        "fresh@example.org",
        "loyal@example.org",
    }
    assert report.readers_data_deleted == 1
    event = AuditEvent.objects.get(action="newsletter_sign_up_expired")
    assert event.object_id == stale.pk and event.detail == {"age_days": 2}
    assert "stale@example.org" not in f"{event.object_repr} {event.detail}"


@pytest.mark.django_db
def test_the_link_of_a_deleted_sign_up_says_so(client):
    stale = subscription("stale@example.org", confirmed=False)
    link = reverse("readers:newsletter_confirm", args=[newsletter.confirm_token(stale)])
    age(NewsletterSubscription, stale, hours=100)
    jobs.run_all()

    response = client.get(link)

    assert response.status_code == 400
    assert "There is no sign-up waiting for this link any more" in response.content.decode()


def test_the_command_reports_the_deletions(packet):
    [item] = make_requests(1, packet)
    age(InformationRequest, item, days=400)
    out = StringIO()

    call_command("run_jobs", stdout=out)

    assert "reader records deleted (retention): 1" in out.getvalue()
    assert not InformationRequest.objects.exists()


def test_an_unconfirmed_address_signed_up_again_and_again_is_still_deleted(db, settings):
    # The window counts from the first sign-up, so repeats cannot keep a stranger's address.
    settings.NEWSLETTER_CONFIRM_HOURS = 48
    item = subscription("stranger@example.org", confirmed=False)
    NewsletterSubscription.objects.filter(pk=item.pk).update(
        created_at=timezone.now() - timedelta(hours=49), consented_at=timezone.now()
    )

    jobs.run_all()

    assert not NewsletterSubscription.objects.exists()
