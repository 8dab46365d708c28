"""`manage.py check --deploy` checks of Vetted's own, beside Django's security checks."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def email_is_sent(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Without EMAIL_HOST, email is printed to the worker's log: nobody gets it, and readers'
    addresses end up in the log."""
    if settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
        return [
            checks.Warning(
                "EMAIL_HOST is not set, so email is printed to the log instead of sent.",
                hint="Set EMAIL_HOST and the other EMAIL_ variables (docs/deploy.md).",
                id="vetted.W001",
            )
        ]
    return []


@checks.register(checks.Tags.caches, deploy=True)
def cache_is_shared(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Without Redis each worker keeps its own cache: a page unpublished through one worker is
    served by the others until it ages out, and sign-in and signing limits count per worker."""
    if not settings.REDIS_URL:
        return [
            checks.Warning(
                "REDIS_URL is not set, so every worker process keeps a cache of its own.",
                hint="Set REDIS_URL so that all workers share one cache (docs/deploy.md).",
                id="vetted.W002",
            )
        ]
    return []
