"""Readers' submissions and the audit trail became apps of their own, so their admin pages moved
(/admin/articles/feedback/ is /admin/readers/feedback/): a bookmark to the old address still
arrives."""

from __future__ import annotations

import pytest

from tests.conftest import log_in_verified


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/articles/feedback/", "/admin/readers/feedback/"),
        (
            "/admin/articles/informationrequest/12/change/",
            "/admin/readers/informationrequest/12/change/",
        ),
        ("/admin/articles/newslettersubscription/", "/admin/readers/newslettersubscription/"),
        ("/admin/articles/consenttext/3/history/", "/admin/readers/consenttext/3/history/"),
        (
            "/admin/articles/auditevent/?object_id=4&content_type=9",
            "/admin/audit/auditevent/?object_id=4&content_type=9",
        ),
    ],
)  # fmt: skip
def test_an_old_admin_address_leads_to_the_new_one(client, old, new):
    response = client.get(old)

    assert response.status_code == 302 and response["Location"] == new


def test_the_admin_reaches_the_moved_pages_from_an_old_bookmark(client, admin_user):
    log_in_verified(client, admin_user)

    response = client.get("/admin/articles/feedback/", follow=True)

    assert response.redirect_chain == [("/admin/readers/feedback/", 302)]
    assert response.status_code == 200 and "Select feedback to view" in response.text


def test_what_stayed_in_articles_is_not_redirected(client, admin_user):
    log_in_verified(client, admin_user)

    assert client.get("/admin/articles/article/").status_code == 200
