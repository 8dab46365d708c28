"""Template questions about the signed-in person's own account."""

from __future__ import annotations

from django import template

from articles.roles import Role, roles_of

register = template.Library()


@register.filter
def signs_approvals(user) -> bool:
    """Whether the person is a medical reviewer (and so has a signature to certify)."""
    return Role.REVIEWER in roles_of(user)
