"""Frozen content and the signatures that approve it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models.immutable import ImmutableModel


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 over a canonical JSON form, so equal content always gives an equal hash."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Revision(ImmutableModel):
    """One save of an article or prompt: what a reader would see, frozen, with its hash."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    content_hash = models.CharField(max_length=64, db_index=True)
    change_summary = models.CharField(max_length=255, blank=True)
    # The sources this revision cites, for questions like "what cites this retracted study?".
    cited_sources = models.ManyToManyField("evidence.Source", blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["content_type", "object_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "number"], name="revision_number_unique"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"revision {self.number}"

    def matches_content(self) -> bool:
        return content_hash(self.content) == self.content_hash


class SignatureRole(models.TextChoices):
    MEDICAL = "medical", _("Medical approval")
    # PROMOTIONAL_SECOND_REVIEW: promotional content also needs a compliance reviewer's signature.
    COMPLIANCE = "compliance", _("Compliance approval")


class Signature(ImmutableModel):
    """A reviewer's electronic signature over exactly one revision's content hash: the medical
    approval, or (promotional content, PROMOTIONAL_SECOND_REVIEW) the compliance approval."""

    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="signatures")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures"
    )
    reviewer_name = models.CharField(max_length=200)
    reviewer_credentials = models.CharField(max_length=200, blank=True)
    meaning = models.TextField()
    content_hash = models.CharField(max_length=64)
    comment = models.TextField(blank=True)
    signed_at = models.DateTimeField()
    valid_until = models.DateTimeField(db_index=True)
    role = models.CharField(
        max_length=20, choices=SignatureRole.choices, default=SignatureRole.MEDICAL
    )

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"{self.reviewer_name} on {self.signed_at:%Y-%m-%d}"

    @property
    def binds_revision(self) -> bool:
        """True while the signed hash is the hash of the revision's content as stored."""
        return self.content_hash == self.revision.content_hash and self.revision.matches_content()


class Rendering(models.Model):
    """A live revision as the public page shows it, rendered once when it goes live.

    Published revisions never change, so the body with its linked citation markers, the reference
    list, the JSON-LD and the whole page around them are made at publish time and read, never
    recomputed, per request (`articles.rendering`)."""

    revision = models.OneToOneField(
        Revision, primary_key=True, on_delete=models.CASCADE, related_name="rendering"
    )
    body_html = models.TextField()
    references_html = models.TextField(blank=True)
    json_ld = models.TextField(blank=True)
    # The complete HTML document of the article page and its strong ETag.
    page_html = models.TextField(blank=True)
    etag = models.CharField(max_length=64, blank=True)
    # What page_html was rendered with (templates, site address, renderer version): a page made
    # with anything else is rendered again on its next view.
    render_key = models.CharField(max_length=64, blank=True)
    # When the first prompt on the page expires; the page is rendered again from then on.
    live_until = models.DateTimeField(null=True, blank=True)
    # When page_html last changed: the publication for a page rendered at publish time.
    rendered_at = models.DateTimeField(default=timezone.now)
    # "<key id>:<HMAC>" over the revision, its hash and the stored page (`articles.rendering.seal`):
    # a page changed in the database is never served, and `verify_audit` names it.
    seal = models.CharField(max_length=80, blank=True)

    def __str__(self) -> str:
        return f"rendering of {self.revision}"
