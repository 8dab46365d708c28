"""The workflow engine: who may do what from which state, for articles and prompts alike."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction

from articles import workflow
from articles.audit.models import AuditEvent
from articles.models import Article, Prompt, Signature, State
from articles.roles import Role
from tests.conftest import PASSWORD, signed_by
from tests.workflow_support import (
    change_text,
    drive,
    edit,
    events_of,
    perform,
    reload,
    snapshot,
)

ACTORS = ["owner", "other_writer", "reviewer", "editor", "admin", "anonymous", "superuser"]

# Who may perform each transition (from a state it is allowed from). Everyone else: NotAllowed.
ALLOWED = {
    "edit": {"owner", "editor"},
    "submit": {"owner"},
    "withdraw": {"owner"},
    "request_changes": {"reviewer"},
    "approve": {"reviewer"},
    "schedule": {"editor"},
    "publish": {"editor"},
    "republish": {"editor"},
    "unpublish": {"editor"},
    "assign": {"editor"},
    "assign_reviewer": {"editor"},
}

# A state each transition is allowed from, used for the role matrix.
VALID_FROM = {
    "edit": State.DRAFT,
    "submit": State.DRAFT,
    "withdraw": State.IN_REVIEW,
    "request_changes": State.IN_REVIEW,
    "approve": State.IN_REVIEW,
    "schedule": State.APPROVED,
    "publish": State.APPROVED,
    "republish": State.UNPUBLISHED,
    "unpublish": State.PUBLISHED,
    "assign": State.DRAFT,
    "assign_reviewer": State.DRAFT,
}

# (transition, from state) -> resulting state; pairs not listed must raise WrongState.
OUTCOMES = {
    ("edit", State.DRAFT): State.DRAFT,
    ("edit", State.CHANGES_REQUESTED): State.CHANGES_REQUESTED,
    ("edit", State.APPROVED): State.DRAFT,
    ("edit", State.PUBLISHED): State.DRAFT,
    ("edit", State.UNPUBLISHED): State.DRAFT,
    ("submit", State.DRAFT): State.IN_REVIEW,
    ("submit", State.CHANGES_REQUESTED): State.IN_REVIEW,
    ("withdraw", State.IN_REVIEW): State.DRAFT,
    ("request_changes", State.IN_REVIEW): State.CHANGES_REQUESTED,
    ("approve", State.IN_REVIEW): State.APPROVED,
    ("schedule", State.APPROVED): State.APPROVED,
    ("schedule", State.PUBLISHED): State.PUBLISHED,
    ("publish", State.APPROVED): State.PUBLISHED,
    # The same signed revision again, while its approval is valid (tests/test_republish.py).
    ("republish", State.UNPUBLISHED): State.PUBLISHED,
    ("unpublish", State.PUBLISHED): State.UNPUBLISHED,
    # Assigning another writer never changes the state.
    **{("assign", state): state for state in State},
    # Naming the reviewer and due date never changes the state; once approved it is too late.
    **{
        ("assign_reviewer", state): state
        for state in (State.DRAFT, State.CHANGES_REQUESTED, State.IN_REVIEW)
    },
}

KINDS = ["article", "prompt"]


@pytest.fixture
def superuser(db):
    """A Django superuser holding no role group: roles are strict, so it may do nothing."""
    return get_user_model().objects.create_superuser(
        "sam_superuser", email="sam@clinic.test", password=PASSWORD
    )


@pytest.fixture
def people(writer, other_writer, reviewer, editor, admin_user, anonymous, superuser):
    return {
        "owner": writer,
        "other_writer": other_writer,
        "reviewer": reviewer,
        "editor": editor,
        "admin": admin_user,
        "anonymous": anonymous,
        "superuser": superuser,
    }


@pytest.fixture
def make_content(make_article, make_prompt):
    def make(kind: str):
        return make_article() if kind == "article" else make_prompt()

    return make


def who_may(name: str) -> str:
    return sorted(ALLOWED[name])[0]


def assert_refused_cleanly(exc_type, name, content, user, capture) -> None:
    """The attempt raises `exc_type` and writes nothing: no row change, revision, signature,
    audit event or email."""
    before = snapshot(content)
    with capture(execute=True) as callbacks, pytest.raises(exc_type):
        perform(name, reload(content), user)
    assert snapshot(content) == before
    assert callbacks == []
    assert mail.outbox == []


# --- The role matrix --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(ALLOWED))
@pytest.mark.parametrize("actor", ACTORS)
def test_role_matrix(kind, name, actor, people, make_content, django_capture_on_commit_callbacks):
    content = drive(make_content(kind), VALID_FROM[name], people)
    user = people[actor]
    if actor in ALLOWED[name]:
        events_before = events_of(content).count()
        perform(name, reload(content), user)
        after = reload(content)
        assert after.state == OUTCOMES[(name, VALID_FROM[name])]
        assert events_of(content).count() == events_before + 1
        assert events_of(content).last().action == name
    else:
        assert_refused_cleanly(
            workflow.NotAllowed, name, content, user, django_capture_on_commit_callbacks
        )


# --- The state matrix -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(ALLOWED))
@pytest.mark.parametrize("state", list(State))
def test_state_matrix(kind, name, state, people, make_content, django_capture_on_commit_callbacks):
    content = drive(make_content(kind), state, people)
    user = people[who_may(name)]
    if (name, state) in OUTCOMES:
        perform(name, reload(content), user)
        assert reload(content).state == OUTCOMES[(name, state)]
        assert events_of(content).last().action == name
        assert events_of(content).last().from_state == state
    else:
        assert_refused_cleanly(
            workflow.WrongState, name, content, user, django_capture_on_commit_callbacks
        )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("state", list(State))
def test_available_actions_match_the_matrix(kind, state, people, make_content):
    """The buttons a person is offered are exactly the transitions the engine would allow."""
    content = drive(make_content(kind), state, people)
    for actor, user in people.items():
        expected = {
            name
            for name, allowed in ALLOWED.items()
            if name != "edit" and actor in allowed and (name, state) in OUTCOMES
        }
        assert {t.name for t in workflow.available(content, user)} == expected, actor
        assert workflow.may_edit(content, user) == (
            actor in ALLOWED["edit"] and ("edit", state) in OUTCOMES
        ), actor


def test_role_is_checked_before_state(article, anonymous, django_capture_on_commit_callbacks):
    """Someone who may never publish is told so, not that the draft is in the wrong state."""
    assert_refused_cleanly(
        workflow.NotAllowed, "publish", article, anonymous, django_capture_on_commit_callbacks
    )


def test_unpublish_while_an_edit_is_pending_takes_the_live_revision_down(
    published, writer, editor, client
):
    edit(published, writer)
    assert published.state == State.DRAFT
    workflow.unpublish(published, editor)
    published.refresh_from_db()
    assert published.state == State.DRAFT  # the pending draft stays a draft
    assert published.live_revision is None
    assert client.get(f"/articles/{published.slug}/").status_code == 404


def test_request_changes_needs_a_comment(in_review, reviewer):
    before = snapshot(in_review)
    with pytest.raises(workflow.InvalidRequest):
        workflow.request_changes(in_review, reviewer, comment="   ")
    assert snapshot(in_review) == before


def test_deactivated_editor_may_not_publish(approved, editor, django_capture_on_commit_callbacks):
    editor.is_active = False
    editor.save()
    assert_refused_cleanly(
        workflow.NotAllowed,
        "publish",
        approved,
        type(editor).objects.get(pk=editor.pk),  # as the next request would load them
        django_capture_on_commit_callbacks,
    )


# --- Maker-checker ----------------------------------------------------------------------------


def test_reviewer_may_not_approve_content_they_own(make_user, make_article, second_reviewer):
    both = make_user("bea_both", Role.WRITER, Role.REVIEWER)
    article = make_article("Sciatica explained", owner=both)
    workflow.submit(article, both)

    with pytest.raises(workflow.NotAllowed, match="another medical reviewer"):
        workflow.approve(reload(article), both, **signed_by(both))
    assert reload(article).state == State.IN_REVIEW
    assert not Signature.objects.exists()

    workflow.approve(reload(article), second_reviewer, **signed_by(second_reviewer))
    assert reload(article).state == State.APPROVED


def test_reviewer_may_not_approve_a_revision_they_edited(
    make_user, article, writer, second_reviewer
):
    """An editor who is also a reviewer edits a writer's draft: someone else must approve it."""
    both = make_user("eli_editor_reviewer", Role.EDITOR, Role.REVIEWER)
    edit(article, both)
    workflow.submit(article, writer)

    with pytest.raises(workflow.NotAllowed):
        workflow.approve(reload(article), both, **signed_by(both))
    assert not Signature.objects.exists()
    assert "approve" not in {t.name for t in workflow.available(article, both)}

    workflow.approve(reload(article), second_reviewer, **signed_by(second_reviewer))
    assert reload(article).state == State.APPROVED


def test_edits_before_the_last_approval_do_not_bar_a_reviewer(
    make_user, article, writer, second_reviewer
):
    # Credentials on file: the gate refuses a reviewer without them (missing-reviewer-credentials).
    both = make_user(
        "eli_editor_reviewer", Role.EDITOR, Role.REVIEWER, credentials="MD, family medicine"
    )
    edit(article, both)  # revision 2, by the editor-reviewer
    workflow.submit(article, writer)
    workflow.approve(article, second_reviewer, **signed_by(second_reviewer))  # signs revision 2
    edit(article, writer, " (update)")  # revision 3, by the writer only
    workflow.submit(article, writer)

    workflow.approve(reload(article), both, **signed_by(both))
    assert reload(article).state == State.APPROVED


def test_an_edit_after_the_last_approval_bars_the_editor_reviewer(
    make_user, article, writer, reviewer, second_reviewer
):
    both = make_user("eli_editor_reviewer", Role.EDITOR, Role.REVIEWER)
    workflow.submit(article, writer)
    workflow.approve(article, reviewer, **signed_by(reviewer))  # signs revision 1
    edit(article, both)  # revision 2
    edit(article, writer, " (and more)")  # revision 3
    workflow.submit(article, writer)

    with pytest.raises(workflow.NotAllowed):
        workflow.approve(reload(article), both, **signed_by(both))
    workflow.approve(reload(article), second_reviewer, **signed_by(second_reviewer))
    assert reload(article).state == State.APPROVED


# --- An edit voids the approval ---------------------------------------------------------------


def test_edit_after_approval_voids_it(approved, writer, editor, reviewer):
    edit(approved, writer)
    approved = reload(approved)
    assert approved.state == State.DRAFT
    assert workflow.valid_signature(approved) is None
    with pytest.raises(workflow.WrongState):
        workflow.publish(approved, editor)
    assert reload(approved).live_revision is None

    workflow.submit(approved, writer)
    signature = workflow.approve(approved, reviewer, **signed_by(reviewer))
    assert signature.revision == approved.latest_revision
    assert signature.revision.number == 2
    workflow.publish(approved, editor)
    assert reload(approved).live_revision.number == 2


@pytest.mark.parametrize("kind", KINDS)
def test_edit_after_approval_voids_it_for_every_kind(kind, people, make_content):
    content = drive(make_content(kind), State.APPROVED, people)
    edit(content, people["owner"])
    with pytest.raises(workflow.WrongState):
        workflow.publish(reload(content), people["editor"])
    assert workflow.valid_signature(reload(content)) is None


def test_editing_published_article_keeps_old_version_public_until_new_one_is_published(
    published, writer, reviewer, editor, client
):
    url = f"/articles/{published.slug}/"
    old_title = published.title

    edit(published, writer, " — updated 2025")
    new_title = published.title
    assert reload(published).state == State.DRAFT
    page = client.get(url)
    assert page.status_code == 200
    assert old_title in page.content.decode()
    assert new_title not in page.content.decode()

    workflow.submit(published, writer)
    workflow.approve(published, reviewer, **signed_by(reviewer))
    assert new_title not in client.get(url).content.decode()  # approved, not yet published

    workflow.publish(published, editor)
    body = client.get(url).content.decode()
    assert new_title in body
    assert reload(published).live_revision.number == 2


def test_prompt_edit_keeps_the_live_prompt_revision(people, make_prompt):
    prompt = drive(make_prompt(), State.PUBLISHED, people)
    live = prompt.live_revision
    edit(prompt, people["owner"])
    prompt = reload(prompt)
    assert prompt.state == State.DRAFT
    assert prompt.live_revision == live
    assert prompt.latest_revision.number == 2
    assert prompt.approved_revision() == live


# --- Edit conflicts and stale instances -------------------------------------------------------


def test_second_save_from_the_same_base_is_an_edit_conflict(article, writer, editor):
    mine, theirs = reload(article), reload(article)
    base = article.latest_revision.number

    change_text(theirs, " (editor's fix)")
    workflow.save_revision(theirs, editor, base_revision=base)
    before = snapshot(article)

    change_text(mine, " (writer's fix)")
    with pytest.raises(workflow.EditConflict) as refused:
        workflow.save_revision(mine, writer, base_revision=base)
    message = str(refused.value)
    assert editor.get_username() in message
    assert "revision 2" in message
    assert snapshot(article) == before
    assert reload(article).title.endswith("(editor's fix)")


def test_saving_from_the_latest_base_is_not_a_conflict(article, writer):
    revision = edit(article, writer, base_revision=1)
    assert revision.number == 2
    revision = edit(article, writer, " again", base_revision=2)
    assert revision.number == 3


def test_stale_instance_save_does_not_undo_a_publish(approved, writer, editor, client):
    stale = reload(approved)  # the writer opened the editor while the article was approved
    workflow.publish(reload(approved), editor)

    change_text(stale, " (typo fixed)")
    workflow.save_revision(stale, writer, base_revision=1)

    fresh = reload(approved)
    assert fresh.state == State.DRAFT
    assert fresh.live_revision.number == 1
    assert fresh.live_signature is not None
    assert fresh.first_published_at is not None
    assert client.get(f"/articles/{approved.slug}/").status_code == 200


def test_stale_instance_save_does_not_undo_an_unpublish(published, writer, editor, client):
    stale = reload(published)
    workflow.unpublish(reload(published), editor, reason="Outdated")

    change_text(stale, " (typo fixed)")
    workflow.save_revision(stale, writer, base_revision=1)

    fresh = reload(published)
    assert fresh.live_revision is None
    assert fresh.state == State.DRAFT
    assert client.get(f"/articles/{published.slug}/").status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_plain_save_of_a_stale_instance_does_not_republish(kind, people, make_content):
    """A stale copy saved outside the engine (a shell, a script) writes only the working copy:
    it must not bring back content an editor took down meanwhile."""
    content = drive(make_content(kind), State.PUBLISHED, people)
    stale = reload(content)
    workflow.unpublish(reload(content), people["editor"], reason="Source retracted")

    stale.save()

    fresh = reload(content)
    assert fresh.state == State.UNPUBLISHED
    assert fresh.live_revision is None
    assert fresh.live_signature is None
    assert not type(content).objects.live().filter(pk=content.pk).exists()


def test_plain_save_still_writes_the_working_copy(article):
    article.summary = "A clearer summary."
    article.save()
    assert reload(article).summary == "A clearer summary."


def test_stale_instance_cannot_edit_content_now_in_review(article, writer):
    stale = reload(article)
    workflow.submit(reload(article), writer)
    before = snapshot(article)
    change_text(stale)
    with pytest.raises(workflow.WrongState):
        workflow.save_revision(stale, writer)
    assert snapshot(article) == before


def test_transition_updates_the_callers_instance(article, writer):
    workflow.submit(article, writer)
    assert article.state == State.IN_REVIEW
    assert article.submitted_at is not None


# --- The public site --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state",
    [State.DRAFT, State.IN_REVIEW, State.CHANGES_REQUESTED, State.APPROVED, State.UNPUBLISHED],
)
def test_anonymous_readers_get_404_for_anything_not_published(state, people, make_article, client):
    article = drive(make_article(), state, people)
    assert client.get(f"/articles/{article.slug}/").status_code == 404


def test_anonymous_readers_see_published_article_with_its_reviewer(published, client):
    page = client.get(f"/articles/{published.slug}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert published.title in body
    assert "Rita Reviewer" in body
    assert "MD, neurology" in body


def test_new_article_is_owned_by_its_first_writer(writer):
    article = Article(title="Knee pain", slug="knee-pain", body="<p>x</p>")
    revision = workflow.save_revision(article, writer)
    assert article.owner == writer
    assert revision.number == 1
    assert reload(article).state == State.DRAFT


@pytest.mark.parametrize("actor", ["reviewer", "admin", "anonymous", "superuser"])
def test_only_writers_and_editors_may_create_content(actor, people):
    prompt = Prompt(
        name="Newsletter",
        kind="newsletter",
        headline="Get our newsletter",
        button_label="Subscribe",
        owner=people["owner"],
    )
    with pytest.raises(workflow.NotAllowed):
        workflow.save_revision(prompt, people[actor])
    assert not Prompt.objects.exists()


# --- Notifications ----------------------------------------------------------------------------


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_submit_emails_every_reviewer(
    article, writer, reviewer, second_reviewer, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(article, writer)
    assert recipients() == ["raj_reviewer@clinic.test", "rita_reviewer@clinic.test"]
    assert all(article.title in message.subject for message in mail.outbox)


def test_request_changes_emails_the_owner_with_the_comment(
    in_review, reviewer, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(in_review, reviewer, comment="Cite the 2019 trial, please.")
    assert recipients() == ["wendy_writer@clinic.test"]
    assert "Cite the 2019 trial, please." in mail.outbox[0].body
    assert "Changes were requested" in mail.outbox[0].subject


def test_approve_emails_the_owner_and_editors_but_not_the_reviewer(
    in_review, reviewer, editor, make_user, django_capture_on_commit_callbacks
):
    make_user("edna_editor", Role.EDITOR)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(in_review, reviewer, **signed_by(reviewer))
    assert recipients() == [
        "eddie_editor@clinic.test",
        "edna_editor@clinic.test",
        "wendy_writer@clinic.test",
    ]
    assert all("approved" in message.subject for message in mail.outbox)


def test_prompt_notifications_use_the_same_routes(
    make_prompt, writer, reviewer, django_capture_on_commit_callbacks
):
    prompt = make_prompt()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(prompt, writer)
    assert recipients() == ["rita_reviewer@clinic.test"]
    assert prompt.name in mail.outbox[0].subject


def test_no_email_when_the_transaction_rolls_back(
    article, writer, reviewer, django_capture_on_commit_callbacks
):
    class Boom(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        workflow.submit(article, writer)
        raise Boom
    assert callbacks == []
    assert mail.outbox == []
    assert reload(article).state == State.DRAFT
    assert not events_of(article).filter(action="submit").exists()


@pytest.mark.django_db(transaction=True)
def test_email_is_sent_only_after_a_real_commit(article, writer, reviewer):
    with transaction.atomic():
        workflow.submit(article, writer)
        assert mail.outbox == []  # not yet: the change could still roll back
    assert recipients() == ["rita_reviewer@clinic.test"]


@pytest.mark.django_db(transaction=True)
def test_no_email_after_a_real_rollback(article, writer, reviewer):
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.submit(article, writer)
        raise RuntimeError("the request failed after the transition")
    assert mail.outbox == []
    assert reload(article).state == State.DRAFT


# --- Assigning content to another writer -----------------------------------------------------


def test_an_editor_assigns_a_draft_and_the_new_writer_can_submit_it(
    article, writer, other_writer, editor, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.assign(article, editor, owner=other_writer)

    with pytest.raises(workflow.NotAllowed):
        workflow.submit(reload(article), writer)
    workflow.submit(reload(article), other_writer)
    assert reload(article).state == State.IN_REVIEW
    event = AuditEvent.objects.get(action="assign")
    assert (event.actor, event.detail) == (
        editor,
        {"from": writer.username, "to": other_writer.username},
    )
    assert any(
        m.to == [other_writer.email] and "was assigned to you" in m.subject for m in mailoutbox
    )


@pytest.mark.parametrize("who", ["reviewer", "editor"])
def test_content_is_assigned_only_to_an_active_writer(article, editor, request, who):
    not_a_writer = request.getfixturevalue(who)
    before = snapshot(article)
    with pytest.raises(workflow.InvalidRequest, match="active writer"):
        workflow.assign(article, editor, owner=not_a_writer)
    assert snapshot(article) == before


def test_a_writer_cannot_give_their_draft_away(article, writer, other_writer):
    with pytest.raises(workflow.NotAllowed):
        workflow.assign(article, writer, owner=other_writer)
    assert reload(article).owner == writer


def test_a_title_with_a_line_break_still_notifies(
    make_article, writer, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    article = make_article("Back pain\nand sleep", slug="back-pain-and-sleep")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(article, writer)
    assert [m.subject for m in mailoutbox] == [
        "[Vetted] “Back pain and sleep” is waiting for medical review"
    ]
