"""Scheduled publishing, scheduled expiry and review-overdue flagging (the engine's functions that
`run_jobs` calls; the command itself is tested elsewhere)."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

import pytest
from django.core import mail
from django.utils import timezone

from articles import workflow
from articles.models import Article, State
from articles.roles import Role
from tests.conftest import signed_by
from tests.workflow_support import edit, events_of, reload, snapshot

DAY = timedelta(days=1)


def at(moment):
    """Run the code inside the block as if the clock showed `moment`."""
    return patch("django.utils.timezone.now", return_value=moment)


def page_status(client, article) -> int:
    return client.get(f"/articles/{article.slug}/").status_code


# --- schedule ---------------------------------------------------------------------------------


def test_scheduling_approved_content_needs_a_go_live_time(approved, editor):
    before = snapshot(approved)
    with pytest.raises(workflow.InvalidRequest, match="go live"):
        workflow.schedule(approved, editor, expire_at=timezone.now() + 30 * DAY)
    assert snapshot(approved) == before


@pytest.mark.parametrize(
    "go_live, expire",
    [
        (1 * DAY, 1 * DAY),  # expiry equal to go-live
        (2 * DAY, 1 * DAY),  # expiry before go-live
        (-2 * DAY, -1 * DAY),  # expiry after go-live but already past
    ],
)
def test_expiry_must_be_after_go_live_and_now(go_live, expire, approved, editor):
    now = timezone.now()
    before = snapshot(approved)
    with pytest.raises(workflow.InvalidRequest, match="expiry"):
        workflow.schedule(approved, editor, go_live_at=now + go_live, expire_at=now + expire)
    assert snapshot(approved) == before


def test_scheduled_content_stays_off_the_site_until_it_goes_live(approved, editor, client):
    go_live = timezone.now() + DAY
    workflow.schedule(approved, editor, go_live_at=go_live, expire_at=go_live + 30 * DAY)

    approved = reload(approved)
    assert approved.state == State.APPROVED
    assert approved.scheduled_at == go_live
    assert approved.go_live_at is None
    assert approved.expire_at == go_live + 30 * DAY
    assert list(Article.objects.scheduled()) == [approved]
    assert page_status(client, approved) == 404
    event = events_of(approved).last()
    assert (event.action, event.actor, event.detail["go_live_at"]) == (
        "schedule",
        editor,
        go_live.isoformat(),
    )


def test_live_content_may_only_have_its_expiry_scheduled(published, editor):
    now = timezone.now()
    before = snapshot(published)
    with pytest.raises(workflow.InvalidRequest):
        workflow.schedule(published, editor, go_live_at=now + DAY, expire_at=now + 2 * DAY)
    assert snapshot(published) == before

    workflow.schedule(published, editor, expire_at=now + 7 * DAY)
    published = reload(published)
    assert published.state == State.PUBLISHED
    assert published.expire_at == now + 7 * DAY


def test_expired_approval_cannot_be_scheduled(in_review, reviewer, editor, settings):
    settings.REVIEW_VALIDITY_DAYS = 1
    workflow.approve(in_review, reviewer, **signed_by(reviewer))
    later = timezone.now() + 2 * DAY
    before = snapshot(in_review)
    with at(later), pytest.raises(workflow.WrongState, match="expired"):
        workflow.schedule(reload(in_review), editor, go_live_at=later + DAY)
    assert snapshot(in_review) == before


# --- publish_if_due ---------------------------------------------------------------------------


def test_publish_if_due_publishes_only_when_due_and_only_once(approved, editor, client):
    go_live = timezone.now() + DAY
    workflow.schedule(approved, editor, go_live_at=go_live)
    events = events_of(approved).count()

    assert workflow.publish_if_due(reload(approved), go_live - timedelta(seconds=1)) is False
    assert reload(approved).state == State.APPROVED
    assert events_of(approved).count() == events

    with at(go_live):
        assert workflow.publish_if_due(reload(approved), go_live) is True
    published = reload(approved)
    assert published.state == State.PUBLISHED
    assert published.live_revision == published.latest_revision
    assert published.first_published_at == go_live
    publish_event = events_of(approved).last()
    assert (publish_event.action, publish_event.actor, publish_event.actor_name) == (
        "publish",
        None,
        "system",
    )

    with at(go_live + timedelta(minutes=1)):
        assert workflow.publish_if_due(reload(approved), go_live + timedelta(minutes=1)) is False
    assert events_of(approved).count() == events + 1
    assert reload(approved).last_published_at == go_live


def test_publish_if_due_ignores_approved_content_nobody_scheduled(approved):
    later = timezone.now() + DAY
    assert workflow.publish_if_due(approved, later) is False
    assert reload(approved).state == State.APPROVED
    assert reload(approved).live_revision is None


def test_published_scheduled_content_appears_on_the_site(approved, editor, client):
    go_live = timezone.now() + timedelta(seconds=1)
    workflow.schedule(approved, editor, go_live_at=go_live)
    with at(go_live):
        assert page_status(client, approved) == 404
        workflow.publish_if_due(approved, go_live)
        assert page_status(client, approved) == 200


def test_expired_approval_is_not_published(in_review, reviewer, editor, settings):
    settings.REVIEW_VALIDITY_DAYS = 1
    workflow.approve(in_review, reviewer, **signed_by(reviewer))
    later = timezone.now() + 2 * DAY
    before = snapshot(in_review)

    with at(later), pytest.raises(workflow.WrongState, match="expired"):
        workflow.publish(reload(in_review), editor)
    assert snapshot(in_review) == before


def test_scheduled_content_whose_approval_expired_is_not_published_by_the_job(
    in_review, reviewer, editor, settings
):
    settings.REVIEW_VALIDITY_DAYS = 2
    workflow.approve(in_review, reviewer, **signed_by(reviewer))
    go_live = timezone.now() + 3 * DAY  # after the approval runs out
    workflow.schedule(in_review, editor, go_live_at=go_live)
    before = snapshot(in_review)

    with at(go_live), pytest.raises(workflow.WrongState):
        workflow.publish_if_due(reload(in_review), go_live)
    assert snapshot(in_review) == before


# --- expire_if_due ----------------------------------------------------------------------------


def test_expire_if_due_takes_content_down_at_expiry(published, editor, client):
    expire = timezone.now() + 7 * DAY
    workflow.schedule(published, editor, expire_at=expire)

    assert workflow.expire_if_due(reload(published), expire - timedelta(seconds=1)) is False
    assert reload(published).live_revision is not None

    with at(expire):
        assert workflow.expire_if_due(reload(published), expire) is True
    gone = reload(published)
    assert gone.state == State.UNPUBLISHED
    assert gone.live_revision is None
    assert page_status(client, gone) == 404
    event = events_of(published).last()
    assert (event.action, event.actor_name, event.detail) == (
        "unpublish",
        "system",
        {"reason": "scheduled expiry"},
    )
    events = events_of(published).count()

    with at(expire + DAY):
        assert workflow.expire_if_due(reload(published), expire + DAY) is False
    assert events_of(published).count() == events


def test_expiry_hides_the_page_before_the_job_runs(published, editor, client):
    expire = timezone.now() + DAY
    workflow.schedule(published, editor, expire_at=expire)
    assert page_status(client, published) == 200
    with at(expire):
        assert page_status(client, published) == 404


def test_scheduled_go_live_and_expiry_run_in_order(approved, editor, client):
    now = timezone.now()
    go_live, expire = now + DAY, now + 3 * DAY
    workflow.schedule(approved, editor, go_live_at=go_live, expire_at=expire)
    with at(go_live):
        assert workflow.publish_if_due(reload(approved), go_live)
        assert workflow.expire_if_due(reload(approved), go_live) is False
        assert page_status(client, approved) == 200
    with at(expire):
        assert workflow.expire_if_due(reload(approved), expire)
        assert page_status(client, approved) == 404
    assert reload(approved).state == State.UNPUBLISHED


# --- flag_review_overdue ----------------------------------------------------------------------


@pytest.fixture
def short_approval(settings):
    settings.REVIEW_VALIDITY_DAYS = 30
    return 30 * DAY


def test_review_overdue_is_flagged_once_and_content_stays_public(
    short_approval,
    published,
    writer,
    editor,
    make_user,
    client,
    django_capture_on_commit_callbacks,
):
    make_user("edna_editor", Role.EDITOR)
    signature = reload(published).live_signature
    overdue = signature.valid_until

    assert workflow.flag_review_overdue(reload(published), overdue - timedelta(seconds=1)) is False
    with at(overdue), django_capture_on_commit_callbacks(execute=True):
        assert workflow.flag_review_overdue(reload(published), overdue) is True

    flagged = reload(published)
    assert flagged.review_overdue_notified_at == overdue
    assert flagged.state == State.PUBLISHED
    assert flagged.live_revision is not None
    assert page_status(client, flagged) == 200
    assert list(Article.objects.review_overdue(overdue)) == [flagged]
    event = events_of(published).last()
    assert (event.action, event.actor_name, event.revision_number) == (
        "review_overdue",
        "system",
        1,
    )
    assert sorted(address for message in mail.outbox for address in message.to) == [
        "eddie_editor@clinic.test",
        "edna_editor@clinic.test",
        "wendy_writer@clinic.test",
    ]
    assert all("overdue" in message.subject for message in mail.outbox)

    mail.outbox.clear()
    events = events_of(published).count()
    with at(overdue + DAY), django_capture_on_commit_callbacks(execute=True):
        assert workflow.flag_review_overdue(reload(published), overdue + DAY) is False
    assert events_of(published).count() == events
    assert mail.outbox == []


def test_review_overdue_is_not_flagged_for_content_that_is_not_live(short_approval, approved):
    later = timezone.now() + 60 * DAY
    assert workflow.flag_review_overdue(reload(approved), later) is False
    assert reload(approved).review_overdue_notified_at is None


def test_reapproval_and_republish_clears_the_overdue_flag(
    short_approval, published, writer, second_reviewer, editor
):
    overdue = reload(published).live_signature.valid_until
    with at(overdue):
        workflow.flag_review_overdue(reload(published), overdue)
        edit(published, writer)
        workflow.submit(published, writer)
        workflow.approve(published, second_reviewer, **signed_by(second_reviewer))
        workflow.publish(published, editor)
    renewed = reload(published)
    assert renewed.review_overdue_notified_at is None
    assert renewed.live_signature.valid_until == overdue + short_approval
    assert workflow.flag_review_overdue(renewed, overdue + DAY) is False


# --- The pending schedule is kept apart from the live revision's go-live time ---------------


def test_approved_update_of_live_content_waits_for_an_editor(published, writer, second_reviewer):
    edit(published, writer)
    workflow.submit(published, writer)
    workflow.approve(published, second_reviewer, **signed_by(second_reviewer))

    assert workflow.publish_if_due(reload(published), timezone.now() + DAY) is False
    assert reload(published).live_revision.number == 1


def test_scheduling_an_update_keeps_the_live_version_public(
    published, writer, second_reviewer, editor, client
):
    edit(published, writer)
    workflow.submit(published, writer)
    workflow.approve(published, second_reviewer, **signed_by(second_reviewer))

    workflow.schedule(published, editor, go_live_at=timezone.now() + 7 * DAY)

    assert page_status(client, published) == 200


def test_editing_scheduled_content_cancels_the_schedule(approved, writer, second_reviewer, editor):
    workflow.schedule(approved, editor, go_live_at=timezone.now() + DAY)
    edit(approved, writer)
    workflow.submit(approved, writer)
    workflow.approve(approved, second_reviewer, **signed_by(second_reviewer))

    assert reload(approved).scheduled_at is None
    assert workflow.publish_if_due(reload(approved), timezone.now() + 2 * DAY) is False
    assert reload(approved).live_revision is None


def test_publishing_records_when_the_live_revision_went_live(approved, editor):
    go_live = timezone.now() + DAY
    workflow.schedule(approved, editor, go_live_at=go_live)
    assert workflow.publish_if_due(reload(approved), go_live) is True
    published = reload(approved)
    assert published.scheduled_at is None
    assert published.go_live_at is not None and published.go_live_at >= go_live - DAY
