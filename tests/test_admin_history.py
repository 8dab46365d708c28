"""One history per object: where the audit trail records an object, the admin writes no
LogEntry and its History button leads to the audit trail, never to Django's second history."""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django.urls import reverse

from articles.models import Topic
from tests.test_admin import article_form_data, login, text, url


def test_saving_an_article_in_the_admin_writes_the_audit_trail_only(article, writer):
    response = login(writer).post(url(article), article_form_data(article, summary="Rest."))

    assert response.status_code == 302
    assert not LogEntry.objects.exists()


def test_the_article_page_offers_its_audit_trail_instead_of_django_history(article, writer):
    client = login(writer)

    page = text(client.get(url(article)))

    assert f'href="{url(article)}#vetted-events-heading" class="historylink">Audit trail' in page
    assert ">History<" not in page
    history = client.get(url(article, "history"))
    assert history.status_code == 302
    assert history["Location"] == f"{url(article)}#vetted-events-heading"


def test_what_the_audit_trail_does_not_record_keeps_django_history(editor):
    topic = Topic.objects.create(name="Knees", slug="knees")

    page = text(login(editor).get(reverse("admin:articles_topic_change", args=[topic.pk])))

    assert ">History<" in page and "Audit trail" not in page
