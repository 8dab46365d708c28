"""Putting unpublished content back: the same signed revision, in one step, by an editor, while its
approval is valid and nothing changed."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client

from articles import workflow
from articles.audit.models import AuditEvent
from articles.models import Article, Signature, State
from tests.conftest import log_in_verified


@pytest.fixture
def unpublished(published, editor):
    workflow.unpublish(published, editor, reason="Pulled while we check a figure")
    return published


def test_an_editor_publishes_the_same_signed_revision_again(unpublished, editor, client):
    signed = unpublished.latest_revision
    assert "republish" in [t.name for t in workflow.available(unpublished, editor)]
    workflow.republish(unpublished, editor)
    article = Article.objects.get(pk=unpublished.pk)
    assert article.state == State.PUBLISHED
    assert article.live_revision == signed and article.live_signature.revision == signed
    event = AuditEvent.objects.filter(action="republish").get()
    assert (event.from_state, event.to_state, event.revision_number) == (
        State.UNPUBLISHED,
        State.PUBLISHED,
        signed.number,
    )
    assert client.get(article.get_absolute_url()).status_code == 200


def test_only_an_editor_may(unpublished, writer, reviewer):
    for person in (writer, reviewer):
        with pytest.raises(workflow.NotAllowed):
            workflow.republish(unpublished, person)


def test_an_edit_since_needs_a_new_review(unpublished, writer, editor):
    unpublished.summary = "Changed after it came down."
    workflow.save_revision(unpublished, writer, base_revision=1)
    assert "republish" not in [t.name for t in workflow.available(unpublished, editor)]
    with pytest.raises(workflow.WrongState):
        workflow.republish(unpublished, editor)


def test_an_expired_approval_needs_a_new_review(unpublished, editor):
    signature = Signature.objects.get(revision=unpublished.latest_revision)
    later = signature.valid_until + timedelta(minutes=1)
    with (
        mock.patch("django.utils.timezone.now", return_value=later),
        pytest.raises(workflow.WrongState, match="reviewed and approved again"),
    ):
        workflow.republish(unpublished, editor)
    assert Article.objects.get(pk=unpublished.pk).state == State.UNPUBLISHED


def test_the_admin_button_asks_for_confirmation_first(unpublished, editor):
    client = Client()
    log_in_verified(client, editor)
    change = f"/admin/articles/article/{unpublished.pk}/change/"
    assert 'data-transition="republish"' in client.get(change).content.decode()
    url = f"/admin/articles/article/{unpublished.pk}/transition/republish/"
    asked = client.post(url)
    assert asked.status_code == 200 and "Preview it first" in asked.content.decode()
    assert Article.objects.get(pk=unpublished.pk).state == State.UNPUBLISHED
    client.post(url, {"_confirm": "1"})
    assert Article.objects.get(pk=unpublished.pk).state == State.PUBLISHED
