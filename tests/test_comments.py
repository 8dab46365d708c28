"""Review comments anchored to the text (articles.comments): who may comment, reply and resolve,
how a comment follows its passage through new revisions, and what the screens are given."""

from __future__ import annotations

import pytest

from articles import comments, workflow
from articles.models import Comment, CommentReply
from articles.models.immutable import ImmutableRowError
from tests.conftest import CITATION_KEY
from tests.workflow_support import events_of, reload

MARK = f'<sup data-citation="{CITATION_KEY}">1</sup>'
BODY = (
    "<h2>What helps</h2>"
    f"<p>Most back pain gets better within six weeks.{MARK} Gentle walking helps most people.</p>"
    "<p>Heat packs ease the first few days. Bed rest makes it worse.</p>"
    "<p>See a doctor if the pain spreads down a leg or you feel numb.</p>"
)


@pytest.fixture
def guide(make_article):
    return make_article("Back pain guide", body=BODY)


def rewrite(article, user, body: str):
    article = reload(article)
    article.body = body
    return workflow.save_revision(article, user)


def comment_on(article, user, quote: str = "", paragraph: int = 3, text: str = "Source?"):
    return comments.add(article, user, text=text, paragraph=paragraph, quote=quote)


# --- Anchoring --------------------------------------------------------------------------------


def test_a_comment_keeps_the_passage_its_context_and_paragraph(guide, reviewer):
    comment = comment_on(guide, reviewer, "Bed rest makes it worse.")
    assert (comment.paragraph, comment.quote) == (3, "Bed rest makes it worse.")
    assert comment.prefix.endswith("first few days. ")
    assert comment.revision == comment.anchor_revision == guide.latest_revision
    assert not comment.outdated


def test_a_passage_that_is_not_in_the_paragraph_is_refused_with_its_words(guide, reviewer):
    with pytest.raises(workflow.InvalidRequest, match="“Gentle walking helps” is not in body"):
        comment_on(guide, reviewer, "Gentle walking helps", paragraph=3)
    with pytest.raises(workflow.InvalidRequest, match="Choose the paragraph"):
        comment_on(guide, reviewer, "", paragraph=9)
    assert not Comment.objects.exists()


def test_selection_whitespace_does_not_matter(guide, reviewer):
    comment = comment_on(guide, reviewer, "  Bed rest\n makes   it worse. ")
    assert comment.quote == "Bed rest makes it worse."


def test_a_comment_follows_its_passage_when_text_around_it_is_edited(guide, reviewer, writer):
    comment = comment_on(guide, reviewer, "Bed rest makes it worse.")
    revision = rewrite(
        guide,
        writer,
        BODY.replace(
            "<h2>What helps</h2>", "<h2>What helps</h2><p>A new first paragraph.</p>"
        ).replace("Heat packs ease", "Warm packs can ease"),
    )
    comment.refresh_from_db()
    assert comment.anchor_revision == revision
    assert (comment.paragraph, comment.quote, comment.outdated) == (
        4,
        "Bed rest makes it worse.",
        False,
    )
    assert comment.prefix.endswith("first few days. ")


def test_the_same_words_twice_anchor_where_the_context_matches(guide, reviewer, writer):
    body = BODY.replace("numb.</p>", "numb. Bed rest makes it worse.</p>")
    rewrite(guide, writer, body)
    comment = comment_on(reload(guide), reviewer, "Bed rest makes it worse.", paragraph=4)
    # A paragraph added above moves both occurrences; the comment stays with the doctor advice.
    rewrite(guide, writer, "<p>Intro.</p>" + body)
    comment.refresh_from_db()
    assert comment.paragraph == 5
    assert comment.prefix.endswith("you feel numb. ")


def test_a_comment_whose_passage_is_gone_is_outdated_and_keeps_its_words(guide, reviewer, writer):
    comment = comment_on(guide, reviewer, "Bed rest makes it worse.")
    rewrite(guide, writer, BODY.replace(" Bed rest makes it worse.", ""))
    comment.refresh_from_db()
    assert comment.outdated
    assert comment.original_quote == "Bed rest makes it worse."
    # Put back later, it stays outdated: the comment was answered by removing it.
    rewrite(guide, writer, BODY)
    comment.refresh_from_db()
    assert comment.outdated


def test_a_paragraph_comment_follows_a_lightly_edited_paragraph(guide, reviewer, writer):
    comment = comment_on(guide, reviewer, "", paragraph=4)
    rewrite(guide, writer, BODY.replace("spreads down a leg", "spreads down one leg"))
    comment.refresh_from_db()
    assert (comment.paragraph, comment.outdated) == (4, False)
    assert "one leg" in comment.paragraph_text
    rewrite(guide, writer, BODY.split("<p>See")[0])
    comment.refresh_from_db()
    assert comment.outdated


# --- Who may do what --------------------------------------------------------------------------


def test_reviewers_and_editors_comment_writers_and_admins_do_not(
    guide, reviewer, editor, writer, admin_user
):
    assert comment_on(guide, reviewer).author == reviewer
    assert comment_on(guide, editor).author == editor
    for refused in (writer, admin_user):
        with pytest.raises(workflow.NotAllowed, match="Only a medical reviewer or an editor"):
            comment_on(guide, refused)
    assert Comment.objects.count() == 2


def test_the_owner_replies_and_resolves_another_writer_cannot(
    guide, reviewer, writer, other_writer
):
    comment = comment_on(guide, reviewer)
    comments.reply(guide, comment.pk, writer, text="Added the 2019 trial.")
    with pytest.raises(workflow.NotAllowed):
        comments.reply(guide, comment.pk, other_writer, text="Me too")
    with pytest.raises(workflow.NotAllowed):
        comments.resolve(guide, comment.pk, other_writer)
    comments.resolve(guide, comment.pk, writer)
    comment.refresh_from_db()
    assert comment.resolved and comment.resolved_by == writer
    with pytest.raises(workflow.WrongState, match="already resolved"):
        comments.resolve(guide, comment.pk, writer)
    with pytest.raises(workflow.WrongState, match="Wendy Writer resolved this comment"):
        comments.reply(guide, comment.pk, reviewer, text="Not quite")
    assert comment.replies.count() == 1


def test_another_reviewer_may_reply_but_not_resolve_someone_elses_comment(
    guide, reviewer, second_reviewer, editor
):
    comment = comment_on(guide, reviewer)
    comments.reply(guide, comment.pk, second_reviewer, text="Agreed.")
    with pytest.raises(workflow.NotAllowed):
        comments.resolve(guide, comment.pk, second_reviewer)
    comments.resolve(guide, comment.pk, editor)


def test_a_comment_id_from_other_content_is_refused(guide, make_article, reviewer):
    other = make_article("Knee pain")
    comment = comment_on(guide, reviewer)
    with pytest.raises(workflow.InvalidRequest, match="not on this content"):
        comments.reply(other, comment.pk, reviewer, text="Hello")


def test_empty_and_oversized_text_are_refused(guide, reviewer):
    with pytest.raises(workflow.InvalidRequest, match="Write your comment first"):
        comment_on(guide, reviewer, text="   ")
    with pytest.raises(workflow.InvalidRequest, match="keep it under"):
        comment_on(guide, reviewer, text="x" * (comments.MAX_TEXT + 1))


def test_replies_are_records(guide, reviewer, writer):
    comment = comment_on(guide, reviewer)
    answer = comments.reply(guide, comment.pk, writer, text="Done.")
    with pytest.raises(ImmutableRowError):
        answer.save()
    with pytest.raises(ImmutableRowError):
        CommentReply.objects.all().delete()


# --- Audit ------------------------------------------------------------------------------------


def test_comments_replies_and_resolutions_are_audited(guide, reviewer, writer):
    comment = comment_on(guide, reviewer, "Bed rest makes it worse.", text="Cite a trial.")
    comments.reply(guide, comment.pk, writer, text="Done.")
    comments.resolve(guide, comment.pk, writer)
    trail = [(e.action, e.actor, e.detail) for e in events_of(guide)][-3:]
    assert trail == [
        (
            "comment",
            reviewer,
            {
                "thread": comment.pk,
                "passage": "Bed rest makes it worse.",
                "comment": "Cite a trial.",
            },
        ),
        ("comment_reply", writer, {"thread": comment.pk, "comment": "Done."}),
        ("comment_resolve", writer, {"thread": comment.pk, "passage": "Bed rest makes it worse."}),
    ]


def test_comments_are_not_content_and_do_not_change_the_hash(guide, reviewer):
    before = reload(guide).latest_revision.content_hash
    comment_on(guide, reviewer, "Bed rest makes it worse.", text="Unique remark 7431")
    after = reload(guide)
    assert after.latest_revision.content_hash == before
    assert "7431" not in str(after.revision_content())


# --- What the screens get ---------------------------------------------------------------------


def test_for_review_places_threads_beside_their_paragraph_and_marks_the_passage(
    guide, reviewer, writer
):
    comment = comment_on(guide, reviewer, "Bed rest makes it worse.")
    gone = comment_on(guide, reviewer, "Heat packs ease", text="Which kind?")
    rewrite(guide, writer, BODY.replace("Heat packs ease", "Warmth eases"))
    guide = reload(guide)
    view = comments.for_review(guide, guide.latest_revision, writer)
    third = view.paragraphs[2]
    assert [t.id for t in third.threads] == [comment.pk]
    assert [(s.text, s.thread) for s in third.segments] == [
        ("Warmth eases the first few days. ", None),
        ("Bed rest makes it worse.", comment.pk),
    ]
    assert [t.id for t in view.outdated] == [gone.pk]
    assert view.outdated[0].passage == "Heat packs ease"
    assert len(view.unresolved) == 2
    assert third.threads[0].may_resolve and third.threads[0].may_reply
    assert not view.may_comment


def test_for_review_of_an_older_revision_places_comments_in_that_text(guide, reviewer, writer):
    first = reload(guide).latest_revision
    rewrite(guide, writer, "<p>Intro.</p>" + BODY)
    comment = comment_on(reload(guide), reviewer, "Bed rest makes it worse.", paragraph=4)
    view = comments.for_review(reload(guide), first, reviewer)
    assert [t.id for t in view.paragraphs[2].threads] == [comment.pk]


def test_for_review_costs_two_queries_whatever_the_number_of_comments(
    guide, reviewer, writer, django_assert_num_queries
):
    guide = reload(guide)
    revision = guide.latest_revision
    with django_assert_num_queries(1):
        comments.for_review(guide, revision)
    for n in range(6):
        c = comment_on(guide, reviewer, "Bed rest makes it worse.", text=f"Note {n}")
        comments.reply(guide, c.pk, writer, text="Fixed")
    with django_assert_num_queries(2):
        view = comments.for_review(guide, revision)
    assert len(view.unresolved) == 6


def test_the_latest_changes_request_is_given_while_changes_are_requested(guide, reviewer, writer):
    assert comments.latest_changes_request(guide) is None
    workflow.submit(guide, writer)
    workflow.request_changes(guide, reviewer, comment="First note")
    workflow.submit(guide, writer)
    workflow.request_changes(guide, reviewer, comment="Cite the 2019 trial.")
    note = comments.latest_changes_request(reload(guide))
    assert note.comment == "Cite the 2019 trial."
    assert note.reviewer == "Rita Reviewer"
    workflow.submit(guide, writer)
    assert comments.latest_changes_request(reload(guide)) is None


def test_a_comment_made_on_an_older_revision_is_moved_to_the_latest(guide, reviewer, writer):
    first = reload(guide).latest_revision
    latest = rewrite(guide, writer, "<p>Intro.</p>" + BODY)
    comment = comments.add(
        reload(guide), reviewer, text="Source?", paragraph=3, quote="Bed rest", revision=first
    )
    assert comment.revision == first and comment.anchor_revision == latest
    assert (comment.paragraph, comment.quote) == (4, "Bed rest")
