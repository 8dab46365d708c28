"""What readers send the clinic: information requests, newsletter sign-ups and reports of problems
with a page. Personal data lives only here, is minimal, carries the exact consent text the reader
agreed to, and is deleted after the retention period (`articles.readers.retention`).

The tables keep the names they had when these models were part of `articles` (`db_table`): the
move into their own app changed no data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ConsentPurpose(models.TextChoices):
    INFORMATION_REQUEST = "information_request", _("Information request")
    NEWSLETTER = "newsletter", _("Newsletter")


class ConsentText(models.Model):
    """One version of the wording a reader agrees to. Never edited: new wording, new version."""

    purpose = models.CharField(max_length=32, choices=ConsentPurpose.choices)
    version = models.PositiveIntegerField()
    text = models.TextField()
    sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "articles_consenttext"
        ordering = ["purpose", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="consent_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} consent v{self.version}"


class Consented(models.Model):
    """What every record of personal data keeps about the reader's consent."""

    consent = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="+")
    consented_at = models.DateTimeField()
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        abstract = True


class RequestStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    CLOSED = "closed", _("Closed")
    SPAM = "spam", _("Spam")


class InformationRequest(Consented):
    """A reader asking for the information packet or a consultation behind a prompt."""

    name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=32, blank=True)
    preferred_contact_time = models.CharField(max_length=80, blank=True)
    message = models.TextField(max_length=1000, blank=True)
    prompt = models.ForeignKey(
        "articles.Prompt", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The prompt's live revision the reader answered: what exactly they were offered.
    prompt_revision = models.ForeignKey(
        "articles.Revision", null=True, on_delete=models.PROTECT, related_name="+"
    )
    article = models.ForeignKey(
        "articles.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    page_url = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.NEW, db_index=True
    )

    class Meta:
        db_table = "articles_informationrequest"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Information request #{self.pk}"


class NewsletterSubscription(Consented):
    """Double opt-in: nothing is sent until `confirmed_at`; unsubscribing keeps no address."""

    email = models.EmailField(max_length=254, unique=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    prompt = models.ForeignKey(
        "articles.Prompt", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "articles_newslettersubscription"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Newsletter subscription #{self.pk}"


class FeedbackKind(models.TextChoices):
    WRONG_INFORMATION = "wrong_information", _("Wrong or out-of-date information")
    BROKEN_SOURCE = "broken_source", _("A source link does not work")
    OTHER = "other", _("Something else")


class FeedbackStatus(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    DISMISSED = "dismissed", _("Dismissed")
    SPAM = "spam", _("Spam")


class Feedback(models.Model):
    """ "Report a problem with this page": kept with the article and the revision the reader saw."""

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="feedback"
    )
    revision = models.ForeignKey("articles.Revision", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=FeedbackKind.choices)
    message = models.TextField(max_length=2000)
    status = models.CharField(
        max_length=16, choices=FeedbackStatus.choices, default=FeedbackStatus.NEW, db_index=True
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "articles_feedback"
        ordering = ["-created_at"]
        verbose_name_plural = _("feedback")

    def __str__(self) -> str:
        return f"Feedback #{self.pk} on {self.article_id}"
