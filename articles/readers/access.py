"""Who may see what readers send: their requests, subscriptions and addresses are personal data,
for the Admin role only. The domain functions (`information_requests`, `newsletter`) check it
themselves, so the admin, a command or a script cannot skip it."""

from __future__ import annotations

from django.utils.translation import gettext

from articles.roles import Role, has_role
from articles.workflow import NotAllowed


def may_see_personal_data(user) -> bool:
    """Readers' requests and subscriptions are for the Admin role only: roles decide, not
    superuser status."""
    return has_role(user, Role.ADMIN)


def require_admin(user, doing: str) -> None:
    if not may_see_personal_data(user):
        raise NotAllowed(
            gettext("Only users with the Admin role may %(doing)s.") % {"doing": doing}
        )
