"""Readers' information requests, newsletter subscriptions and the consent wordings, for the
Admin role only.

Who may see them is decided by `articles.readers.access.may_see_personal_data` (the Admin role;
a superuser without it is refused like everyone else), so the models are absent from everybody
else's workspace and their pages answer 403. Every change goes through the domain modules, which
check the role again and write the audit trail: requests are read-only here except their status.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy, ngettext

from articles.admin.history import AuditTrailHistory
from articles.readers import access, information_requests, newsletter
from articles.readers.models import (
    ConsentText,
    InformationRequest,
    NewsletterSubscription,
    RequestStatus,
)
from articles.workflow import WorkflowError


class AdminRoleOnly:
    """Model permissions are necessary, the Admin role is required."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return access.may_see_personal_data(request.user) and super().has_view_permission(
            request, obj
        )

    def has_change_permission(self, request, obj=None):
        return access.may_see_personal_data(request.user) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return access.may_see_personal_data(request.user) and super().has_delete_permission(
            request, obj
        )


def _consent_html(consent: ConsentText):
    return format_html(
        "{} (version {}, SHA-256 <code>{}</code>)<blockquote>{}</blockquote>",
        consent.get_purpose_display(),
        consent.version,
        consent.sha256,
        consent.text,
    )


@admin.register(InformationRequest)
class InformationRequestAdmin(AuditTrailHistory, AdminRoleOnly, admin.ModelAdmin):
    list_display = ("__str__", "created_at", "name", "email", "status", "offer", "withdrawn")
    list_filter = ("status", ("consent_withdrawn_at", admin.EmptyFieldListFilter))
    list_select_related = ("prompt",)
    date_hierarchy = "created_at"
    search_fields = ("name", "email")
    actions = (
        "mark_contacted",
        "mark_closed",
        "mark_spam",
        "withdraw_consent",
        "export_csv",
        "delete_selected",
    )
    fields = (
        "status",
        "name",
        "email",
        "phone",
        "preferred_contact_time",
        "message",
        "offer_answered",
        "page_url",
        "consent_given",
        "consented_at",
        "consent_withdrawn_at",
        "created_at",
    )
    readonly_fields = tuple(field for field in fields if field != "status")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("prompt", "prompt_revision", "consent")

    @admin.display(description=gettext_lazy("Offer"), ordering="prompt__name")
    def offer(self, item: InformationRequest) -> str:
        return item.prompt.name if item.prompt else "—"

    @admin.display(description=gettext_lazy("Consent withdrawn"), boolean=True)
    def withdrawn(self, item: InformationRequest) -> bool:
        return item.consent_withdrawn_at is not None

    @admin.display(description=gettext_lazy("Answered"))
    def offer_answered(self, item: InformationRequest):
        revision = item.prompt_revision
        if revision is None:
            return "—"
        return format_html(
            "{} — “{}” (revision {})",
            item.prompt.name if item.prompt else "a deleted prompt",
            revision.content.get("headline", ""),
            revision.number,
        )

    @admin.display(description=gettext_lazy("Consent given"))
    def consent_given(self, item: InformationRequest):
        return _consent_html(item.consent)

    def _refused(self, refusal: WorkflowError) -> PermissionDenied:
        return PermissionDenied(str(refusal))

    def save_model(self, request, obj, form, change):
        try:
            information_requests.set_status(obj, request.user, form.cleaned_data["status"])
        except WorkflowError as refusal:
            raise self._refused(refusal) from refusal

    def delete_model(self, request, obj):
        try:
            information_requests.delete(obj, request.user)
        except WorkflowError as refusal:
            raise self._refused(refusal) from refusal

    def delete_queryset(self, request, queryset):
        for item in queryset:
            self.delete_model(request, item)

    def _each(self, request, queryset, change, done: str) -> None:
        count = 0
        for item in queryset:
            try:
                change(item, request.user)
            except WorkflowError as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
                return
            count += 1
        self.message_user(
            request,
            ngettext("%(count)s request %(done)s.", "%(count)s requests %(done)s.", count)
            % {"count": count, "done": done},
        )

    def _mark(self, request, queryset, status: str) -> None:
        self._each(
            request,
            queryset,
            lambda item, user: information_requests.set_status(item, user, status),
            gettext("marked %(status)s") % {"status": RequestStatus(status).label.lower()},
        )

    @admin.action(
        description=gettext_lazy("Mark selected requests as contacted"), permissions=["change"]
    )
    def mark_contacted(self, request, queryset):
        self._mark(request, queryset, RequestStatus.CONTACTED)

    @admin.action(
        description=gettext_lazy("Mark selected requests as closed"), permissions=["change"]
    )
    def mark_closed(self, request, queryset):
        self._mark(request, queryset, RequestStatus.CLOSED)

    @admin.action(
        description=gettext_lazy("Mark selected requests as spam"), permissions=["change"]
    )
    def mark_spam(self, request, queryset):
        self._mark(request, queryset, RequestStatus.SPAM)

    @admin.action(
        description=gettext_lazy(
            "Withdraw consent: delete the reader's details now, keep the record"
        ),
        permissions=["change"],
    )
    def withdraw_consent(self, request, queryset):
        self._each(
            request,
            queryset,
            information_requests.withdraw_consent,
            gettext("emptied of personal data"),
        )

    @admin.action(description=gettext_lazy("Export selected requests as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        try:
            text = information_requests.export_csv(
                queryset, request.user, filters=information_requests.export_filters(request.GET)
            )
        except WorkflowError as refusal:
            raise self._refused(refusal) from refusal
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="information-requests.csv"'
        return response


@admin.register(NewsletterSubscription)
class NewsletterSubscriptionAdmin(AuditTrailHistory, AdminRoleOnly, admin.ModelAdmin):
    list_display = ("__str__", "email", "confirmed_at", "created_at")
    list_filter = (("confirmed_at", admin.EmptyFieldListFilter),)
    date_hierarchy = "created_at"
    search_fields = ("email",)
    fields = ("email", "confirmed_at", "consent_given", "consented_at", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("consent")

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("Consent given"))
    def consent_given(self, item: NewsletterSubscription):
        return _consent_html(item.consent)

    def delete_model(self, request, obj):
        try:
            newsletter.remove(obj, request.user)
        except WorkflowError as refusal:
            raise PermissionDenied(str(refusal)) from refusal

    def delete_queryset(self, request, queryset):
        for item in queryset:
            self.delete_model(request, item)


@admin.register(ConsentText)
class ConsentTextAdmin(AdminRoleOnly, admin.ModelAdmin):
    """Wordings are written in code (articles/readers/consent.py) and never edited."""

    list_display = ("__str__", "purpose", "version", "sha256", "created_at")
    list_filter = ("purpose",)
    fields = ("purpose", "version", "text", "sha256", "created_at")
    readonly_fields = fields
    actions = None

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
