"""Absolute addresses on the public site, from SITE_URL.

Cached pages, feeds, the sitemap and JSON-LD are the same for every reader, so their links never
depend on the Host header of whichever request happened to render them."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` on this site ("/articles/x/") as a full address; full addresses pass unchanged."""
    if urlsplit(path).scheme:
        return path
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def site_domain() -> str:
    return urlsplit(settings.SITE_URL).netloc


def site_protocol() -> str:
    return urlsplit(settings.SITE_URL).scheme or "https"
