"""Every admin page answers every staff role without a server error, on the demo's data.

The crawl walks the admin's own URL patterns (so a page added later is walked too): the index,
each app's list, every model's list and add page, and each URL with an object in it filled with
every demo object (change, history, delete, transitions, signatures, previews…). A role may be
refused (403, 404, a redirect, 405 for a POST-only URL); nothing may answer 500. This is the test
that would have caught the source list failing on a group author ("SPRINT Research Group")."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLPattern

from articles import workflow
from articles.models import Revision
from tests.conftest import log_in_verified

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ROLES = ("writer", "reviewer", "editor", "admin")
REFUSALS = {200, 301, 302, 403, 404, 405}
_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("crawl-media")
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER, MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        call_command("demo", force=True, stdout=StringIO(), stderr=StringIO())
        yield
        transaction.set_rollback(True)


def _values(model_admin, param: str, obj) -> list[str]:
    """What to put in a URL parameter of an object's page; a parameter nobody knows fails the
    test, so a new admin URL is crawled as soon as it exists."""
    if param == "object_id":
        return [str(obj.pk)]
    if param == "name":  # a workflow transition
        return [*workflow.TRANSITIONS, "no-such-transition"]
    if param == "number":  # a revision number
        revisions = getattr(obj, "revisions", None)
        numbers = list(revisions.values_list("number", flat=True)) if revisions else []
        return [str(n) for n in numbers] + ["999"]
    if param == "comment_id":  # a review comment (articles.comments)
        return ["1", "999"]
    raise AssertionError(f"The crawl does not know how to fill <{param}> in an admin URL.")


def _fill(route: str, model_admin, obj) -> list[str]:
    urls = [route]
    for param in _PARAM.findall(route):
        urls = [
            re.sub(rf"<(?:\w+:)?{param}>", value, url, count=1)
            for url in urls
            for value in _values(model_admin, param, obj)
        ]
    return urls


def admin_urls() -> list[str]:
    """Every GET-able admin URL for the data in the database now."""
    urls = ["/admin/"]
    for pattern in admin.site.get_urls():  # the site's own pages: password change, jsi18n…
        route = str(getattr(pattern, "pattern", ""))
        if isinstance(pattern, URLPattern) and "<" not in route and route != "logout/":
            urls.append("/admin/" + route.lstrip("^").rstrip("$"))
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls.append(f"/admin/{model._meta.app_label}/")
        objects = list(model._default_manager.all())
        for pattern in model_admin.get_urls():
            if not isinstance(pattern, URLPattern):
                continue
            route = str(pattern.pattern)
            if route.startswith("<path:object_id>/") and route != "<path:object_id>/":
                # Django's own redirect from the bare object URL is covered by /change/.
                for obj in objects:
                    urls.extend(base + url for url in _fill(route, model_admin, obj))
            elif "<" not in route:
                urls.append(base + route)
    return list(dict.fromkeys(urls))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_no_admin_page_fails_for_any_role_on_the_demo(demo_data, role):
    user = get_user_model().objects.get(username=role)
    client = Client(raise_request_exception=False)
    log_in_verified(client, user)
    urls = admin_urls()
    assert any("/evidence/source/" in url for url in urls)
    failures = []
    for url in urls:
        status = client.get(url).status_code
        if status not in REFUSALS:
            failures.append(f"{status} {url}")
    assert not failures, f"{len(failures)} of {len(urls)} pages failed as {role}:\n" + "\n".join(
        failures[:40]
    )
    assert any("/preview/" in url for url in urls), "revision previews are crawled too"


@pytest.mark.django_db
def test_the_source_list_and_a_group_authored_source_open(demo_data):
    from evidence.models import Source

    client = Client()
    log_in_verified(client, get_user_model().objects.get(username="editor"))
    group = Source.objects.get(authors__0__literal="SPRINT Research Group")
    assert str(group).startswith("SPRINT Research Group ")
    listing = client.get("/admin/evidence/source/")
    assert listing.status_code == 200
    assert "SPRINT Research Group et al." in listing.content.decode()
    assert client.get(f"/admin/evidence/source/{group.pk}/change/").status_code == 200
    assert Revision.objects.exists()
