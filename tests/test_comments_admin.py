"""Review comments in the staff workspace: the change page shows them beside the text, with the
latest "changes requested" note at the top and the open ones beside the submit button; the
comment, reply and resolve pages refuse whoever `articles.comments` refuses."""

from __future__ import annotations

import pytest

from articles import comments, workflow
from articles.models import Comment, Prompt
from tests.conftest import signed_by
from tests.test_admin import CHANGE_PAGE_BUDGET, login, messages_of, reload, text, url
from tests.test_comments import BODY

pytestmark = pytest.mark.django_db


@pytest.fixture
def guide(make_article):
    return make_article("Back pain guide", body=BODY)


def post_comment(client, article, **data):
    fields = {"paragraph": 3, "quote": "Bed rest makes it worse.", "text": "Cite a trial."}
    return client.post(url(article, "comment_add"), {**fields, **data}, follow=True)


def test_a_reviewer_comments_on_selected_words_and_returns_to_the_thread(guide, reviewer):
    client = login(reviewer)
    response = client.post(
        url(guide, "comment_add"),
        {
            "paragraph": 3,
            "quote": "Bed rest makes it worse.",
            "text": "Cite a trial.",
            "revision": 1,
        },
    )
    comment = Comment.objects.get()
    assert response["Location"] == f"{url(guide)}#vetted-thread-{comment.pk}"
    page = text(client.get(url(guide)))
    assert f'<mark data-thread="{comment.pk}">' in page
    assert "Cite a trial." in page


def test_the_writer_sees_the_comment_beside_the_text_replies_and_resolves(guide, reviewer, writer):
    comments.add(guide, reviewer, text="Cite a trial.", paragraph=3, quote="Bed rest")
    client = login(writer)
    page = text(client.get(url(guide)))
    assert "Cite a trial." in page and "Mark resolved" in page
    assert "Add a comment" not in page  # writers reply; they do not open threads
    assert "1 review comment is still open" in page
    comment = Comment.objects.get()
    response = client.post(url(guide, "comment_reply", comment.pk), {"text": "Added."}, follow=True)
    assert "Your reply is added." in messages_of(response)
    response = client.post(url(guide, "comment_resolve", comment.pk), follow=True)
    assert "The comment is marked resolved." in messages_of(response)
    page = text(response)
    assert "Resolved by Wendy Writer" in page
    assert "still open" not in page


def test_a_writer_cannot_open_a_thread_and_keeps_what_they_wrote(guide, writer):
    response = post_comment(login(writer), guide, text="My own note")
    assert messages_of(response)[:2] == [
        "Only a medical reviewer or an editor may comment.",
        "What you wrote: “My own note”",
    ]
    assert not Comment.objects.exists()


def test_words_not_in_the_paragraph_are_refused_in_one_line(guide, reviewer):
    response = post_comment(login(reviewer), guide, quote="not there", paragraph="x")
    assert "Choose the paragraph" in messages_of(response)[0]
    response = post_comment(login(reviewer), guide, quote="not there")
    assert messages_of(response)[0].startswith("“not there” is not in body, paragraph 2.")
    assert not Comment.objects.exists()


def test_another_writer_reaches_nothing(guide, reviewer, other_writer):
    comment = comments.add(guide, reviewer, text="Cite a trial.", paragraph=3)
    client = login(other_writer)
    for view, args in (("comment_add", ()), ("comment_reply", (comment.pk,))):
        response = client.post(url(guide, view, *args), {"text": "Hi", "paragraph": 3})
        assert response.status_code in (302, 403)
    assert client.post(url(guide, "comment_resolve", comment.pk)).status_code in (302, 403)
    assert not reload(comment).resolved and not comment.replies.exists()


def test_only_post_is_accepted_and_next_stays_on_this_site(guide, reviewer):
    client = login(reviewer)
    assert client.get(url(guide, "comment_add")).status_code == 405
    response = post_comment(client, guide, next="https://evil.example/")
    assert response.redirect_chain[0][0].startswith(url(guide))
    response = client.post(
        url(guide, "comment_add"),
        {"paragraph": 2, "text": "Whole paragraph", "next": f"{url(guide)}?x=1#top"},
    )
    assert response["Location"].startswith(f"{url(guide)}?x=1#vetted-thread-")


def test_the_latest_changes_request_is_at_the_top_of_the_writers_page(guide, reviewer, writer):
    workflow.submit(guide, writer)
    workflow.request_changes(guide, reviewer, comment="Cite the 2019 trial.")
    page = text(login(writer).get(url(guide)))
    top = page.index("Changes requested by Rita Reviewer")
    assert top < page.index("vetted-workflow-heading") < page.index('id="article_form"')
    assert "Cite the 2019 trial." in page[top:]


def test_comments_are_never_on_the_public_page_or_preview(
    guide, reviewer, writer, editor, client, django_capture_on_commit_callbacks
):
    comments.add(guide, reviewer, text="Unique remark 7431", paragraph=3, quote="Bed rest")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(guide, writer)
        workflow.approve(guide, reviewer, **signed_by(reviewer))
        workflow.publish(guide, editor)
    public = client.get(f"/articles/{reload(guide).live_slug}/")
    assert public.status_code == 200 and "7431" not in public.content.decode()
    preview = login(reviewer).get(url(guide, "preview", reload(guide).latest_revision.number))
    assert "7431" not in preview.content.decode()


def test_comment_on_a_prompt(make_prompt, reviewer):
    prompt = make_prompt()
    assert isinstance(prompt, Prompt)
    client = login(reviewer)
    response = client.post(url(prompt, "comment_add"), {"paragraph": 1, "text": "Too pushy."})
    assert response.status_code == 302
    assert "Too pushy." in text(client.get(url(prompt)))


@pytest.mark.parametrize("count", [1, 8])
def test_the_change_page_costs_the_same_whatever_the_number_of_comments(
    guide, reviewer, writer, count, django_assert_max_num_queries
):
    for n in range(count):
        c = comments.add(guide, reviewer, text=f"Note {n}", paragraph=3, quote="Bed rest")
        comments.reply(guide, c.pk, writer, text="Fixed")
    client = login(writer)
    client.get(url(guide))  # warm the session
    with django_assert_max_num_queries(CHANGE_PAGE_BUDGET):
        response = client.get(url(guide))
    assert text(response).count('<article class="vetted-thread') == count
