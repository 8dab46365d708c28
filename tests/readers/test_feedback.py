"""Reader feedback: "Report a problem with this page" — the domain rules and the public form.

Staff screens (moderation list, accepted reports on the article's page) are in
test_feedback_admin.py."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from articles import workflow
from articles.audit.models import AuditEvent
from articles.readers import feedback
from articles.readers.models import Feedback, FeedbackKind, FeedbackStatus
from articles.readers.protection import HONEYPOT_FIELD
from tests.conftest import signed_by

WRONG = FeedbackKind.WRONG_INFORMATION
MESSAGE = "The second paragraph says six weeks; the guideline it cites says twelve."


def form_url(article) -> str:
    return reverse("readers:report_problem", args=[article.slug])


def thanks_url(article) -> str:
    return reverse("readers:report_thanks", args=[article.slug])


def text(response) -> str:
    return unescape(response.content.decode())


def live_number(article) -> int:
    article.refresh_from_db()
    return article.live_revision.number


def report_data(article, **overrides) -> dict:
    return {
        "revision": live_number(article),
        "kind": WRONG,
        "message": MESSAGE,
        HONEYPOT_FIELD: "",
        **overrides,
    }


@pytest.fixture
def superuser_without_role(make_user):
    user = make_user("root_without_role")
    user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def revised(published, writer):
    """A published article whose writer saved a second revision (a draft): revision 1 is live."""
    workflow.save_revision(published, writer, base_revision=1, change_summary="Fixed a number")
    return published


def report(article, **fields) -> Feedback:
    values = {"revision": live_number(article), "kind": WRONG, "message": MESSAGE, **fields}
    return feedback.report_problem(article, values["revision"], values["kind"], values["message"])


# --- Reporting (domain) -----------------------------------------------------------------------


def test_a_report_is_kept_with_the_article_and_the_live_revision_the_reader_saw(revised):
    stored = report(revised, message=f"  {MESSAGE}\n")
    stored.refresh_from_db()
    assert stored.article == revised
    # The writer's draft (revision 2) is not what readers see: the report is about revision 1.
    assert (stored.revision.number, stored.revision_id) == (1, revised.live_revision_id)
    assert (stored.kind, stored.message, stored.status) == (WRONG, MESSAGE, FeedbackStatus.NEW)
    assert stored.moderated_by is None


def test_a_report_about_a_revision_that_is_no_longer_live_is_refused(revised, reviewer, editor):
    workflow.submit(revised, revised.owner)
    workflow.approve(revised, reviewer, **signed_by(reviewer))
    workflow.publish(revised, editor)
    with pytest.raises(feedback.PageChanged, match="updated after you opened it"):
        report(revised, revision=1)
    # Nor may a reader name a revision that was never live.
    with pytest.raises(feedback.PageChanged):
        report(revised, revision=3)
    assert not Feedback.objects.exists()
    assert report(revised, revision=2).revision.number == 2


def test_drafts_and_unpublished_articles_cannot_be_reported(make_article, published, editor):
    with pytest.raises(feedback.NotLive):
        feedback.report_problem(make_article("A draft"), 1, WRONG, MESSAGE)
    workflow.unpublish(published, editor, reason="Checking a source")
    with pytest.raises(feedback.NotLive, match="no longer published"):
        feedback.report_problem(published, 1, WRONG, MESSAGE)
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    ("kind", "message", "problem"),
    [
        ("rude_words", MESSAGE, "is not a kind of problem"),
        (WRONG, "   ", "message is empty"),
        (WRONG, "x" * 2001, "2001 characters long; the limit is 2000"),
    ],
)
def test_bad_reports_are_refused_with_what_is_wrong(published, kind, message, problem):
    with pytest.raises(feedback.InvalidReport, match=problem):
        feedback.report_problem(published, 1, kind, message)
    assert not Feedback.objects.exists()


# --- Moderation (domain) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [FeedbackStatus.ACCEPTED, FeedbackStatus.DISMISSED, FeedbackStatus.SPAM]
)
def test_an_admin_moderates_a_new_report_and_the_decision_is_audited(published, admin_user, status):
    stored = report(published)
    feedback.moderate(stored, admin_user, status)
    stored.refresh_from_db()
    assert (stored.status, stored.moderated_by) == (status, admin_user)
    assert stored.moderated_at is not None
    event = AuditEvent.objects.get(action="moderate_feedback")
    assert (event.actor, event.from_state, event.to_state) == (admin_user, "new", status)
    assert event.object_id == stored.pk
    assert event.revision_id == published.live_revision_id
    assert event.detail == {"article": published.pk, "kind": WRONG}
    # The reader's words are not copied into the audit trail.
    assert "six weeks" not in repr(event.detail) + event.object_repr


@pytest.mark.parametrize(
    "who", ["writer", "reviewer", "editor", "superuser_without_role", "anonymous"]
)
def test_only_the_admin_role_may_moderate(request, published, who):
    user = request.getfixturevalue(who)
    stored = report(published)
    with pytest.raises(feedback.NotAllowed, match="Only an admin"):
        feedback.moderate(stored, user, FeedbackStatus.ACCEPTED)
    with pytest.raises(feedback.NotAllowed):
        feedback.moderate_all([stored], user, FeedbackStatus.SPAM)
    stored.refresh_from_db()
    assert stored.status == FeedbackStatus.NEW
    assert not AuditEvent.objects.filter(action="moderate_feedback").exists()


def test_a_decision_is_made_once(published, admin_user, make_user):
    from articles.roles import Role

    second_admin = make_user("second_admin", Role.ADMIN)
    stored = report(published)
    feedback.moderate(stored, admin_user, FeedbackStatus.DISMISSED)
    with pytest.raises(feedback.AlreadyModerated, match="already marked dismissed"):
        feedback.moderate(stored, second_admin, FeedbackStatus.ACCEPTED)
    stored.refresh_from_db()
    assert (stored.status, stored.moderated_by) == (FeedbackStatus.DISMISSED, admin_user)
    assert AuditEvent.objects.filter(action="moderate_feedback").count() == 1


@pytest.mark.parametrize("status", ["new", "contacted", ""])
def test_only_the_three_decisions_are_accepted(published, admin_user, status):
    stored = report(published)
    with pytest.raises(feedback.InvalidReport, match="not a moderation decision"):
        feedback.moderate(stored, admin_user, status)
    stored.refresh_from_db()
    assert stored.status == FeedbackStatus.NEW


def test_moderating_several_reports_skips_those_decided_already(published, admin_user):
    first, second, third = (report(published) for _ in range(3))
    feedback.moderate(second, admin_user, FeedbackStatus.SPAM)
    decided, refusals = feedback.moderate_all(
        Feedback.objects.order_by("pk"), admin_user, FeedbackStatus.ACCEPTED
    )
    assert decided == 2
    assert refusals == [f"{second} was already marked spam; nothing was changed."]
    statuses = dict(Feedback.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "accepted", second.pk: "spam", third.pk: "accepted"}


# --- Who sees accepted reports (domain) -------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("writer", True),  # the owner
        ("editor", True),
        ("reviewer", True),
        ("other_writer", False),
        ("admin_user", False),  # moderates them in the feedback list instead
        ("superuser_without_role", False),
        ("anonymous", False),
    ],
)
def test_accepted_reports_are_shown_to_the_owner_editors_and_reviewers(
    request, published, admin_user, who, sees
):
    accepted, dismissed, spam = (report(published, message=f"Report {n}") for n in range(3))
    report(published, message="Not decided yet")
    feedback.moderate(accepted, admin_user, FeedbackStatus.ACCEPTED)
    feedback.moderate(dismissed, admin_user, FeedbackStatus.DISMISSED)
    feedback.moderate(spam, admin_user, FeedbackStatus.SPAM)
    user = request.getfixturevalue(who)
    shown = feedback.accepted_feedback_for(published, user)
    assert [r.message for r in shown] == (["Report 0"] if sees else [])


def test_no_accepted_report_is_shown_before_a_decision(published, writer):
    report(published)
    assert feedback.accepted_feedback_for(published, writer) == []


# --- The public form --------------------------------------------------------------------------


def test_the_form_page_is_never_cached_and_carries_the_live_revision(client, revised):
    response = client.get(form_url(revised))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = text(response)
    assert 'name="csrfmiddlewaretoken"' in html
    assert re.search(r'<input type="hidden" name="revision" value="1"', html)
    assert "Living with back pain" in html  # the live title
    for kind in FeedbackKind:
        assert str(kind.label) in html
    assert "do not include personal medical details" in html
    assert f'href="{reverse("articles:privacy")}"' in html
    assert 'maxlength="2000"' in html
    # The honeypot is there, out of the tab order and hidden from screen readers.
    honeypot = re.search(rf'<input[^>]*name="{HONEYPOT_FIELD}"[^>]*>', html).group(0)
    assert 'tabindex="-1"' in honeypot and 'autocomplete="off"' in honeypot


def test_a_reader_reports_a_problem_and_gets_the_thank_you_page(client, published):
    response = client.post(form_url(published), report_data(published), follow=True)
    assert response.redirect_chain == [(thanks_url(published), 302)]
    assert "Thank you for your report" in text(response)
    assert "no-store" in response["Cache-Control"]
    stored = Feedback.objects.get()
    assert (stored.article, stored.revision_id) == (published, published.live_revision_id)
    assert (stored.kind, stored.message) == (WRONG, MESSAGE)


def test_the_form_refuses_a_post_without_csrf_token(published):
    client = Client(enforce_csrf_checks=True)
    response = client.post(form_url(published), report_data(published))
    assert response.status_code == 403
    assert not Feedback.objects.exists()


def test_a_filled_honeypot_looks_like_success_but_stores_nothing(client, published):
    data = report_data(published, **{HONEYPOT_FIELD: "https://spam.example"})
    response = client.post(form_url(published), data)
    assert response.status_code == 302
    assert response["Location"] == thanks_url(published)
    assert not Feedback.objects.exists()


def test_reports_are_rate_limited_per_client_address(settings, published):
    settings.READER_RATE_LIMIT = 2
    reader = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(2):
        assert reader.post(form_url(published), report_data(published)).status_code == 302
    refused = reader.post(form_url(published), report_data(published))
    assert refused.status_code == 429
    assert "Please try again later" in text(refused)
    assert refused["Retry-After"] == "3600"
    assert Feedback.objects.count() == 2
    # Another reader is not held back by the first one.
    other = Client(REMOTE_ADDR="198.51.100.20")
    assert other.post(form_url(published), report_data(published)).status_code == 302
    assert Feedback.objects.count() == 3


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"message": "x" * 2001}, "Your message is 2001 characters long; please shorten it"),
        ({"message": ""}, "Tell us what is wrong"),
        ({"kind": ""}, "Choose what kind of problem you found."),
        ({"kind": "praise"}, "Select a valid choice."),
        ({"revision": "one"}, "This form is out of date. Open it again from the article's page."),
        ({"revision": ""}, "This form is out of date."),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_stored(
    client, published, overrides, error
):
    response = client.post(form_url(published), report_data(published, **overrides))
    assert response.status_code == 200
    assert error in text(response)
    assert not Feedback.objects.exists()


def test_line_breaks_count_as_one_character_as_the_browser_counts_them(client, published):
    message = "\r\n".join(["x" * 999, "y" * 1000])  # 2000 characters in the browser's count
    response = client.post(form_url(published), report_data(published, message=message))
    assert response.status_code == 302
    assert Feedback.objects.get().message == message.replace("\r\n", "\n")


def test_a_report_on_a_page_updated_meanwhile_keeps_the_text_and_asks_again(
    client, revised, reviewer, editor
):
    stale = report_data(revised)  # the reader opened the form while revision 1 was live
    workflow.submit(revised, revised.owner)
    workflow.approve(revised, reviewer, **signed_by(reviewer))
    workflow.publish(revised, editor)

    response = client.post(form_url(revised), stale)
    assert response.status_code == 200
    html = text(response)
    assert "This page was updated after you opened it" in html
    assert MESSAGE in html  # their words are kept
    assert re.search(r'<input type="hidden" name="revision" value="2"', html)
    assert not Feedback.objects.exists()

    assert client.post(form_url(revised), {**stale, "revision": "2"}).status_code == 302
    assert Feedback.objects.get().revision.number == 2


def test_drafts_and_unknown_articles_have_no_report_form(client, make_article, published, editor):
    for slug in (make_article("A draft").slug, "no-such-article"):
        assert client.get(reverse("readers:report_problem", args=[slug])).status_code == 404
        assert client.get(reverse("readers:report_thanks", args=[slug])).status_code == 404
    data = report_data(published)
    workflow.unpublish(published, editor, reason="Checking a source")
    assert client.get(form_url(published)).status_code == 404
    assert client.post(form_url(published), data).status_code == 404
    assert not Feedback.objects.exists()
