"""Review comments anchored to the text: how a comment finds its passage again in a new
revision, and what the writer and the reviewer are shown. Who may comment, reply and resolve is
the workflow engine's (`comment`, `comment_reply`, `comment_resolve` in `workflow.TRANSITIONS`).

A medical reviewer or an editor comments on a passage of the body (or on a whole paragraph);
the writer who owns the content, reviewers and editors reply; the writer, an editor or the
comment's author marks it resolved. Every comment, reply and resolution is an audit event
(`comment`, `comment_reply`, `comment_resolve`). Comments are never part of a revision's content
or of the public page.

Anchoring: a comment keeps the quoted passage, up to `CONTEXT` characters either side, the
paragraph's text and position. `follow` (called by `workflow.save_revision`) looks for the
passage in the new revision: every place the exact words occur is a candidate, the one whose
surroundings match best wins, then the one nearest the old position. A whole-paragraph comment
follows an identical paragraph, else the most similar one (`SIMILAR`). Nothing found: the
comment is `outdated` and shows the words it was about.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from articles import audit, workflow
from articles.audit.models import AuditEvent
from articles.models import Comment, CommentReply, ReviewedContent, Revision, State
from articles.models.content import display_name
from articles.text import html_blocks

CONTEXT = 32  # characters of surrounding text kept on each side of a quoted passage
SIMILAR = 0.6  # how alike an edited paragraph must be to keep a whole-paragraph comment
MAX_TEXT = 5000  # characters in a comment or reply


# --- The text a comment is anchored in ------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    index: int  # position among the body's blocks, from 1
    location: str  # as the gate names it: "body, paragraph 3", "body, heading 1"
    kind: str  # "paragraph", "heading", "item"
    text: str  # plain text, citation markers left out


def paragraphs(revision: Revision) -> list[Paragraph]:
    """The body of a revision as the blocks a comment can be about."""
    blocks = html_blocks("body", (revision.content or {}).get("body", ""))
    return [
        Paragraph(i, block.location, block.kind, block.text)
        for i, block in enumerate(blocks, start=1)
        if block.text
    ]


@dataclass(frozen=True)
class Anchor:
    paragraph: int
    paragraph_text: str
    quote: str = ""
    prefix: str = ""
    suffix: str = ""

    @property
    def start(self) -> int:
        """Where the quote starts in the paragraph's text (-1 for a whole paragraph)."""
        if not self.quote:
            return -1
        return _best_position(self.paragraph_text, self.quote, self.prefix)


def _squash(text: str) -> str:
    return " ".join((text or "").split())


def _best_position(text: str, quote: str, prefix: str) -> int:
    positions = _occurrences(text, quote)
    return max(positions, key=lambda pos: _common_tail(text[:pos], prefix), default=-1)


def _occurrences(text: str, quote: str) -> list[int]:
    found, start = [], text.find(quote)
    while start != -1:
        found.append(start)
        start = text.find(quote, start + 1)
    return found


def _common_tail(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_head(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def anchor_in(paras: list[Paragraph], paragraph: int, quote: str = "") -> Anchor:
    """The anchor of a new comment on paragraph `paragraph` (its index), on `quote` within it
    (the first place it occurs) or on the whole paragraph. InvalidRequest if it is not there."""
    para = next((p for p in paras if p.index == paragraph), None)
    if para is None:
        raise workflow.InvalidRequest(
            "Choose the paragraph your comment is about; that one is not in this revision."
        )
    quote = _squash(quote)
    if not quote or quote == para.text:
        return Anchor(para.index, para.text)
    start = para.text.find(quote)
    if start == -1:
        raise workflow.InvalidRequest(
            f"“{_short(quote)}” is not in {para.location}. Select the words again, or comment on "
            "the whole paragraph."
        )
    end = start + len(quote)
    return Anchor(
        para.index,
        para.text,
        quote,
        para.text[max(0, start - CONTEXT) : start],
        para.text[end : end + CONTEXT],
    )


def relocate(anchor: Anchor, paras: list[Paragraph]) -> Anchor | None:
    """Where `anchor` is in another revision's paragraphs, or None if its passage is gone."""
    if anchor.quote:
        candidates = [
            (p, pos) for p in paras for pos in _occurrences(p.text, anchor.quote) if p.text
        ]
        if not candidates:
            return None

        def fit(candidate: tuple[Paragraph, int]) -> tuple[int, int]:
            p, pos = candidate
            after = p.text[pos + len(anchor.quote) :]
            context = _common_tail(p.text[:pos], anchor.prefix) + _common_head(after, anchor.suffix)
            return (context, -abs(p.index - anchor.paragraph))

        p, pos = max(candidates, key=fit)
        end = pos + len(anchor.quote)
        return Anchor(
            p.index,
            p.text,
            anchor.quote,
            p.text[max(0, pos - CONTEXT) : pos],
            p.text[end : end + CONTEXT],
        )
    same = [p for p in paras if p.text == anchor.paragraph_text]
    if same:
        p = min(same, key=lambda p: abs(p.index - anchor.paragraph))
        return Anchor(p.index, p.text)
    best, best_ratio = None, SIMILAR
    for p in paras:
        matcher = difflib.SequenceMatcher(None, anchor.paragraph_text, p.text, autojunk=False)
        if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio > best_ratio or (
            ratio == best_ratio
            and best is not None
            and abs(p.index - anchor.paragraph) < abs(best.index - anchor.paragraph)
        ):
            best, best_ratio = p, ratio
    return Anchor(best.index, best.text) if best is not None else None


def _anchor_of(comment: Comment) -> Anchor:
    return Anchor(
        comment.paragraph, comment.paragraph_text, comment.quote, comment.prefix, comment.suffix
    )


def _set_anchor(comment: Comment, anchor: Anchor | None, revision: Revision) -> None:
    comment.anchor_revision = revision
    if anchor is None:
        comment.outdated = True
        return
    comment.outdated = False
    comment.paragraph = anchor.paragraph
    comment.paragraph_text = anchor.paragraph_text
    comment.quote = anchor.quote
    comment.prefix = anchor.prefix
    comment.suffix = anchor.suffix


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


# --- Who may do what ------------------------------------------------------------------------


# Who may comment, reply and resolve is the engine's (`comment`, `comment_reply` and
# `comment_resolve` in `workflow.TRANSITIONS`); `permissions` is what a screen already asked.


def may_comment(
    content: ReviewedContent, user, permissions: workflow.Permissions | None = None
) -> bool:
    return (permissions or workflow.permissions(content, user)).may("comment")


def may_reply(
    content: ReviewedContent, user, permissions: workflow.Permissions | None = None
) -> bool:
    return (permissions or workflow.permissions(content, user)).may("comment_reply")


def may_resolve(
    content: ReviewedContent,
    comment: Comment,
    user,
    permissions: workflow.Permissions | None = None,
) -> bool:
    """An open comment is resolved by those the engine allows, and by its own author (while they
    may still see the content): it was theirs to raise."""
    if comment.resolved:
        return False
    permissions = permissions or workflow.permissions(content, user)
    return permissions.may("comment_resolve") or (comment.author_id == user.pk and permissions.see)


def _text(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise workflow.InvalidRequest(f"Write your {what} first; it was empty.")
    if len(text) > MAX_TEXT:
        raise workflow.InvalidRequest(
            f"Your {what} is {len(text):,} characters long; keep it under {MAX_TEXT:,}."
        )
    return text


def _content_type(content: ReviewedContent) -> ContentType:
    return ContentType.objects.get_for_model(content)


def _comment_of(content: ReviewedContent, comment_id: int) -> Comment:
    try:
        return Comment.objects.select_for_update().get(
            pk=comment_id, content_type=_content_type(content), object_id=content.pk
        )
    except (Comment.DoesNotExist, ValueError, TypeError):
        raise workflow.InvalidRequest("That comment is not on this content.") from None


# --- Changes --------------------------------------------------------------------------------


@transaction.atomic
def add(
    content: ReviewedContent,
    user,
    *,
    text: str,
    paragraph: int,
    quote: str = "",
    revision: Revision | None = None,
) -> Comment:
    """Comment on `quote` in paragraph `paragraph` (or the whole paragraph) of `revision` (the
    one the commenter was reading; the latest by default). The anchor is moved to the latest
    revision at once if the commenter read an older one."""
    workflow.check("comment", content, user)
    text = _text(text, "comment")
    latest = content.latest_revision
    revision = revision or latest
    if revision is None:
        raise workflow.InvalidRequest("Save the content once before commenting on it.")
    anchor = anchor_in(paragraphs(revision), paragraph, quote)
    comment = Comment(
        content_type=_content_type(content),
        object_id=content.pk,
        revision=revision,
        author=user,
        author_name=display_name(user),
        text=text,
        original_quote=anchor.quote or anchor.paragraph_text,
    )
    _set_anchor(comment, anchor, revision)
    if latest is not None and latest.pk != revision.pk:
        _set_anchor(comment, relocate(anchor, paragraphs(latest)), latest)
    comment.save()
    audit.record(
        "comment",
        actor=user,
        obj=content,
        revision=revision,
        detail={
            "thread": comment.pk,
            "passage": _short(comment.original_quote, 200),
            "comment": text,
        },
    )
    return comment


@transaction.atomic
def reply(content: ReviewedContent, comment_id: int, user, *, text: str) -> CommentReply:
    workflow.check("comment_reply", content, user)
    comment = _comment_of(content, comment_id)
    if comment.resolved:
        raise workflow.WrongState(
            f"{comment.resolved_by_name} resolved this comment; comment again if something is "
            "still wrong."
        )
    text = _text(text, "reply")
    answer = CommentReply.objects.create(
        comment=comment, author=user, author_name=display_name(user), text=text
    )
    audit.record(
        "comment_reply",
        actor=user,
        obj=content,
        revision=content.latest_revision,
        detail={"thread": comment.pk, "comment": text},
    )
    return answer


@transaction.atomic
def resolve(content: ReviewedContent, comment_id: int, user) -> Comment:
    comment = _comment_of(content, comment_id)
    if comment.resolved:
        raise workflow.WrongState(f"{comment.resolved_by_name} already resolved this comment.")
    if not may_resolve(content, comment, user):
        raise workflow.NotAllowed(
            "Only the writer who owns this, an editor or the comment’s author may resolve it."
        )
    comment.resolved_at = timezone.now()
    comment.resolved_by = user
    comment.resolved_by_name = display_name(user)
    comment.save(update_fields=["resolved_at", "resolved_by", "resolved_by_name"])
    audit.record(
        "comment_resolve",
        actor=user,
        obj=content,
        revision=content.latest_revision,
        detail={"thread": comment.pk, "passage": _short(comment.original_quote, 200)},
    )
    return comment


def on_revision_saved(sender, *, instance: ReviewedContent, revision: Revision, **kwargs) -> None:
    """revision_saved receiver (connected in articles.apps)."""
    follow(instance, revision)


def follow(content: ReviewedContent, revision: Revision) -> None:
    """Move every open comment's anchor to `revision`, just saved (`workflow.save_revision`);
    those whose passage is gone become outdated. One query when there are none, and none for a
    first revision (nothing can have been commented on before it)."""
    if revision.number == 1:
        return
    open_comments = list(
        Comment.objects.filter(
            content_type=_content_type(content), object_id=content.pk, resolved_at__isnull=True
        )
    )
    if not open_comments:
        return
    paras = paragraphs(revision)
    for comment in open_comments:
        if comment.outdated:
            continue  # a passage once gone stays gone: a look-alike later is not the same words
        _set_anchor(comment, relocate(_anchor_of(comment), paras), revision)
    Comment.objects.bulk_update(
        open_comments,
        ["anchor_revision", "outdated", "paragraph", "paragraph_text", "quote", "prefix", "suffix"],
    )


# --- What people are shown ------------------------------------------------------------------


@dataclass
class Thread:
    comment: Comment
    replies: list[CommentReply]
    anchor: Anchor | None  # in the revision shown; None when outdated
    location: str = ""
    may_reply: bool = False
    may_resolve: bool = False

    @property
    def id(self) -> int:
        return self.comment.pk

    @property
    def outdated(self) -> bool:
        return self.anchor is None

    @property
    def resolved(self) -> bool:
        return self.comment.resolved

    @property
    def passage(self) -> str:
        """The words the comment is about, as they are in the revision shown (or were)."""
        if self.anchor is None:
            return self.comment.original_quote
        return self.anchor.quote


@dataclass
class Segment:
    text: str
    thread: int | None = None  # the comment highlighting this part of the text


@dataclass
class CommentedParagraph:
    paragraph: Paragraph
    segments: list[Segment]
    threads: list[Thread]


@dataclass
class ReviewComments:
    revision: Revision
    paragraphs: list[CommentedParagraph]
    outdated: list[Thread] = field(default_factory=list)
    may_comment: bool = False
    may_reply: bool = False

    @property
    def threads(self) -> list[Thread]:
        return [t for p in self.paragraphs for t in p.threads] + self.outdated

    @property
    def unresolved(self) -> list[Thread]:
        return [t for t in self.threads if not t.resolved]

    @property
    def resolved(self) -> list[Thread]:
        return [t for t in self.threads if t.resolved]


def _segments(text: str, threads: list[Thread]) -> list[Segment]:
    """The paragraph's text split so each open comment's passage can be highlighted; where two
    passages overlap, the earlier one is marked."""
    spans = sorted(
        (t.anchor.start, t.anchor.start + len(t.anchor.quote), t.id)
        for t in threads
        if t.anchor and t.anchor.quote and not t.resolved and t.anchor.start >= 0
    )
    segments, pos = [], 0
    for start, end, thread in spans:
        if start < pos:
            continue
        if start > pos:
            segments.append(Segment(text[pos:start]))
        segments.append(Segment(text[start:end], thread))
        pos = end
    if pos < len(text):
        segments.append(Segment(text[pos:]))
    return segments


def for_review(content: ReviewedContent, revision: Revision, user=None) -> ReviewComments:
    """Every comment on `content`, placed in `revision`'s text, for the change page and the
    review screen (template `admin/articles/comments.html`). Two queries (comments, replies),
    whatever their number; one when there are none. With `user`, each
    thread says whether that person may reply or resolve."""
    comments = list(
        Comment.objects.filter(
            content_type=_content_type(content), object_id=content.pk
        ).prefetch_related("replies")
    )
    paras = paragraphs(revision)
    by_index: dict[int, list[Thread]] = {p.index: [] for p in paras}
    outdated: list[Thread] = []
    location = {p.index: p.location for p in paras}
    permissions = workflow.permissions(content, user) if user is not None else None
    replying = permissions is not None and permissions.may("comment_reply")
    for comment in comments:
        if comment.outdated:
            anchor = None
        elif comment.anchor_revision_id == revision.pk:
            anchor = _anchor_of(comment)
        else:
            anchor = relocate(_anchor_of(comment), paras)
        thread = Thread(
            comment,
            list(comment.replies.all()),
            anchor,
            location=location.get(anchor.paragraph, "") if anchor else "",
            may_reply=replying,
            may_resolve=permissions is not None
            and may_resolve(content, comment, user, permissions),
        )
        if anchor is None or anchor.paragraph not in by_index:
            thread.anchor = None
            outdated.append(thread)
        else:
            by_index[anchor.paragraph].append(thread)
    return ReviewComments(
        revision=revision,
        paragraphs=[
            CommentedParagraph(p, _segments(p.text, by_index[p.index]), by_index[p.index])
            for p in paras
        ],
        outdated=outdated,
        may_comment=permissions is not None and permissions.may("comment"),
        may_reply=replying,
    )


@dataclass(frozen=True)
class ChangesRequested:
    reviewer: str
    comment: str
    at: Any
    revision_number: int | None


def latest_changes_request(content: ReviewedContent) -> ChangesRequested | None:
    """The reviewer's note that sent the content back, while it is waiting for the writer's
    changes. One query, and none in any other state."""
    if content.state != State.CHANGES_REQUESTED:
        return None
    event = (
        AuditEvent.objects.filter(
            content_type=_content_type(content), object_id=content.pk, action="request_changes"
        )
        .select_related("actor__profile")
        .order_by("-sequence")
        .first()
    )
    if event is None:
        return None
    return ChangesRequested(
        reviewer=display_name(event.actor) if event.actor else event.actor_name,
        comment=event.detail.get("comment", ""),
        at=event.created_at,
        revision_number=event.revision_number,
    )
