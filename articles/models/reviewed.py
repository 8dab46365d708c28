"""The part every kind of reviewed content shares: its workflow state and its revisions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    UNPUBLISHED = "unpublished", _("Unpublished")


# The periodic jobs run every minute; later than this, a scheduled publication was missed.
SCHEDULE_GRACE = timedelta(minutes=3)


class ReviewedContentQuerySet(models.QuerySet):
    def live(self, now=None) -> ReviewedContentQuerySet:
        """What the public may see: a live revision inside its go-live/expiry window."""
        now = now or timezone.now()
        return self.filter(live_revision__isnull=False).filter(
            Q(expire_at__isnull=True) | Q(expire_at__gt=now)
        )

    def published(self, now=None) -> ReviewedContentQuerySet:
        return self.live(now)

    def awaiting_review(self) -> ReviewedContentQuerySet:
        return self.filter(state=State.IN_REVIEW).order_by("submitted_at", "pk")

    def changes_requested_of(self, user) -> ReviewedContentQuerySet:
        return self.filter(state=State.CHANGES_REQUESTED, owner=user)

    def drafts_of(self, user) -> ReviewedContentQuerySet:
        return self.filter(owner=user, state__in=[State.DRAFT, State.CHANGES_REQUESTED])

    def approved_waiting(self) -> ReviewedContentQuerySet:
        return self.filter(state=State.APPROVED, scheduled_at__isnull=True)

    def scheduled(self) -> ReviewedContentQuerySet:
        return self.filter(state=State.APPROVED, scheduled_at__isnull=False)

    def due_for_publication(self, now=None) -> ReviewedContentQuerySet:
        return self.scheduled().filter(scheduled_at__lte=now or timezone.now())

    def schedule_missed(self, now=None) -> ReviewedContentQuerySet:
        """Scheduled content still unpublished well after its time: the periodic jobs are not
        running, or they could not publish it (the gate refused, say)."""
        late = (now or timezone.now()) - SCHEDULE_GRACE
        return self.scheduled().filter(scheduled_at__lt=late)

    def due_for_expiry(self, now=None) -> ReviewedContentQuerySet:
        return self.filter(live_revision__isnull=False, expire_at__lte=now or timezone.now())

    def assigned_to(self, user) -> ReviewedContentQuerySet:
        return self.awaiting_review().filter(reviewer=user)

    def review_late(self, now=None) -> ReviewedContentQuerySet:
        """In review past the due date an editor set."""
        return self.filter(state=State.IN_REVIEW, review_due_at__lt=now or timezone.now())

    def approval_expiring(self, now=None, days: int = 30) -> ReviewedContentQuerySet:
        """Live content whose approval runs out within `days` (and has not yet)."""
        now = now or timezone.now()
        return self.filter(
            live_revision__isnull=False,
            live_signature__valid_until__gt=now,
            live_signature__valid_until__lte=now + timedelta(days=days),
        )

    def review_overdue(self, now=None) -> ReviewedContentQuerySet:
        return self.filter(
            live_revision__isnull=False, live_signature__valid_until__lte=now or timezone.now()
        )


# The fields the workflow engine owns. Only `articles.workflow` writes them (with update_fields);
# a plain save of an existing row leaves them alone, so a stale instance (an editor's form, a
# shell session) cannot undo a transition made meanwhile.
class CannotGoLive(Exception):
    """Raised by `going_live` when the content cannot be published as it is; the message says
    why and what to do. The workflow refuses the transition with it (as `WrongState`)."""


WORKFLOW_FIELDS = (
    "state", "owner", "latest_revision", "live_revision", "live_signature", "submitted_at",
    "scheduled_at", "go_live_at", "expire_at", "first_published_at", "last_published_at",
    "review_overdue_notified_at", "reviewer", "review_due_at", "expiry_warned_at",
)  # fmt: skip


class ReviewedContent(models.Model):
    """Content a medical reviewer must approve before the public sees it.

    The editable fields of a concrete model are its working copy. Every save through
    `articles.workflow.save_revision` freezes them into an immutable `Revision`; approval binds to
    one revision's content hash, and the public sees only `live_revision`.
    """

    state = models.CharField(
        max_length=20, choices=State.choices, default=State.DRAFT, editable=False, db_index=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The writer responsible for this content."),
    )
    latest_revision = models.ForeignKey(
        "articles.Revision", null=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    live_revision = models.ForeignKey(
        "articles.Revision", null=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    live_signature = models.ForeignKey(
        "articles.Signature", null=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    submitted_at = models.DateTimeField(null=True, editable=False)
    # When the approved latest revision is to go live; kept apart from go_live_at so that
    # scheduling an update never moves or hides the revision that is live now.
    scheduled_at = models.DateTimeField(null=True, editable=False, db_index=True)
    # When the live revision went live.
    go_live_at = models.DateTimeField(null=True, editable=False)
    expire_at = models.DateTimeField(null=True, editable=False)
    first_published_at = models.DateTimeField(null=True, editable=False)
    last_published_at = models.DateTimeField(null=True, editable=False)
    review_overdue_notified_at = models.DateTimeField(null=True, editable=False)
    # The medical reviewer an editor named for the next review, and when it is due
    # (`workflow.assign_reviewer`); cleared once a reviewer decides.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    review_due_at = models.DateTimeField(null=True, editable=False, db_index=True)
    # When the owner and editors were told the live approval expires soon (once per approval).
    expiry_warned_at = models.DateTimeField(null=True, editable=False)
    # Where an imported item came from ("text:<title>", a WordPress GUID), so importing the same
    # file again updates the same drafts instead of duplicating them.
    import_key = models.CharField(max_length=500, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    revisions = GenericRelation("articles.Revision")

    # Fields of a concrete model that only the engine writes, besides WORKFLOW_FIELDS.
    engine_fields: tuple[str, ...] = ()

    objects = ReviewedContentQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding and not args and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in self.all_engine_fields()
            ]
        super().save(*args, **kwargs)

    @classmethod
    def all_engine_fields(cls) -> tuple[str, ...]:
        return (*WORKFLOW_FIELDS, *cls.engine_fields)

    def going_live(self, revision) -> None:
        """Hook: `revision` is about to go live (under the row lock, before the engine saves);
        `CannotGoLive` stops it."""

    def going_down(self) -> None:
        """Hook: nothing of this content will be live any more."""

    def revision_content(self) -> dict[str, Any]:
        """Everything a reader would see, as JSON-ready data. The content hash is taken over it."""
        raise NotImplementedError

    @property
    def promotional(self) -> bool:
        """Promotional content takes a compliance approval too, with PROMOTIONAL_SECOND_REVIEW."""
        return False

    @property
    def missed_schedule(self) -> bool:
        """As `ReviewedContentQuerySet.schedule_missed`, for one row already loaded."""
        return (
            self.state == State.APPROVED
            and self.scheduled_at is not None
            and self.scheduled_at < timezone.now() - SCHEDULE_GRACE
        )

    @property
    def is_live(self) -> bool:
        now = timezone.now()
        return self.live_revision_id is not None and (
            self.expire_at is None or self.expire_at > now
        )

    @property
    def has_unpublished_changes(self) -> bool:
        live = self.live_revision_id
        return live is not None and live != self.latest_revision_id
