"""Account screens, under /admin/ so the staff session rules apply to them (included before
the admin's own URLs in config/urls.py)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from articles.accounts import views

SITE = {"site_header": admin.site.site_header, "site_title": admin.site.site_title}

urlpatterns = [
    path("two-factor/", admin.site.admin_view(views.two_factor), name="two_factor"),
    path(
        "email-preferences/",
        admin.site.admin_view(views.email_preferences),
        name="email_preferences",
    ),
    path("certify/", admin.site.admin_view(views.certify_signature), name="certify_signature"),
    path(
        "password_change/",
        admin.site.admin_view(views.password_change),
        name="vetted_password_change",
    ),
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(extra_context=SITE),
        name="admin_password_reset",
    ),
    path(
        "password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(extra_context=SITE),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirm.as_view(extra_context=SITE),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(extra_context=SITE),
        name="password_reset_complete",
    ),
]
