"""Keeping review moving: a named reviewer and a due date, queues with due dates and age, the
emails each event sends (and the kinds a person turns off), the approval-expiry warning, the
reports with their CSV exports, and the compliance approval of promotional content."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from articles import jobs, notifications, reports, workflow
from articles.accounts.models import EmailOptOut
from articles.audit.models import AuditEvent
from articles.models import Article, ArticleKind, SignatureRole, State
from articles.roles import Role
from evidence.models import Source, VerificationStatus
from tests.conftest import signed_by
from tests.test_admin import changelist, login, reload, text

IN_THREE_DAYS = timedelta(days=3)
PROMO_SUMMARY = "Advertisement: what our clinic offers."


def mailed(outbox) -> dict[str, list[str]]:
    """Subject → sorted recipients."""
    sent: dict[str, list[str]] = {}
    for message in outbox:
        sent.setdefault(message.subject, []).extend(message.to)
    return {subject: sorted(to) for subject, to in sent.items()}


@pytest.fixture
def compliance(make_user):
    return make_user("carla_compliance", Role.COMPLIANCE)


# --- Assigning a reviewer ----------------------------------------------------------------------


def test_an_editor_names_a_reviewer_and_due_date_which_is_audited_and_mailed(
    in_review, editor, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    due = timezone.now() + IN_THREE_DAYS
    with django_capture_on_commit_callbacks(execute=True):
        workflow.assign_reviewer(in_review, editor, reviewer=reviewer, due_at=due)

    article = reload(in_review)
    assert (article.reviewer, article.review_due_at, article.state) == (
        reviewer,
        due,
        State.IN_REVIEW,
    )
    event = AuditEvent.objects.get(action="assign_reviewer")
    assert (event.actor, event.detail) == (
        editor,
        {"reviewer": reviewer.username, "due_at": due.isoformat()},
    )
    assert mailed(mailoutbox) == {f"[Vetted] You are asked to review “{article}”": [reviewer.email]}
    assert "Due: " in mailoutbox[0].body


@pytest.mark.parametrize("who", ["writer", "other_writer", "admin_user"])
def test_a_writer_or_admin_cannot_assign_a_reviewer(request, in_review, reviewer, who):
    with pytest.raises(workflow.NotAllowed):
        workflow.assign_reviewer(
            in_review,
            request.getfixturevalue(who),
            reviewer=reviewer,
            due_at=timezone.now() + IN_THREE_DAYS,
        )
    assert reload(in_review).reviewer is None


def test_the_named_reviewer_must_be_a_reviewer_who_did_not_write_it_and_due_in_the_future(
    in_review, editor, writer, reviewer, make_user
):
    writing_reviewer = make_user("wade_writer_reviewer", Role.WRITER, Role.REVIEWER)
    article = reload(in_review)
    article.owner = writing_reviewer  # they own it now, so they may not review it
    Article.objects.filter(pk=article.pk).update(owner=writing_reviewer)
    cases = [
        (writer, timezone.now() + IN_THREE_DAYS, "Choose an active medical reviewer."),
        (writing_reviewer, timezone.now() + IN_THREE_DAYS, "so they cannot review it"),
        (reviewer, timezone.now() - timedelta(minutes=1), "Choose a due date in the future."),
    ]
    for chosen, due, message in cases:
        with pytest.raises(workflow.InvalidRequest, match=message):
            workflow.assign_reviewer(reload(article), editor, reviewer=chosen, due_at=due)
    assert not AuditEvent.objects.filter(action="assign_reviewer").exists()


def test_an_approved_article_gets_no_reviewer_assignment(approved, editor, reviewer):
    with pytest.raises(workflow.WrongState):
        workflow.assign_reviewer(
            approved, editor, reviewer=reviewer, due_at=timezone.now() + IN_THREE_DAYS
        )


def test_a_decision_closes_the_due_date_but_keeps_the_reviewer(in_review, editor, reviewer):
    workflow.assign_reviewer(
        in_review, editor, reviewer=reviewer, due_at=timezone.now() + IN_THREE_DAYS
    )
    workflow.request_changes(reload(in_review), reviewer, comment="Cite the trial.")
    article = reload(in_review)
    assert (article.reviewer, article.review_due_at) == (reviewer, None)


def test_the_editor_assigns_through_the_admin_form(in_review, editor, reviewer):
    client = login(editor)
    page = client.get(reverse("admin:articles_article_change", args=[in_review.pk]))
    assert 'data-transition="assign_reviewer"' in page.content.decode()
    transition = reverse(
        "admin:articles_article_transition", args=[in_review.pk, "assign_reviewer"]
    )
    form = client.get(transition)
    assert "Review due by" in text(form)
    due = (timezone.localtime() + IN_THREE_DAYS).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        transition, {"_confirm": "1", "reviewer": reviewer.pk, "due_at": due}, follow=True
    )
    assert "has the reviewer and due date you chose" in text(response)
    assert "Assigned to Rita Reviewer, due" in text(response)
    assert reload(in_review).reviewer == reviewer


# --- Queues ------------------------------------------------------------------------------------


def test_assigned_to_me_and_the_review_queue_show_due_date_and_age_oldest_first(
    make_article, writer, editor, reviewer, second_reviewer, django_assert_max_num_queries
):
    now = timezone.now()
    articles = [make_article(f"Waiting {n}") for n in range(4)]
    for age, article in zip((2, 9, 5, 1), articles, strict=True):
        workflow.submit(article, writer)
        Article.objects.filter(pk=article.pk).update(submitted_at=now - timedelta(days=age))
    for article in articles[:3]:
        workflow.assign_reviewer(article, editor, reviewer=reviewer, due_at=now + IN_THREE_DAYS)
    workflow.assign_reviewer(
        articles[3], editor, reviewer=second_reviewer, due_at=now + IN_THREE_DAYS
    )

    client = login(reviewer)
    with django_assert_max_num_queries(11):
        page = client.get(changelist(Article), {"queue": "assigned"})
    titles = [row.title for row in page.context["cl"].result_list]
    assert titles == ["Waiting 1", "Waiting 2", "Waiting 0"]  # 9, 5, 2 days waiting
    body = text(page)
    assert "9 days" in body and "Rita Reviewer" in body and "Raj Reviewer" not in body

    with django_assert_max_num_queries(11):  # the same with twice as many rows
        everyone = client.get(changelist(Article), {"queue": "review"})
    assert [row.title for row in everyone.context["cl"].result_list][0] == "Waiting 1"


def test_editors_see_review_past_its_due_date(in_review, editor, reviewer):
    workflow.assign_reviewer(
        in_review, editor, reviewer=reviewer, due_at=timezone.now() + IN_THREE_DAYS
    )
    Article.objects.filter(pk=in_review.pk).update(review_due_at=timezone.now() - timedelta(days=1))
    page = login(editor).get(changelist(Article), {"queue": "late"})
    assert [row.title for row in page.context["cl"].result_list] == [in_review.title]
    assert "(overdue)" in text(page)


# --- Emails --------------------------------------------------------------------------------------


def test_submission_mails_the_assigned_reviewer_only_else_every_reviewer(
    make_article, writer, editor, reviewer, second_reviewer, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    unassigned, assigned = make_article("Unassigned"), make_article("Assigned")
    workflow.assign_reviewer(
        assigned, editor, reviewer=second_reviewer, due_at=timezone.now() + IN_THREE_DAYS
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(unassigned, writer)
        workflow.submit(reload(assigned), writer)
    assert mailed(mailoutbox) == {
        "[Vetted] “Unassigned” is waiting for medical review": sorted(
            [reviewer.email, second_reviewer.email]
        ),
        "[Vetted] “Assigned” is waiting for medical review": [second_reviewer.email],
    }


def test_decisions_mail_the_writer_and_approval_the_editors_never_the_actor(
    in_review, writer, reviewer, editor, make_user, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    reviewing_editor = make_user(
        "erin_reviewing_editor", Role.REVIEWER, Role.EDITOR, credentials="MD"
    )
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(in_review, reviewing_editor, **signed_by(reviewing_editor))
    assert mailed(mailoutbox) == {
        f"[Vetted] “{in_review}” was approved": sorted([writer.email, editor.email])
    }


def test_a_person_turns_off_one_kind_of_email_on_their_preferences_screen(
    in_review, writer, reviewer, editor, mailoutbox, django_capture_on_commit_callbacks
):
    client = login(writer)
    page = client.get(reverse("email_preferences"))
    assert "A reviewer&#x27;s decision on your content" in page.content.decode()
    assert "Content submitted for medical review" not in text(page)  # not a writer's email
    kinds = {c["kind"] for c in page.context["choices"]}
    client.post(reverse("email_preferences"), {"receive": sorted(kinds - {"decision"})})
    assert list(EmailOptOut.objects.filter(user=writer).values_list("kind", flat=True)) == [
        "decision"
    ]

    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(in_review, reviewer, **signed_by(reviewer))
    assert mailed(mailoutbox) == {f"[Vetted] “{in_review}” was approved": [editor.email]}
    assert "Choose which emails you receive" in mailoutbox[0].body

    client.post(reverse("email_preferences"), {"receive": sorted(kinds)})
    assert not EmailOptOut.objects.filter(user=writer).exists()


def test_the_preferences_screen_shows_each_role_its_kinds(reviewer, editor):
    for user, expected in (
        (reviewer, ["submitted", "assigned"]),
        (editor, ["approved", "expiring", "retracted"]),
    ):
        assert [k.value for k in notifications.kinds_for(user)] == expected


def test_run_jobs_warns_once_thirty_days_before_an_approval_expires(
    published, writer, editor, mailoutbox, django_capture_on_commit_callbacks
):
    valid_until = reload(published).live_signature.valid_until
    too_early = valid_until - timedelta(days=31)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.run_all(too_early).expiring == []
    assert mail.outbox == []

    soon = valid_until - timedelta(days=29)
    with django_capture_on_commit_callbacks(execute=True):
        assert len(jobs.run_all(soon).expiring) == 1
        assert jobs.run_all(soon + timedelta(days=1)).expiring == []  # once
    assert mailed(mailoutbox) == {
        f"[Vetted] The approval of “{published}” expires soon": sorted([writer.email, editor.email])
    }
    assert AuditEvent.objects.filter(action="approval_expiring").count() == 1


def test_retraction_mail_respects_opt_out(article, writer, editor, mailoutbox):
    EmailOptOut.objects.create(user=editor, kind="retracted")
    messages = notifications._messages(
        "source_retracted", article, None, {"source": "A trial", "notice": ""}
    )
    assert [m["to"] for m in messages] == [[writer.email]]


# --- Reports -------------------------------------------------------------------------------------


def report_of(client, key: str, django_assert_num_queries):
    with django_assert_num_queries(REPORT_QUERIES[key]):
        page = client.get(reverse("report", args=[key]))
    assert page.status_code == 200
    return page


def csv_rows(client, key: str) -> list[list[str]]:
    response = client.get(reverse("report_csv", args=[key]))
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


# The page's own queries (session, user, second factor, groups, the admin's permissions: 6) and
# the report's, whatever the number of rows: two kinds of content, once (or twice, overdue) each;
# the turnaround report reads the audit trail once.
REPORT_QUERIES = {"overdue": 10, "expiring": 8, "sources": 8, "turnaround": 7}


def test_overdue_and_expiring_reports_list_content_with_csv(
    settings, make_article, writer, reviewer, editor, django_assert_num_queries
):
    # Approved 20 days ago for 10, 40 and 365 days: one expired, one expiring, one fine.
    earlier = timezone.now() - timedelta(days=20)
    with mock.patch("django.utils.timezone.now", return_value=earlier):
        for n, days in enumerate((10, 40, 365)):
            settings.REVIEW_VALIDITY_DAYS = days
            article = make_article(f"Live {n}")
            workflow.submit(article, writer)
            workflow.approve(article, reviewer, **signed_by(reviewer))
            workflow.publish(article, editor)
        late = make_article("Late review")
        workflow.submit(late, writer)
        workflow.assign_reviewer(late, editor, reviewer=reviewer, due_at=earlier + IN_THREE_DAYS)

    client = login(editor)
    page = report_of(client, "overdue", django_assert_num_queries)
    assert "Download as CSV" in text(page) and "Live 0" in text(page)
    rows = csv_rows(client, "overdue")
    assert rows[0] == ["Kind", "Title", "Writer", "Why", "Since", "Reviewer"]
    assert [(r[1], r[3], r[5]) for r in rows[1:]] == [
        ("Live 0", "Approval expired", "Rita Reviewer"),
        ("Late review", "Review past its due date", "Rita Reviewer"),
    ]
    report_of(client, "expiring", django_assert_num_queries)
    assert [(r[1], r[5]) for r in csv_rows(client, "expiring")[1:]] == [("Live 1", "19")]


def test_an_empty_report_says_so(editor):
    page = login(editor).get(reverse("report", args=["overdue"]))
    assert "Nothing to report." in text(page)
    assert "Download as CSV" not in text(page)


def test_sources_report_lists_retracted_and_unverified_citations(
    make_article, writer, editor, django_assert_num_queries
):
    fine = make_article("Well sourced")
    doubtful = make_article("Doubtful")
    Source.objects.filter(pk__in=doubtful.citations.values("source")).update(
        verification_status=VerificationStatus.RETRACTED, retracted=True
    )
    rows = reports.sources_rows(timezone.now())
    # The fixture source is shared: once retracted, every article citing it is listed.
    assert {(r.cells[0], r.cells[3], r.cells[5]) for r in rows} == {
        ("Doubtful", "Latest revision", "Retracted"),
        ("Well sourced", "Latest revision", "Retracted"),
    }
    assert fine.pk  # listed above through the shared source
    client = login(editor)
    report_of(client, "sources", django_assert_num_queries)
    assert len(csv_rows(client, "sources")) == 3


def test_turnaround_report_per_reviewer_and_month(
    make_article, writer, reviewer, second_reviewer, editor, django_assert_num_queries
):
    for n, who in enumerate((reviewer, reviewer, second_reviewer)):
        article = make_article(f"Turnaround {n}")
        workflow.submit(article, writer)
        if n == 1:
            workflow.request_changes(article, who, comment="Cite the trial.")
        else:
            workflow.approve(article, who, **signed_by(who))
    client = login(editor)
    report_of(client, "turnaround", django_assert_num_queries)
    rows = csv_rows(client, "turnaround")
    month = timezone.localtime().strftime("%Y-%m")
    assert [r[:5] for r in rows[1:]] == [
        [second_reviewer.username, month, "1", "1", "0"],
        [reviewer.username, month, "2", "1", "1"],
    ]
    assert rows[1][5] == "0.0"  # decided within seconds


@pytest.mark.parametrize("who", ["writer", "reviewer"])
def test_reports_are_refused_to_writers_and_reviewers(request, who):
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("report", args=["overdue"])).status_code == 403
    assert client.get(reverse("report_csv", args=["overdue"])).status_code == 403
    assert "Reports" not in text(client.get(reverse("admin:index")))


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(make_article, writer, reviewer, editor):
    article = make_article("=HYPERLINK(evil)")
    workflow.submit(article, writer)
    workflow.assign_reviewer(
        article, editor, reviewer=reviewer, due_at=timezone.now() + IN_THREE_DAYS
    )
    Article.objects.filter(pk=article.pk).update(review_due_at=timezone.now() - timedelta(hours=1))
    rows = csv_rows(login(editor), "overdue")
    assert rows[1][1] == "'=HYPERLINK(evil)"


# --- Compliance approval of promotional content ---------------------------------------------


@pytest.fixture
def promotional(make_article, writer, reviewer):
    article = make_article(
        "Our regenerative clinic", kind=ArticleKind.PROMOTIONAL, summary=PROMO_SUMMARY
    )
    workflow.submit(article, writer)
    workflow.approve(article, reviewer, **signed_by(reviewer))
    return reload(article)


def test_with_second_review_promotional_content_needs_a_compliance_signature_of_the_same_hash(
    settings, promotional, compliance, reviewer, editor
):
    settings.PROMOTIONAL_SECOND_REVIEW = True
    with pytest.raises(workflow.WrongState, match="compliance reviewer must also approve"):
        workflow.publish(promotional, editor)
    assert [t.name for t in workflow.available(promotional, compliance)] == ["approve_compliance"]
    with pytest.raises(workflow.NotAllowed):
        workflow.approve_compliance(promotional, reviewer, **signed_by(reviewer))
    signature = workflow.approve_compliance(promotional, compliance, **signed_by(compliance))
    medical = workflow.valid_signature(promotional)
    assert signature.role == SignatureRole.COMPLIANCE
    assert (
        signature.content_hash == medical.content_hash == promotional.latest_revision.content_hash
    )
    assert signature.meaning == settings.COMPLIANCE_SIGNATURE_MEANING

    workflow.publish(reload(promotional), editor)
    assert reload(promotional).state == State.PUBLISHED
    assert reload(promotional).live_signature == medical  # the page names the medical reviewer
    events = AuditEvent.objects.filter(action="approve_compliance")
    assert events.get().detail["content_hash"] == medical.content_hash


def test_the_gate_at_publish_finds_the_missing_compliance_approval(
    settings, promotional, compliance
):
    from articles import gate

    settings.PROMOTIONAL_SECOND_REVIEW = True
    codes = [f.code for f in gate.run(promotional, stage="publish")]
    assert codes == ["missing-compliance-approval"]
    assert "missing-compliance-approval" not in [
        f.code for f in gate.run(promotional, stage="review")
    ]
    workflow.approve_compliance(promotional, compliance, **signed_by(compliance))
    assert gate.run(reload(promotional), stage="publish") == []
    settings.PROMOTIONAL_SECOND_REVIEW = False
    assert gate.run(reload(promotional), stage="publish") == []


def test_the_medical_signer_cannot_also_sign_for_compliance(
    settings, make_user, make_article, writer
):
    settings.PROMOTIONAL_SECOND_REVIEW = True
    both = make_user("bea_both", Role.REVIEWER, Role.COMPLIANCE, credentials="MD")
    article = make_article("Promo", kind=ArticleKind.PROMOTIONAL, summary=PROMO_SUMMARY)
    workflow.submit(article, writer)
    workflow.approve(article, both, **signed_by(both))
    with pytest.raises(workflow.NotAllowed, match="another compliance reviewer"):
        workflow.approve_compliance(reload(article), both, **signed_by(both))


def test_an_edit_voids_the_compliance_approval_too(
    settings, promotional, compliance, writer, reviewer, editor
):
    settings.PROMOTIONAL_SECOND_REVIEW = True
    workflow.approve_compliance(promotional, compliance, **signed_by(compliance))
    article = reload(promotional)
    article.summary = "Advertisement: changed after both approvals."
    workflow.save_revision(article, writer, base_revision=article.latest_revision.number)
    workflow.submit(reload(article), writer)
    workflow.approve(reload(article), reviewer, **signed_by(reviewer))
    with pytest.raises(workflow.WrongState, match="compliance"):
        workflow.publish(reload(article), editor)


def test_without_the_setting_or_for_a_patient_guide_no_compliance_step(
    settings, promotional, approved, compliance, editor
):
    settings.PROMOTIONAL_SECOND_REVIEW = True
    assert workflow.available(approved, compliance) == []
    workflow.publish(approved, editor)  # a patient guide
    settings.PROMOTIONAL_SECOND_REVIEW = False
    assert workflow.available(promotional, compliance) == []
    workflow.publish(promotional, editor)
    assert reload(promotional).state == State.PUBLISHED


def test_a_compliance_signature_verifies_in_the_audit_trail(settings, promotional, compliance):
    from articles import audit

    settings.PROMOTIONAL_SECOND_REVIEW = True
    workflow.approve_compliance(promotional, compliance, **signed_by(compliance))
    checked, breaks = audit.verify()
    assert checked > 0
    assert breaks == []


def test_the_compliance_reviewer_signs_on_the_confirmation_page(settings, promotional, compliance):
    settings.PROMOTIONAL_SECOND_REVIEW = True
    client = login(compliance)
    change = reverse("admin:articles_article_change", args=[promotional.pk])
    assert "a compliance approval is still needed" in text(client.get(change))
    transition = reverse(
        "admin:articles_article_transition", args=[promotional.pk, "approve_compliance"]
    )
    form = text(client.get(transition))
    assert settings.COMPLIANCE_SIGNATURE_MEANING in form
    assert settings.SIGNATURE_MEANING not in form
    revision = promotional.latest_revision
    response = client.post(
        transition,
        {
            "_confirm": "1",
            "revision": revision.number,
            "content_hash": revision.content_hash,
            **signed_by(compliance),
        },
        follow=True,
    )
    assert "was approved for compliance; your signature is recorded" in text(response)
    assert "compliance approval signed by Carla Compliance" in text(response)
    signatures = text(
        client.get(reverse("admin:articles_article_signatures", args=[promotional.pk]))
    )
    assert "Compliance approval" in signatures and "Medical approval" in signatures
