"""The audit trail in the staff workspace: read-only, for admins."""

from __future__ import annotations

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from articles.admin.reviewed import describe_detail
from articles.audit.models import AuditEvent
from articles.roles import Role, has_role


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Events are append-only records (`articles.audit.record`); nobody adds, changes or deletes
    them here. Who may look is the Admin role (with its `view_auditevent` permission): roles
    decide, not superuser status, as for readers' requests."""

    list_display = (
        "number",
        "created_at",
        "actor_name",
        "action_text",
        "content_link",
        "revision_number",
        "transition",
        "detail_text",
    )
    list_display_links = ("number",)
    list_filter = ("action",)

    list_select_related = ("content_type",)
    search_fields = ("object_repr", "actor_name", "action")
    ordering = ("-sequence",)
    actions = None
    fields = (
        "sequence",
        "created_at",
        "actor_name",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "revision_number",
        "from_state",
        "to_state",
        "detail",
        "revision_hash",
        "prev_hash",
        "key_id",
        "hash",
    )
    readonly_fields = fields

    class Media:
        css = {"all": ["vetted/admin/workspace.css"]}

    def has_add_permission(self, request):
        return False

    def has_view_permission(self, request, obj=None):
        return has_role(request.user, Role.ADMIN) and super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("Content"), ordering="object_repr")
    def content_link(self, event):
        if event.content_type_id is None or event.object_id is None:
            return event.object_repr
        ct = event.content_type
        try:
            url = reverse(f"admin:{ct.app_label}_{ct.model}_change", args=[event.object_id])
        except NoReverseMatch:
            return event.object_repr
        return format_html('<a href="{}">{}</a>', url, event.object_repr)

    @admin.display(description="#", ordering="sequence")
    def number(self, event):
        return event.sequence

    @admin.display(description=gettext_lazy("Action"), ordering="action")
    def action_text(self, event):
        return words(event.action)

    @admin.display(description=gettext_lazy("From → to"))
    def transition(self, event):
        if event.from_state == event.to_state:
            return words(event.to_state) or "—"
        return f"{words(event.from_state) or '—'} → {words(event.to_state) or '—'}"

    @admin.display(description=gettext_lazy("Detail"))
    def detail_text(self, event):
        return describe_detail(event.detail)


def words(code: str | None) -> str:
    """`in_review` as "in review": the list wraps between words to fit beside its filter."""
    return (code or "").replace("_", " ")
