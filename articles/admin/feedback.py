"""Reader feedback in the staff workspace, for the Admin role only.

Reports are read-only here: the only change is a moderation decision, made with the list's
actions or the buttons on a report's page, and both call `articles.readers.feedback.moderate`,
which checks the role and writes the audit event."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext, gettext_lazy, ngettext

from articles.admin.history import AuditTrailHistory
from articles.readers import feedback
from articles.readers.models import Feedback, FeedbackStatus

MESSAGE_PREVIEW_CHARS = 80

# The buttons and actions that decide a report.
DECIDE = {
    FeedbackStatus.ACCEPTED: "Accept: show it to the article's writer",
    FeedbackStatus.DISMISSED: "Dismiss",
    FeedbackStatus.SPAM: "Mark as spam",
}

DONE = {
    FeedbackStatus.ACCEPTED: gettext_lazy(
        "accepted: the article's writer, editors and reviewers see it"
    ),
    FeedbackStatus.DISMISSED: gettext_lazy("dismissed"),
    FeedbackStatus.SPAM: gettext_lazy("marked as spam"),
}


def _moderation_action(status: FeedbackStatus):
    def act(modeladmin: FeedbackAdmin, request, queryset) -> None:
        modeladmin.moderate(request, queryset, status)

    act.__name__ = f"mark_{status}"
    act.short_description = DECIDE[status]
    act.allowed_permissions = ("moderate",)
    return act


@admin.register(Feedback)
class FeedbackAdmin(AuditTrailHistory, admin.ModelAdmin):
    change_form_template = "readers/feedback_admin_change_form.html"
    list_display = (
        "created_at",
        "article_title",
        "revision_number",
        "kind",
        "status",
        "message_preview",
        "moderated_by",
    )
    list_display_links = ("created_at",)
    list_filter = ("status", "kind")
    search_fields = ("message",)
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False  # one COUNT query per page, not two
    fields = (
        "article_link",
        "revision_number",
        "kind",
        "message",
        "status",
        "created_at",
        "moderated_by",
        "moderated_at",
    )
    readonly_fields = fields
    actions = [_moderation_action(status) for status in feedback.DECISIONS]

    def get_queryset(self, request):
        # The list shows titles and numbers, not the frozen content or the working copy's body.
        return (
            super()
            .get_queryset(request)
            .select_related("article", "revision", "moderated_by")
            .defer(
                "article__body",
                "article__summary",
                "revision__content",
                "moderated_by__password",
            )
        )

    # --- Who: the Admin role, decided by the domain -------------------------------------------

    def has_module_permission(self, request):
        return feedback.may_moderate(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return feedback.may_moderate(request.user) and super().has_view_permission(request, obj)

    def has_moderate_permission(self, request):
        return feedback.may_moderate(request.user) and super().has_change_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Nothing is edited as a form; decisions go through `moderate`.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # --- Moderating ----------------------------------------------------------------------------

    def moderate(self, request, reports, status: FeedbackStatus) -> None:
        try:
            decided, refusals = feedback.moderate_all(reports, request.user, status)
        except feedback.FeedbackError as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        if decided:
            noun = ngettext("report was", "reports were", decided)
            self.message_user(
                request,
                gettext("%(count)s %(noun)s %(done)s.")
                % {"count": decided, "noun": noun, "done": DONE[status]},
                messages.SUCCESS,
            )
        for refusal in refusals:
            self.message_user(request, refusal, messages.WARNING)

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_moderate"
        return [
            path(
                "<path:object_id>/moderate/",
                self.admin_site.admin_view(self.moderate_view),
                name=name,
            ),
            *super().get_urls(),
        ]

    def moderate_view(self, request, object_id):
        """POST `status` here from a report's page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        report = self.get_object(request, unquote(object_id))
        if report is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        self.moderate(request, [report], request.POST.get("status", ""))
        return HttpResponseRedirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[report.pk])
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        undecided = obj is not None and obj.status == FeedbackStatus.NEW
        if undecided and self.has_moderate_permission(request):
            context["decisions"] = [(s.value, DECIDE[s]) for s in feedback.DECISIONS]
            context["moderate_url"] = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_moderate", args=[obj.pk]
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- Displays -----------------------------------------------------------------------------

    @admin.display(description=gettext_lazy("Article"), ordering="article__title")
    def article_title(self, obj):
        return obj.article.title

    @admin.display(description=gettext_lazy("Article"))
    def article_link(self, obj):
        url = reverse("admin:articles_article_change", args=[obj.article_id])
        return format_html('<a href="{}">{}</a>', url, obj.article.title)

    @admin.display(description=gettext_lazy("Revision seen"), ordering="revision__number")
    def revision_number(self, obj):
        return obj.revision.number

    @admin.display(description=gettext_lazy("Message"))
    def message_preview(self, obj):
        return Truncator(obj.message).chars(MESSAGE_PREVIEW_CHARS)
