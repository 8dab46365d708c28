"""The newsletter, with double opt-in.

Signing up stores the address unconfirmed and emails it a confirmation link (signed, expiring
after NEWSLETTER_CONFIRM_HOURS); nothing else is sent until the link is followed. Signing up
again with the same address sends a new link and looks exactly the same to whoever asked, so the
form cannot be used to find out who subscribes. The unsubscribe link (`unsubscribe_url`: signed,
never expiring) is sent to a confirmed address that signs up again; Vetted does not send
newsletters itself, and whatever sends them must carry it. Unsubscribing deletes the
subscription, address and all.

Addresses are compared and stored in lower case, so one person cannot be subscribed twice.
Links carry only the subscription's signed id, never the address.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from articles import audit, mail
from articles.models import Prompt, PromptKind
from articles.public.site import absolute_url
from articles.readers import consent
from articles.readers.access import require_admin
from articles.readers.models import ConsentPurpose, NewsletterSubscription

log = logging.getLogger(__name__)
# A confirmation link is sent again for the same address at most this often.
RESEND_AFTER = timedelta(minutes=15)

CONFIRM_SALT = "vetted.readers.newsletter.confirm"
UNSUBSCRIBE_SALT = "vetted.readers.newsletter.unsubscribe"


class InvalidLink(Exception):
    """A confirmation or unsubscribe link that is tampered with, expired or for nothing."""

    def __init__(self, reason: str):
        self.reason = reason  # "expired", "invalid" (not genuine) or "gone"
        super().__init__(reason)


def confirm_window() -> timedelta:
    return timedelta(hours=settings.NEWSLETTER_CONFIRM_HOURS)


def newsletter_prompt(prompt_id: str | int | None) -> Prompt | None:
    """The live newsletter prompt a sign-up came from, if the id names one."""
    if not str(prompt_id or "").isdigit():
        return None
    return (
        Prompt.objects.live()
        .filter(pk=int(prompt_id), kind=PromptKind.NEWSLETTER)
        .select_related("live_revision")
        .first()
    )


# --- Links --------------------------------------------------------------------------------------


def confirm_token(subscription: NewsletterSubscription) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(str(subscription.pk))


def unsubscribe_token(subscription: NewsletterSubscription) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(subscription.pk))


def confirm_url(subscription: NewsletterSubscription) -> str:
    return absolute_url(reverse("readers:newsletter_confirm", args=[confirm_token(subscription)]))


def unsubscribe_url(subscription: NewsletterSubscription) -> str:
    return absolute_url(
        reverse("readers:newsletter_unsubscribe", args=[unsubscribe_token(subscription)])
    )


def _subscription(signed_id: str) -> NewsletterSubscription:
    found = NewsletterSubscription.objects.filter(pk=int(signed_id)).first()
    if found is None:
        raise InvalidLink("gone")  # genuine, but unsubscribed or deleted unconfirmed since
    return found


def subscription_to_confirm(token: str) -> NewsletterSubscription:
    """The subscription a confirmation link names; InvalidLink if it is expired or not genuine."""
    try:
        signed_id = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(
            token, max_age=confirm_window()
        )
    except signing.SignatureExpired:
        raise InvalidLink("expired") from None
    except signing.BadSignature:
        raise InvalidLink("invalid") from None
    return _subscription(signed_id)


def subscription_to_end(token: str) -> NewsletterSubscription:
    """The subscription an unsubscribe link names; InvalidLink if it is not genuine or the
    subscription has ended already ("gone")."""
    try:
        signed_id = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        raise InvalidLink("invalid") from None
    return _subscription(signed_id)


# --- Signing up, confirming, leaving -----------------------------------------------------------


def sign_up(email: str, prompt: Prompt | None = None) -> None:
    """Store (or refresh) an unconfirmed sign-up and send the confirmation link. An address that
    is subscribed already is emailed that it is, with its unsubscribe link: its owner is told,
    whoever asked learns nothing (the page is the same)."""
    address = email.strip().lower()
    with transaction.atomic():
        subscription, created = NewsletterSubscription.objects.select_for_update().get_or_create(
            email=address,
            defaults={
                "consent": consent.current(ConsentPurpose.NEWSLETTER),
                "consented_at": timezone.now(),
                "prompt": prompt,
            },
        )
        if not created and subscription.confirmed_at is None:
            if subscription.consented_at > timezone.now() - RESEND_AFTER:
                # Asked again within minutes: the link already sent still works. Anyone can type
                # anyone's address, so repeats must not become a way to flood their inbox.
                return
            # Agreed again, to the wording shown now; the new link's window starts now.
            subscription.consent = consent.current(ConsentPurpose.NEWSLETTER)
            subscription.consented_at = timezone.now()
            subscription.save(update_fields=["consent", "consented_at"])
        transaction.on_commit(lambda: _send_confirmation(subscription), robust=True)


def _send_confirmation(subscription: NewsletterSubscription) -> None:
    body = render_to_string(
        "readers/email/newsletter_confirm.txt",
        {
            "confirm_url": confirm_url(subscription),
            "hours": settings.NEWSLETTER_CONFIRM_HOURS,
            # An address already confirmed is told so, with the way out, instead of a new link.
            "unsubscribe_url": unsubscribe_url(subscription) if subscription.confirmed_at else "",
        },
    )
    try:
        mail.send_after_commit(
            [mail.Message(subject=gettext("Confirm your newsletter subscription"), body=body,
                          to=[subscription.email])]
        )  # fmt: skip
    except Exception:  # the reader can ask again; the page must not fail for a queue outage
        log.exception("Could not queue newsletter subscription %s its link", subscription.pk)


def confirm(subscription: NewsletterSubscription) -> NewsletterSubscription:
    with transaction.atomic():
        locked = NewsletterSubscription.objects.select_for_update().get(pk=subscription.pk)
        if locked.confirmed_at is None:
            locked.confirmed_at = timezone.now()
            locked.save(update_fields=["confirmed_at"])
            audit.record("newsletter_confirmed", obj=locked)
    return locked


def unsubscribe(subscription: NewsletterSubscription) -> None:
    """Delete the subscription; the audit trail keeps only that subscription #id ended."""
    with transaction.atomic():
        audit.record("newsletter_unsubscribed", obj=subscription)
        subscription.delete()


def remove(subscription: NewsletterSubscription, user) -> None:
    """An admin deleting a subscription (the reader asked by other means)."""
    require_admin(user, "delete newsletter subscriptions")
    with transaction.atomic():
        audit.record("newsletter_subscription_deleted", actor=user, obj=subscription)
        subscription.delete()
