"""The preview of a revision: the public page as it would be if that revision were published,
for staff who may see the content, never cached and never indexed."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from articles import workflow
from articles.models import Article, Prompt
from tests.conftest import PASSWORD, log_in_verified


def preview_url(content, number: int | None = None) -> str:
    opts = content._meta
    number = number or content.latest_revision.number
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_preview", args=[content.pk, number])


def login(user) -> Client:
    client = Client()
    log_in_verified(client, user)
    return client


def test_the_writer_previews_a_draft_as_the_public_page_marked_not_reviewed(article, writer):
    response = login(writer).get(preview_url(article))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Living with back pain</h1>" in html
    assert "Preview of revision 1." in html
    assert "Not yet reviewed" in html
    # The public page's own rendering: the citation linked to the AMA reference list.
    assert 'href="#ref-1"' in html and 'id="ref-1"' in html
    assert "Oliveira CB" in html
    assert "Not published yet." in html
    # Nothing public to report a problem with yet.
    assert "Report a problem with this page" not in html
    # Never cached, never indexed.
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in html
    # The review room may frame it; no other site may.
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("who", ["reviewer", "editor", "admin_user"])
def test_reviewers_editors_and_admins_preview_anyones_content(request, article, who):
    assert login(request.getfixturevalue(who)).get(preview_url(article)).status_code == 200


def test_another_writer_and_the_public_are_refused(article, other_writer, client):
    assert login(other_writer).get(preview_url(article)).status_code == 403
    anonymous = client.get(preview_url(article))
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    assert b"Living with back pain" not in anonymous.content


def test_a_non_staff_account_with_no_role_is_refused(article, django_user_model):
    user = django_user_model.objects.create_user("reader", password=PASSWORD)
    assert login(user).get(preview_url(article)).status_code == 302
    assert not workflow.may_see(article, user)


def test_no_such_revision_is_a_404(article, writer):
    assert login(writer).get(preview_url(article, 99)).status_code == 404


def test_an_approved_revision_shows_its_reviewer(approved, writer, reviewer):
    html = login(writer).get(preview_url(approved)).content.decode()
    assert "Medically reviewed by Rita Reviewer, MD, neurology" in html
    assert "Not yet reviewed" not in html


def test_an_edit_to_a_live_article_previews_the_edit_while_the_public_sees_the_live_one(
    published, writer, client
):
    published.title = "Living with back pain: updated"
    published.summary = "An update nobody has reviewed."
    workflow.save_revision(
        published, writer, base_revision=1, change_note="Added a section on sleep."
    )
    html = login(writer).get(preview_url(published, 2)).content.decode()
    assert "Living with back pain: updated" in html
    assert "Not yet reviewed" in html
    assert "readers see revision 1" in html
    assert "(this version):\n        Added a section on sleep." in html
    # The older, live revision previews as it was.
    old = login(writer).get(preview_url(published, 1)).content.decode()
    assert "An update nobody has reviewed." not in old
    assert "Medically reviewed by" in old
    # The public page still shows the live revision, and no preview leaks into it.
    public = client.get(published.get_absolute_url()).content.decode()
    assert "An update nobody has reviewed." not in public
    assert "Preview of revision" not in public
    assert "noindex" not in public


def test_a_prompt_revision_previews_as_readers_would_see_it(make_prompt, writer, other_writer):
    prompt = make_prompt()
    response = login(writer).get(preview_url(prompt))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Request our information packet" in html
    assert 'class="prompt-button"' in html
    assert "Not yet reviewed" in html
    # Writers place prompts others wrote, so every writer may read them (articles: see above).
    assert login(other_writer).get(preview_url(prompt)).status_code == 200


def test_the_change_page_links_every_revision_to_its_preview(published, writer):
    workflow.save_revision(published, writer, base_revision=1)
    html = login(writer).get(f"/admin/articles/article/{published.pk}/change/").content.decode()
    assert f'href="{preview_url(published, 2)}"' in html
    assert f'href="{preview_url(published, 1)}"' in html
    assert "Preview revision 2" in html


def test_preview_is_staff_content_only_for_the_roles_who_may_see_it(
    article, writer, other_writer, reviewer, editor
):
    assert workflow.may_see(article, writer)
    assert not workflow.may_see(article, other_writer)
    assert workflow.may_see(article, reviewer) and workflow.may_see(article, editor)
    assert Article.objects.count() == 1 and Prompt.objects.count() == 0


def test_the_readers_note_is_kept_while_drafting_and_starts_empty_after_publication(
    published, writer
):
    from articles.forms import pending_change_note

    assert pending_change_note(published) == ""  # the live revision's note is history
    workflow.save_revision(published, writer, base_revision=1, change_note="Added sleep advice.")
    assert pending_change_note(published) == "Added sleep advice."
    html = login(writer).get(f"/admin/articles/article/{published.pk}/change/").content.decode()
    assert re.search(r'<textarea name="change_note"[^>]*>\s*Added sleep advice.</textarea>', html)
    assert "Note for reviewers" in html
