"""Users and their roles, for admins: the standard user admin plus the public name and
credentials (AuthorProfile) that are printed beside every signature.

An admin never sets or sees another person's password or authenticator: new accounts get no
password and a link to choose one, existing ones a reset link (`people.send_password_reset`);
an authenticator is removed only by two admins (`people.request_factor_reset`, then
`people.confirm_factor_reset`). An existing account's email address, where reset links go, and
the Admin and Medical reviewer roles also change only when a second admin confirms
(`people.request_email_change`, `people.change_roles`, `people.confirm_change`)."""

from __future__ import annotations

from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles import audit, signing
from articles.accounts import factors, people
from articles.accounts.forms import SignInForm
from articles.admin.history import AuditTrailHistory
from articles.models import AuthorProfile
from articles.roles import roles_of

User = get_user_model()

admin.site.login_form = SignInForm


class AuthorProfileInline(admin.StackedInline):
    model = AuthorProfile
    fields = ("display_name", "credentials", "bio")
    can_delete = False
    max_num = 1
    verbose_name = "public profile"
    verbose_name_plural = "public profile"


class NewUserForm(forms.ModelForm):
    """A new account has no password: the person chooses one from the emailed link."""

    class Meta:
        model = User
        fields = ("username", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = "The link to choose a password is sent here."

    def save(self, commit: bool = True):
        user = super().save(commit=False)
        user.set_unusable_password()
        user.is_staff = True
        if commit:
            user.save()
        return user


class VettedUserAdmin(AuditTrailHistory, UserAdmin):
    inlines = [AuthorProfileInline]
    list_display = (
        "username", "public_name", "email", "roles", "two_step", "is_active", "is_staff",
    )  # fmt: skip
    list_filter = ("groups", "is_active", "is_staff", "is_superuser")
    list_select_related = ("profile",)
    add_form = NewUserForm
    add_fieldsets = ((None, {"fields": ("username", "email")}),)
    change_form_template = "admin/accounts/user_change_form.html"

    def get_queryset(self, request):
        devices = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return (
            super()
            .get_queryset(request)
            .prefetch_related("groups")
            .annotate(has_factor=Exists(devices))
        )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        # Nobody sees a password hash here, their own included (they change it from the link
        # at the top of every page).
        return tuple(
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in super().get_fieldsets(request, obj)
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # Reset links go to the address, and a superuser is an admin: both take two admins
            # (the address through "Change email address", superusers only from the command line).
            readonly += ["email", "is_superuser"]
        if not request.user.is_superuser:
            # Roles are groups; anything beyond them would let an admin grant themselves more.
            readonly += ["is_superuser", "user_permissions"]
            if obj is not None and obj.pk == request.user.pk:
                readonly.append("groups")  # nobody hands themselves a role, e.g. reviewer
        return readonly

    def user_change_password(self, request, id, form_url=""):
        # Setting someone's password would let an admin sign in, and sign, as them. Nobody sets
        # another person's password, superusers included: they send a reset link.
        target = self.get_object(request, unquote(id))
        if target is None or target.pk != request.user.pk:
            raise PermissionDenied
        return HttpResponseRedirect(reverse("admin:password_change"))

    def save_model(self, request, obj, form, change):
        obj._roles_before = roles_of(obj) if change else frozenset()
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        user.__dict__.pop("_vetted_roles", None)
        waiting = people.change_roles(
            user, getattr(user, "_roles_before", frozenset()), roles_of(user), request.user
        )
        profile = getattr(user, "profile", None)
        audit.record(
            "user_saved" if change else "user_created",
            actor=request.user,
            obj=user,
            detail={
                "roles": sorted(role.value for role in roles_of(user)),
                "active": user.is_active,
                # Reset links go to this address, so a change of it is on the record.
                "email": user.email,
                "credentials": profile.credentials if profile else "",
            },
        )
        for grant in waiting:
            messages.warning(
                request,
                gettext("The %(role)s role waits for a second admin to confirm it.")
                % {"role": grant.value},
            )
        if not change:
            self._send_reset(request, user, "a link to choose a password")

    def _send_reset(self, request, user, what: str) -> None:
        try:
            people.send_password_reset(user, request.user)
        except people.AccountRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                gettext("%(user)s was emailed %(what)s.")
                % {"user": user.get_username(), "what": what},
            )

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # nor change a superuser's account
        return allowed

    # --- Account procedures: reset link, two-person authenticator reset -----------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/send-reset-link/",
                wrap(self.send_reset_view),
                name="auth_user_send_reset",
            ),
            path(
                "<path:object_id>/account-changes/",
                wrap(self.account_changes_view),
                name="auth_user_account_changes",
            ),
            path(
                "<path:object_id>/factor-reset/",
                wrap(self.factor_reset_view),
                name="auth_user_factor_reset",
            ),
            *super().get_urls(),
        ]

    def _target(self, request, object_id):
        user = self.get_object(request, unquote(object_id))
        if user is None or not self.has_change_permission(request, user):
            raise PermissionDenied
        return user

    def send_reset_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        user = self._target(request, object_id)
        self._send_reset(request, user, "a password reset link")
        return HttpResponseRedirect(reverse("admin:auth_user_change", args=[user.pk]))

    def factor_reset_view(self, request, object_id):
        """GET: the two-person procedure's page. POST `reason`: ask for the reset; POST
        `_confirm`: a second admin confirms it."""
        user = self._target(request, object_id)
        pending = people.pending_factor_reset(user)
        if request.method == "POST":
            try:
                if "_confirm" in request.POST:
                    people.confirm_factor_reset(user, request.user)
                    done = gettext("%(user)s's authenticator was removed.") % {
                        "user": user.get_username()
                    }
                else:
                    people.request_factor_reset(user, request.user, request.POST.get("reason"))
                    done = gettext("The reset is asked for; a second admin must confirm it.")
            except people.AccountRefused as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(request, done)
                return HttpResponseRedirect(reverse("admin:auth_user_change", args=[user.pk]))
        return TemplateResponse(
            request,
            "admin/accounts/factor_reset.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Reset {user.get_username()}'s authenticator",
                "opts": self.opts,
                "original": user,
                "pending": pending,
                "has_factor": factors.has_factor(user),
                "may_confirm": pending is not None
                and request.user.pk not in (pending.requested_by_id, user.pk),
            },
        )

    def account_changes_view(self, request, object_id):
        """GET: changes waiting for a second admin, and the form to ask for a new email address.
        POST `email` and `reason`: ask; POST `confirm` (a change's id): confirm it."""
        user = self._target(request, object_id)
        if request.method == "POST":
            try:
                if "confirm" in request.POST:
                    people.confirm_change(request.POST["confirm"], request.user)
                    done = "Confirmed."
                else:
                    people.request_email_change(
                        user, request.user, request.POST.get("email"), request.POST.get("reason")
                    )
                    done = "Asked. A second admin must confirm it."
            except people.AccountRefused as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(request, done)
                return HttpResponseRedirect(reverse("admin:auth_user_change", args=[user.pk]))
        pending = people.pending_changes(user)
        return TemplateResponse(
            request,
            "admin/accounts/account_changes.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Changes to {user.get_username()}'s account",
                "opts": self.opts,
                "original": user,
                "pending": [(c, people.may_confirm(c, request.user)) for c in pending],
                "email_pending": any(c.kind == c.EMAIL for c in pending),
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        user = self.get_object(request, unquote(object_id))
        extra_context = {
            **(extra_context or {}),
            "target_has_factor": user is not None and factors.has_factor(user),
            "target_requires_factor": user is not None and factors.requires_two_factor(user),
            "target_certified": user is not None and signing.has_certified(user),
            "pending_factor_reset": user is not None and people.pending_factor_reset(user),
            "pending_changes": user is not None and people.pending_changes(user),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=gettext_lazy("Public name"), ordering="profile__display_name")
    def public_name(self, user):
        profile = getattr(user, "profile", None)
        return profile.display_name if profile else ""

    @admin.display(description=gettext_lazy("Roles"))
    def roles(self, user):
        return ", ".join(sorted(group.name for group in user.groups.all()))

    @admin.display(description=gettext_lazy("Two-step sign-in"), boolean=True)
    def two_step(self, user):
        return user.has_factor


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, VettedUserAdmin)


# --- Locked sign-ins (django-axes), with an audited unlock -------------------------------------


@admin.register(AccessAttempt)
class LockedSignInAdmin(admin.ModelAdmin):
    """Wrong sign-ins recorded per account and address; "Unlock" clears them (audited)."""

    list_display = ("username", "ip_address", "failures_since_start", "attempt_time")
    search_fields = ("username", "ip_address")
    actions = ("unlock",)
    fields = list_display

    def has_module_permission(self, request):
        return people.is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return people.is_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Unlock the selected accounts and addresses"))
    def unlock(self, request, queryset):
        for attempt in list(queryset):
            people.unlock_sign_in(
                request.user, username=attempt.username or "", address=attempt.ip_address or ""
            )
        messages.success(request, gettext("Unlocked. They can sign in again."))
