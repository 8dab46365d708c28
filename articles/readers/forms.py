"""The information-request and newsletter sign-up forms: the minimum the clinic needs, each field
with its size limit, and consent as a separate box nobody ticks for the reader."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles.readers import consent
from articles.readers.models import ConsentPurpose, InformationRequest, NewsletterSubscription
from articles.readers.protection import ProtectedForm

PHONE = re.compile(r"[0-9+()\-. ]+")
MEDICAL_WARNING = _(
    "Please do not include medical details, such as symptoms, diagnoses or treatments: this form "
    "is not a safe place for them, and we do not need them to answer you."
)


def _limit(model_field: str) -> int:
    return InformationRequest._meta.get_field(model_field).max_length


class ConsentField(forms.BooleanField):
    """A required, unticked box whose label is the exact current wording for `purpose`."""

    def __init__(self, purpose: str) -> None:
        super().__init__(
            required=True,
            label=consent.wording(purpose).text,
            error_messages={
                "required": _("Tick the box to agree, or we cannot keep your details.")
            },
        )


class MultiLineField(forms.CharField):
    """Text with line breaks counted as the browser counts them (one character each): browsers
    send each as CR LF, which would otherwise make a message at the limit too long."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


class InformationRequestForm(ProtectedForm):
    name = forms.CharField(
        label=_("Your name"),
        max_length=_limit("name"),
        widget=forms.TextInput({"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=_limit("email"),
        widget=forms.EmailInput({"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone number (optional)"),
        max_length=_limit("phone"),
        required=False,
        widget=forms.TextInput({"autocomplete": "tel", "type": "tel"}),
    )
    preferred_contact_time = forms.CharField(
        label=_("When we may call you (optional)"),
        max_length=_limit("preferred_contact_time"),
        required=False,
        help_text=_("For example: weekday mornings."),
    )
    message = MultiLineField(
        label=_("Message (optional)"),
        max_length=_limit("message"),
        required=False,
        widget=forms.Textarea({"rows": 4}),
        help_text=MEDICAL_WARNING,
    )
    consent = ConsentField(ConsentPurpose.INFORMATION_REQUEST)

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if phone and not PHONE.fullmatch(phone):
            raise forms.ValidationError(
                gettext("Phone number: use digits, spaces and + ( ) - only."), code="phone"
            )
        return phone

    def details(self) -> dict[str, str]:
        """What the reader gave, as `information_requests.submit` takes it."""
        return {
            field: self.cleaned_data[field]
            for field in ("name", "email", "phone", "preferred_contact_time", "message")
        }


class NewsletterForm(ProtectedForm):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=NewsletterSubscription._meta.get_field("email").max_length,
        widget=forms.EmailInput({"autocomplete": "email"}),
    )
    consent = ConsentField(ConsentPurpose.NEWSLETTER)
