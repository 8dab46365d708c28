"""The information-request form behind a live prompt: what it asks, what it stores, and how it
is protected (CSRF, honeypot, rate limit, size limits, header injection)."""

from __future__ import annotations

import hashlib
import logging
from html import unescape

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from articles import workflow
from articles.audit.models import AuditEvent
from articles.models import PromptKind
from articles.readers import consent
from articles.readers.models import ConsentText, InformationRequest
from tests.readers.conftest import READER, request_url

THANKS = reverse("readers:request_thanks")


def text(response) -> str:
    """The page's markup, unescaped, with each run of white space as one space."""
    return " ".join(unescape(response.content.decode()).split())


def field_errors(response) -> dict[str, list[str]]:
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


# --- The page --------------------------------------------------------------------------------


def test_the_form_shows_the_offer_the_fields_and_the_exact_consent_wording(
    client, packet, packet_page
):
    response = client.get(request_url(packet, packet_page))

    assert response.status_code == 200
    page = text(response)
    assert '<p class="prompt-label">From our clinic</p>' in page
    assert "<h1>Request our information packet</h1>" in page
    for field in ("name", "email", "phone", "preferred_contact_time", "message"):
        assert f'name="{field}"' in page
    assert "Please do not include medical details" in page
    wording = consent.wording("information_request").text
    unticked = '<input type="checkbox" name="consent" required id="id_consent">'
    assert f'{unticked} <label for="id_consent">{wording}</label>' in page
    assert 'href="/privacy/#requests"' in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_the_form_page_is_never_cached_and_loads_nothing_from_other_sites(
    client, packet, packet_page
):
    response = client.get(request_url(packet, packet_page))

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    page = text(response)
    assert "<script" not in page
    assert "https://" not in page and "http://" not in page
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_only_live_packet_and_consultation_prompts_have_a_form(
    client, make_prompt, go_live, packet, editor
):
    consultation = go_live(make_prompt("Consultation", kind=PromptKind.CONSULTATION))
    newsletter = go_live(make_prompt("Newsletter", kind=PromptKind.NEWSLETTER))
    draft = make_prompt("Draft packet")

    assert client.get(request_url(consultation)).status_code == 200
    assert client.get(request_url(packet)).status_code == 200
    assert client.get(request_url(newsletter)).status_code == 404
    assert client.get(request_url(draft)).status_code == 404
    assert client.get(reverse("readers:request", args=[99999])).status_code == 404

    workflow.unpublish(packet, editor, reason="The offer ended")
    assert client.get(request_url(packet)).status_code == 404
    assert client.post(request_url(packet), READER).status_code == 404
    assert not InformationRequest.objects.exists()


# --- Storing ---------------------------------------------------------------------------------


def test_a_request_is_stored_with_consent_page_and_the_prompt_revision_answered(
    send_request, packet, packet_page
):
    response = send_request()

    assert response.status_code == 302 and response["Location"] == THANKS
    stored = InformationRequest.objects.get()
    assert (stored.name, stored.email, stored.phone) == (
        "Zoë Ødegård-Núñez",
        "zoe@example.org",
        "+44 20 7946 0000",
    )
    assert stored.preferred_contact_time == "Weekday mornings"
    assert stored.prompt == packet
    assert stored.prompt_revision == packet.live_revision
    assert stored.article == packet_page
    assert stored.page_url == "http://127.0.0.1:8000/articles/living-with-back-pain/"
    assert stored.status == "new"
    assert stored.consented_at is not None and stored.consent_withdrawn_at is None
    wording = consent.wording("information_request").text
    assert stored.consent.text == wording
    assert stored.consent.version == 1
    assert stored.consent.sha256 == hashlib.sha256(wording.encode()).hexdigest()


def test_the_thank_you_page_says_what_happens_next(client, send_request):
    response = client.get(send_request()["Location"])

    assert response.status_code == 200
    assert "We have your request" in text(response)
    assert "no-store" in response["Cache-Control"]


def test_the_prompt_revision_is_the_one_live_when_the_reader_answered(send_request, packet, writer):
    answered = packet.live_revision
    # A new working copy is not what the reader saw: the live revision still is.
    workflow.save_revision(packet, writer, base_revision=packet.latest_revision.number)
    send_request()

    assert InformationRequest.objects.get().prompt_revision == answered


def test_from_is_ignored_unless_a_published_article_places_the_prompt(
    client, packet, placing, make_prompt, go_live, django_capture_on_commit_callbacks
):
    other = placing(go_live(make_prompt("Other packet")), title="Knee pain")
    for slug in (other.slug, "no-such-article", ""):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"{request_url(packet)}?from={slug}", READER)
        assert response.status_code == 302

    assert list(InformationRequest.objects.values_list("article", "page_url")) == [(None, "")] * 3


@pytest.mark.parametrize(
    "name", ["Zoë Ødegård-Núñez", "李小龍", "Nguyễn Thị Minh Khai", "O'Brien-Ó Súilleabháin"]
)
def test_names_in_any_script_are_stored_exactly_as_typed(send_request, name):
    send_request(name=name)

    assert InformationRequest.objects.get().name == name


def test_only_name_email_and_consent_are_required(send_request):
    response = send_request(phone="", preferred_contact_time="", message="")

    assert response.status_code == 302
    stored = InformationRequest.objects.get()
    assert (stored.phone, stored.preferred_contact_time, stored.message) == ("", "", "")


def test_a_message_at_the_limit_with_line_breaks_is_accepted(send_request):
    # The browser counts each line break as one character and sends it as two (CR LF).
    message = ("x" * 99 + "\r\n") * 9 + "x" * 100

    assert send_request(message=message).status_code == 302
    assert len(InformationRequest.objects.get().message) == 1000


# --- Validation and protections ------------------------------------------------------------


def test_consent_is_a_box_the_reader_must_tick(send_request):
    response = send_request(consent="")

    assert response.status_code == 200
    assert field_errors(response) == {
        "consent": ["Tick the box to agree, or we cannot keep your details."]
    }
    assert not InformationRequest.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "N" * 101),
        ("email", "a" * 64 + "@" + "b" * 186 + ".org"),
        ("phone", "1" * 33),
        ("preferred_contact_time", "t" * 81),
        ("message", "m" * 1001),
    ],
)
def test_each_field_has_a_size_limit_named_next_to_it(send_request, field, value):
    response = send_request(**{field: value})

    assert response.status_code == 200
    errors = field_errors(response)
    assert list(errors) == [field]
    assert any("at most" in message for message in errors[field])
    assert not InformationRequest.objects.exists()
    assert 'class="errorlist"' in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Eve\r\nBcc: everyone@example.org"),
        ("name", "Eve\nSubject: hello"),
        ("email", "eve@example.org\r\nBcc: everyone@example.org"),
        ("email", "eve@example.org\nCc: x@example.org"),
        ("phone", "0123\r\n456"),
        ("preferred_contact_time", "mornings\x00"),
    ],
)
def test_line_breaks_and_control_characters_are_refused_in_single_line_fields(
    send_request, field, value
):
    response = send_request(**{field: value})

    assert response.status_code == 200
    errors = field_errors(response)
    assert list(errors) == [field]
    assert len(errors[field]) == 1
    assert "must be a single line" in errors[field][0]
    assert not InformationRequest.objects.exists()


def test_a_phone_number_is_digits_and_punctuation(send_request):
    response = send_request(phone="call me maybe")

    assert field_errors(response) == {
        "phone": ["Phone number: use digits, spaces and + ( ) - only."]
    }


def test_a_post_without_csrf_token_is_refused(packet, packet_page):
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(request_url(packet, packet_page), READER)

    assert response.status_code == 403
    assert not InformationRequest.objects.exists()


def test_the_form_carries_a_token_that_passes_the_csrf_check(packet, packet_page):
    strict = Client(enforce_csrf_checks=True)
    page = strict.get(request_url(packet, packet_page))
    token = page.context["csrf_token"]

    response = strict.post(
        request_url(packet, packet_page), {**READER, "csrfmiddlewaretoken": str(token)}
    )

    assert response.status_code == 302
    assert InformationRequest.objects.count() == 1


def test_a_filled_honeypot_looks_like_success_and_stores_nothing(client, send_request, settings):
    settings.STAFF_NOTIFICATION_EMAIL = "staff@clinic.test"

    response = send_request(website="http://spam.example")

    assert response.status_code == 302 and response["Location"] == THANKS
    assert not InformationRequest.objects.exists()
    assert mail.outbox == []


def test_sends_over_the_rate_limit_get_a_429_page(settings, send_request):
    settings.READER_RATE_LIMIT = 3
    for _ in range(3):
        assert send_request().status_code == 302

    response = send_request()

    assert response.status_code == 429
    assert "Please try again later" in text(response)
    assert "3 times in the last hour" in text(response)
    assert response["Retry-After"] == "3600"
    assert InformationRequest.objects.count() == 3


def test_invalid_sends_count_towards_the_limit_too(settings, send_request):
    settings.READER_RATE_LIMIT = 2
    send_request(email="not an address")
    send_request(email="not an address")

    assert send_request().status_code == 429
    assert not InformationRequest.objects.exists()


def test_the_limit_is_per_client_address(settings, send_request):
    settings.READER_RATE_LIMIT = 1
    first, second = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="203.0.113.8")

    assert send_request(client=first).status_code == 302
    assert send_request(client=first).status_code == 429
    assert send_request(client=second).status_code == 302


def test_the_request_form_and_the_newsletter_are_limited_separately(settings, send_request, client):
    settings.READER_RATE_LIMIT = 1
    send_request()

    assert send_request().status_code == 429
    response = client.post(
        reverse("readers:newsletter"), {"email": "zoe@example.org", "consent": "on"}
    )
    assert response.status_code == 302


# --- Staff are told, without personal data -------------------------------------------------


def test_staff_are_emailed_a_link_and_nothing_the_reader_wrote(settings, send_request, caplog):
    settings.STAFF_NOTIFICATION_EMAIL = "staff@clinic.test"
    caplog.set_level(logging.DEBUG)

    send_request()

    stored = InformationRequest.objects.get()
    [message] = mail.outbox
    assert message.to == ["staff@clinic.test"]
    assert message.subject == "[Vetted] A new information request arrived"
    link = f"http://127.0.0.1:8000/admin/readers/informationrequest/{stored.pk}/change/"
    assert link in message.body
    everything_sent = message.subject + message.body + str(message.extra_headers)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for personal in ("Zoë", "Ødegård", "zoe@example.org", "7946", "Weekday", "post the packet"):
        assert personal not in everything_sent
        assert personal not in logged


def test_without_a_staff_address_nobody_is_emailed(settings, send_request):
    settings.STAFF_NOTIFICATION_EMAIL = ""

    assert send_request().status_code == 302
    assert mail.outbox == []
    assert InformationRequest.objects.count() == 1


def test_a_mail_outage_keeps_the_request_and_logs_no_personal_data(
    settings, send_request, monkeypatch, caplog
):
    settings.STAFF_NOTIFICATION_EMAIL = "staff@clinic.test"

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    # The task worker's connection to the mail server (tasks run at once in tests).
    monkeypatch.setattr("articles.mail.get_connection", refuse)

    assert send_request().status_code == 302
    assert InformationRequest.objects.count() == 1
    assert mail.outbox == []
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures and "articles.mail.send_messages" in failures[0].getMessage()
    logged = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    for value in (READER["name"], READER["email"], READER["phone"], READER["message"]):
        assert value not in logged


def test_receiving_a_request_is_audited_without_personal_data(send_request, packet, packet_page):
    send_request()

    event = AuditEvent.objects.get(action="information_request_received")
    stored = InformationRequest.objects.get()
    assert event.object_id == stored.pk
    assert event.detail == {"prompt": packet.pk, "article": packet_page.pk}
    assert "Zoë" not in event.object_repr
    assert ConsentText.objects.count() == 1


def test_what_a_reader_sent_is_hidden_from_error_reports(send_request):
    # Django's error reports (mail to ADMINS, DEBUG pages) print POST data unless told not to.
    from django.views.debug import SafeExceptionReporterFilter

    response = send_request(name="Zoë", message="my knee")
    posted = SafeExceptionReporterFilter().get_post_parameters(response.wsgi_request)
    assert posted["name"] == posted["email"] == posted["message"] == "********************"
