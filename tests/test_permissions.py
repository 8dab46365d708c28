"""`workflow.permissions`: one answer, with its reason, for every entry of `TRANSITIONS`, the same
as `check` gives when the transition is tried, and cheap enough for every screen to ask."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test.utils import CaptureQueriesContext

from articles import workflow
from articles.models import Signature, State
from articles.roles import Role, roles_of
from tests.conftest import PASSWORD
from tests.workflow_support import drive, edit, reload

# Who may do each entry, from a state it is allowed from (everyone else is refused by role).
WHO = {
    "edit": {"owner", "editor", "editor_reviewer"},
    "submit": {"owner"},
    "withdraw": {"owner"},
    "request_changes": {"reviewer", "editor_reviewer"},
    "approve": {"reviewer", "editor_reviewer"},
    "schedule": {"editor", "editor_reviewer"},
    "publish": {"editor", "editor_reviewer"},
    "republish": {"editor", "editor_reviewer"},
    "unpublish": {"editor", "editor_reviewer"},
    "assign": {"editor", "editor_reviewer"},
    "assign_reviewer": {"editor", "editor_reviewer"},
    "approve_compliance": {"compliance"},
    "override": {"reviewer", "editor_reviewer"},
    "comment": {"reviewer", "editor", "editor_reviewer"},
    "comment_reply": {"owner", "reviewer", "editor", "editor_reviewer"},
    "comment_resolve": {"owner", "editor", "editor_reviewer"},
}


@pytest.fixture
def people(make_user, writer, other_writer, reviewer, editor, admin_user, anonymous):
    return {
        "owner": writer,
        "other_writer": other_writer,
        "reviewer": reviewer,
        "editor": editor,
        # Holds both roles and saved a revision of the content: may do what either role does,
        # except judge it (approve, override).
        "editor_reviewer": make_user("eve_both", Role.EDITOR, Role.REVIEWER, credentials="MD"),
        "compliance": make_user("carla_compliance", Role.COMPLIANCE),
        "admin": admin_user,
        "anonymous": anonymous,
        "superuser": get_user_model().objects.create_superuser(
            "sam_superuser", email="sam@clinic.test", password=PASSWORD
        ),
    }


def history_of(content) -> list[tuple[int, int | None, bool]]:
    """As the change page and the review screen load it."""
    return list(
        content.revisions.annotate(
            signed=Exists(Signature.objects.filter(revision=OuterRef("pk")))
        ).values_list("number", "created_by_id", "signed")
    )


def content_in(state: State, people, make_article):
    """An article in `state`, its first revision saved by the editor who also reviews."""
    article = make_article()
    edit(article, people["editor_reviewer"], base_revision=article.latest_revision.number)
    return drive(reload(article), state, people)


def expected(name: str, actor: str, state: State) -> bool:
    if actor not in WHO[name] or state not in workflow.TRANSITIONS[name].sources:
        return False
    if name == "unpublish":
        return state == State.PUBLISHED  # something live to take down
    if name == "approve_compliance":
        return False  # PROMOTIONAL_SECOND_REVIEW is off: nothing needs it
    if name in ("approve", "override") and actor == "editor_reviewer":
        # They edited it; once another reviewer approved a later state, that edit is judged.
        return state in (State.APPROVED, State.PUBLISHED, State.UNPUBLISHED)
    return True


def test_every_entry_of_the_table_is_in_this_test():
    assert set(WHO) == set(workflow.TRANSITIONS)


@pytest.mark.parametrize("state", list(State))
def test_permissions_give_the_answer_and_the_words_of_check(state, people, make_article):
    content = content_in(state, people, make_article)
    history = history_of(content)
    for actor, user in people.items():
        asked = workflow.permissions(reload(content), user)
        from_history = workflow.permissions(reload(content), user, history)
        for name in workflow.TRANSITIONS:
            try:
                workflow.check(name, reload(content), user)
            except workflow.WorkflowError as refusal:
                tried = (type(refusal), str(refusal))
            else:
                tried = None
            for answer in (asked, from_history):
                refusal = answer.refusal(name)
                assert (refusal and (refusal.error, refusal.reason)) == tried, (actor, name)
                assert answer.may(name) == expected(name, actor, state), (actor, name)
                assert answer.why_not(name) == (tried[1] if tried else ""), (actor, name)
            if actor not in WHO[name]:
                assert tried[0] is workflow.NotAllowed and tried[1].startswith("Only "), name
            elif state not in workflow.TRANSITIONS[name].sources:
                assert tried[0] is workflow.WrongState, (actor, name)


def test_buttons_are_the_allowed_transitions_and_the_withheld_ones_say_why(people, make_article):
    content = content_in(State.IN_REVIEW, people, make_article)
    both = workflow.permissions(content, people["editor_reviewer"])
    assert [t.name for t in both.available] == ["request_changes", "assign", "assign_reviewer"]
    [(withheld, reason)] = both.withheld
    assert withheld.name == "approve"
    assert reason == (
        f"You wrote or edited “{content}”, so another medical reviewer must approve it."
    )
    reviewer = workflow.permissions(content, people["reviewer"])
    assert [t.name for t in reviewer.available] == ["request_changes", "approve"]
    assert reviewer.withheld == []
    # Role refusals are not withheld buttons: a writer is not shown an approve button at all.
    assert workflow.permissions(content, people["owner"]).withheld == []


def test_every_answer_costs_no_query_with_the_history_and_two_without(
    people, make_article, django_assert_num_queries
):
    content = reload(content_in(State.IN_REVIEW, people, make_article))
    history = history_of(content)
    for user in people.values():
        roles_of(user)  # the roles are read once per request, and kept on the user
    with django_assert_num_queries(0):
        for user in people.values():
            answer = workflow.permissions(content, user, history)
            for name in workflow.TRANSITIONS:
                answer.may(name)
    # Without the history, whether the reviewer wrote a revision since the last approval is read
    # once, for approve and override together.
    with django_assert_num_queries(2):
        answer = workflow.permissions(content, people["editor_reviewer"])
        assert not answer.may("approve") and not answer.may("override")
        assert answer.may("request_changes")


def test_the_approval_is_read_once_for_every_answer_that_needs_it(people, make_article):
    content = reload(content_in(State.UNPUBLISHED, people, make_article))
    editor = people["editor"]
    roles_of(editor)
    answer = workflow.permissions(content, editor)
    with CaptureQueriesContext(connection) as first:
        assert answer.may("republish")
    with CaptureQueriesContext(connection) as rest:
        assert [t.name for t in answer.available] == ["republish", "assign"]
        assert answer.may("republish") and answer.may("edit")
    assert len(first) >= 1 and len(rest) == 0
