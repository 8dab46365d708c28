"""Rules for every staff request, and one header for every response."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext

from articles.accounts import factors

# No page of Vetted uses these browser features; denying them means an injected script or frame
# cannot either.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media",
        "fullscreen", "geolocation", "gyroscope", "magnetometer", "microphone", "midi",
        "payment", "picture-in-picture", "publickey-credentials-get", "screen-wake-lock",
        "serial", "usb", "xr-spatial-tracking",
    )
)  # fmt: skip

LAST_SEEN_KEY = "vetted_last_seen"
# What a signed-in person who still owes a second factor may open: setting one up, signing out.
UNVERIFIED_ALLOWED = ("two_factor", "logout", "jsi18n")


def permissions_policy(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    return middleware


def _to_login(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(
        reverse("admin:login") + "?" + urlencode({"next": request.get_full_path()})
    )


class StaffSessionMiddleware:
    """In the staff workspace: sign out a session idle longer than STAFF_IDLE_TIMEOUT_MINUTES,
    and send anyone who must use a second factor (`factors.requires_two_factor`) but has not
    proven one in this session to set one up, or back to sign in with their code."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The path first: asking for the user reads the session, and a public page that did
        # would vary by cookie and could not be cached.
        if request.path.startswith(_workspace_prefix()):
            user = request.user
            if user.is_authenticated and (refusal := self._refuse(request, user)):
                return refusal
        return self.get_response(request)

    def _refuse(self, request: HttpRequest, user) -> HttpResponse | None:
        now = int(time.time())
        last_seen = request.session.get(LAST_SEEN_KEY, now)
        if user.is_staff and now - last_seen > settings.STAFF_IDLE_TIMEOUT_MINUTES * 60:
            logout(request)
            messages.info(request, gettext("You were signed out after a period without activity."))
            return _to_login(request)
        if now - last_seen >= 60 or LAST_SEEN_KEY not in request.session:
            # To the minute: writing the session on every request would cost a query each.
            request.session[LAST_SEEN_KEY] = now
        if not factors.requires_two_factor(user) or user.is_verified():
            return None
        match = request.resolver_match or _resolve(request.path_info)
        if match is not None and match.url_name in UNVERIFIED_ALLOWED:
            return None
        if factors.has_factor(user):  # signed in some other way: the code is owed
            logout(request)
            return _to_login(request)
        return HttpResponseRedirect(reverse("two_factor"))


def _workspace_prefix() -> str:
    """Where the staff workspace lives ("/admin/"); a URL configuration without it has none."""
    try:
        return reverse("admin:index")
    except NoReverseMatch:
        return "\0"  # matches no path


def _resolve(path: str):
    from django.urls import Resolver404, resolve

    try:
        return resolve(path)
    except Resolver404:
        return None
