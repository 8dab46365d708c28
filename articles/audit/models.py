"""The append-only audit trail. Each event carries the hash of the one before it.

The tables keep the names they had in `articles` (`db_table`), so the PostgreSQL triggers that
refuse rewriting events (articles migration 0012) still guard them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from articles.models.immutable import ImmutableModel


class AuditEvent(ImmutableModel):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, help_text=_("Username, or 'system' for jobs."))
    action = models.CharField(max_length=40, db_index=True)
    content_type = models.ForeignKey(ContentType, null=True, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField(null=True)
    object_repr = models.CharField(max_length=255, blank=True)
    revision_id = models.PositiveBigIntegerField(null=True)
    revision_number = models.PositiveIntegerField(null=True)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    sequence = models.PositiveBigIntegerField(unique=True)
    # The content hash of `revision_id` when the event was written, so the keyed chain vouches
    # for every revision it names (`articles.audit.records`).
    revision_hash = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    # HMAC-SHA256 under the key named by key_id (`articles.audit.keys`); "" for events written
    # before the trail was keyed, which only verify as an unbroken prefix of the chain.
    key_id = models.CharField(max_length=12, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        db_table = "articles_auditevent"
        ordering = ["sequence"]
        indexes = [models.Index(fields=["content_type", "object_id", "sequence"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.actor_name} {self.action} {self.object_repr}"


class AuditHead(models.Model):
    """One row: the last event's sequence and hash. Locking it serializes appends, and comparing
    it with the table reveals events deleted from the end of the chain."""

    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        db_table = "articles_audithead"

    def __str__(self) -> str:
        return f"audit head #{self.sequence}"
