"""The newsletter's double opt-in: sign-up, confirmation link, unsubscribe link, and the message
every newsletter is sent as."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from html import unescape

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.audit.models import AuditEvent
from articles.readers import consent, newsletter
from articles.readers.models import NewsletterSubscription

SIGN_UP = reverse("readers:newsletter")
CHECK_EMAIL = reverse("readers:newsletter_check_email")
pytestmark = pytest.mark.django_db
LINK = re.compile(r"http://127\.0\.0\.1:8000(/newsletter/[a-z]+/[^/\s]+/)")


def text(response) -> str:
    return " ".join(unescape(response.content.decode()).split())


@pytest.fixture
def sign_up(client, django_capture_on_commit_callbacks):
    def send(email: str = "reader@example.org", client=client, query: str = "", **fields):
        data = {"email": email, "consent": "on", "website": "", **fields}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(SIGN_UP + query, data)

    return send


def link_in(message) -> str:
    """The path of the one link to this site in an email."""
    [path] = LINK.findall(message.body)
    return path


@pytest.fixture
def confirmed(client, sign_up):
    sign_up()
    client.post(link_in(mail.outbox[-1]))
    mail.outbox.clear()
    return NewsletterSubscription.objects.get()


def test_the_sign_up_page_shows_the_consent_wording_unticked(client):
    response = client.get(SIGN_UP)

    assert response.status_code == 200
    assert consent.wording("newsletter").text in text(response)
    assert '<input type="checkbox" name="consent" required id="id_consent">' in text(response)
    assert 'href="/privacy/#newsletter"' in text(response)
    assert "no-store" in response["Cache-Control"]


def test_signing_up_stores_an_unconfirmed_address_and_emails_a_confirmation_link(sign_up):
    response = sign_up("Reader@Example.org")

    assert response.status_code == 302 and response["Location"] == CHECK_EMAIL
    subscription = NewsletterSubscription.objects.get()
    assert subscription.email == "reader@example.org"
    assert subscription.confirmed_at is None
    assert subscription.consent.text == consent.wording("newsletter").text
    [message] = mail.outbox
    assert message.to == ["reader@example.org"]
    assert link_in(message).startswith("/newsletter/confirm/")
    assert "within 48 hours" in message.body
    assert "reader@example.org" not in link_in(message)


def test_the_newsletter_prompt_a_reader_came_from_is_shown_and_kept(
    client, sign_up, newsletter_prompt
):
    page = client.get(f"{SIGN_UP}?prompt={newsletter_prompt.pk}")

    assert "Get our monthly newsletter" in text(page)
    sign_up(query=f"?prompt={newsletter_prompt.pk}")
    assert NewsletterSubscription.objects.get().prompt == newsletter_prompt


def test_a_prompt_that_is_not_a_live_newsletter_prompt_is_ignored(sign_up, packet):
    sign_up(query=f"?prompt={packet.pk}")

    assert NewsletterSubscription.objects.get().prompt is None


def test_signing_up_again_looks_the_same_whether_subscribed_or_not(client, sign_up):
    first = sign_up("someone@example.org")
    again = sign_up("someone@example.org")
    client.post(link_in(mail.outbox[-1]))
    confirmed_again = sign_up("someone@example.org")
    stranger = sign_up("stranger@example.org")

    answers = {(r.status_code, r["Location"]) for r in (first, again, confirmed_again, stranger)}
    assert answers == {(302, CHECK_EMAIL)}
    assert NewsletterSubscription.objects.filter(email="someone@example.org").count() == 1
    # The address's owner, and only they, are told that it is subscribed already. (Asking again
    # within minutes sent no second link.)
    already = mail.outbox[1]
    assert "It is subscribed already" in already.body
    assert link_in(already).startswith("/newsletter/unsubscribe/")


def test_following_the_link_asks_for_a_press_then_confirms(client, sign_up):
    sign_up()
    link = link_in(mail.outbox[0])

    page = client.get(link)
    assert page.status_code == 200
    assert "Confirm my subscription" in text(page)
    # Following the link is not enough: mail scanners follow every link.
    assert NewsletterSubscription.objects.get().confirmed_at is None

    done = client.post(link)
    assert done.status_code == 200
    assert "You are subscribed" in text(done)
    subscription = NewsletterSubscription.objects.get()
    assert subscription.confirmed_at is not None
    event = AuditEvent.objects.get(action="newsletter_confirmed")
    assert event.object_id == subscription.pk
    assert "reader@example.org" not in str(event.detail) + event.object_repr


def test_an_expired_confirmation_link_confirms_nothing(client, sign_up, settings, monkeypatch):
    settings.NEWSLETTER_CONFIRM_HOURS = 48
    sign_up()
    subscription = NewsletterSubscription.objects.get()
    three_days_ago = time.time() - 72 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: three_days_ago)
    old_link = reverse("readers:newsletter_confirm", args=[newsletter.confirm_token(subscription)])
    monkeypatch.undo()

    for response in (client.get(old_link), client.post(old_link)):
        assert response.status_code == 400
        assert "This confirmation link has expired" in text(response)
    assert NewsletterSubscription.objects.get().confirmed_at is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: "2" + token[1:],  # another subscription's id under this signature
        lambda token: token.split(":")[0],
    ],
)
def test_a_tampered_confirmation_link_confirms_nothing(client, sign_up, tamper):
    sign_up()
    sign_up("second@example.org")
    token = newsletter.confirm_token(NewsletterSubscription.objects.get(email="reader@example.org"))

    response = client.post(reverse("readers:newsletter_confirm", args=[tamper(token)]))

    assert response.status_code == 400
    assert "This link is incomplete or was changed" in text(response)
    assert not NewsletterSubscription.objects.filter(confirmed_at__isnull=False).exists()


def test_an_unsubscribe_link_is_not_a_confirmation_link(client, confirmed, sign_up):
    sign_up("second@example.org")
    pending = NewsletterSubscription.objects.get(email="second@example.org")
    token = newsletter.unsubscribe_token(pending)

    response = client.post(reverse("readers:newsletter_confirm", args=[token]))

    assert response.status_code == 400
    pending.refresh_from_db()
    assert pending.confirmed_at is None


def test_unsubscribing_deletes_the_address(client, confirmed):
    link = reverse("readers:newsletter_unsubscribe", args=[newsletter.unsubscribe_token(confirmed)])

    page = client.get(link)
    assert page.status_code == 200 and "Unsubscribe from our newsletter" in text(page)
    assert NewsletterSubscription.objects.exists()  # following the link alone changes nothing

    done = client.post(link)
    assert done.status_code == 200
    assert "we have deleted your email address" in text(done)
    assert not NewsletterSubscription.objects.exists()
    event = AuditEvent.objects.get(action="newsletter_unsubscribed")
    assert event.object_id == confirmed.pk
    assert "reader@example.org" not in str(event.detail) + event.object_repr

    # The same link again: still a plain answer, not an error.
    assert "You are unsubscribed" in text(client.get(link))
    assert client.post(link).status_code == 200


def test_a_tampered_unsubscribe_link_deletes_nothing(client, confirmed):
    token = newsletter.unsubscribe_token(confirmed)

    response = client.post(reverse("readers:newsletter_unsubscribe", args=[token + "x"]))

    assert response.status_code == 400
    assert NewsletterSubscription.objects.exists()


def test_the_sign_up_is_refused_without_csrf_token():
    response = Client(enforce_csrf_checks=True).post(
        SIGN_UP, {"email": "reader@example.org", "consent": "on"}
    )

    assert response.status_code == 403
    assert not NewsletterSubscription.objects.exists()


def test_confirming_and_unsubscribing_need_the_csrf_token_too(confirmed, sign_up):
    strict = Client(enforce_csrf_checks=True)
    token = newsletter.unsubscribe_token(confirmed)
    leave = reverse("readers:newsletter_unsubscribe", args=[token])

    assert strict.post(leave).status_code == 403
    assert NewsletterSubscription.objects.exists()


def test_a_filled_honeypot_stores_and_sends_nothing(sign_up):
    response = sign_up(website="http://spam.example")

    assert response.status_code == 302 and response["Location"] == CHECK_EMAIL
    assert not NewsletterSubscription.objects.exists()
    assert mail.outbox == []


def test_sign_ups_over_the_rate_limit_get_a_429_page(settings, sign_up):
    settings.READER_RATE_LIMIT = 2
    sign_up("a@example.org")
    sign_up("b@example.org")

    response = sign_up("c@example.org")

    assert response.status_code == 429
    assert NewsletterSubscription.objects.count() == 2
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"email": "reader@example.org\r\nBcc: all@example.org"}, "email", "single line"),
        ({"email": "not an address"}, "email", "Enter a valid email address."),
        ({"consent": ""}, "consent", "Tick the box to agree"),
    ],
)
def test_bad_sign_ups_are_refused_next_to_the_field(sign_up, fields, field, message):
    response = sign_up(**fields)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert not NewsletterSubscription.objects.exists()
    assert mail.outbox == []


def test_asking_again_within_minutes_sends_no_second_link(sign_up):
    sign_up("someone@example.org")
    sign_up("someone@example.org")
    assert len(mail.outbox) == 1

    NewsletterSubscription.objects.update(
        consented_at=timezone.now() - newsletter.RESEND_AFTER - timedelta(seconds=1)
    )
    sign_up("someone@example.org")
    assert len(mail.outbox) == 2
