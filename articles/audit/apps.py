from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The keyed audit trail. Its tables kept their `articles_` names when it became an app, so
    the PostgreSQL triggers of articles migration 0012 still refuse rewriting them."""

    name = "articles.audit"
    label = "audit"
    # Not "Audit trail": that is the name of the link on each page to its events.
    verbose_name = "Audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks

        from articles.audit.edits import record_source_edit
        from articles.audit.keys import check_configured
        from evidence.signals import source_edited

        checks.register(check_configured, checks.Tags.security, deploy=True)
        # Sources are evidence's; their edits reach the audit trail through its signal.
        source_edited.connect(record_source_edit, dispatch_uid="audit-source-edits")
