"""Two people doing the same thing at the same moment, on separate database connections.

Only PostgreSQL has the row locks these rely on (SQLite serializes whole transactions), so these
tests run against it: DATABASE_URL=postgres://postgres@127.0.0.1:5432/test pytest -m postgres
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from articles import audit, workflow
from articles.audit.models import AuditEvent
from articles.models import Revision, Signature, State
from articles.roles import Role
from tests.conftest import signed_by
from tests.workflow_support import change_text, events_of, reload

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _needs_postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL for row locks across connections; "
            "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test"
        )


def race(*attempts: Callable[[], object]) -> list[tuple[str, object]]:
    """Run the attempts in parallel threads, released together by a barrier. Returns, per
    attempt, ("ok", result) or ("error", exception)."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[tuple[str, object] | None] = [None] * len(attempts)

    def run(i: int, attempt: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[i] = ("ok", attempt())
        except Exception as exc:  # reported to the test, which decides what was expected
            outcomes[i] = ("error", exc)
        finally:
            connection.close()  # each thread has its own connection; leave none open

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a racing thread hung"
    return outcomes


def errors(outcomes) -> list[Exception]:
    return [value for kind, value in outcomes if kind == "error"]


def test_two_reviewers_approving_at_once_sign_exactly_once(in_review, reviewer, second_reviewer):
    def approve_as(user):
        return lambda: workflow.approve(reload(in_review), user, **signed_by(user))

    outcomes = race(approve_as(reviewer), approve_as(second_reviewer))

    assert [kind for kind, _ in outcomes].count("ok") == 1
    [refused] = errors(outcomes)
    assert isinstance(refused, workflow.WrongState), refused
    assert Signature.objects.count() == 1
    assert reload(in_review).state == State.APPROVED
    assert events_of(in_review).filter(action="approve").count() == 1


def test_two_saves_from_the_same_base_give_one_edit_conflict(article, writer, editor):
    base = article.latest_revision.number

    def save_as(user, suffix):
        def attempt():
            mine = reload(article)
            change_text(mine, suffix)
            return workflow.save_revision(mine, user, base_revision=base)

        return attempt

    outcomes = race(save_as(writer, " (writer)"), save_as(editor, " (editor)"))

    assert [kind for kind, _ in outcomes].count("ok") == 1
    [refused] = errors(outcomes)
    assert isinstance(refused, workflow.EditConflict), refused
    [(_, winner)] = [o for o in outcomes if o[0] == "ok"]
    assert winner.number == base + 1
    assert Revision.objects.count() == 2
    assert reload(article).title == winner.content["title"]
    assert events_of(article).filter(action="edit").count() == 2  # creation + the winner


def test_two_editors_publishing_at_once_publish_once(approved, editor, make_user):
    """Two editors publishing at once: one publishes, the other is told it is already live."""
    other_editor = make_user("edna_editor", Role.EDITOR)

    outcomes = race(
        lambda: workflow.publish(reload(approved), editor),
        lambda: workflow.publish(reload(approved), other_editor),
    )

    assert [kind for kind, _ in outcomes].count("ok") == 1
    [refused] = errors(outcomes)
    assert isinstance(refused, workflow.WrongState), refused
    assert events_of(approved).filter(action="publish").count() == 1


def test_concurrent_transitions_keep_the_audit_chain_intact(make_article, writer):
    articles = [make_article(f"Parallel article {i}") for i in range(4)]
    race(*[lambda a=a: workflow.submit(reload(a), writer) for a in articles])

    assert all(reload(a).state == State.IN_REVIEW for a in articles)
    assert audit.verify() == (AuditEvent.objects.count(), [])
