"""Sign-in with an authenticator code, enrolling one, and the signature certification."""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from articles.accounts import factors

CODE_LABEL = _("Authenticator code")


def code_field(label: str | Promise = CODE_LABEL) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
        help_text=_("The 6-digit code your authenticator app shows now."),
    )


class SignInForm(AdminAuthenticationForm):
    """The staff sign-in: user name, password and, for anyone with an authenticator, its code.
    A wrong or missing code counts as a failed sign-in toward the lockout."""

    otp_token = code_field()

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "bad_code": _(
            "Enter the current code from your authenticator app (each code works once; "
            "after a wrong one, wait a few seconds)."
        ),
    }

    def clean(self):
        cleaned = super().clean()
        user = self.user_cache
        if user is not None and factors.has_factor(user):
            device = factors.verify(user, self.cleaned_data.get("otp_token", ""))
            if device is None:
                user_login_failed.send(
                    sender=type(self),
                    credentials={"username": user.get_username()},
                    request=self.request,
                )
                raise forms.ValidationError(self.error_messages["bad_code"], code="bad_code")
            # django-otp marks the session verified when it sees this at login.
            user.otp_device = device
        return cleaned


class EnrollForm(forms.Form):
    otp_token = code_field(_("Code from your app"))


class CertifyForm(forms.Form):
    username = forms.CharField(
        label=_("Your user name"), widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp_token = code_field()
