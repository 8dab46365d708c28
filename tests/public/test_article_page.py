"""The article page: everything a reader is promised, from the live revision only."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image as Pillow

from articles import images, jobs, workflow
from articles.audit import records
from articles.models import Article, ArticleKind, Citation, Rendering, Topic
from articles.roles import Role
from evidence.models import Source, SourceKind, VerificationStatus
from tests.conftest import CITATION_KEY, CITED_BODY, signed_by


def page_text(client, article) -> str:
    response = client.get(f"/articles/{article.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def json_ld(text: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.DOTALL)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def render_again_on_next_view(article) -> None:
    """Make the stored page out of date, as a deploy with other templates does."""
    Rendering.objects.filter(revision=article.live_revision).update(render_key="older-deploy")


class Headings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.levels: list[int] = []

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))


# --- Who wrote and reviewed it, and when --------------------------------------------------------


def test_byline_and_review_come_from_the_revision_and_the_signature(client, published):
    text = page_text(client, published)
    signature = published.live_signature
    assert "Written by Wendy Writer, BSc, health journalism" in text
    assert "Medically reviewed by Rita Reviewer, MD, neurology on" in text
    assert f'<time datetime="{signature.signed_at:%Y-%m-%d}">' in text


def test_byline_is_frozen_when_the_article_is_reassigned(
    client, published, editor, make_user, writer
):
    newcomer = make_user("nina_newcomer", Role.WRITER, credentials="MSc, nutrition")
    workflow.assign(published, editor, owner=newcomer)
    writer.profile.display_name = "Someone Else Entirely"
    writer.profile.save()
    text = page_text(client, published)
    assert "Written by Wendy Writer, BSc, health journalism" in text
    assert "Nina Newcomer" not in text and "Someone Else Entirely" not in text


def test_reviewer_shown_is_the_signature_not_the_reviewers_current_profile(
    client, published, reviewer
):
    reviewer.profile.display_name = "Renamed Reviewer"
    reviewer.profile.credentials = "PhD"
    reviewer.profile.save()
    text = page_text(client, published)
    assert "Medically reviewed by Rita Reviewer, MD, neurology" in text
    assert "Renamed Reviewer" not in text


def test_published_and_last_updated_dates(client, published, revise, go_live):
    first = published.first_published_at
    revise(published, "Added advice on sleep positions.", summary="Now with sleep advice.")
    go_live(published)
    text = page_text(client, published)
    assert f'Published <time datetime="{first.isoformat()}">' in text
    assert f'Last updated <time datetime="{published.last_published_at.isoformat()}">' in text


# --- The text and its sources --------------------------------------------------------------------


def test_title_summary_and_body(client, published):
    text = page_text(client, published)
    assert "<h1>Living with back pain</h1>" in text
    assert '<p class="summary">What helps, and when to see a doctor.</p>' in text
    assert "Most back pain gets better within six weeks." in text


def test_citation_marker_is_a_numbered_link_to_its_reference(client, published):
    text = page_text(client, published)
    assert '<sup class="citation"><a href="#ref-1" aria-label="Reference 1">1</a></sup>' in text
    assert '<li id="ref-1">' in text
    assert "data-citation" not in text


def test_reference_list_is_ama_with_a_doi_link_and_plain_evidence_words(client, published):
    text = page_text(client, published)
    references = text[text.index('id="references-heading"') :]
    assert "Oliveira CB. Low back pain in adults: assessment and management." in references
    assert (
        '<a href="https://doi.org/10.5555/vetted.back-pain.2020" rel="noopener nofollow">'
        "doi:10.5555/vetted.back-pain.2020</a>" in references
    )
    assert references.count("10.5555/vetted.back-pain.2020") == 2  # the link and its text, once
    assert "Type of evidence: clinical guideline." in references


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        (SourceKind.RANDOMIZED_TRIAL, "randomized trial"),
        (SourceKind.SYSTEMATIC_REVIEW, "review of trials"),
        (SourceKind.CASE_SERIES, "early trial without a control group"),
    ],
)
def test_evidence_level_in_plain_words_with_pubmed_link(
    client, writer, make_article, go_live, kind, words
):
    source = Source.objects.create(
        doi="10.5555/vetted.pmid.1", pmid="12345678", title="A trial", year=2021,
        authors=[{"family": "Nguyen", "given": "T"}], journal="Trials", kind=kind,
        verification_status=VerificationStatus.VERIFIED,
    )  # fmt: skip
    article = make_article("Knee pain", cited=False, body=CITED_BODY)
    Citation.objects.create(article=article, source=source, key=CITATION_KEY, order=1)
    workflow.save_revision(article, writer, base_revision=1)
    go_live(article)
    text = page_text(client, article)
    assert (
        '<a href="https://pubmed.ncbi.nlm.nih.gov/12345678/" rel="noopener nofollow">'
        "PubMed record" in text
    )
    assert f"Type of evidence: {words}." in text


def test_a_source_edited_after_publication_does_not_change_the_page(client, published):
    Source.objects.filter(doi="10.5555/vetted.back-pain.2020").update(
        title="<script>alert(1)</script> A different title"
    )
    text = page_text(client, published)
    assert "Low back pain in adults" in text
    assert "A different title" not in text and "<script>alert" not in text


def test_topic_and_tags_link_to_their_pages(client, make_article, file_under, go_live):
    topic = Topic.objects.create(name="Bones and joints", slug="joints")
    article = make_article("Knee pain")
    file_under(article, "knees", "exercise", topic=topic)
    go_live(article)
    text = page_text(client, article)
    assert '<p class="eyebrow"><a href="/topics/joints/">Bones and joints</a></p>' in text
    assert '<a href="/tags/exercise/">exercise</a>, <a href="/tags/knees/">knees</a>' in text


def test_topic_and_tags_are_frozen_into_each_revision(make_article, file_under):
    article = make_article("Knee pain")
    file_under(article, "knees", "Exercise", topic=Topic.objects.create(name="Joints", slug="j"))
    content = article.latest_revision.content
    assert content["topic"] == {"name": "Joints", "slug": "j"}
    assert content["tags"] == [
        {"name": "Exercise", "slug": "exercise"}, {"name": "knees", "slug": "knees"},
    ]  # fmt: skip


def test_a_tags_only_edit_changes_the_live_page_only_when_republished(
    client, published, file_under, go_live, page_cache_off
):
    file_under(published, "knees")
    go_live(published)
    before = client.get(f"/articles/{published.slug}/")
    file_under(published, "sleep", change_summary="Tagged for the sleep pages.")
    after = client.get(f"/articles/{published.slug}/")
    assert after.content == before.content and after["ETag"] == before["ETag"]
    render_again_on_next_view(published)  # as after a deploy: still the revision's tags
    assert '<a href="/tags/sleep/">' not in page_text(client, published)
    go_live(published)
    assert '<a href="/tags/sleep/">sleep</a>' in page_text(client, published)


def test_a_new_topic_shows_on_the_page_and_in_json_ld_only_when_republished(
    client, make_article, file_under, go_live, page_cache_off
):
    joints = Topic.objects.create(name="Bones and joints", slug="joints")
    article = make_article("Knee pain", topic=joints)
    go_live(article)
    file_under(article, topic=Topic.objects.create(name="Exercise", slug="exercise"))
    render_again_on_next_view(article)
    text = page_text(client, article)
    assert '<a href="/topics/joints/">Bones and joints</a>' in text
    assert "/topics/exercise/" not in text
    assert json_ld(text)["about"] == {"@type": "Thing", "name": "Bones and joints"}
    go_live(article)
    text = page_text(client, article)
    assert '<a href="/topics/exercise/">Exercise</a>' in text
    assert json_ld(text)["about"] == {"@type": "Thing", "name": "Exercise"}


def test_a_revision_saved_before_topics_and_tags_were_frozen_shows_none_of_the_working_copys(
    client, make_article, go_live, writer
):
    freezing = Article.revision_content

    def as_before(article):
        content = freezing(article)
        del content["topic"], content["tags"]
        return content

    joints = Topic.objects.create(name="Bones and joints", slug="joints")
    with mock.patch.object(Article, "revision_content", as_before):
        article = make_article("Knee pain", topic=joints)
        workflow.save_revision(
            article, writer, base_revision=1, save_related=lambda: article.tags.add("knees")
        )
        go_live(article)
    assert "tags" not in article.live_revision.content
    # The working copy's topic and tags were never reviewed with this revision: not shown.
    text = page_text(client, article)
    assert "/topics/joints/" not in text
    assert "/tags/knees/" not in text
    assert json_ld(text)["about"] == {"@type": "Thing", "name": "Knee pain"}  # its own subject
    feed = client.get("/feed/").content.decode()
    assert '<category term="Bones and joints"' not in feed
    assert client.get("/topics/joints/").status_code == 404


def test_disclaimer_and_report_a_problem_link(client, published):
    text = page_text(client, published)
    assert "This page is for education. It is not medical advice." in text
    assert (
        '<a href="/articles/living-with-back-pain/report/">Report a problem with this page</a>'
        in text
    )


def test_promotional_page_shows_its_disclosure_label_in_a_box_at_the_top(
    client, make_article, go_live
):
    article = make_article(
        "Our knee clinic",
        kind=ArticleKind.PROMOTIONAL,
        summary="From our clinic: what a first visit to our knee service involves.",
    )
    go_live(article)
    text = page_text(client, article)
    box = text[text.index('<div class="disclosure"') :]
    assert text.index('<div class="disclosure"') < text.index('<p class="summary">')
    assert 'role="note" aria-label="Disclosure"' in box
    assert "<strong>From our clinic.</strong>" in box


def test_an_ordinary_page_has_no_disclosure_box(client, published):
    assert 'class="disclosure"' not in page_text(client, published)


def test_one_h1_and_no_heading_jumps(client, published, make_prompt, place, go_live, revise):
    prompt = go_live(make_prompt())
    place(published, prompt)
    go_live(published)
    parser = Headings()
    parser.feed(page_text(client, published))
    assert parser.levels.count(1) == 1 and parser.levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(parser.levels, parser.levels[1:], strict=False))


# --- Hero image ---------------------------------------------------------------------------------


def _png(width: int = 1200, height: int = 800) -> bytes:
    buffer = io.BytesIO()
    Pillow.new("RGB", (width, height), (200, 120, 40)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("decorative", [False, True])
def test_hero_image_has_srcset_size_and_alt_text(client, make_article, go_live, decorative):
    image = images.store_image(_png(), "knee.png")[0]
    article = make_article(
        "Knee pain",
        hero_image=image,
        hero_alt="" if decorative else "A physiotherapist bending a patient's knee",
        hero_decorative=decorative,
    )
    go_live(article)
    text = page_text(client, article)
    hero = text[text.index('<div class="hero">') : text.index("</picture>")]
    assert 'type="image/webp"' in hero and " 480w" in hero and 'sizes="' in hero
    assert 'width="1200" height="800"' in hero
    if decorative:
        assert 'alt=""' in hero
    else:
        assert 'alt="A physiotherapist bending a patient&#x27;s knee"' in hero
    data = json_ld(text)
    assert data["image"].startswith("http://127.0.0.1:8000/media/")
    assert f'<meta property="og:image" content="{data["image"]}">' in text
    assert ('<meta property="og:image:alt"' in text) is not decorative


# --- Prompts ------------------------------------------------------------------------------------


def test_each_live_prompt_is_shown_once_with_its_label(
    client, published, make_prompt, place, go_live, writer, reviewer
):
    packet = go_live(make_prompt())
    approved_only = make_prompt("Newsletter", headline="Subscribe to our newsletter")
    workflow.submit(approved_only, writer)
    workflow.approve(approved_only, reviewer, **signed_by(reviewer))
    place(published, packet, approved_only)
    go_live(published)
    text = page_text(client, published)
    assert text.count("Request our information packet") == 1
    assert '<p class="prompt-label">From our clinic</p>' in text
    assert "We will post you a short guide to our clinic." in text
    assert "Subscribe to our newsletter" not in text  # approved but never published
    assert "<form" not in text[text.index('class="prompt"') :]


def test_prompt_shows_its_live_revision_not_its_working_copy(
    client, published, make_prompt, place, go_live, revise
):
    prompt = go_live(make_prompt())
    place(published, prompt)
    go_live(published)
    revise(prompt, headline="An unreviewed new headline")
    text = page_text(client, published)
    assert "Request our information packet" in text
    assert "An unreviewed new headline" not in text


def test_prompt_disappears_when_unpublished_or_expired(
    client, published, make_prompt, place, go_live, take_down, editor, page_cache_off
):
    packet = go_live(make_prompt())
    workflow.schedule(packet, editor, expire_at=timezone.now() + timedelta(hours=1))
    newsletter = go_live(make_prompt("Newsletter", headline="Subscribe to our newsletter"))
    place(published, packet, newsletter)
    go_live(published)
    assert "Subscribe to our newsletter" in page_text(client, published)

    take_down(newsletter)
    text = page_text(client, published)
    assert "Subscribe to our newsletter" not in text
    assert "Request our information packet" in text

    # The packet's expiry passes; run_jobs has not taken it down yet.
    later = timezone.now() + timedelta(hours=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert "Request our information packet" not in page_text(client, published)


def test_a_prompt_expiry_scheduled_after_publication_ends_with_run_jobs(
    client, published, make_prompt, place, go_live, editor, page_cache_off,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    packet = go_live(make_prompt())
    place(published, packet)
    go_live(published)
    workflow.schedule(packet, editor, expire_at=timezone.now() + timedelta(hours=1))
    later = timezone.now() + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.run_all(now=later)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert "Request our information packet" not in page_text(client, published)


def test_a_prompt_going_live_appears_on_the_stored_pages_that_place_it(
    client, make_article, make_prompt, place, go_live, writer, reviewer, editor, page_cache_off,
    django_assert_num_queries, django_capture_on_commit_callbacks,
):  # fmt: skip
    prompt = make_prompt()
    workflow.submit(prompt, writer)
    workflow.approve(prompt, reviewer, **signed_by(reviewer))
    articles = [make_article("Knee pain"), make_article("Hip pain")]
    for article in articles:
        place(article, prompt)
        go_live(article)
        assert "Request our information packet" not in page_text(client, article)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(prompt, editor)
    for article in articles:
        with django_assert_num_queries(1):  # rendered when the prompt went live, not now
            assert "Request our information packet" in page_text(client, article)


def test_taking_a_prompt_down_renders_its_pages_in_one_pass(
    make_article, make_prompt, place, go_live, take_down
):
    def queries_to_take_down(pages: int) -> int:
        prompt = go_live(make_prompt(f"Packet for {pages}"))
        articles = []
        for n in range(pages):
            articles.append(make_article(f"Article {pages}-{n}"))
            place(articles[-1], prompt)
            go_live(articles[-1])
        with CaptureQueriesContext(connection) as queries:
            take_down(prompt)
        stored = Rendering.objects.filter(revision__in=[a.live_revision_id for a in articles])
        assert len(stored) == pages
        assert not any("Request our information packet" in r.page_html for r in stored)
        return len(queries)

    assert queries_to_take_down(1) == queries_to_take_down(6)


# --- What changed -------------------------------------------------------------------------------


def test_what_changed_lists_each_publication_with_its_note_for_readers(
    client, published, revise, go_live
):
    revise(published, change_note="Added advice on sleep positions.")
    go_live(published)
    revise(published, "Fixed typo in para 3, see Slack thread", change_note="Corrected the figure.")
    go_live(published)
    text = page_text(client, published)
    history = text[text.index('id="history-heading"') :]
    history = history[: history.index("</section>")]
    items = re.findall(r"<li>(.*?)</li>", history, re.DOTALL)
    assert len(items) == 3
    assert "(this version)" in items[0] and "Corrected the figure." in items[0]
    assert "Added advice on sleep positions." in items[1]
    assert "first published." in items[2]
    # The note for reviewers is an internal remark: never printed for readers.
    assert "Slack thread" not in text


def test_the_note_for_readers_is_signed_content(published, revise):
    before = revise(published, change_note="Added advice on sleep positions.")
    assert before.content["change_note"] == "Added advice on sleep positions."
    again = revise(published, change_note="Added advice on sleeping.")
    assert again.content_hash != before.content_hash
    # A revision without a note has no such key, so older revisions hash as they did.
    assert "change_note" not in revise(published).content


def test_an_unpublished_new_revision_is_not_in_what_changed(client, published, revise):
    revise(published, "A change nobody has reviewed.", change_note="Not reviewed yet.")
    text = page_text(client, published)
    assert "A change nobody has reviewed." not in text
    assert "Not reviewed yet." not in text


# --- Never shown --------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["article", "in_review", "approved"])
def test_content_never_published_is_not_found(client, request, fixture):
    article = request.getfixturevalue(fixture)
    assert client.get(f"/articles/{article.slug}/").status_code == 404


def test_unpublished_article_is_not_found(client, published, take_down):
    take_down(published)
    assert client.get(f"/articles/{published.slug}/").status_code == 404


def test_expired_article_is_not_found_before_run_jobs_takes_it_down(client, published):
    published.__class__.objects.filter(pk=published.pk).update(
        expire_at=timezone.now() - timedelta(minutes=1)
    )
    assert client.get(f"/articles/{published.slug}/").status_code == 404


def test_scheduled_article_is_hidden_until_it_goes_live(client, approved, editor):
    workflow.schedule(approved, editor, go_live_at=timezone.now() + timedelta(hours=2))
    assert client.get(f"/articles/{approved.slug}/").status_code == 404
    assert approved.title not in client.get("/").content.decode()


def test_new_draft_of_a_published_article_stays_private(client, published, revise):
    revise(published, title="A rewrite nobody has reviewed", body="<p>Unreviewed claims.</p>")
    text = page_text(client, published)
    assert "Living with back pain" in text
    assert "Unreviewed claims" not in text and "A rewrite nobody has reviewed" not in text


# --- JSON-LD, Open Graph, canonical -------------------------------------------------------------


def test_json_ld_medical_web_page_field_by_field(client, make_cited_article, go_live, settings):
    settings.SITE_URL = "https://health.clinic.test"
    topic = Topic.objects.create(name="Bones and joints", slug="joints")
    article = make_cited_article("Knee pain", 3, topic=topic)
    go_live(article)
    data = json_ld(page_text(client, article))
    signature = article.live_signature
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalWebPage"
    assert data["url"] == "https://health.clinic.test/articles/knee-pain/"
    assert data["name"] == "Knee pain"
    assert data["description"] == "What helps, and when to see a doctor."
    assert data["about"] == {"@type": "Thing", "name": "Bones and joints"}
    assert data["author"] == {
        "@type": "Person", "name": "Wendy Writer", "honorificSuffix": "BSc, health journalism",
    }  # fmt: skip
    assert data["reviewedBy"] == {
        "@type": "Person", "name": "Rita Reviewer", "honorificSuffix": "MD, neurology",
    }  # fmt: skip
    assert data["lastReviewed"] == timezone.localdate(signature.signed_at).isoformat()
    assert data["datePublished"] == article.first_published_at.isoformat()
    assert data["dateModified"] == article.last_published_at.isoformat()
    assert data["medicalAudience"] == {"@type": "Patient"}
    assert [c["@type"] for c in data["citation"]] == ["ScholarlyArticle"] * 3
    assert [c["identifier"][0] for c in data["citation"]] == [
        {"@type": "PropertyValue", "propertyID": "DOI", "value": f"10.5555/vetted.public.{n}"}
        for n in range(3)
    ]
    assert data["citation"][0]["url"] == "https://doi.org/10.5555/vetted.public.0"
    assert data["citation"][0]["name"] == "Trial number 0 of a treatment for back pain"


def test_json_ld_cannot_close_its_script_element(client, make_article, go_live):
    article = make_article(
        "Sleep </script><script>alert(1)</script>", slug="sleep", summary="Tips & <b>tricks</b>"
    )
    go_live(article)
    text = page_text(client, article)
    block = text[text.index('<script type="application/ld+json">') :]
    block = block[: block.index("</script>")]
    assert "<" not in block[len('<script type="application/ld+json">') :]
    assert "\\u003c/script\\u003e" in block and "\\u0026" in block
    data = json_ld(text)
    assert data["name"] == "Sleep </script><script>alert(1)</script>"
    assert data["description"] == "Tips & <b>tricks</b>"


def test_open_graph_and_canonical_use_the_site_address(client, published, settings):
    settings.SITE_URL = "https://health.clinic.test"
    text = page_text(client, published)
    url = "https://health.clinic.test/articles/living-with-back-pain/"
    assert f'<link rel="canonical" href="{url}">' in text
    assert f'<meta property="og:url" content="{url}">' in text
    assert '<meta property="og:title" content="Living with back pain">' in text
    assert '<meta property="og:type" content="article">' in text


# --- Rendered once ------------------------------------------------------------------------------


def test_publishing_renders_the_page_once(published):
    rendering = Rendering.objects.get(revision=published.live_revision)
    assert 'href="#ref-1"' in rendering.body_html
    assert 'id="ref-1"' in rendering.references_html
    assert json.loads(rendering.json_ld)["name"] == "Living with back pain"


def test_the_page_served_is_the_page_stored_at_publication(client, published, page_cache_off):
    stored = Rendering.objects.get(revision=published.live_revision)
    response = client.get(f"/articles/{published.slug}/")
    assert response.content == stored.page_html.encode()
    assert response["ETag"] == stored.etag
    assert "csrf" not in stored.page_html.lower()


def test_a_new_address_is_reviewed_and_the_old_one_redirects(
    client, published, revise, go_live, settings, page_cache_off
):
    settings.SITE_URL = "https://health.clinic.test"
    revise(published, "A shorter address.", slug="back-pain")
    # Unreviewed: the live page stays where it is, and the draft's address is nothing yet.
    assert client.get("/articles/living-with-back-pain/").status_code == 200
    assert client.get("/articles/back-pain/").status_code == 404

    go_live(published)
    text = client.get("/articles/back-pain/").content.decode()
    assert '<link rel="canonical" href="https://health.clinic.test/articles/back-pain/">' in text
    assert json_ld(text)["url"] == "https://health.clinic.test/articles/back-pain/"
    old = client.get("/articles/living-with-back-pain/")
    assert old.status_code == 301
    assert old["Location"] == "/articles/back-pain/"


@pytest.mark.parametrize(
    "lost",
    [
        "rendering",  # published before pages were rendered at publish time
        "page",  # rendered before whole pages were stored
        "templates",  # rendered with templates or settings this deploy no longer has
    ],
)
def test_a_page_missing_or_out_of_date_is_rendered_on_first_view(
    client, published, page_cache_off, django_assert_max_num_queries, django_assert_num_queries,
    lost,
):  # fmt: skip
    stored = Rendering.objects.filter(revision=published.live_revision)
    expected = stored.get().page_html
    if lost == "rendering":
        stored.delete()
    elif lost == "page":
        stored.update(page_html="", etag="")
    else:
        stored.update(render_key="rendered-by-an-older-deploy", page_html="<p>Old markup</p>")
        old = stored.get()  # sealed, as the older deploy stored it
        stored.update(seal=records.seal_page(old, published.live_revision.content_hash))
    with django_assert_max_num_queries(8):
        assert page_text(client, published) == expected
    assert stored.get().page_html == expected
    with django_assert_num_queries(1):
        assert page_text(client, published) == expected
