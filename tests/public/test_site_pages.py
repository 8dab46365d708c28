"""Lists, search, policies, error pages and the health check."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import path

from articles.models import Topic

# --- Lists ---------------------------------------------------------------------------------------


def test_home_lists_only_published_articles_and_their_topics(client, make_article, go_live):
    topic = Topic.objects.create(name="Sleep", slug="sleep")
    Topic.objects.create(name="Empty topic", slug="empty")
    go_live(make_article("Sleeping well", topic=topic))
    make_article("Secret draft about sleep", topic=topic)
    text = client.get("/").content.decode()
    assert '<a href="/articles/sleeping-well/">Sleeping well</a>' in text
    assert "Secret draft about sleep" not in text
    topics = text[text.index('id="topics-heading"') :]
    assert '<a href="/topics/sleep/">Sleep</a>' in topics and "(1 article)" in topics
    assert "Empty topic" not in topics


def test_featured_articles_come_first_on_the_home_page(client, make_article, go_live):
    go_live(make_article("Ordinary article"))
    go_live(make_article("Featured article", featured=True))
    text = client.get("/").content.decode()
    featured = text[text.index('id="featured-heading"') : text.index('id="latest-heading"')]
    assert "Featured article" in featured and "Ordinary article" not in featured
    assert text.count("Featured article") == 1


def test_home_lists_paginate(client, make_article, go_live):
    for n in range(14):
        go_live(make_article(f"Article number {n}"))
    first = client.get("/").content.decode()
    second = client.get("/?page=2").content.decode()
    assert first.count('<li class="card">') == 12 and second.count('<li class="card">') == 2
    assert '<a rel="next" href="?page=2">Next page' in first
    assert '<a rel="prev" href="/">Previous page' in second
    assert "Page 2 of 2" in second
    assert '<link rel="canonical" href="http://127.0.0.1:8000/?page=2">' in second


@pytest.mark.parametrize("page", ["3", "0", "-1", "two", "1e3", "01", "001", "+1", " 1"])
def test_a_page_past_the_end_or_not_a_number_is_not_found(client, published, page):
    assert client.get(f"/?page={page}").status_code == 404


def test_topic_page(client, make_article, go_live):
    topic = Topic.objects.create(name="Sleep", slug="sleep", description="Rest and recovery.")
    go_live(make_article("Sleeping well", topic=topic))
    go_live(make_article("Knee pain"))
    text = client.get("/topics/sleep/").content.decode()
    assert "<h1>Sleep</h1>" in text
    assert "Rest and recovery." not in text  # staff notes, never reviewed
    assert "Sleeping well" in text and "Knee pain" not in text
    assert 'href="/topics/sleep/feed/"' in text


def test_a_topic_without_live_articles_has_no_page(client, make_article):
    make_article("Draft about sleep", topic=Topic.objects.create(name="Sleep", slug="sleep"))
    assert client.get("/topics/sleep/").status_code == 404
    assert client.get("/topics/no-such-topic/").status_code == 404


def test_tag_page_lists_published_articles_with_the_tag(client, make_article, go_live, file_under):
    tagged = make_article("Sleeping well")
    file_under(tagged, "insomnia")
    go_live(tagged)
    draft = make_article("Secret draft")
    file_under(draft, "insomnia", "draft-only")
    text = client.get("/tags/insomnia/").content.decode()
    assert "Articles tagged “insomnia”" in text
    assert "Sleeping well" in text and "Secret draft" not in text
    assert client.get("/tags/draft-only/").status_code == 404  # says nothing about drafts
    assert client.get("/tags/unknown/").status_code == 404


# --- Search --------------------------------------------------------------------------------------


def test_empty_search_is_a_helpful_page_suggesting_topics(client, make_article, go_live):
    go_live(make_article("Sleeping well", topic=Topic.objects.create(name="Sleep", slug="sleep")))
    response = client.get("/search/?q=")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Type what you want to read about" in text
    assert '<a href="/topics/sleep/">Sleep</a>' in text


def test_nonsense_search_explains_and_suggests_topics(client, make_article, go_live):
    go_live(make_article("Sleeping well", topic=Topic.objects.create(name="Sleep", slug="sleep")))
    text = client.get("/search/?q=%21%40%23%24").content.decode()
    assert "it has no words in it" in text and '<a href="/topics/sleep/">' in text
    text = client.get("/search/?q=xyzzyplugh").content.decode()
    assert "No articles matched “xyzzyplugh”" in text and '<a href="/topics/sleep/">' in text


def test_search_finds_a_published_article(client, published):
    text = client.get("/search/?q=back+pain").content.decode()
    assert '<a href="/articles/living-with-back-pain/">Living with back pain</a>' in text
    assert "1 article found" in text
    assert '<meta name="robots" content="noindex">' in text


def test_search_echoes_the_query_escaped(client, db):
    text = client.get("/search/?q=%3Cscript%3Ealert(1)%3C/script%3E").content.decode()
    assert "<script>alert(1)" not in text


# --- Policies ------------------------------------------------------------------------------------


def test_editorial_policy_covers_review_sources_corrections_advertising_funding(
    client, db, settings
):
    settings.CORRECTIONS_EMAIL = "fixes@clinic.test"
    settings.REVIEW_VALIDITY_DAYS = 365
    text = client.get("/editorial-policy/").content.decode()
    for anchor in ["review", "sources", "corrections", "advertising", "funding"]:
        assert f'id="{anchor}"' in text
    assert "valid for 365 days" in text
    assert '<a href="mailto:fixes@clinic.test">fixes@clinic.test</a>' in text
    assert "early trial without a control group" in text.lower()


def test_privacy_page_states_the_configured_retention_periods(client, db, settings):
    settings.INFORMATION_REQUEST_RETENTION_DAYS = 90
    settings.NEWSLETTER_CONFIRM_HOURS = 24
    text = client.get("/privacy/").content.decode()
    assert "90 days" in text
    assert "24 hours" in text


def test_privacy_page(client, db):
    text = client.get("/privacy/").content.decode()
    assert "<h1>Privacy</h1>" in text and "We do not set cookies for readers" in text


# --- Nothing from another origin ----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/", "/articles/living-with-back-pain/", "/topics/sleep/", "/search/?q=back",
        "/editorial-policy/", "/privacy/", "/articles/missing/",
    ],
)  # fmt: skip
def test_no_script_or_stylesheet_from_another_origin(client, make_article, go_live, path):
    topic = Topic.objects.create(name="Sleep", slug="sleep")
    go_live(make_article("Living with back pain", topic=topic))
    text = client.get(path).content.decode()
    assert not re.search(r"<script[^>]*\bsrc=", text)
    for tag in re.findall(r"<link[^>]*>", text):
        href = re.search(r'href="([^"]*)"', tag).group(1)
        # Only the canonical link names an absolute address (this site's own, from SITE_URL).
        assert not href.startswith(("http:", "https:", "//")) or 'rel="canonical"' in tag
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', text)
    assert stylesheets == ["/static/vetted/site.css"]
    assert "<h1" in text and text.count("<h1") == 1
    assert '<a class="skip-link" href="#main">' in text and '<main id="main"' in text


# --- Errors and health --------------------------------------------------------------------------


def test_not_found_page_is_friendly_with_search_and_home_link(client, db):
    response = client.get("/articles/not-a-real-article/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "We could not find that page" in text
    assert 'action="/search/"' in text and '<a href="/">Go to the home page' in text
    assert "Traceback" not in text and "Article matching query" not in text
    assert "Cache-Control" not in response or "s-maxage" not in response["Cache-Control"]


def _explode(request):
    raise RuntimeError("boom")


urlpatterns = [path("explode/", _explode)]


def test_server_error_page_needs_no_database(settings, db):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.cursor") as cursor:
        cursor.side_effect = OperationalError("the database is down")
        response = client.get("/explode/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "Something went wrong on our side" in text
    assert 'action="/search/"' in text and "boom" not in text
