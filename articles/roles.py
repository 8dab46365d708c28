"""The five staff roles, as Django groups, and the questions the domain asks about them."""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import QuerySet


class Role(StrEnum):
    WRITER = "Writer"
    REVIEWER = "Medical reviewer"
    EDITOR = "Editor"
    ADMIN = "Admin"
    # PROMOTIONAL_SECOND_REVIEW: signs promotional content off for compliance, after the medical
    # approval and apart from it.
    COMPLIANCE = "Compliance reviewer"


# The roles whose members sign approvals (and so certify their electronic signature first).
SIGNING_ROLES = frozenset({Role.REVIEWER, Role.COMPLIANCE})


# Model permissions each role needs to open its pages in the staff workspace. What a role may *do*
# to content is decided by `articles.workflow`, not by these.
ADMIN_PERMISSIONS: dict[Role, list[str]] = {
    Role.WRITER: [
        "articles.view_article", "articles.add_article", "articles.change_article",
        "articles.view_prompt", "articles.add_prompt", "articles.change_prompt",
        "articles.view_topic", "articles.view_authorprofile",
        "evidence.view_source", "evidence.add_source", "evidence.change_source",
    ],
    Role.REVIEWER: [
        "articles.view_article", "articles.view_prompt", "articles.view_topic",
        "articles.view_authorprofile",
        "evidence.view_source",
    ],
    Role.EDITOR: [
        "articles.view_article", "articles.change_article",
        "articles.view_prompt", "articles.change_prompt",
        "articles.view_topic", "articles.add_topic", "articles.change_topic",
        "articles.view_authorprofile",
        "evidence.view_source", "evidence.add_source", "evidence.change_source",
    ],
    Role.COMPLIANCE: [
        "articles.view_article", "articles.view_prompt", "articles.view_topic",
        "articles.view_authorprofile",
        "evidence.view_source",
    ],
    Role.ADMIN: [
        "auth.view_user", "auth.add_user", "auth.change_user",
        "auth.view_group",
        "articles.view_article", "articles.view_prompt", "articles.view_topic",
        "articles.view_authorprofile", "articles.add_authorprofile",
        "articles.change_authorprofile", "audit.view_auditevent",
        # Reader feedback: read and moderate (articles.readers.feedback); never added or deleted.
        "readers.view_feedback", "readers.change_feedback",
        # Readers' personal data (articles.readers.information_requests, .newsletter): only this
        # role sees it (articles.readers.access).
        "readers.view_informationrequest", "readers.change_informationrequest",
        "readers.delete_informationrequest",
        "readers.view_newslettersubscription", "readers.delete_newslettersubscription",
        "readers.view_consenttext",
        "evidence.view_source",
    ],
}  # fmt: skip


def sync_role_groups(**_kwargs) -> None:
    """Create the role groups with their permissions. Runs after every migrate; idempotent."""
    for role, codenames in ADMIN_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            wanted.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def roles_of(user) -> frozenset[Role]:
    """The roles a user holds. Cached on the user object for the length of a request."""
    if not user or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_vetted_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(role for role in Role if role.value in names)
        user._vetted_roles = cached
    return cached


def has_role(user, role: Role) -> bool:
    return role in roles_of(user)


def signs_approvals(user) -> bool:
    return bool(roles_of(user) & SIGNING_ROLES)


def users_with_role(role: Role) -> QuerySet:
    return get_user_model().objects.filter(groups__name=role.value, is_active=True)


def grant(user, *roles: Role) -> None:
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    user.__dict__.pop("_vetted_roles", None)
