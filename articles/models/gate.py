"""Records the publication gate keeps: a medical reviewer's override of one finding."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from articles.models.immutable import ImmutableModel


class GateOverride(ImmutableModel):
    """A medical reviewer judged that one sentence's claim may stand without a citation.

    Keyed to the content object, the finding's code and the exact sentence (by its SHA-256), not
    to a revision: the override keeps applying while later revisions keep the sentence word for
    word, and lapses as soon as the sentence changes. `revision` records which revision the
    reviewer was looking at. Written only by `articles.workflow.override_finding`, which also
    appends an audit event; like signatures, overrides are records and never change.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    code = models.CharField(max_length=40)
    sentence = models.TextField()
    sentence_hash = models.CharField(max_length=64)
    revision = models.ForeignKey(
        "articles.Revision", on_delete=models.PROTECT, related_name="gate_overrides"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gate_overrides"
    )
    reviewer_name = models.CharField(max_length=200)
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "code", "sentence_hash"],
                name="one_override_per_finding",
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.code} overridden by {self.reviewer_name}"
