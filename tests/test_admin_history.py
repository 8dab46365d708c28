"""One history per object: where the audit trail records an object, the admin writes no
LogEntry and its History button leads to the audit trail, never to Django's second history."""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django.urls import reverse

from articles.audit.models import AuditEvent
from articles.models import Topic
from articles.readers import consent
from articles.readers.models import ConsentPurpose
from evidence.models import Source
from tests.evidence.test_source_admin import form_data as source_form_data
from tests.test_admin import article_form_data, login, text, url


def test_saving_an_article_in_the_admin_writes_the_audit_trail_only(article, writer):
    response = login(writer).post(url(article), article_form_data(article, summary="Rest."))

    assert response.status_code == 302
    assert not LogEntry.objects.exists()


def test_the_article_page_offers_its_audit_trail_instead_of_django_history(article, writer):
    client = login(writer)

    page = text(client.get(url(article)))

    assert f'href="{url(article)}#vetted-events-heading" class="historylink">Audit trail' in page
    assert 'historylink">History<' not in page
    history = client.get(url(article, "history"))
    assert history.status_code == 302
    assert history["Location"] == f"{url(article)}#vetted-events-heading"


def test_a_topic_edit_is_in_the_audit_trail_which_is_its_history(editor, admin_user):
    topic = Topic.objects.create(name="Knees", slug="knees")
    change = reverse("admin:articles_topic_change", args=[topic.pk])

    response = login(editor).post(change, {"name": "Knee pain", "slug": "knees"})

    assert response.status_code == 302
    assert not LogEntry.objects.exists()
    [event] = AuditEvent.objects.filter(action="topic_changed", object_id=topic.pk)
    assert event.actor == editor
    # The audit trail is the Admin role's: an editor is offered no history at all.
    page = text(login(editor).get(change))
    assert 'historylink">History<' not in page and "Audit trail" not in page
    trail = trail_link(text(login(admin_user).get(change)))
    assert login(admin_user).get(trail).context["cl"].result_count == 1


def test_a_source_edit_is_in_the_audit_trail_which_is_its_history(writer, admin_user):
    source = Source.objects.create(title="Knee osteoarthritis", journal="BMJ", year=2020)
    change = reverse("admin:evidence_source_change", args=[source.pk])

    response = login(writer).post(change, source_form_data(source, volume="99"))

    assert response.status_code == 302
    assert not LogEntry.objects.exists()
    assert AuditEvent.objects.filter(action="source_changed", object_id=source.pk).exists()
    admin_page = text(login(admin_user).get(change))
    assert 'historylink">History<' not in admin_page
    assert login(admin_user).get(trail_link(admin_page)).context["cl"].result_count == 1


def test_what_the_audit_trail_does_not_record_keeps_django_history(admin_user):
    wording = consent.current(ConsentPurpose.NEWSLETTER)

    page = text(
        login(admin_user).get(reverse("admin:readers_consenttext_change", args=[wording.pk]))
    )

    assert 'historylink">History<' in page and "Audit trail" not in page


def trail_link(page: str) -> str:
    return page.split('class="historylink">Audit trail', 1)[0].rsplit('href="', 1)[1].rstrip('" ')
