"""A study retracted after a page citing it went live: the page tells its readers at once (on the
reference and at the top), the page cache stops serving the old page, and the CDN is told; the
same when a person marks the source retracted, and undone when the mark is taken back."""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles import rendering
from articles.models import Citation
from evidence.editing import save_source
from evidence.models import Source
from evidence.verification import verify_sources
from tests.evidence.conftest import registry_server  # noqa: F401 -- a fixture
from tests.public.test_purge import cdn, purging  # noqa: F401 -- fixtures

RETRACTED_DOI = "10.5555/regen.2019.0042"  # the registry stand-in answers with a retraction
NOTICE = "A study this page cites has been retracted"


def page(client, article) -> str:
    response = client.get(reverse("articles:detail", args=[article.slug]))
    assert response.status_code == 200
    return response.content.decode()


def cited_source(article) -> Source:
    return Citation.objects.get(article=article).source


@pytest.fixture
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 300


def test_a_registry_finding_a_retraction_changes_the_live_page_at_once(
    client,
    published,
    registry_server,  # noqa: F811
    page_cache_on,
    cdn,  # noqa: F811
    purging,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    purging.CDN_PURGE_URL = cdn.url + "{path}"
    assert NOTICE not in page(client, published)  # and now the page is in the page cache
    source = cited_source(published)
    Source.objects.filter(pk=source.pk).update(doi=RETRACTED_DOI)

    with django_capture_on_commit_callbacks(execute=True):
        verify_sources([Source.objects.get(pk=source.pk)])

    html = page(client, published)
    assert NOTICE in html
    assert 'href="#ref-1">reference 1</a>' in html
    assert '<strong class="retracted">Retracted (Retraction (2022-03-14)' in html
    assert [request["path"] for request in cdn.seen] == [f"/articles/{published.slug}/"]


def test_a_person_marking_a_source_retracted_and_taking_it_back(client, published, editor):
    source = cited_source(published)
    source.retracted, source.retraction_notice = True, "Retracted by the journal, May 2026"
    save_source(source, editor, changed=["retracted", "retraction_notice"], created=False)
    html = page(client, published)
    assert NOTICE in html
    assert "Retracted (Retracted by the journal, May 2026)." in html

    source.retracted, source.retraction_notice = False, ""
    save_source(source, editor, changed=["retracted", "retraction_notice"], created=False)
    html = page(client, published)
    assert NOTICE not in html
    assert 'class="retracted"' not in html


def test_an_edit_that_leaves_the_retraction_alone_renders_nothing(published, editor):
    source = cited_source(published)
    source.title = source.title + " (corrected)"
    before = published.live_revision.rendering.rendered_at
    save_source(source, editor, changed=["title"], created=False)
    published.live_revision.rendering.refresh_from_db()
    assert published.live_revision.rendering.rendered_at == before


def test_only_live_pages_citing_the_source_are_rendered_again(published, make_article):
    other = Source.objects.create(title="Another study", doi="10.1000/other", year=2020)
    assert rendering.live_articles_citing(other) == []
    draft = make_article("Back pain at work")  # cites the same source, but is not live
    assert cited_source(draft) == cited_source(published)
    assert rendering.live_articles_citing(cited_source(published)) == [published.pk]


def test_the_preview_shows_the_retraction_too(client, published, reviewer):
    from tests.conftest import log_in_verified

    Source.objects.filter(pk=cited_source(published).pk).update(retracted=True)
    log_in_verified(client, reviewer)
    revision = published.live_revision
    response = client.get(
        reverse("admin:articles_article_preview", args=[published.pk, revision.number])
    )
    assert response.status_code == 200
    assert NOTICE in response.content.decode()
