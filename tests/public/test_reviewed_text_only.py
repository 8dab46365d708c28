"""The public sees only reviewed text. Each side channel the red team found let an unreviewed
draft of a live article, or a staff-only field, reach the public site; each is closed here: the
draft's changes stay out of every public page until its revision is approved and published."""

from __future__ import annotations

import pytest

from articles import workflow
from articles.models import ArticleKind, Topic
from articles.workflow import WrongState
from tests.conftest import signed_by


@pytest.fixture(autouse=True)
def _uncached(page_cache_off):
    pass


LIST_PAGES = ["/", "/topics/knees/", "/tags/joint-pain/", "/feed/", "/topics/knees/feed/"]


@pytest.fixture
def knees():
    return Topic.objects.create(name="Knees", slug="knees", description="Staff notes: draft.")


@pytest.fixture
def live_ad(make_article, file_under, go_live, knees):
    """A live promotional page, filed under Knees and tagged joint pain, all reviewed."""
    article = make_article(
        "Our knee clinic",
        kind=ArticleKind.PROMOTIONAL,
        summary="From our clinic: what a first visit to our knee service involves.",
    )
    file_under(article, "joint pain", topic=knees)
    return go_live(article)


def unreviewed_draft(article, writer, **fields) -> None:
    """The writer changes the live article's working copy; nobody reviews it."""
    for name, value in fields.items():
        setattr(article, name, value)
    workflow.save_revision(
        article, writer, base_revision=article.latest_revision.number,
        save_related=lambda: article.tags.add("miracle cure"),
    )  # fmt: skip


def text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def test_an_unreviewed_tag_gets_no_page_and_appears_nowhere(client, live_ad, writer):
    unreviewed_draft(live_ad, writer)
    assert client.get("/tags/miracle-cure/").status_code == 404
    for path in [*LIST_PAGES, live_ad.get_absolute_url(), "/sitemap.xml"]:
        assert "miracle" not in text(client, path).lower(), path


def test_an_unreviewed_change_of_kind_keeps_the_promotional_badge(client, live_ad, writer):
    unreviewed_draft(live_ad, writer, kind=ArticleKind.PATIENT_GUIDE)
    for path in ["/", "/topics/knees/", "/tags/joint-pain/"]:
        assert '<p class="badge">Promotional</p>' in text(client, path), path


def test_an_unreviewed_change_of_topic_moves_nothing(client, live_ad, writer):
    hips = Topic.objects.create(name="Hips", slug="hips")
    unreviewed_draft(live_ad, writer, topic=hips)
    assert client.get("/topics/hips/").status_code == 404
    assert client.get("/topics/hips/feed/").status_code == 404
    assert "Our knee clinic" in text(client, "/topics/knees/")
    home = text(client, "/")
    assert '<a href="/topics/knees/">Knees</a>' in home and "/topics/hips/" not in home
    assert "/topics/hips/" not in text(client, "/sitemap.xml")
    assert "Hips" not in text(client, "/feed/")


def test_an_unreviewed_title_stays_off_the_lists(client, live_ad, writer):
    unreviewed_draft(live_ad, writer, title="Guaranteed knee cure")
    for path in [*LIST_PAGES, "/search/?q=knee"]:
        assert "Guaranteed" not in text(client, path), path


def test_topic_descriptions_are_staff_notes_never_public(client, live_ad, knees):
    knees.description = "Unreviewed: stem cells regrow cartilage."
    knees.save()
    for path in ["/topics/knees/", "/topics/knees/feed/", "/"]:
        assert "stem cells" not in text(client, path), path


def test_a_renamed_topic_keeps_its_reviewed_name_until_republished(client, live_ad, knees):
    knees.name = "Knee miracles"
    knees.save()
    assert "<h1>Knees</h1>" in text(client, "/topics/knees/")
    assert "Knee miracles" not in text(client, "/")


def test_an_unreviewed_slug_change_leaves_the_live_address(client, live_ad, writer, go_live):
    old = live_ad.get_absolute_url()
    unreviewed_draft(live_ad, writer, slug="knee-miracle")
    assert live_ad.latest_revision.content["slug"] == "knee-miracle"
    assert client.get("/articles/knee-miracle/").status_code == 404
    page = text(client, old)
    assert 'href="/articles/knee-miracle/' not in page
    assert "/articles/knee-miracle/" not in text(client, "/") + text(client, "/sitemap.xml")

    # Reviewed and published: the new address is live, the old one redirects for good.
    live_ad.tags.remove("miracle cure")
    go_live(live_ad)
    assert client.get("/articles/knee-miracle/").status_code == 200
    moved = client.get(old)
    assert (moved.status_code, moved["Location"]) == (301, "/articles/knee-miracle/")
    assert "/articles/knee-miracle/" in text(client, "/sitemap.xml")


def test_the_slug_is_part_of_the_signed_hash(live_ad, writer):
    before = live_ad.latest_revision.content_hash
    live_ad.slug = "another-address"
    revision = workflow.save_revision(live_ad, writer, base_revision=live_ad.latest_revision.number)
    assert revision.content["slug"] == "another-address"
    assert revision.content_hash != before


def test_a_published_address_is_never_given_to_another_article(
    client, live_ad, make_article, writer, reviewer, editor, go_live
):
    old = live_ad.get_absolute_url()
    live_ad.slug = "our-knee-service"
    workflow.save_revision(live_ad, writer, base_revision=live_ad.latest_revision.number)
    go_live(live_ad)
    squatter = make_article("Squatter", slug="our-knee-clinic")
    with pytest.raises(Exception, match="Another article was published at this address"):
        squatter.full_clean()
    workflow.submit(squatter, writer)
    workflow.approve(squatter, reviewer, **signed_by(reviewer))
    with pytest.raises(WrongState, match="was used by another published article"):
        workflow.publish(squatter, editor)
    assert client.get(old)["Location"] == "/articles/our-knee-service/"
