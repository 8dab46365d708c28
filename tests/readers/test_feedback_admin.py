"""Reader feedback in the staff workspace: the moderation list for the Admin role, and accepted
reports on the article's change page for its writer, editors and medical reviewers."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from articles.audit.models import AuditEvent
from articles.readers import feedback
from articles.readers.models import Feedback, FeedbackKind, FeedbackStatus
from tests.conftest import log_in_verified
from tests.test_admin import CHANGE_PAGE_BUDGET

# The feedback list, whatever the number of reports: session, user, roles, two permission
# lookups, the count, the rows and two for the date hierarchy; the second factor's device.
FEEDBACK_LIST_BUDGET = 10

CHANGELIST = "admin:readers_feedback_changelist"


def login(user) -> Client:
    client = Client()
    log_in_verified(client, user)
    return client


def text(response) -> str:
    return unescape(response.content.decode())


def change_url(report: Feedback) -> str:
    return reverse("admin:readers_feedback_change", args=[report.pk])


def moderate_url(report: Feedback) -> str:
    return reverse("admin:readers_feedback_moderate", args=[report.pk])


def article_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def make_reports(article, count: int, **fields) -> list[Feedback]:
    return Feedback.objects.bulk_create(
        Feedback(
            article=article,
            revision_id=article.live_revision_id,
            kind=fields.get("kind", FeedbackKind.BROKEN_SOURCE),
            message=fields.get("message", f"Report number {n}: the DOI link goes nowhere."),
            status=fields.get("status", FeedbackStatus.NEW),
        )
        for n in range(count)
    )


@pytest.fixture
def superuser_without_role(make_user):
    user = make_user("root_without_role")
    user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def one_report(published) -> Feedback:
    return make_reports(published, 1, message="The dose in paragraph two looks wrong.")[0]


# --- The moderation list ------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 50])
def test_the_feedback_list_costs_the_same_whatever_its_length(
    django_assert_max_num_queries, published, make_article, admin_user, count
):
    make_reports(published, count)
    client = login(admin_user)
    with django_assert_max_num_queries(FEEDBACK_LIST_BUDGET):
        response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count
    html = text(response)
    assert html.count("Living with back pain") >= count
    assert "Report number 0: the DOI link goes nowhere." in html


def test_the_list_filters_by_status_and_kind_and_searches_messages(published, admin_user):
    make_reports(published, 2)
    make_reports(published, 1, kind=FeedbackKind.WRONG_INFORMATION, message="Wrong dose")
    make_reports(published, 1, status=FeedbackStatus.SPAM, message="Buy pills")
    client = login(admin_user)

    def shown(**params) -> list[str]:
        response = client.get(reverse(CHANGELIST), params)
        return sorted(r.message for r in response.context["cl"].result_list)

    assert shown(status__exact="spam") == ["Buy pills"]
    assert shown(kind__exact="wrong_information") == ["Wrong dose"]
    assert shown(q="dose") == ["Wrong dose"]
    assert len(shown(status__exact="new")) == 3


@pytest.mark.parametrize("who", ["writer", "reviewer", "editor", "superuser_without_role"])
def test_other_roles_and_superusers_without_the_admin_role_never_see_feedback(
    request, one_report, who
):
    client = login(request.getfixturevalue(who))
    assert client.get(reverse(CHANGELIST)).status_code == 403
    assert client.get(change_url(one_report)).status_code == 403
    posted = client.post(
        reverse(CHANGELIST),
        {"action": "mark_accepted", "_selected_action": [one_report.pk]},
    )
    assert posted.status_code == 403
    assert client.post(moderate_url(one_report), {"status": "accepted"}).status_code == 403
    index = text(client.get(reverse("admin:index")))
    assert "/admin/readers/feedback/" not in index
    one_report.refresh_from_db()
    assert one_report.status == FeedbackStatus.NEW


def test_the_admin_index_lists_feedback_for_the_admin_role(admin_user):
    assert "/admin/readers/feedback/" in text(login(admin_user).get(reverse("admin:index")))


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("mark_accepted", FeedbackStatus.ACCEPTED),
        ("mark_dismissed", FeedbackStatus.DISMISSED),
        ("mark_spam", FeedbackStatus.SPAM),
    ],
)
def test_an_admin_moderates_from_the_list(published, admin_user, action, status):
    reports = make_reports(published, 3)
    response = login(admin_user).post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [r.pk for r in reports[:2]]},
        follow=True,
    )
    assert response.status_code == 200
    assert f"2 reports were {feedback_done(status)}" in text(response)
    statuses = [r.status for r in Feedback.objects.order_by("pk")]
    assert statuses == [status, status, FeedbackStatus.NEW]
    events = AuditEvent.objects.filter(action="moderate_feedback")
    assert sorted(events.values_list("object_id", flat=True)) == [r.pk for r in reports[:2]]
    assert set(events.values_list("actor", flat=True)) == {admin_user.pk}


def feedback_done(status) -> str:
    from articles.admin.feedback import DONE

    return DONE[status]


def test_a_report_decided_already_is_named_and_left_alone(one_report, published, admin_user):
    feedback.moderate(one_report, admin_user, FeedbackStatus.SPAM)
    fresh = make_reports(published, 1)[0]
    response = login(admin_user).post(
        reverse(CHANGELIST),
        {"action": "mark_accepted", "_selected_action": [one_report.pk, fresh.pk]},
        follow=True,
    )
    html = text(response)
    assert "1 report was accepted" in html
    assert f"{one_report} was already marked spam; nothing was changed." in html
    one_report.refresh_from_db()
    assert one_report.status == FeedbackStatus.SPAM


def test_a_reports_page_is_read_only_with_one_button_per_decision(one_report, admin_user):
    client = login(admin_user)
    html = text(client.get(change_url(one_report)))
    assert "The dose in paragraph two looks wrong." in html
    assert set(re.findall(r'data-decision="([a-z]+)"', html)) == {"accepted", "dismissed", "spam"}
    assert 'name="_save"' not in html
    assert 'name="message"' not in html  # shown, not editable

    response = client.post(moderate_url(one_report), {"status": "accepted"}, follow=True)
    assert response.redirect_chain[-1][0] == change_url(one_report)
    one_report.refresh_from_db()
    assert (one_report.status, one_report.moderated_by) == (FeedbackStatus.ACCEPTED, admin_user)
    html = text(response)
    assert "1 report was accepted" in html
    assert "data-decision=" not in html  # decided: no buttons any more
    assert client.get(moderate_url(one_report)).status_code == 405


def test_the_moderation_view_refuses_what_is_not_a_decision(one_report, admin_user):
    response = login(admin_user).post(moderate_url(one_report), {"status": "new"}, follow=True)
    assert "“new” is not a moderation decision" in text(response)
    one_report.refresh_from_db()
    assert one_report.status == FeedbackStatus.NEW
    assert not AuditEvent.objects.filter(action="moderate_feedback").exists()


def test_feedback_is_never_added_or_deleted_in_the_admin(one_report, admin_user):
    client = login(admin_user)
    assert client.get(reverse("admin:readers_feedback_add")).status_code == 403
    delete = reverse("admin:readers_feedback_delete", args=[one_report.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Feedback.objects.filter(pk=one_report.pk).exists()


# --- Accepted reports on the article's change page ----------------------------------------------


@pytest.mark.parametrize("who", ["writer", "editor", "reviewer"])
def test_accepted_reports_show_on_the_articles_page_for_its_writer_editors_and_reviewers(
    request, django_assert_max_num_queries, published, one_report, admin_user, who
):
    make_reports(published, 1, message="Not decided yet: hidden.")
    feedback.moderate(one_report, admin_user, FeedbackStatus.ACCEPTED)
    client = login(request.getfixturevalue(who))
    with django_assert_max_num_queries(CHANGE_PAGE_BUDGET):
        response = client.get(article_url(published))
    html = text(response)
    assert "Problems readers reported (1 accepted)" in html
    assert "The dose in paragraph two looks wrong." in html
    assert str(FeedbackKind.BROKEN_SOURCE.label) in html
    assert "Not decided yet" not in html


def test_reports_are_not_shown_before_they_are_accepted(published, one_report, admin_user, writer):
    client = login(writer)
    assert "Problems readers reported" not in text(client.get(article_url(published)))
    feedback.moderate(one_report, admin_user, FeedbackStatus.DISMISSED)
    assert "Problems readers reported" not in text(client.get(article_url(published)))


def test_an_accepted_message_is_shown_as_text(published, admin_user, writer):
    report = make_reports(published, 1, message='<script>alert("x")</script>')[0]
    feedback.moderate(report, admin_user, FeedbackStatus.ACCEPTED)
    html = login(writer).get(article_url(published)).content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
