"""Fixtures for the reader forms: prompts and articles taken live through the real workflow."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Placement, PromptKind
from articles.readers import consent
from articles.readers.models import ConsentPurpose, InformationRequest
from tests.conftest import signed_by

READER = {
    "name": "Zoë Ødegård-Núñez",
    "email": "zoe@example.org",
    "phone": "+44 20 7946 0000",
    "preferred_contact_time": "Weekday mornings",
    "message": "Please post the packet.",
    "consent": "on",
    "website": "",
}
# Any of these in an audit event, an email to staff or a log line would be a leak.
PERSONAL = ("Zoë", "Ødegård", "zoe@example.org", "7946", "Weekday mornings", "post the packet")


def make_requests(count: int, prompt, **fields) -> list[InformationRequest]:
    """`count` requests as the form would store them for `prompt` (quickly: one insert)."""
    agreed = consent.current(ConsentPurpose.INFORMATION_REQUEST)
    defaults = {
        **{key: value for key, value in READER.items() if key not in ("consent", "website")},
        "page_url": "http://127.0.0.1:8000/articles/living-with-back-pain/",
    }
    return InformationRequest.objects.bulk_create(
        InformationRequest(
            consent=agreed,
            consented_at=timezone.now(),
            prompt=prompt,
            prompt_revision=prompt.live_revision,
            **{**defaults, **fields},
        )
        for _ in range(count)
    )


@pytest.fixture
def go_live(writer, reviewer, editor, django_capture_on_commit_callbacks):
    """Submit, approve and publish content (an article or a prompt), after-commit work done."""

    def publish(content):
        with django_capture_on_commit_callbacks(execute=True):
            workflow.submit(content, writer)
            workflow.approve(content, reviewer, **signed_by(reviewer))
            workflow.publish(content, editor)
        content.refresh_from_db()
        return content

    return publish


@pytest.fixture
def packet(make_prompt, go_live):
    """A live information-packet prompt."""
    return go_live(make_prompt())


@pytest.fixture
def newsletter_prompt(make_prompt, go_live):
    return go_live(
        make_prompt(
            "Newsletter",
            kind=PromptKind.NEWSLETTER,
            headline="Get our monthly newsletter",
            button_label="Subscribe",
        )
    )


@pytest.fixture
def placing(make_article, writer, go_live):
    """A published article whose live revision places the given prompts."""

    def make(*prompts, title: str = "Living with back pain"):
        article = make_article(title)

        def place() -> None:
            for position, prompt in enumerate(prompts):
                Placement.objects.create(article=article, prompt=prompt, position=position)

        workflow.save_revision(
            article, writer, base_revision=article.latest_revision.number, save_related=place
        )
        return go_live(article)

    return make


@pytest.fixture
def packet_page(placing, packet):
    page = placing(packet)
    mail.outbox.clear()  # the workflow's emails about publishing; tests look at readers' mail
    return page


def request_url(prompt, article=None) -> str:
    url = reverse("readers:request", args=[prompt.pk])
    return f"{url}?from={article.slug}" if article else url


@pytest.fixture
def send_request(client, packet, packet_page, django_capture_on_commit_callbacks):
    """POST the request form behind `packet` on `packet_page`, after-commit work done."""

    def send(client=client, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(request_url(packet, packet_page), {**READER, **fields})

    return send
