"""Template questions about the signed-in person's own account."""

from __future__ import annotations

from django import template

from articles import roles

register = template.Library()


@register.filter
def signs_approvals(user) -> bool:
    """Whether the person signs approvals (and so has a signature to certify)."""
    return roles.signs_approvals(user)
