from django.apps import AppConfig
from django.db.models.signals import post_migrate

from articles.signals import live_changed


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Content"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks

        from articles import deploy_checks, rendering  # noqa: F401 -- registers the checks
        from articles.audit.edits import record_source_edit
        from articles.audit.keys import check_configured
        from articles.models import Article, Prompt
        from articles.public import cache as page_cache
        from articles.public import purge
        from articles.roles import sync_role_groups
        from articles.search import index as search_index
        from evidence.signals import retraction_changed, source_edited

        checks.register(check_configured, checks.Tags.security, deploy=True)
        post_migrate.connect(sync_role_groups, sender=self)
        # Sources are evidence's; their edits reach the audit trail through its signal.
        source_edited.connect(record_source_edit, dispatch_uid="audit-source-edits")
        # The public site follows what is live: render the new live revision inside the publish
        # transaction (and again the pages placing a prompt that changed), invalidate the page
        # cache, then tell the CDN (after commit, once the page cache has moved on), and keep the
        # search index.
        from articles import comments
        from articles.signals import revision_saved

        revision_saved.connect(comments.on_revision_saved, dispatch_uid="comments-follow")
        live_changed.connect(rendering.render_on_publish, sender=Article)
        live_changed.connect(rendering.render_pages_placing, sender=Prompt)
        live_changed.connect(page_cache.invalidate_on_change)
        live_changed.connect(purge.purge_on_change)
        live_changed.connect(search_index.on_live_changed, sender=Article)
        # A cited study retracted after publication changes the pages citing it (they warn their
        # readers): the same three steps.
        retraction_changed.connect(rendering.render_pages_citing, dispatch_uid="retraction-pages")
        retraction_changed.connect(page_cache.invalidate_on_change, dispatch_uid="retraction-cache")
        retraction_changed.connect(purge.purge_on_retraction, dispatch_uid="retraction-purge")
        # Sign-in lockouts (django-axes) go into the audit trail (issue 11, w11a).
        from axes.signals import user_locked_out

        user_locked_out.connect(_audit_lockout, dispatch_uid="vetted-audit-lockout")
        # django-otp's own admin (registered after ours) would let whoever holds its permissions
        # add a device for someone else or read its key; people set up their own.
        # The mail queue's own admin would show queued mail (readers' addresses among it) to any
        # superuser; only the worker and run_jobs' retention purge read it.
        from django.contrib import admin
        from django_otp.plugins.otp_totp.models import TOTPDevice
        from django_tasks_db.models import DBTaskResult

        for model in (TOTPDevice, DBTaskResult):
            if admin.site.is_registered(model):
                admin.site.unregister(model)


def _audit_lockout(sender, request, username=None, ip_address=None, **kwargs) -> None:
    from articles.accounts.people import record_lockout

    record_lockout(request, username, ip_address)
