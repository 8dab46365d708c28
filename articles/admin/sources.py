"""Sources in the staff workspace: evidence's own admin, with the audit trail as its history.

`evidence` announces every edit a person makes to a source (`evidence.signals.source_edited`)
and `articles.audit.edits` records it; evidence knows nothing of the audit trail, so the admin
that leads to it is put together here, on this side of the border."""

from __future__ import annotations

from django.contrib import admin

from articles.admin.history import AuditTrailHistory
from evidence.admin import SourceAdmin
from evidence.models import Source


class AuditedSourceAdmin(AuditTrailHistory, SourceAdmin):
    """`SourceAdmin` without Django's LogEntry history: every save and deletion is audited."""


if admin.site.is_registered(Source):
    admin.site.unregister(Source)
admin.site.register(Source, AuditedSourceAdmin)
