"""Approval is an electronic signature over one revision's exact content hash."""

from __future__ import annotations

import json
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from articles import signing, workflow
from articles.models import AuthorProfile, Placement, Signature, State
from articles.models.revisions import content_hash
from articles.roles import Role, grant
from tests import workflow_support
from tests.conftest import PASSWORD, give_factor, signed_by
from tests.workflow_support import edit, events_of, reload, snapshot


def tamper(revision, **changes) -> None:
    """Change a revision's stored content behind the application's back."""
    content = {**revision.content, **changes}
    workflow_support.tamper(
        "UPDATE articles_revision SET content = %s WHERE id = %s",
        [json.dumps(content), revision.pk],
    )


@pytest.mark.parametrize("password", ["", "wrong password", PASSWORD.upper()])
def test_wrong_or_empty_password_signs_nothing(
    password, in_review, reviewer, django_capture_on_commit_callbacks
):
    before = snapshot(in_review)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(workflow.NotAllowed, match="password"),
    ):
        workflow.approve(reload(in_review), reviewer, **signed_by(reviewer, password=password))
    assert snapshot(in_review) == before
    assert reload(in_review).state == State.IN_REVIEW
    assert not Signature.objects.exists()
    assert callbacks == []
    assert mail.outbox == []


def test_signature_records_who_what_and_when(in_review, reviewer, settings):
    settings.SIGNATURE_MEANING = "I attest this page is accurate."
    settings.REVIEW_VALIDITY_DAYS = 90
    revision = in_review.latest_revision
    moment = timezone.now() + timedelta(hours=3)

    with patch("django.utils.timezone.now", return_value=moment):
        signature = workflow.approve(
            in_review, reviewer, **signed_by(reviewer), comment=" Looks good."
        )

    signature = Signature.objects.get(pk=signature.pk)
    assert signature.reviewer == reviewer
    assert signature.reviewer_name == "Rita Reviewer"
    assert signature.reviewer_credentials == "MD, neurology"
    assert signature.meaning == "I attest this page is accurate."
    assert signature.revision == revision
    assert signature.content_hash == revision.content_hash
    assert signature.content_hash == content_hash(reload(in_review).revision_content())
    assert signature.comment == "Looks good."
    assert signature.signed_at == moment
    assert signature.valid_until == moment + timedelta(days=90)
    assert events_of(in_review).last().detail["signature"] == signature.pk


def test_signature_keeps_the_credentials_held_when_signing(published, reviewer, client):
    signature = reload(published).live_signature
    AuthorProfile.objects.filter(user=reviewer).update(
        display_name="Dr Rita Reviewer-Smith", credentials="MD, PhD, neurology"
    )

    signature = Signature.objects.get(pk=signature.pk)
    assert signature.reviewer_name == "Rita Reviewer"
    assert signature.reviewer_credentials == "MD, neurology"
    page = client.get(f"/articles/{published.slug}/").content.decode()
    assert "MD, neurology" in page
    assert "MD, PhD, neurology" not in page


def test_reviewer_without_a_display_name_signs_with_their_name(in_review):
    user = get_user_model().objects.create_user(
        "nora", password=PASSWORD, first_name="Nora", last_name="Ng"
    )
    grant(user, Role.REVIEWER)
    give_factor(user, certify=True)
    # Without a profile there are no credentials on file, and the gate refuses the signature.
    before = snapshot(in_review)
    with pytest.raises(workflow.GateBlocked) as refused:
        workflow.approve(in_review, user, **signed_by(user))
    assert refused.value.codes == ["missing-reviewer-credentials"]
    assert snapshot(in_review) == before
    # With credentials but no display name, the signature names the user.
    AuthorProfile.objects.create(user=user, display_name="", credentials="MD, rheumatology")
    user = get_user_model().objects.get(pk=user.pk)
    signature = workflow.approve(in_review, user, **signed_by(user))
    assert signature.reviewer_name == "Nora Ng"
    assert signature.reviewer_credentials == "MD, rheumatology"


def test_a_tampered_revision_cannot_be_signed(in_review, reviewer):
    tamper(in_review.latest_revision, body="<p>Stem cells cure back pain.</p>")
    before = snapshot(in_review)

    with pytest.raises(workflow.WrongState, match="altered"):
        workflow.approve(reload(in_review), reviewer, **signed_by(reviewer))
    assert snapshot(in_review) == before
    assert not Signature.objects.exists()


def test_a_tampered_revision_cannot_be_published(approved, editor, client):
    tamper(approved.latest_revision, title="Miracle cure")
    before = snapshot(approved)

    with pytest.raises(workflow.WrongState):
        workflow.publish(reload(approved), editor)
    assert snapshot(approved) == before
    assert client.get(f"/articles/{approved.slug}/").status_code == 404


def test_a_tampered_revision_is_not_published_by_the_scheduler(approved, editor):
    now = approved.latest_revision.created_at + timedelta(minutes=5)
    workflow.schedule(approved, editor, go_live_at=now)
    tamper(approved.latest_revision, title="Miracle cure")

    with pytest.raises(workflow.WrongState):
        workflow.publish_if_due(reload(approved), now)
    assert reload(approved).live_revision is None


def test_signature_binds_only_its_own_revision(approved, writer):
    signature = workflow.valid_signature(approved)
    assert signature is not None and signature.binds_revision
    edit(approved, writer)
    assert workflow.valid_signature(reload(approved)) is None
    # The old signature still binds the old revision: the record is not rewritten.
    assert Signature.objects.get(pk=signature.pk).binds_revision


def test_approval_hash_covers_every_reader_visible_field(approved, writer):
    """Changing only the summary (not the title or body) still voids the approval."""
    approved.summary = "A different summary."
    workflow.save_revision(approved, writer)
    assert workflow.valid_signature(reload(approved)) is None


def test_an_approved_prompt_edit_changes_the_hash_of_articles_that_embed_it(
    make_article, make_prompt, writer, reviewer, second_reviewer
):
    """Placing a prompt freezes its approved hash into the article: a re-approved prompt
    changes the article's content, so the article needs review again."""
    prompt = make_prompt()
    workflow.submit(prompt, writer)
    workflow.approve(prompt, reviewer, **signed_by(reviewer))
    article = make_article("Back pain and you")
    Placement.objects.create(article=article, prompt=prompt)
    workflow.save_revision(article, writer)
    first = reload(article).latest_revision.content["prompts"]
    assert first == [{"prompt": prompt.pk, "approved_hash": prompt.latest_revision.content_hash}]

    edit(prompt, writer)
    workflow.submit(prompt, writer)
    workflow.approve(prompt, second_reviewer, **signed_by(second_reviewer))
    workflow.save_revision(article, writer)
    assert reload(article).latest_revision.content["prompts"] != first


def test_signing_what_was_shown_refuses_content_changed_since(in_review, writer, reviewer):
    shown = in_review.latest_revision.content_hash
    workflow.withdraw(in_review, writer)
    edit(in_review, writer)
    workflow.submit(in_review, writer)
    before = snapshot(in_review)

    with pytest.raises(workflow.WrongState, match="changed after you opened it"):
        workflow.approve(in_review, reviewer, **signed_by(reviewer), expected_hash=shown)

    assert snapshot(in_review) == before
    assert not Signature.objects.exists()
    current = reload(in_review).latest_revision.content_hash
    workflow.approve(in_review, reviewer, **signed_by(reviewer), expected_hash=current)
    assert reload(in_review).state == State.APPROVED


def test_repeated_wrong_passwords_pause_signing(in_review, reviewer):
    for _ in range(signing.SIGNATURE_MAX_FAILURES):
        with pytest.raises(workflow.NotAllowed, match="not correct"):
            workflow.approve(in_review, reviewer, **signed_by(reviewer, password="guess"))

    with pytest.raises(workflow.NotAllowed, match="Signing is paused"):
        workflow.approve(in_review, reviewer, **signed_by(reviewer))
    assert not Signature.objects.exists()


def test_a_correct_password_clears_earlier_mistakes(in_review, reviewer, make_article, writer):
    for _ in range(signing.SIGNATURE_MAX_FAILURES - 1):
        with pytest.raises(workflow.NotAllowed):
            workflow.approve(in_review, reviewer, **signed_by(reviewer, password="guess"))
    workflow.approve(in_review, reviewer, **signed_by(reviewer))

    other = make_article("Knee pain")
    workflow.submit(other, writer)
    for _ in range(signing.SIGNATURE_MAX_FAILURES - 1):
        with pytest.raises(workflow.NotAllowed, match="not correct"):
            workflow.approve(other, reviewer, **signed_by(reviewer, password="guess"))
    workflow.approve(other, reviewer, **signed_by(reviewer))
