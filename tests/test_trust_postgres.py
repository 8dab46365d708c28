"""On PostgreSQL the database refuses to change or delete the records, whoever asks: raw SQL
as the application's own login gets an error and the rows stay as they were.

Run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/w11b pytest -m postgres
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from articles import audit
from articles.audit.models import AuditEvent
from articles.models import Revision, Signature
from tests.workflow_support import reload

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _needs_postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL; set DATABASE_URL=postgres://postgres@127.0.0.1:5432/w11b")


def refused(statement: str, params=()) -> None:
    with (
        pytest.raises(DatabaseError, match="never updated or deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, params)


@pytest.mark.parametrize(
    "table, column",
    [
        ("articles_auditevent", "actor_name"),
        ("articles_revision", "change_summary"),
        ("articles_signature", "reviewer_name"),
    ],
)
def test_updating_or_deleting_a_record_is_refused(published, table, column):
    count = {m: m.objects.count() for m in (AuditEvent, Revision, Signature)}
    refused(f"UPDATE {table} SET {column} = 'mallory'")
    refused(f"DELETE FROM {table}")
    assert {m: m.objects.count() for m in count} == count
    assert not AuditEvent.objects.filter(actor_name="mallory").exists()
    assert audit.verify()[1] == []


def test_the_six_rewrites_of_the_trail_are_refused(published):
    last = AuditEvent.objects.order_by("sequence").last()
    refused("DELETE FROM articles_auditevent WHERE id = %s", [last.pk])  # the last event
    refused("UPDATE articles_auditevent SET hash = 'x' WHERE id = %s", [last.pk])  # re-chain
    refused("UPDATE articles_auditevent SET detail = '{}'")  # edit and rebuild
    refused("DELETE FROM articles_auditevent")  # wipe
    refused(  # a re-hashed revision
        "UPDATE articles_revision SET content_hash = 'x' WHERE id = %s",
        [reload(published).live_revision_id],
    )
    refused("UPDATE articles_signature SET content_hash = 'x'")  # the matching signature
    assert audit.verify()[1] == []


def test_appending_still_works(published, writer):
    from tests.workflow_support import edit

    edit(published, writer)
    assert audit.verify()[1] == []
