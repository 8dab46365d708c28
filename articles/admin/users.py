"""Users and their roles, for admins: the standard user admin plus the public name and
credentials (AuthorProfile) that are printed beside every signature."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied

from articles import audit
from articles.admin.history import AuditTrailHistory
from articles.models import AuthorProfile
from articles.roles import Role, roles_of

User = get_user_model()


class AuthorProfileInline(admin.StackedInline):
    model = AuthorProfile
    fields = ("display_name", "credentials", "bio")
    can_delete = False
    max_num = 1
    verbose_name = "public profile"
    verbose_name_plural = "public profile"


class VettedUserAdmin(AuditTrailHistory, UserAdmin):
    inlines = [AuthorProfileInline]
    list_display = ("username", "public_name", "email", "roles", "is_active", "is_staff")
    list_filter = ("groups", "is_active", "is_staff", "is_superuser")
    list_select_related = ("profile",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Roles are groups; anything beyond them would let an admin grant themselves more.
            readonly += ["is_superuser", "user_permissions"]
            if obj is not None and obj.pk == request.user.pk:
                readonly.append("groups")  # nobody hands themselves a role, e.g. reviewer
        return readonly

    def user_change_password(self, request, id, form_url=""):
        # Setting a reviewer's password would let an admin sign as them. Reviewers reset their
        # own passwords; a superuser can still step in.
        target = self.get_object(request, unquote(id))
        if (
            target is not None
            and target.pk != request.user.pk
            and not request.user.is_superuser
            and Role.REVIEWER in roles_of(target)
        ):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        user.__dict__.pop("_vetted_roles", None)
        profile = getattr(user, "profile", None)
        audit.record(
            "user_saved",
            actor=request.user,
            obj=user,
            detail={
                "roles": sorted(role.value for role in roles_of(user)),
                "active": user.is_active,
                "credentials": profile.credentials if profile else "",
            },
        )

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # nor change a superuser's password or account
        return allowed

    @admin.display(description="Public name", ordering="profile__display_name")
    def public_name(self, user):
        profile = getattr(user, "profile", None)
        return profile.display_name if profile else ""

    @admin.display(description="Roles")
    def roles(self, user):
        return ", ".join(sorted(group.name for group in user.groups.all()))


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, VettedUserAdmin)
