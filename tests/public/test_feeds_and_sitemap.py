"""Atom feeds, sitemap.xml and robots.txt, with addresses from SITE_URL."""

from __future__ import annotations

from datetime import datetime

import pytest
from defusedxml import ElementTree

from articles.models import Article, Topic

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://health.clinic.test"


@pytest.fixture
def topics(make_article, go_live, make_cited_article):
    joints = Topic.objects.create(name="Bones and joints", slug="joints")
    sleep = Topic.objects.create(name="Sleep", slug="sleep")
    go_live(make_article("Knee pain", topic=joints, summary="Knees & <what> helps."))
    go_live(make_article("Hip pain", topic=joints))
    go_live(make_article("Sleeping well", topic=sleep))
    make_article("A draft about knees", topic=joints)
    return joints, sleep


def test_atom_feed_lists_published_articles(client, topics):
    response = client.get("/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}title").text == "Vetted: health articles"
    assert feed.find(f"{ATOM}id").text == "https://health.clinic.test/"
    assert feed.find(f"{ATOM}updated").text
    entries = feed.findall(f"{ATOM}entry")
    titles = [entry.find(f"{ATOM}title").text for entry in entries]
    assert sorted(titles) == ["Hip pain", "Knee pain", "Sleeping well"]
    knee = entries[titles.index("Knee pain")]
    link = knee.find(f"{ATOM}link").get("href")
    assert link == "https://health.clinic.test/articles/knee-pain/"
    assert knee.find(f"{ATOM}author/{ATOM}name").text == "Wendy Writer"
    assert knee.find(f"{ATOM}summary").text == "Knees &amp; &lt;what&gt; helps."  # HTML-escaped
    assert knee.find(f"{ATOM}category").get("term") == "Bones and joints"
    datetime.fromisoformat(knee.find(f"{ATOM}published").text)
    datetime.fromisoformat(knee.find(f"{ATOM}updated").text)


def test_topic_feed_has_only_that_topics_articles(client, topics):
    feed = ElementTree.fromstring(client.get("/topics/joints/feed/").content)
    assert feed.find(f"{ATOM}title").text == "Vetted: Bones and joints"
    titles = sorted(e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry"))
    assert titles == ["Hip pain", "Knee pain"]
    self_link = [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link[0].get("href") == "https://health.clinic.test/topics/joints/feed/"


def test_feed_of_an_unknown_topic_is_not_found(client, db):
    assert client.get("/topics/nothing/feed/").status_code == 404


def test_feed_category_is_the_topic_of_the_live_revision(client, topics, file_under, go_live):
    knee = Article.objects.get(slug="knee-pain")
    file_under(knee, topic=topics[1])  # moved to Sleep in a draft nobody has reviewed

    def category() -> str:
        entries = ElementTree.fromstring(client.get("/feed/").content).findall(f"{ATOM}entry")
        knee = next(e for e in entries if e.find(f"{ATOM}title").text == "Knee pain")
        return knee.find(f"{ATOM}category").get("term")

    assert category() == "Bones and joints"
    go_live(knee)
    assert category() == "Sleep"


def test_sitemap_lists_pages_topics_and_articles_with_lastmod(client, topics):
    from articles.models import Article

    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    urlset = ElementTree.fromstring(response.content)
    entries = {
        url.find(f"{SITEMAP}loc").text: getattr(url.find(f"{SITEMAP}lastmod"), "text", None)
        for url in urlset.findall(f"{SITEMAP}url")
    }
    knee = Article.objects.get(slug="knee-pain")
    assert entries["https://health.clinic.test/articles/knee-pain/"] == (
        knee.last_published_at.date().isoformat()
    )
    assert "https://health.clinic.test/articles/a-draft-about-knees/" not in entries
    assert "https://health.clinic.test/topics/joints/" in entries
    assert "https://health.clinic.test/" in entries
    assert "https://health.clinic.test/editorial-policy/" in entries


def test_sitemap_lastmod_follows_the_latest_publication(client, published, revise, go_live):
    revise(published, "Updated figures.")
    go_live(published)
    urlset = ElementTree.fromstring(client.get("/sitemap.xml").content)
    lastmods = [
        url.find(f"{SITEMAP}lastmod").text
        for url in urlset.findall(f"{SITEMAP}url")
        if url.find(f"{SITEMAP}loc").text.endswith(f"/articles/{published.slug}/")
    ]
    assert lastmods == [published.last_published_at.date().isoformat()]


def test_robots_txt_names_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Sitemap: https://health.clinic.test/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
