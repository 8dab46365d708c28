"""Review comments: a reviewer's or editor's remark on a passage or a paragraph of the body.

A comment is anchored by what it is about, not by offsets: the quoted passage (empty for a whole
paragraph), a few characters of text on either side, the paragraph's text and its position. When
a new revision is saved, `articles.comments.follow` finds the passage again and moves the anchor
(`anchor_revision`); when it is gone, the comment is `outdated` and keeps its original words.
Comments are staff working notes: they are never part of a revision's content, its hash or the
public page. Written only through `articles.comments`, which audits every change.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from articles.models.immutable import ImmutableModel


class Comment(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    # The revision the commenter was reading, and the one the anchor was last placed in.
    revision = models.ForeignKey(
        "articles.Revision", on_delete=models.PROTECT, related_name="comments"
    )
    anchor_revision = models.ForeignKey(
        "articles.Revision", on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_comments"
    )
    author_name = models.CharField(max_length=200)
    text = models.TextField()
    # The anchor, as of `anchor_revision`: paragraph position (from 1, every block of the body
    # counts), its text, the quoted passage ("" for the whole paragraph) and its surroundings.
    paragraph = models.PositiveIntegerField()
    paragraph_text = models.TextField()
    quote = models.TextField(blank=True)
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    # The passage as first commented on, shown when it is gone.
    original_quote = models.TextField(blank=True)
    outdated = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_by_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"comment by {self.author_name}"

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None


class CommentReply(ImmutableModel):
    """One answer in a comment's thread. Replies are records: never edited or deleted."""

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(max_length=200)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"reply by {self.author_name}"
