"""Every citation in the demo and in the seed import survives a save through the admin form
unchanged: the page is loaded, what it shows is posted back as it is, and the body's markers,
the cited sources, their keys and their numbering are the same afterwards."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, override_settings

from articles.models import Article, State
from tests.conftest import log_in_verified
from tests.importers.conftest import run_import
from tests.test_demo import FAST_HASHER

MARKER = re.compile(r'<sup data-citation="[^"]*">[^<]*</sup>')


def posted_back(response) -> dict:
    """What the change form would post if the person saved without changing anything."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if isinstance(value, list | tuple):
            value = [str(v) for v in value]
        data[form.add_prefix(name)] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[formset.management_form.add_prefix(name)] = formset.management_form[name].value()
        for sub in formset.forms:
            for name in sub.fields:
                value = sub[name].value()
                if value is not None and value is not False:
                    data[sub.add_prefix(name)] = value
    data["_continue"] = "Save and continue editing"
    return data


def citations_of(article: Article) -> tuple:
    article.refresh_from_db()
    rows = tuple(article.citations.order_by("order").values_list("key", "source_id", "order"))
    return MARKER.findall(article.body), rows


def save_unchanged(client: Client, article: Article) -> None:
    url = f"/admin/articles/article/{article.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200, article.title
    response = client.post(url, posted_back(page))
    assert response.status_code == 302, (
        article.title,
        response.context["adminform"].form.errors,
        [f.errors for s in response.context["inline_admin_formsets"] for f in s.formset.forms],
    )


def editable(article: Article) -> bool:
    return article.state != State.IN_REVIEW  # in review, nobody edits it


def assert_round_trip(user) -> int:
    client = Client()
    log_in_verified(client, user)
    checked = 0
    for article in Article.objects.exclude(citations=None).order_by("pk"):
        if not editable(article):
            continue
        before = citations_of(article)
        revision = article.latest_revision.number
        save_unchanged(client, article)
        assert citations_of(article) == before, article.title
        assert article.latest_revision.number == revision + 1  # it was really saved
        assert [c["key"] for c in article.latest_revision.content["citations"]] == [
            key for key, _source, _order in before[1]
        ]
        checked += 1
    return checked


@pytest.mark.django_db
def test_every_demo_citation_survives_a_save_through_the_admin(tmp_path):
    with override_settings(PASSWORD_HASHERS=FAST_HASHER, MEDIA_ROOT=tmp_path):
        call_command("demo", force=True, stdout=StringIO())
        editor = get_user_model().objects.get(username="editor")
        assert assert_round_trip(editor) >= 5


@pytest.mark.django_db
def test_every_seed_citation_survives_a_save_through_the_admin(seed_path, editor):
    run_import(seed_path)
    assert assert_round_trip(editor) >= 4
