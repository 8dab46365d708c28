"""Topic and source edits made in the staff workspace are in the audit trail: who, what, when."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from articles import audit
from articles.audit.models import AuditEvent
from articles.models import Topic
from evidence.library import format_author_lines
from evidence.models import Source
from tests.conftest import log_in_verified

ROOT = Path(__file__).resolve().parent.parent


def login(user) -> Client:
    client = Client()
    log_in_verified(client, user)
    return client


def latest() -> AuditEvent:
    return AuditEvent.objects.order_by("sequence").last()


def test_creating_and_renaming_a_topic_is_audited(editor):
    client = login(editor)
    response = client.post(
        reverse("admin:articles_topic_add"),
        {"name": "Knees", "slug": "knees", "description": "Joint pain."},
    )
    assert response.status_code == 302
    topic = Topic.objects.get(slug="knees")
    created = latest()
    assert (created.action, created.actor, created.object_id) == ("topic_created", editor, topic.pk)
    assert created.detail["changes"]["name"] == "Knees"

    client.post(
        reverse("admin:articles_topic_change", args=[topic.pk]),
        {"name": "Knee pain", "slug": "knees", "description": "Joint pain."},
    )
    changed = latest()
    assert changed.action == "topic_changed"
    assert changed.detail == {"changes": {"name": "Knee pain"}}
    assert audit.verify()[1] == []


def test_a_failed_audit_leaves_the_topic_unsaved(editor, settings):
    settings.AUDIT_HMAC_KEY, settings.DEBUG = "", False
    with pytest.raises(Exception, match="AUDIT_HMAC_KEY"):
        login(editor).post(reverse("admin:articles_topic_add"), {"name": "Hips", "slug": "hips"})
    assert not Topic.objects.filter(slug="hips").exists()


def _source_form(source: Source, **changes) -> dict:
    data = {
        "kind": source.kind, "title": source.title, "authors": format_author_lines(source.authors),
        "journal": source.journal, "year": source.year or "", "volume": source.volume,
        "issue": source.issue, "pages": source.pages, "doi": source.doi, "pmid": source.pmid,
        "pmcid": source.pmcid, "isbn": source.isbn, "url": source.url,
        "as_written": source.as_written,
    }  # fmt: skip
    return {**data, **changes}


def test_editing_a_source_is_audited(writer):
    source = Source.objects.create(
        title="A trial", journal="J", year=2020, doi="10.5555/a.1", authors=[{"family": "Lu"}]
    )
    response = login(writer).post(
        reverse("admin:evidence_source_change", args=[source.pk]),
        _source_form(source, title="A different trial", year="2021"),
    )
    assert response.status_code == 302
    event = latest()
    assert (event.action, event.actor, event.object_id) == ("source_changed", writer, source.pk)
    assert event.detail == {"changes": {"title": "A different trial", "year": "2021"}}
    assert audit.verify()[1] == []


def test_adding_a_source_is_audited(writer):
    source = Source(title="New guideline", kind="guideline", url="https://example.org/g")
    data = _source_form(source)
    login(writer).post(reverse("admin:evidence_source_add"), data)
    created = Source.objects.get(title="New guideline")
    assert (latest().action, latest().object_id) == ("source_created", created.pk)


def test_evidence_never_imports_articles():
    for path in (ROOT / "evidence").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            assert not any(n.split(".")[0] == "articles" for n in names), path
