"""Records about the people who sign: a reviewer's one-time certification that their electronic
signature binds them, and the two-person procedure that resets someone's second factor.

The tables keep the names they had when these models were part of `articles` (`db_table`): the
move into their own app changed no data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from articles.models.immutable import ImmutableModel


class SignerCertification(ImmutableModel):
    """A medical reviewer's statement, signed once before their first approval, that their
    electronic signature is the legally binding equivalent of their handwritten one (in the
    manner of 21 CFR 11.100(c)). Written once, never changed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signer_certification"
    )
    signer_name = models.CharField(max_length=255)
    statement = models.TextField()
    certified_at = models.DateTimeField()

    class Meta:
        db_table = "articles_signercertification"

    def __str__(self) -> str:
        return f"certification by {self.signer_name} at {self.certified_at:%Y-%m-%d %H:%M}"


class FactorReset(models.Model):
    """One admin asks to remove a person's authenticator; a different admin confirms it. Until
    confirmed, nothing changes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="factor_resets"
    )
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "articles_factorreset"
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"factor reset for {self.user} requested by {self.requested_by}"


class AccountChange(models.Model):
    """A change to someone's account that two admins make: one asks, a different one (not the
    person) confirms, and only then is it applied. `kind` says what: a new email address (where
    reset links go) or a role that signs or runs accounts (Admin, Medical reviewer)."""

    EMAIL = "email"
    ROLE = "role"
    KINDS = [(EMAIL, _("email address")), (ROLE, _("role"))]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_changes"
    )
    kind = models.CharField(max_length=10, choices=KINDS)
    value = models.CharField(max_length=254, help_text=_("The new address, or the role's name."))
    reason = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "articles_accountchange"
        ordering = ["requested_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value} for {self.user}"

    @property
    def what(self) -> str:
        """What was asked, in a few words: "<admin> asked to <what>"."""
        if self.kind == self.EMAIL:
            return f"change the email address to {self.value}"
        return f"give {self.user} the {self.value} role"


class EmailKind(models.TextChoices):
    """The kinds of workflow email a person may turn off (articles.notifications)."""

    SUBMITTED = "submitted", _("Content submitted for medical review")
    ASSIGNED = "assigned", _("A review assigned to you")
    DECISION = "decision", _("A reviewer's decision on your content")
    APPROVED = "approved", _("Content approved and ready to publish")
    EXPIRING = "expiring", _("An approval expiring within 30 days")
    RETRACTED = "retracted", _("A cited source found retracted")


class EmailOptOut(models.Model):
    """One kind of email a person asked not to receive. No row: they receive it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_opt_outs"
    )
    kind = models.CharField(max_length=20, choices=EmailKind.choices)

    class Meta:
        db_table = "articles_emailoptout"
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_opt_out_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user} receives no “{self.get_kind_display()}” email"
