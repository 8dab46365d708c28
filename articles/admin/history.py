"""One history per object in the staff workspace: the audit trail.

Django's admin writes a LogEntry on every save and lists them behind a "History" button. For what
the audit trail already records (reviewed content, topics, sources, readers' requests,
subscriptions and problem reports, users), that is a second history: unchained, editable in the
database, and free to disagree with the real one. `AuditTrailHistory` writes no LogEntry for
these admins, and its History button (templates/admin/change_form_object_tools.html) leads to the
audit trail instead, for those who may read it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse

from articles.roles import Role, has_role


class AuditTrailHistory:
    """For a ModelAdmin whose every change writes an audit event through a domain module."""

    def log_addition(self, request, obj, message) -> None:
        return None

    def log_change(self, request, obj, message) -> None:
        return None

    def log_deletions(self, request, queryset) -> None:
        return None

    def audit_trail_url(self, request, obj) -> str:
        """Where this object's audit events are listed, or "" for someone who may not read them
        (the audit trail is the Admin role's)."""
        if not has_role(request.user, Role.ADMIN):
            return ""
        query = urlencode(
            {"content_type": ContentType.objects.get_for_model(obj).pk, "object_id": obj.pk}
        )
        return f"{reverse('admin:audit_auditevent_changelist')}?{query}"

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"There is no {self.opts.verbose_name} with this id.")
        url = self.audit_trail_url(request, obj)
        if not url or not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return HttpResponseRedirect(url)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context["audit_trail_url"] = self.audit_trail_url(request, obj)
        context["history_is_audit_trail"] = True
        return super().render_change_form(request, context, add, change, form_url, obj)
