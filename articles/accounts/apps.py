from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """The people who use the staff workspace: second factors, signer certifications, the
    two-admin account changes, email opt-outs. Its tables kept their `articles_` names when it
    became an app."""

    name = "articles.accounts"
    label = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from axes.signals import user_locked_out

        # Sign-in lockouts (django-axes) go into the audit trail (issue 11, w11a).
        user_locked_out.connect(_audit_lockout, dispatch_uid="vetted-audit-lockout")


def _audit_lockout(sender, request, username=None, ip_address=None, **kwargs) -> None:
    from articles.accounts.people import record_lockout

    record_lockout(request, username, ip_address)
