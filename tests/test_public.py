"""What a member of the public can and cannot see."""

import pytest

from articles import workflow
from tests.conftest import PASSWORD


def test_published_article_shows_who_reviewed_it_and_when(client, published):
    response = client.get(f"/articles/{published.slug}/")
    assert response.status_code == 200
    signature = published.live_signature
    text = response.content.decode()
    assert "Medically reviewed by Rita Reviewer, MD, neurology on" in text
    assert f'datetime="{signature.signed_at.isoformat()}"'[:30] in text
    assert "Written by Wendy Writer, BSc, health journalism" in text


@pytest.mark.parametrize("fixture", ["article", "in_review", "approved"])
def test_content_never_published_is_not_found(client, request, fixture):
    article = request.getfixturevalue(fixture)
    assert client.get(f"/articles/{article.slug}/").status_code == 404


def test_unpublished_article_is_not_found(client, published, editor):
    workflow.unpublish(published, editor, reason="Source retracted")
    assert client.get(f"/articles/{published.slug}/").status_code == 404


def test_home_lists_only_published_articles(client, published, make_article):
    make_article("Secret draft about sleep")
    text = client.get("/").content.decode()
    assert published.title in text
    assert "Secret draft about sleep" not in text


def test_new_draft_of_a_published_article_stays_private(client, published, writer):
    published.title = "A rewrite nobody has reviewed"
    published.body = "<p>Unreviewed claims.</p>"
    workflow.save_revision(published, writer, base_revision=1)
    text = client.get(f"/articles/{published.slug}/").content.decode()
    assert "Living with back pain" in text
    assert "Unreviewed claims" not in text
    assert "A rewrite nobody has reviewed" not in text


def test_scheduled_article_is_hidden_until_it_goes_live(client, approved, editor):
    from datetime import timedelta

    from django.utils import timezone

    workflow.schedule(approved, editor, go_live_at=timezone.now() + timedelta(hours=2))
    assert client.get(f"/articles/{approved.slug}/").status_code == 404


def _publish_many(make_article, writer, reviewer, editor, count):
    for i in range(count):
        article = make_article(f"Article number {i}")
        article.tags.add("sleep", f"tag-{i}")
        workflow.submit(article, writer)
        workflow.approve(article, reviewer, password=PASSWORD)
        workflow.publish(article, editor)


@pytest.mark.parametrize("count", [3, 15])
def test_home_query_count_does_not_grow_with_the_list(
    client, django_assert_max_num_queries, make_article, writer, reviewer, editor, count
):
    _publish_many(make_article, writer, reviewer, editor, count)
    with django_assert_max_num_queries(2):
        response = client.get("/")
    assert response.content.decode().count("<li>") == count


def test_article_page_query_budget(client, django_assert_max_num_queries, published):
    with django_assert_max_num_queries(2):
        assert client.get(f"/articles/{published.slug}/").status_code == 200


def test_healthz_reports_database(client, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok"}


def test_not_found_page_is_friendly_and_has_no_details(client, db):
    response = client.get("/articles/not-a-real-article/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "We could not find that page" in text
    assert "Traceback" not in text and "Article matching query" not in text


# --- Sources as a reader follows them --------------------------------------------------------


def test_citation_marker_is_a_numbered_link_to_its_reference(client, published):
    text = client.get(f"/articles/{published.slug}/").content.decode()
    assert '<sup class="citation"><a href="#ref-1" aria-label="Reference 1">1</a></sup>' in text
    assert 'id="ref-1"' in text
    assert "data-citation" not in text


def test_reference_list_is_ama_with_a_working_doi_link_and_plain_evidence_words(client, published):
    text = client.get(f"/articles/{published.slug}/").content.decode()
    references = text[text.index('id="references-heading"') :]
    assert "Oliveira CB. Low back pain in adults: assessment and management." in references
    assert (
        '<a href="https://doi.org/10.5555/vetted.back-pain.2020">'
        "doi:10.5555/vetted.back-pain.2020</a>" in references
    )
    assert references.count("10.5555/vetted.back-pain.2020") == 2  # the link and its text, once
    assert "(clinical guideline)" in references


def test_pubmed_link_when_the_source_has_a_pmid(client, writer, reviewer, editor, make_article):
    from articles.models import Citation
    from evidence.models import Source, VerificationStatus
    from tests.conftest import CITATION_KEY, CITED_BODY, PASSWORD

    source = Source.objects.create(
        doi="10.5555/vetted.pmid.1", pmid="12345678", title="A trial", year=2021,
        authors=[{"family": "Nguyen", "given": "T"}], journal="Trials",
        verification_status=VerificationStatus.VERIFIED,
    )  # fmt: skip
    article = make_article("Knee pain", cited=False, body=CITED_BODY)
    Citation.objects.create(article=article, source=source, key=CITATION_KEY, order=1)
    workflow.save_revision(article, writer, base_revision=1)
    workflow.submit(article, writer)
    workflow.approve(article, reviewer, password=PASSWORD)
    workflow.publish(article, editor)
    text = client.get(f"/articles/{article.slug}/").content.decode()
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/12345678/">PubMed record</a>' in text


def test_a_source_edited_after_publication_does_not_change_the_page(client, published):
    from evidence.models import Source

    Source.objects.filter(doi="10.5555/vetted.back-pain.2020").update(
        title="<script>alert(1)</script> A different title"
    )
    text = client.get(f"/articles/{published.slug}/").content.decode()
    assert "Low back pain in adults" in text
    assert "A different title" not in text and "<script>alert" not in text
