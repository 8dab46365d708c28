"""The staff workspace (Django admin), driven with the test client logged in as each role.

Every changelist and change page request asserts a query budget that does not depend on how many
articles exist: `test_changelist_budget_*` and `test_change_page_budget_*` load the same pages
with 3 and with 30 articles under the same bound.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from html import unescape
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.audit.models import AuditEvent
from articles.models import Article, Prompt, Revision, Signature, State
from articles.roles import Role
from tests.conftest import PASSWORD, give_factor, log_in_verified, signed_by

# Query budgets, fixed whatever the number of articles.
CHANGELIST_BUDGET = 11
# 15 before the publication gate; the review panel adds the cited sources' live state (1), the
# citation inline (1) and, for a reviewer who may sign, their credentials (1). Fixed whatever the
# number of articles or citations (tests/gate/test_admin_gate.py checks citations).
# +1 in each: the session's second factor (django-otp reads the verified device).
# +2: review comments and their replies (articles.comments.for_review), whatever their number;
# +1 more only while changes are requested (the reviewer's note at the top, from the trail).
CHANGE_PAGE_BUDGET = 21
# 12, the warning about scheduled content nothing published (1, editors and admins), and the
# session's second factor (1), and one COUNT for the queue review assignments added to editors
# ("Review past its due date") and reviewers ("Assigned to me"), for articles and prompts (2).
INDEX_BUDGET = 16


# --- Helpers --------------------------------------------------------------------------------


def url(obj, view: str = "change", *args) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk, *args])


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def login(user) -> Client:
    client = Client()
    log_in_verified(client, user)
    return client


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def text(response) -> str:
    return unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def sign(client, content, revision, password: str = PASSWORD, *, follow: bool = False, **extra):
    """Post the approval page's form as the reviewer fills it: the revision it showed, their
    user name, the password, their authenticator's code, any comment."""
    signer = get_user_model().objects.get(pk=client.session["_auth_user_id"])
    data = {
        "_confirm": "1",
        "revision": revision.number,
        "content_hash": revision.content_hash,
        **signed_by(signer, password),
        **extra,
    }
    return client.post(url(content, "transition", "approve"), data, follow=follow)


def buttons(response) -> set[str]:
    return set(re.findall(r'data-transition="([a-z_]+)"', response.content.decode()))


def event_count(obj) -> int:
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).count()


# The citation inline's management form, posting no citation rows: existing citations are kept.
CITATIONS_UNCHANGED = {
    "citations-TOTAL_FORMS": "0",
    "citations-INITIAL_FORMS": "0",
    "citations-MIN_NUM_FORMS": "0",
    "citations-MAX_NUM_FORMS": "1000",
}


def article_form_data(article: Article, **overrides) -> dict:
    """What the admin change form posts for `article`, as loaded now."""
    data = {
        "title": article.title,
        "slug": article.slug,
        "kind": article.kind,
        "topic": article.topic_id or "",
        "tags": "",
        "summary": article.summary,
        "body": article.body,
        "hero_alt": article.hero_alt,
        "change_summary": "",
        "base_revision": article.latest_revision.number if article.latest_revision_id else "",
        "placements-TOTAL_FORMS": "0",
        "placements-INITIAL_FORMS": "0",
        "placements-MIN_NUM_FORMS": "0",
        "placements-MAX_NUM_FORMS": "1000",
        **CITATIONS_UNCHANGED,
    }
    data.update(overrides)
    return data


@pytest.fixture
def get(django_assert_max_num_queries):
    """GET a changelist or change page within its query budget."""

    def fetch(client: Client, path: str, budget: int, **params):
        with django_assert_max_num_queries(budget):
            return client.get(path, params)

    return fetch


def many_articles(make_article, writer, reviewer, editor, n: int, start: int = 0) -> list[Article]:
    """n articles spread over every state, each moved there through the engine."""
    articles = []
    for i in range(start, start + n):
        article = make_article(f"Article number {i}")
        step = i % 5
        if step >= 1:
            workflow.submit(article, writer)
        if step >= 2:
            workflow.approve(article, reviewer, **signed_by(reviewer))
        if step >= 3:
            workflow.publish(article, editor)
        if step == 4:
            workflow.unpublish(article, editor)
        articles.append(article)
    return articles


# --- Buttons on the change page -------------------------------------------------------------

ROLE_BUTTONS = [
    # (state fixture, user fixture, the buttons that user gets)
    ("article", "writer", {"submit"}),
    ("article", "reviewer", set()),
    ("article", "editor", {"assign", "assign_reviewer"}),
    ("in_review", "writer", {"withdraw"}),
    ("in_review", "reviewer", {"request_changes", "approve"}),
    ("in_review", "editor", {"assign", "assign_reviewer"}),
    ("approved", "writer", set()),
    ("approved", "reviewer", set()),
    ("approved", "editor", {"schedule", "publish", "assign"}),
    ("published", "writer", set()),
    ("published", "editor", {"schedule", "unpublish", "assign"}),
    ("published", "admin_user", set()),
]


@pytest.mark.parametrize(("state", "who", "expected"), ROLE_BUTTONS)
def test_change_page_shows_exactly_the_allowed_buttons(request, get, state, who, expected):
    content = request.getfixturevalue(state)
    user = request.getfixturevalue(who)
    response = get(login(user), url(content), CHANGE_PAGE_BUDGET)
    assert response.status_code == 200
    assert buttons(response) == expected
    assert expected == {t.name for t in workflow.available(content, user)}


def test_buttons_post_with_csrf_to_the_transition_urls(get, article, writer):
    html = get(login(writer), url(article), CHANGE_PAGE_BUDGET).content.decode()
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', html, re.S)
    assert form.group(1) == url(article, "transition", "submit")
    assert 'name="csrfmiddlewaretoken"' in form.group(2)


def test_a_transition_post_without_csrf_token_is_refused(article, writer):
    client = Client(enforce_csrf_checks=True)
    log_in_verified(client, writer)
    response = client.post(url(article, "transition", "submit"))
    assert response.status_code == 403
    assert reload(article).state == State.DRAFT


def test_the_owner_edits_a_draft_but_not_content_in_review(get, in_review, writer):
    response = get(login(writer), url(in_review), CHANGE_PAGE_BUDGET)
    html = text(response)
    assert response.status_code == 200
    assert 'name="_save"' not in html  # read-only view
    assert "it cannot be edited from that state" in html  # the engine's reason, shown
    assert 'name="title"' not in html


def test_workflow_fields_are_displays_never_form_fields(get, article, writer):
    response = get(login(writer), url(article), CHANGE_PAGE_BUDGET)
    form = response.context["adminform"].form
    assert set(Article.all_engine_fields()).isdisjoint(form.fields)
    assert "owner" not in form.fields
    assert {"base_revision", "change_summary", "body", "tags", "hero_alt"} <= set(form.fields)
    assert form.fields["base_revision"].widget.is_hidden
    assert form["base_revision"].value() == 1


# --- Each transition through the admin ------------------------------------------------------


def test_writer_submits_and_withdraws(article, writer):
    client = login(writer)
    response = client.post(url(article, "transition", "submit"), follow=True)
    assert reload(article).state == State.IN_REVIEW
    assert any("submitted for review" in m for m in messages_of(response))

    client.post(url(article, "transition", "withdraw"))
    assert reload(article).state == State.DRAFT


def test_reviewer_requests_changes_with_a_comment(in_review, reviewer):
    client = login(reviewer)
    form_page = client.post(url(in_review, "transition", "request_changes"))
    assert form_page.status_code == 200  # the button opens the comment form
    assert reload(in_review).state == State.IN_REVIEW

    client.post(
        url(in_review, "transition", "request_changes"),
        {"_confirm": "1", "comment": "Cite the trial for the six-week figure."},
    )
    assert reload(in_review).state == State.CHANGES_REQUESTED
    event = AuditEvent.objects.filter(action="request_changes").get()
    assert event.detail == {"comment": "Cite the trial for the six-week figure."}


def test_request_changes_without_a_comment_is_refused(in_review, reviewer):
    before = event_count(in_review)
    response = login(reviewer).post(
        url(in_review, "transition", "request_changes"), {"_confirm": "1", "comment": "  "}
    )
    assert response.status_code == 200  # the form again, with the engine's reason
    assert "Say what needs to change, so the writer knows what to fix." in messages_of(response)
    assert reload(in_review).state == State.IN_REVIEW
    assert event_count(in_review) == before


def test_approve_page_shows_what_is_being_signed(in_review, reviewer):
    response = login(reviewer).get(url(in_review, "transition", "approve"))
    html = text(response)
    revision = reload(in_review).latest_revision
    assert response.status_code == 200
    assert f"{revision.number}, saved by" in html
    assert revision.content_hash in html
    assert settings.SIGNATURE_MEANING in html
    assert "Rita Reviewer</strong>, MD, neurology" in html
    assert 'type="password"' in html


def test_approve_with_the_wrong_password_refuses(in_review, reviewer):
    revision = reload(in_review).latest_revision
    response = sign(login(reviewer), in_review, revision, "not my password", comment="Looks right.")
    assert response.status_code == 200
    assert "That password is not correct. Nothing was signed." in messages_of(response)
    html = text(response)
    assert "Looks right." in html  # the comment is kept
    assert "not my password" not in html  # the password never is
    assert reload(in_review).state == State.IN_REVIEW
    assert not Signature.objects.exists()


def test_approve_with_the_right_password_signs(in_review, reviewer):
    revision = reload(in_review).latest_revision
    response = sign(login(reviewer), in_review, revision, comment="Sources check out.", follow=True)
    article = reload(in_review)
    signature = Signature.objects.get()
    assert article.state == State.APPROVED
    assert (signature.revision, signature.reviewer, signature.content_hash) == (
        revision,
        reviewer,
        revision.content_hash,
    )
    assert signature.meaning == settings.SIGNATURE_MEANING
    assert signature.comment == "Sources check out."
    assert any("approved" in m for m in messages_of(response))


def test_approve_refuses_when_the_content_changed_since_the_page_was_shown(
    in_review, reviewer, writer
):
    shown = reload(in_review).latest_revision
    # Meanwhile the writer withdraws, edits and resubmits.
    article = reload(in_review)
    workflow.withdraw(article, writer)
    article.title = "Living with back pain, revised"
    workflow.save_revision(article, writer, base_revision=shown.number)
    workflow.submit(article, writer)

    response = sign(login(reviewer), in_review, shown, follow=True)
    assert any("changed after you opened it" in m for m in messages_of(response))
    assert not Signature.objects.exists()
    assert reload(in_review).state == State.IN_REVIEW


def test_editor_schedules_then_publishes(approved, editor):
    client = login(editor)
    go_live = timezone.localtime(timezone.now() + timedelta(days=2)).replace(
        second=0, microsecond=0
    )
    expire = go_live + timedelta(days=30)
    client.post(
        url(approved, "transition", "schedule"),
        {
            "_confirm": "1",
            "go_live_at": go_live.strftime("%Y-%m-%dT%H:%M"),
            "expire_at": expire.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    article = reload(approved)
    assert (article.state, article.scheduled_at, article.expire_at) == (
        State.APPROVED,
        go_live,
        expire,
    )

    # "Publish now" first shows what will go live, and asks.
    confirm = client.post(url(approved, "transition", "publish"))
    assert confirm.status_code == 200
    assert reload(approved).state == State.APPROVED
    assert "Preview it first" in confirm.content.decode()
    client.post(url(approved, "transition", "publish"), {"_confirm": "1"})
    assert reload(approved).state == State.PUBLISHED


def test_schedule_refusal_shows_the_engine_message_and_keeps_the_form(approved, editor):
    now = timezone.localtime(timezone.now())
    response = login(editor).post(
        url(approved, "transition", "schedule"),
        {
            "_confirm": "1",
            "go_live_at": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "expire_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 200
    assert "The expiry time must be later than the go-live time and now." in messages_of(response)
    assert reload(approved).scheduled_at is None


def test_editor_unpublishes_with_a_reason(published, editor):
    login(editor).post(
        url(published, "transition", "unpublish"),
        {"_confirm": "1", "reason": "Guidance changed."},
    )
    article = reload(published)
    assert article.state == State.UNPUBLISHED
    assert article.live_revision_id is None
    assert AuditEvent.objects.filter(action="unpublish").get().detail == {
        "reason": "Guidance changed."
    }


@pytest.mark.parametrize(
    ("state", "who", "name", "data", "message"),
    [
        ("approved", "writer", "publish", {}, "Only an editor may publish now."),
        ("article", "reviewer", "submit", {}, "Only the writer who owns it may submit for review"),
        (
            "in_review",
            "editor",
            "approve",
            {"_confirm": "1", "password": PASSWORD},
            "Only a medical reviewer may approve and sign.",
        ),
        ("article", "editor", "publish", {}, "is draft; it cannot be published from that state."),
        ("in_review", "writer", "submit", {}, "it cannot be submitted for review from that state"),
        ("approved", "editor", "unpublish", {"_confirm": "1"}, "has nothing live to unpublish"),
    ],
)
def test_a_disallowed_transition_shows_the_engine_message_and_changes_nothing(
    request, state, who, name, data, message
):
    content = request.getfixturevalue(state)
    user = request.getfixturevalue(who)
    if name == "approve":
        revision = reload(content).latest_revision
        data = {**data, "revision": revision.number, "content_hash": revision.content_hash}
    before_state, before_events = reload(content).state, event_count(content)

    response = login(user).post(url(content, "transition", name), data, follow=True)

    assert response.status_code == 200
    assert any(message in m for m in messages_of(response))
    assert reload(content).state == before_state
    assert event_count(content) == before_events
    assert not Signature.objects.filter(reviewer=user).exists()


def test_the_author_reviewer_cannot_approve_their_own_edit(get, in_review, make_user, writer):
    from articles.roles import Role

    both = make_user("edna_editor_reviewer", Role.EDITOR, Role.REVIEWER)
    article = reload(in_review)
    workflow.withdraw(article, writer)
    article.summary = "Edited by an editor who also reviews."
    workflow.save_revision(article, both, base_revision=1)
    workflow.submit(article, writer)

    client = login(both)
    page = get(client, url(in_review), CHANGE_PAGE_BUDGET)
    # Offered disabled, with the reason, not as a button that would be refused.
    assert re.search(r'<button[^>]*disabled[^>]*data-transition="approve"', page.content.decode())
    assert not re.search(r'action="[^"]*/transition/approve/"', page.content.decode())
    assert "so another medical reviewer must approve it" in unescape(page.content.decode())
    revision = reload(in_review).latest_revision
    response = sign(client, in_review, revision, follow=True)
    assert any("another medical reviewer must approve it" in m for m in messages_of(response))
    assert not Signature.objects.exists()


def test_unknown_transition_is_404_and_button_transitions_need_post(article, writer):
    client = login(writer)
    assert client.post(url(article, "transition", "edit")).status_code == 404
    assert client.post(url(article, "transition", "delete")).status_code == 404
    assert client.get(url(article, "transition", "submit")).status_code == 405
    # Entries of the table with their own forms (overrides, comments) are not buttons here.
    for name in ("override", "comment", "comment_reply", "comment_resolve"):
        assert client.post(url(article, "transition", name)).status_code == 404


# --- Saving through the engine --------------------------------------------------------------


def test_writer_adds_an_article_as_revision_1_in_draft(writer, make_prompt):
    prompt = make_prompt()
    response = login(writer).post(
        reverse("admin:articles_article_add"),
        {
            "title": "Sleep after a concussion",
            "slug": "sleep-after-a-concussion",
            "kind": "patient_guide",
            "topic": "",
            "tags": "sleep, concussion",
            "summary": "How much rest helps.",
            "body": '<p>Rest <strong>helps</strong>.</p><script>alert("x")</script>',
            "hero_alt": "",
            "change_summary": "First draft",
            "base_revision": "",
            "placements-TOTAL_FORMS": "1",
            "placements-INITIAL_FORMS": "0",
            "placements-MIN_NUM_FORMS": "0",
            "placements-MAX_NUM_FORMS": "1000",
            "placements-0-prompt": prompt.pk,
            "placements-0-position": "1",
            **CITATIONS_UNCHANGED,
        },
    )
    assert response.status_code == 302
    article = Article.objects.get(slug="sleep-after-a-concussion")
    revision = article.latest_revision
    assert (article.state, article.owner, revision.number, revision.created_by) == (
        State.DRAFT,
        writer,
        1,
        writer,
    )
    assert revision.change_summary == "First draft"
    assert "<script" not in article.body
    assert revision.content["prompts"] == [{"prompt": prompt.pk, "approved_hash": None}]
    assert sorted(article.tags.names()) == ["concussion", "sleep"]
    assert event_count(article) == 1


def test_writer_saves_a_new_revision_with_its_change_summary(article, writer):
    response = login(writer).post(
        url(article),
        article_form_data(article, summary="Rest, then move.", change_summary="Shorter summary"),
    )
    assert response.status_code == 302
    article = reload(article)
    assert article.latest_revision.number == 2
    assert article.latest_revision.change_summary == "Shorter summary"
    assert article.summary == "Rest, then move."


def test_two_saves_from_the_same_revision_conflict_and_the_second_keeps_its_text(
    article, writer, editor
):
    loaded = reload(article)  # both opened revision 1
    first = login(editor).post(
        url(article), article_form_data(loaded, summary="The editor's summary.")
    )
    assert first.status_code == 302

    second = login(writer).post(
        url(article),
        article_form_data(loaded, body="<p>The writer's long new paragraph.</p>"),
    )
    assert second.status_code == 200  # the form again, not a redirect and not a 500
    html = text(second)
    assert any(
        "eddie_editor saved a newer version (revision 2)" in m and "Nothing was saved" in m
        for m in messages_of(second)
    )
    assert "The writer's long new paragraph." in html  # their text is still in the form
    assert "Nothing was saved. Your text is still in the form below" in html
    article = reload(article)
    assert article.latest_revision.number == 2
    assert article.summary == "The editor's summary."
    assert Revision.objects.count() == 2


def test_a_save_without_the_base_revision_is_refused_not_overwritten(article, writer):
    response = login(writer).post(
        url(article), article_form_data(article, base_revision="", summary="Blind overwrite")
    )
    assert response.status_code == 200
    assert reload(article).latest_revision.number == 1


def test_placements_are_saved_inside_the_new_revision(article, writer, make_prompt):
    prompt = make_prompt()
    login(writer).post(
        url(article),
        article_form_data(
            article,
            **{
                "placements-TOTAL_FORMS": "1",
                "placements-0-prompt": prompt.pk,
                "placements-0-position": "0",
            },
        ),
    )
    article = reload(article)
    assert article.latest_revision.number == 2
    assert article.latest_revision.content["prompts"] == [
        {"prompt": prompt.pk, "approved_hash": None}
    ]


def test_hero_image_needs_alt_text_or_the_decorative_box(article, writer):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    image = SimpleUploadedFile("hero.png", buffer.getvalue(), content_type="image/png")
    response = login(writer).post(url(article), article_form_data(article, hero_upload=image))
    assert response.status_code == 200
    assert "Describe the image for readers who cannot see it" in text(response)
    assert "“hero.png” (8×8 pixels) is not saved yet: choose it again below." in text(response)
    assert reload(article).latest_revision.number == 1
    assert reload(article).hero_image is None


# --- Who may open what ----------------------------------------------------------------------


def test_a_writer_cannot_open_another_writers_article(get, article, other_writer):
    client = login(other_writer)
    assert client.get(url(article)).status_code == 403
    assert client.post(url(article), article_form_data(article, title="Mine now")).status_code == (
        403
    )
    assert client.post(url(article, "transition", "submit")).status_code == 403
    assert client.get(url(article, "signatures_csv")).status_code == 403
    listing = get(client, changelist(Article), CHANGELIST_BUDGET, queue="all")
    assert article.title not in text(listing)
    assert reload(article).title == "Living with back pain"


def test_reviewers_and_editors_can_view_but_not_edit_content_in_review(
    get, in_review, reviewer, editor
):
    for user in (reviewer, editor):
        response = get(login(user), url(in_review), CHANGE_PAGE_BUDGET)
        assert response.status_code == 200
        assert 'name="_save"' not in response.content.decode()
    # A reviewer has no business posting the form at all.
    assert login(reviewer).post(url(in_review), article_form_data(in_review)).status_code == 403
    # An editor may edit content in general; the engine says why not this, now.
    response = login(editor).post(url(in_review), article_form_data(in_review, title="Edited"))
    assert response.status_code == 200
    assert any("it cannot be edited from that state" in m for m in messages_of(response))
    assert reload(in_review).title == "Living with back pain"
    assert reload(in_review).latest_revision.number == 1


def test_a_form_posted_after_the_content_was_submitted_keeps_the_text(article, writer):
    loaded = reload(article)
    client = login(writer)
    client.post(url(article, "transition", "submit"))  # from another tab, say

    response = client.post(
        url(article), article_form_data(loaded, body="<p>Words I do not want to lose.</p>")
    )
    assert response.status_code == 200
    assert any("is in review; it cannot be edited" in m for m in messages_of(response))
    assert "Words I do not want to lose." in text(response)
    article = reload(article)
    assert (article.state, article.latest_revision.number) == (State.IN_REVIEW, 1)


def test_a_save_the_engine_refuses_is_a_message_not_a_500(django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@clinic.test", PASSWORD)
    give_factor(root)
    response = login(root).post(
        reverse("admin:articles_article_add"),
        {
            **article_form_data(Article(title="T", slug="t", summary="", body="")),
            "base_revision": "",
        },
    )
    assert response.status_code == 200
    assert messages_of(response) == ["Only an editor or the writer who owns it may save."]
    assert not Article.objects.exists()


def test_nobody_deletes_articles_or_prompts(get, published, editor, admin_user, make_prompt):
    prompt = make_prompt()
    for user in (editor, admin_user):
        client = login(user)
        assert client.get(url(published, "delete")).status_code == 403
        assert client.post(url(published, "delete"), {"post": "yes"}).status_code == 403
        assert client.get(url(prompt, "delete")).status_code == 403
    listing = get(login(editor), changelist(Article), CHANGELIST_BUDGET)
    assert "delete_selected" not in listing.content.decode()
    assert Article.objects.filter(pk=published.pk).exists()


# --- Queues ---------------------------------------------------------------------------------


def result_titles(response) -> list[str]:
    return [str(obj) for obj in response.context["cl"].result_list]


def test_reviewers_queue_is_oldest_first(get, make_article, writer, reviewer):
    first, second, third = (make_article(f"Topic {n}") for n in ("one", "two", "three"))
    for article in (third, first, second):  # submitted in this order
        workflow.submit(article, writer)
    make_article("Still a draft")

    response = get(login(reviewer), changelist(Article), CHANGELIST_BUDGET)

    assert result_titles(response) == ["Topic three", "Topic one", "Topic two"]
    assert "Awaiting review" in text(response)


@pytest.mark.parametrize(
    ("who", "queue", "expected"),
    [
        ("writer", None, ["Draft", "Sent back"]),  # default: my drafts
        ("writer", "changes", ["Sent back"]),
        ("editor", None, ["Approved"]),  # default: approved, waiting
        ("editor", "scheduled", ["Scheduled"]),
        ("editor", "overdue", ["Overdue"]),
        ("reviewer", None, ["In review"]),
    ],
)
def test_queues_per_role(
    request, get, make_article, writer, reviewer, editor, who, queue, expected
):
    make_article("Draft")
    sent_back, in_review, approved, scheduled, overdue = (
        make_article(title)
        for title in ("Sent back", "In review", "Approved", "Scheduled", "Overdue")
    )
    for article in (sent_back, in_review, approved, scheduled, overdue):
        workflow.submit(article, writer)
    workflow.request_changes(sent_back, reviewer, comment="Add sources.")
    for article in (approved, scheduled):
        workflow.approve(article, reviewer, **signed_by(reviewer))
    workflow.schedule(scheduled, editor, go_live_at=timezone.now() + timedelta(days=1))
    # Approved and published long ago, so its approval has expired by now.
    long_ago = timezone.now() - timedelta(days=settings.REVIEW_VALIDITY_DAYS + 30)
    with mock.patch("django.utils.timezone.now", return_value=long_ago):
        workflow.approve(overdue, reviewer, **signed_by(reviewer))
        workflow.publish(overdue, editor)
    assert overdue in Article.objects.review_overdue()
    make_article("Someone else's draft", owner=request.getfixturevalue("other_writer"))

    params = {"queue": queue} if queue else {}
    response = get(
        login(request.getfixturevalue(who)), changelist(Article), CHANGELIST_BUDGET, **params
    )
    assert sorted(result_titles(response)) == sorted(expected)


def test_a_reapproved_update_of_live_content_waits_in_the_editors_queue(
    get, published, writer, reviewer, editor
):
    article = reload(published)
    article.summary = "Revised after new guidance."
    workflow.save_revision(article, writer, base_revision=1)
    workflow.submit(article, writer)
    workflow.approve(article, reviewer, **signed_by(reviewer))
    client = login(editor)

    waiting = get(client, changelist(Article), CHANGELIST_BUDGET)  # default: approved, waiting
    scheduled = get(client, changelist(Article), CHANGELIST_BUDGET, queue="scheduled")
    assert (result_titles(waiting), result_titles(scheduled)) == ([article.title], [])

    page = get(client, url(article), CHANGE_PAGE_BUDGET)
    assert buttons(page) == {"schedule", "publish", "unpublish", "assign"}
    assert "Revision 1 is live since" in text(page)
    assert "newer changes are not published yet" in text(page)


def test_show_counts_works_with_the_queue_filter(get, make_article, writer, reviewer):
    workflow.submit(make_article("Waiting"), writer)
    make_article("Draft")
    response = get(login(reviewer), changelist(Article), CHANGELIST_BUDGET + 3, _facets="True")
    assert response.status_code == 200
    assert result_titles(response) == ["Waiting"]
    assert "In review (1)" in text(response)  # the state filter's count, within the queue


def test_writers_all_choice_shows_only_their_own_content(get, make_article, writer, other_writer):
    make_article("Mine")
    make_article("Theirs", owner=other_writer)
    response = get(login(writer), changelist(Article), CHANGELIST_BUDGET, queue="all")
    assert result_titles(response) == ["Mine"]


def test_workspace_on_the_index_lists_queues_with_counts(
    get, django_assert_max_num_queries, make_article, writer, reviewer, editor
):
    for title in ("One", "Two"):
        workflow.submit(make_article(title), writer)
    client = login(reviewer)
    with django_assert_max_num_queries(INDEX_BUDGET):
        response = client.get(reverse("admin:index"))
    queues = response.context["workspace_queues"]
    articles = next(s for s in queues if s["title"] == "Articles")
    assert articles["queues"] == [
        {
            "label": "Awaiting review",
            "count": 2,
            "url": changelist(Article) + "?queue=review",
        },
        {
            "label": "Assigned to me",
            "count": 0,
            "url": changelist(Article) + "?queue=assigned",
        },
    ]
    assert "Your work" in text(response)

    editor_queues = get(login(editor), reverse("admin:index"), INDEX_BUDGET).context[
        "workspace_queues"
    ]
    assert [q["label"] for q in editor_queues[0]["queues"]] == [
        "Approved, waiting to be published",
        "Scheduled",
        "Review overdue",
        "Review past its due date",
    ]
    writer_queues = get(login(writer), reverse("admin:index"), INDEX_BUDGET).context[
        "workspace_queues"
    ]
    assert [(q["label"], q["count"]) for q in writer_queues[0]["queues"]] == [
        ("My drafts", 0),
        ("Changes requested of me", 0),
    ]


# --- Query budgets: the same bound for 3 and for 30 articles --------------------------------


@pytest.mark.parametrize("n", [3, 30])
@pytest.mark.parametrize("who", ["writer", "reviewer", "editor", "admin_user"])
def test_changelist_budget_is_fixed(request, get, make_article, writer, reviewer, editor, n, who):
    many_articles(make_article, writer, reviewer, editor, n)
    client = login(request.getfixturevalue(who))
    for params in ({}, {"queue": "all"}):
        response = get(client, changelist(Article), CHANGELIST_BUDGET, **params)
        assert response.status_code == 200
    response = get(client, changelist(Prompt), CHANGELIST_BUDGET, queue="all")
    assert response.status_code == 200


@pytest.mark.parametrize("n", [3, 30])
@pytest.mark.parametrize("who", ["writer", "reviewer", "editor", "admin_user"])
def test_change_page_budget_is_fixed(
    request, get, make_article, make_prompt, writer, reviewer, editor, n, who
):
    articles = many_articles(make_article, writer, reviewer, editor, n)
    prompt = make_prompt()
    client = login(request.getfixturevalue(who))
    # A draft, content in review and approved content (all the writer's), and a prompt.
    for content in (*articles[:3], prompt):
        assert get(client, url(content), CHANGE_PAGE_BUDGET).status_code == 200


def test_query_counts_do_not_grow_with_the_number_of_articles(
    make_article, make_prompt, writer, reviewer, editor, admin_user
):
    """The exact counts, not only the bound, are the same with 3 and with 30 articles."""
    articles = many_articles(make_article, writer, reviewer, editor, 3)
    prompt = make_prompt()
    pages = [
        reverse("admin:index"),
        changelist(Article),
        changelist(Article) + "?queue=all",
        changelist(Prompt) + "?queue=all",
        *(url(article) for article in articles),
        url(prompt),
    ]

    def counts() -> dict:
        ContentType.objects.clear_cache()
        result = {}
        for user in (writer, reviewer, editor, admin_user):
            client = login(user)
            for path in pages:
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(path).status_code == 200
                result[user.username, path] = len(queries)
        return result

    few = counts()
    many_articles(make_article, writer, reviewer, editor, 27, start=3)
    assert counts() == few


# --- Records: signatures, audit events ------------------------------------------------------


def test_change_page_shows_revision_history_and_audit_events(get, published, editor):
    response = get(login(editor), url(published), CHANGE_PAGE_BUDGET)
    html = text(response)
    revision = reload(published).latest_revision
    signature = Signature.objects.get()
    assert revision.content_hash[:12] in html
    assert "Rita Reviewer, MD, neurology" in html
    events = response.context["workflow"]["events"]
    assert [e["action"] for e in events] == ["publish", "approve", "submit", "edit"]
    assert events[0]["actor"] == "eddie_editor"
    assert (events[0]["from_state"], events[0]["to_state"]) == ("Approved", "Published")
    assert f"Signed hash {signature.content_hash[:12]}" in events[1]["detail"]
    assert url(published, "signatures_csv") in html


def test_signature_csv_export(published, editor, writer, other_writer, reviewer):
    response = login(editor).get(url(published, "signatures_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    signature = Signature.objects.get()
    assert rows == [
        [
            "revision",
            "content hash",
            "reviewer",
            "credentials",
            "meaning",
            "signed at",
            "valid until",
            "approval",
        ],
        [
            "1",
            signature.content_hash,
            "Rita Reviewer",
            "MD, neurology",
            settings.SIGNATURE_MEANING,
            signature.signed_at.isoformat(),
            signature.valid_until.isoformat(),
            "Medical approval",
        ],
    ]
    assert login(writer).get(url(published, "signatures_csv")).status_code == 200  # the owner
    assert login(other_writer).get(url(published, "signatures_csv")).status_code == 403
    page = login(reviewer).get(url(published, "signatures"))
    assert page.status_code == 200
    assert signature.content_hash in page.content.decode()


def test_csv_cells_that_look_like_formulas_are_quoted(in_review, make_user):
    from articles.roles import Role

    sneaky = make_user("sneaky_reviewer", Role.REVIEWER, credentials="=HYPERLINK(1)")
    workflow.approve(reload(in_review), sneaky, **signed_by(sneaky))
    rows = list(
        csv.reader(
            io.StringIO(login(sneaky).get(url(in_review, "signatures_csv")).content.decode())
        )
    )
    assert rows[1][3] == "'=HYPERLINK(1)"


def test_audit_event_admin_is_read_only(get, published, admin_user, writer):
    client = login(admin_user)
    event = AuditEvent.objects.first()
    listing = get(client, reverse("admin:audit_auditevent_changelist"), CHANGELIST_BUDGET)
    assert listing.status_code == 200
    assert "publish" in text(listing)
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_add"), {}).status_code == 403
    detail = get(client, url(event), CHANGE_PAGE_BUDGET)
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert client.post(url(event), {"action": "forged"}).status_code == 403
    assert client.get(url(event, "delete")).status_code == 403
    assert client.post(url(event, "delete"), {"post": "yes"}).status_code == 403
    assert reload(event).action == event.action
    # Only admins look at the trail.
    assert login(writer).get(reverse("admin:audit_auditevent_changelist")).status_code == 403


def test_a_superuser_without_the_admin_role_cannot_read_the_audit_trail(db, make_user):
    superuser = make_user("root")
    superuser.is_superuser = True
    superuser.save()
    client = login(superuser)
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 403
    assert "auditevent" not in client.get(reverse("admin:index")).content.decode()


# --- Prompts share the same machinery -------------------------------------------------------


def test_prompts_use_the_same_workflow_pages(get, make_prompt, writer, reviewer):
    prompt = make_prompt()
    client = login(writer)
    response = get(client, url(prompt), CHANGE_PAGE_BUDGET)
    assert buttons(response) == {"submit"}
    client.post(url(prompt, "transition", "submit"))
    assert reload(prompt).state == State.IN_REVIEW
    login(reviewer).post(
        url(prompt, "transition", "request_changes"),
        {"_confirm": "1", "comment": "Say who sends the packet."},
    )
    assert reload(prompt).state == State.CHANGES_REQUESTED


def test_writer_adds_a_prompt(writer):
    response = login(writer).post(
        reverse("admin:articles_prompt_add"),
        {
            "name": "Newsletter",
            "kind": "newsletter",
            "headline": "Monthly news",
            "body": "<p>One email a month.</p>",
            "button_label": "Subscribe",
            "disclosure_label": "From our clinic",
            "change_summary": "",
            "base_revision": "",
        },
    )
    assert response.status_code == 302
    prompt = Prompt.objects.get(name="Newsletter")
    assert (prompt.state, prompt.owner, prompt.latest_revision.number) == (State.DRAFT, writer, 1)


# --- Users ----------------------------------------------------------------------------------


def test_admin_manages_users_roles_and_profiles(get, admin_user, writer):
    client = login(admin_user)
    response = get(client, reverse("admin:auth_user_change", args=[writer.pk]), CHANGE_PAGE_BUDGET)
    html = text(response)
    assert response.status_code == 200
    assert "BSc, health journalism" in html  # the profile inline
    form = response.context["adminform"].form
    assert "groups" in form.fields
    assert "is_superuser" not in form.fields  # an admin cannot make anyone a superuser
    assert "user_permissions" not in form.fields
    listing = get(client, reverse("admin:auth_user_changelist"), CHANGELIST_BUDGET)
    assert "Wendy Writer" in text(listing)


def test_admins_cannot_change_superusers(get, admin_user, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@clinic.test", PASSWORD)
    give_factor(root)
    client = login(admin_user)
    assert (
        client.post(
            reverse("admin:auth_user_password_change", args=[root.pk]),
            {"password1": "x", "password2": "x"},
        ).status_code
        == 403
    )
    page = get(client, reverse("admin:auth_user_change", args=[root.pk]), CHANGE_PAGE_BUDGET)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


def test_editor_assigns_a_draft_to_a_writer_from_the_change_page(article, editor, other_writer):
    client = login(editor)
    response = client.post(
        url(article, "transition", "assign"),
        {"_confirm": "1", "owner": other_writer.pk},
        follow=True,
    )
    assert any("now belongs to the writer you chose" in m for m in messages_of(response))
    assert reload(article).owner == other_writer


def test_a_button_pressed_on_a_stale_page_does_nothing(in_review, writer, reviewer):
    shown = in_review.latest_revision.content_hash
    workflow.withdraw(in_review, writer)
    in_review.summary = "You can stop your prescribed painkillers."
    workflow.save_revision(in_review, writer, base_revision=1)
    workflow.submit(in_review, writer)

    client = login(reviewer)
    response = client.post(
        url(in_review, "transition", "approve"), {"shown_hash": shown}, follow=True
    )

    assert any("changed after you opened it" in m for m in messages_of(response))
    assert "Your password" not in response.content.decode()  # no signing page was offered
    assert reload(in_review).state == State.IN_REVIEW


def test_an_admin_cannot_give_themselves_a_role(get, admin_user):
    client = login(admin_user)
    page = get(client, reverse("admin:auth_user_change", args=[admin_user.pk]), CHANGE_PAGE_BUDGET)
    assert "groups" not in page.context["adminform"].form.fields


def test_an_admin_cannot_set_a_reviewers_password(admin_user, reviewer):
    client = login(admin_user)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[reviewer.pk]),
        {"password1": "a-new-pass-9x!", "password2": "a-new-pass-9x!"},
    )
    assert response.status_code == 403
    reviewer.refresh_from_db()
    assert reviewer.check_password(PASSWORD)


def test_role_and_credential_changes_are_audited(
    admin_user, writer, reviewer, make_user, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Group

    from articles.accounts.models import AccountChange
    from articles.audit.models import AuditEvent
    from articles.roles import Role, roles_of

    second = make_user("otto_admin", Role.ADMIN)  # an admin before the grant was asked for
    client = login(admin_user)
    page = client.get(reverse("admin:auth_user_change", args=[writer.pk]))
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, list | tuple)
    }
    writer_group = writer.groups.get().pk
    reviewer_group = Group.objects.get(name=Role.REVIEWER.value).pk
    data.update(
        {
            "username": writer.username,
            "email": writer.email,
            "is_active": "on",
            "is_staff": "on",
            "groups": [writer_group, reviewer_group],
            "last_login_0": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "1",
            "profile-0-id": writer.profile.pk,
            "profile-0-user": writer.pk,
            "profile-0-display_name": "Wendy Writer",
            "profile-0-credentials": "MD",
            "profile-0-bio": "",
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:auth_user_change", args=[writer.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="user_saved")
    assert event.actor == admin_user
    assert event.detail["credentials"] == "MD"
    # The reviewer role waits for a second admin (articles.accounts.people.change_roles).
    assert event.detail["roles"] == [Role.WRITER.value]
    assert Role.REVIEWER not in roles_of(reload(writer))
    assert not AuditEvent.objects.filter(action="role_granted").exists()
    waiting = AccountChange.objects.get(user=writer)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(second).post(
            reverse("admin:auth_user_account_changes", args=[writer.pk]), {"confirm": waiting.pk}
        )
    assert response.status_code == 302
    assert Role.REVIEWER in roles_of(reload(writer))
    granted = AuditEvent.objects.get(action="role_granted")
    assert (granted.actor, granted.object_id, granted.detail) == (
        second,
        writer.pk,
        {"role": Role.REVIEWER.value},
    )
    # The reviewers and the admin who asked hear of a new signer (the confirming admin did it).
    from django.core import mail

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [reviewer.email, writer.email, admin_user.email]
    )
    assert "made a medical reviewer" in mail.outbox[0].subject


def test_the_mail_queue_has_no_admin_page(db, make_user):
    # Queued mail holds readers' addresses; no staff page lists it, not even to a superuser.
    root = make_user("root", Role.ADMIN)
    root.is_superuser = True
    root.save()
    client = log_in_verified(Client(), root)
    assert client.get("/admin/django_tasks_db/dbtaskresult/").status_code == 404
