from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Content"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from articles import deploy_checks  # noqa: F401 -- registers the checks
        from articles.roles import sync_role_groups

        # Runs once articles' own post_migrate has created its permissions; INSTALLED_APPS lists
        # the apps inside articles (readers, audit, public, accounts) before it, so theirs exist
        # by then.
        post_migrate.connect(sync_role_groups, sender=self)
        # The audit trail, the public site and accounts (articles.audit, .public, .accounts)
        # connect their own receivers in their AppConfig.ready.
        from articles import comments
        from articles.signals import revision_saved

        revision_saved.connect(comments.on_revision_saved, dispatch_uid="comments-follow")
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
