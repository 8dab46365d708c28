"""The "Report a problem with this page" form."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from articles.readers.feedback import MESSAGE_MAX_LENGTH
from articles.readers.models import FeedbackKind
from articles.readers.protection import ProtectedForm

MESSAGE_WARNING = _(
    "Please do not include personal medical details (your symptoms, diagnoses or treatment): "
    "we cannot give medical advice here, and we do not need them to correct a page."
)


class MessageField(forms.CharField):
    def to_python(self, value):
        # Browsers send line breaks as CRLF but count them as one character against maxlength;
        # count them the same way here.
        return super().to_python(value).replace("\r\n", "\n")


class ReportProblemForm(ProtectedForm):
    # The live revision the reader's page showed: the report is about that version.
    revision = forms.IntegerField(
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={
            code: _("This form is out of date. Open it again from the article's page.")
            for code in ("required", "invalid", "min_value")
        },
    )
    kind = forms.ChoiceField(
        label=_("What is the problem?"),
        choices=FeedbackKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what kind of problem you found.")},
    )
    message = MessageField(
        label=_("What should we look at?"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=format_lazy(
            _("Up to {limit} characters. {warning}"),
            limit=f"{MESSAGE_MAX_LENGTH:,}",
            warning=MESSAGE_WARNING,
        ),
        error_messages={
            "required": _("Tell us what is wrong: which sentence, link or number, and why."),
            "max_length": (
                _(
                    "Your message is %(show_value)s characters long; please shorten it to "
                    "%(limit_value)s or fewer."
                )
            ),
        },
    )
