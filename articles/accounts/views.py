"""Screens for one's own account: setting up the authenticator, signing the certification,
changing or resetting one's password. Each calls `factors` or `people`, which audit."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext
from django_otp import login as otp_login

from articles import notifications, signing
from articles.accounts import factors, people
from articles.accounts.forms import CertifyForm, EnrollForm
from articles.roles import signs_approvals


def _page(request: HttpRequest, template: str, title: str, **context) -> TemplateResponse:
    return TemplateResponse(
        request, template, {**admin.site.each_context(request), "title": title, **context}
    )


def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up one's own authenticator app: scan the QR code (or type the secret), then enter a
    code to prove it works."""
    user = request.user
    if factors.has_factor(user):
        return _page(
            request,
            "admin/accounts/two_factor.html",
            gettext("Two-step sign-in"),
            enrolled=True,
            pending_reset=people.pending_factor_reset(user),
        )
    device = factors.pending_device(user)
    form = EnrollForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = factors.confirm_enrollment(user, form.cleaned_data["otp_token"])
        if confirmed is not None:
            otp_login(request, confirmed)
            messages.success(request, gettext("Your authenticator app is set up."))
            return HttpResponseRedirect(_next_step(user))
        form.add_error(
            "otp_token",
            gettext(
                "That code is not correct, or came too soon after a wrong one. Wait a few seconds, "
                "then enter the code the app shows now."
            ),
        )
    return _page(
        request,
        "admin/accounts/two_factor.html",
        gettext("Set up two-step sign-in"),
        enrolled=False,
        form=form,
        qr_svg=factors.qr_code_svg(device),
        secret=factors.secret_text(device),
        required=factors.requires_two_factor(user),
    )


def _next_step(user) -> str:
    if signs_approvals(user) and not signing.has_certified(user):
        return reverse("certify_signature")
    return reverse("admin:index")


def certify_signature(request: HttpRequest) -> HttpResponse:
    """A medical reviewer's one-time statement that their electronic signature binds them."""
    user = request.user
    is_reviewer = signs_approvals(user)
    certification = getattr(user, "signer_certification", None) if is_reviewer else None
    form = CertifyForm(request.POST or None)
    if is_reviewer and certification is None and request.method == "POST" and form.is_valid():
        try:
            people.certify_signature(user, **form.cleaned_data)
        except people.AccountRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request, gettext("Your certification is recorded. You can now approve.")
            )
            return HttpResponseRedirect(reverse("admin:index"))
    return _page(
        request,
        "admin/accounts/certify.html",
        gettext("Signature certification"),
        is_reviewer=is_reviewer,
        certification=certification,
        has_factor=factors.has_factor(user),
        statement=signing.CERTIFICATION_STATEMENT,
        form=form,
    )


def password_change(request: HttpRequest) -> HttpResponse:
    """The admin's own password change, audited when it succeeds."""
    response = admin.site.password_change(request)
    if request.method == "POST" and response.status_code == 302:
        people.password_changed(request.user, how="changed while signed in")
    return response


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Choosing a new password from an emailed link; audited."""

    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        people.password_changed(form.user, how="reset link")
        return response


def email_preferences(request: HttpRequest) -> HttpResponse:
    """Which workflow emails one receives: one checkbox for each kind one's roles may bring."""
    user = request.user
    if request.method == "POST":
        notifications.set_receives(user, set(request.POST.getlist("receive")))
        messages.success(request, gettext("Your email choices are saved."))
        return HttpResponseRedirect(reverse("email_preferences"))
    choices = [
        {"kind": kind.value, "label": kind.label, "checked": on}
        for kind, on in notifications.receives(user).items()
    ]
    return _page(
        request,
        "admin/accounts/email_preferences.html",
        gettext("Email preferences"),
        choices=choices,
    )
