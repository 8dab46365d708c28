"""Query budgets with the page cache off: an article page makes one query (its page was rendered
when it went live; the budget is 8) and a list page at most 6, whatever the number of citations,
tags, prompts, revisions or articles."""

from __future__ import annotations

import pytest

from articles import workflow
from articles.models import Topic

ARTICLE_QUERIES = 1
LIST_BUDGET = 6


@pytest.fixture(autouse=True)
def _uncached(page_cache_off):
    pass


@pytest.mark.parametrize("citations", [10, 200])
def test_article_page_budget_whatever_the_number_of_citations(
    client, django_assert_num_queries, make_cited_article, go_live, citations
):
    article = go_live(make_cited_article("Knee pain", citations))
    with django_assert_num_queries(ARTICLE_QUERIES):
        response = client.get(f"/articles/{article.slug}/")
    text = response.content.decode()
    assert text.count('<sup class="citation">') == citations
    assert f'<li id="ref-{citations}">' in text


def test_article_page_budget_with_many_tags_prompts_and_revisions(
    client, django_assert_num_queries, make_cited_article, make_prompt, place, go_live, revise
):
    article = make_cited_article(
        "Knee pain", 10, topic=Topic.objects.create(name="Knees", slug="k")
    )
    article.tags.add(*(f"tag-{n}" for n in range(30)))
    offers = ["packet", "consultation", "newsletter", "webinar", "brochure"]
    prompts = [
        go_live(
            make_prompt(offer, headline=f"Ask for our {offer}", body=f"<p>About the {offer}.</p>")
        )
        for offer in offers
    ]
    place(article, *prompts)
    go_live(article)
    for n in range(6):
        revise(article, change_note=f"Change number {n}.")
        go_live(article)
    with django_assert_num_queries(ARTICLE_QUERIES):
        response = client.get(f"/articles/{article.slug}/")
    text = response.content.decode()
    assert text.count('href="/tags/') == 30
    assert text.count('class="prompt"') == 5
    assert "Change number 5." in text and "Change number 0." in text


def _publish_many(make_article, go_live, count: int, **fields) -> None:
    for n in range(count):
        article = make_article(f"Article number {n}", **fields)
        workflow.save_revision(
            article,
            article.owner,
            save_related=lambda a=article, n=n: a.tags.add("sleep", f"tag-{n}"),
        )
        go_live(article)


@pytest.mark.parametrize("count", [3, 30])
def test_home_budget_whatever_its_length(
    client, django_assert_max_num_queries, make_article, go_live, count
):
    topic = Topic.objects.create(name="Sleep", slug="sleep")
    _publish_many(make_article, go_live, count, topic=topic)
    with django_assert_max_num_queries(LIST_BUDGET):
        response = client.get("/")
    assert response.content.decode().count('<li class="card">') == min(count, 12)


@pytest.mark.parametrize("path", ["/topics/sleep/", "/tags/sleep/", "/topics/sleep/?page=2"])
def test_topic_and_tag_budgets(client, django_assert_max_num_queries, make_article, go_live, path):
    topic = Topic.objects.create(name="Sleep", slug="sleep")
    _publish_many(make_article, go_live, 30, topic=topic)
    with django_assert_max_num_queries(LIST_BUDGET):
        response = client.get(path)
    assert response.status_code == 200
    assert response.content.decode().count('<li class="card">') == 12


@pytest.mark.parametrize("path", ["/feed/", "/topics/sleep/feed/", "/sitemap.xml"])
def test_feed_and_sitemap_budgets(
    client, django_assert_max_num_queries, make_article, go_live, path
):
    topic = Topic.objects.create(name="Sleep", slug="sleep")
    _publish_many(make_article, go_live, 25, topic=topic)
    with django_assert_max_num_queries(LIST_BUDGET):
        response = client.get(path)
    assert response.status_code == 200
