"""Search over published content. Runs on SQLite (FTS5) and on PostgreSQL (tsvector, GIN)."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles import workflow
from articles.models import SearchEntry, Topic
from articles.search import MAX_QUERY_LENGTH, MAX_TERMS, clean_query, search
from tests.conftest import CITED_BODY
from tests.search.conftest import approve


def titles(results) -> list[str]:
    """The titles readers see: the live revision's, not the working copy's."""
    return [hit.article.live_revision.content["title"] for hit in results.hits]


# --- what is found ------------------------------------------------------------------------------


def test_finds_published_articles_by_title_and_body_words(publish):
    publish("Knee pain after running", "Ice and rest help most runners recover.")
    publish("Sleeping well", "A dark, quiet bedroom helps.")

    assert titles(search("knee")) == ["Knee pain after running"]
    assert titles(search("bedroom")) == ["Sleeping well"]
    assert titles(search("runners ice")) == ["Knee pain after running"]
    assert search("bedroom ice").total == 0  # every term must match


def test_words_are_matched_by_their_stem(publish):
    publish("Moving more", "Gentle exercise eases stiffness.")
    assert titles(search("exercises")) == ["Moving more"]
    assert titles(search("easing")) == ["Moving more"]


def test_a_match_in_the_title_ranks_above_a_match_in_the_body(publish):
    publish("Notes on hydration", "Walking counts as movement too.")
    publish("Walking for heart health", "Short daily outings add up.")

    results = search("walking")

    assert titles(results) == ["Walking for heart health", "Notes on hydration"]
    assert results.hits[0].rank > results.hits[1].rank


def test_hits_carry_the_live_revision_and_topic_without_more_queries(
    publish, django_assert_num_queries
):
    topic = Topic.objects.create(name="Joints", slug="joints")
    publish("Knee pain after running", "Ice helps.", topic=topic)

    hit = search("knee").hits[0]

    with django_assert_num_queries(0):
        assert hit.article.topic.name == "Joints"
        assert hit.article.live_revision.content["title"] == "Knee pain after running"


# --- snippets -----------------------------------------------------------------------------------


def test_snippet_marks_the_matched_words(publish):
    publish("Blood sugar", "Check your glucose before breakfast and after exercise.")

    snippet = search("glucose exercise").hits[0].snippet_html

    assert "<mark>glucose</mark>" in snippet
    assert "<mark>exercise</mark>" in snippet
    assert "before breakfast" in snippet


def test_snippet_shows_markup_in_the_text_as_text(publish):
    publish(
        "Keeping an insulin log",
        "Never paste &lt;script&gt; into the insulin log; write &amp;lt;b&amp;gt; as it is.",
    )

    snippet = search("insulin").hits[0].snippet_html

    assert "<mark>insulin</mark>" in snippet
    assert "&lt;script&gt;" in snippet
    assert "<script" not in snippet
    assert "&amp;lt;b&amp;gt;" in snippet  # the reader typed "&lt;b&gt;" and sees exactly that
    assert "<b>" not in snippet


def test_snippet_keeps_a_heading_apart_from_the_paragraph_after_it(publish):
    publish("Before a run", body=f"<h2>Warm up</h2><p>Stretch first.</p>{CITED_BODY}")

    snippet = search("warm stretch").hits[0].snippet_html

    assert "<mark>Warm</mark> up · <mark>Stretch</mark> first." in snippet


def test_a_match_only_in_the_title_shows_the_summary(publish):
    publish(
        "Tinnitus explained",
        "Ringing in the ears is common.",
        summary="What causes ringing ears, and what helps.",
    )

    snippet = search("tinnitus").hits[0].snippet_html

    assert "What causes ringing ears" in snippet
    assert "<mark>" not in snippet


# --- only what the public sees ------------------------------------------------------------------


def test_content_never_published_is_not_found(make_article, writer, reviewer):
    make_article("Draft about zinc")
    approve(make_article("Reviewed piece on magnesium"), writer, reviewer)
    workflow.submit(make_article("Waiting piece on selenium"), writer)

    for word in ("zinc", "magnesium", "selenium"):
        assert search(word).total == 0, word
    assert SearchEntry.objects.count() == 0


def test_unpublished_edit_of_a_published_article_is_not_found(published, writer):
    published.title = "Living with back pain, revised"
    published.body = f"<p>Acupuncture is worth a try.</p>{CITED_BODY}"
    workflow.save_revision(published, writer)

    assert search("acupuncture").total == 0
    assert search("revised").total == 0
    assert titles(search("weeks")) == ["Living with back pain"]


def test_unpublished_article_is_not_found(published, editor):
    workflow.unpublish(published, editor, reason="Source retracted")

    assert search("weeks").total == 0
    assert not SearchEntry.objects.filter(article=published).exists()


def test_expired_article_is_not_found_before_the_job_takes_it_down(published, editor):
    expire = timezone.now() + timedelta(days=1)
    workflow.schedule(published, editor, expire_at=expire)
    assert search("weeks").total == 1

    with patch("django.utils.timezone.now", return_value=expire):
        assert search("weeks").total == 0


def test_republishing_indexes_the_new_words_and_forgets_the_old(
    published, writer, reviewer, editor
):
    published.title = "Back pain and physiotherapy"
    workflow.save_revision(published, writer)
    approve(published, writer, reviewer)
    workflow.publish(published, editor)

    assert titles(search("physiotherapy")) == ["Back pain and physiotherapy"]
    assert search("living").total == 0


def test_prompts_are_not_indexed(make_prompt, writer, reviewer, editor):
    prompt = make_prompt()
    approve(prompt, writer, reviewer)
    workflow.publish(prompt, editor)

    assert SearchEntry.objects.count() == 0
    assert search("packet").total == 0


# --- queries ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, cleaned",
    [
        ("  Back   pain ", "Back pain"),
        ("don’t smoke", "don't smoke"),
        ("low-fat diet", "low-fat diet"),
        ("'quoted' -dash- word", "quoted dash word"),
        ("dia\u00adbetes\x00 care\ttips", "diabetes care tips"),
        ('title:knee* OR "hip" AND ^ankle NOT (foot)', "title knee hip ankle foot"),
        ("clinics near me", "clinics near me"),
        ("ＡＢＣ", "ABC"),
    ],
)
def test_clean_query_keeps_words_only(raw, cleaned):
    assert clean_query(raw) == cleaned


def test_clean_query_is_bounded():
    many = " ".join(f"word{i}" for i in range(30))
    assert clean_query(many).split() == [f"word{i}" for i in range(MAX_TERMS)]

    long_words = " ".join(["a" * 60] * 5)
    assert clean_query(long_words) == " ".join(["a" * 60] * 3)
    assert len(clean_query("x" * 5000)) == MAX_QUERY_LENGTH


@pytest.mark.parametrize("raw", ["", "   ", '"""((', "NEAR(", "***", "\x00\x01", "AND OR NOT", "-"])
def test_nothing_searchable_is_an_empty_result_without_queries(db, raw, django_assert_num_queries):
    with django_assert_num_queries(0):
        results = search(raw)
    assert (results.query, results.hits, results.total, results.pages) == ("", [], 0, 0)


@pytest.mark.parametrize(
    "raw",
    [
        'knee"',
        "knee)",
        "NEAR(knee hip)",
        "knee OR hip",
        "knee NOT hip",
        "-hip knee",
        "title:knee",
        "kne*",
        "{knee}",
        "knee + hip",
        "^knee",
        "knee' OR '1'='1",
    ],
)
def test_search_syntax_in_a_query_is_never_obeyed(publish, raw):
    publish("Knee care", "Strengthen the thigh muscles.")
    publish("Hip care", "Keep moving every day.")

    results = search(raw)

    # Terms all have to match and nothing is an operator: no OR, no NOT, no prefix, no column.
    assert results.total == (1 if clean_query(raw) == "knee" else 0), results.query


def test_pages_split_the_hits_and_past_the_end_is_empty(publish):
    for i in range(12):
        publish(f"Sleep tip {i}", "Keep a regular bedtime.")

    pages = [search("bedtime", page=n, per_page=5) for n in (1, 2, 3)]

    assert [len(p.hits) for p in pages] == [5, 5, 2]
    assert {p.total for p in pages} == {12}
    assert {p.pages for p in pages} == {3}
    seen = [hit.article.pk for p in pages for hit in p.hits]
    assert len(set(seen)) == 12
    beyond = search("bedtime", page=4, per_page=5)
    assert (beyond.hits, beyond.total, beyond.page) == ([], 12, 4)
    assert search("bedtime", page=0, per_page=5).page == 1
    assert titles(search("bedtime", page=-3, per_page=5)) == titles(pages[0])


def test_search_makes_at_most_three_queries_whatever_the_hits(
    publish, django_assert_max_num_queries
):
    topic = Topic.objects.create(name="Sleep", slug="sleep")
    for i in range(15):
        publish(f"Sleep tip {i}", "Keep a regular bedtime.", topic=topic)

    with django_assert_max_num_queries(3):
        results = search("bedtime", per_page=15)
        shown = [(h.article.topic.name, h.article.live_revision.number) for h in results.hits]

    assert len(shown) == 15


# --- rebuilding ---------------------------------------------------------------------------------


def test_rebuild_command_indexes_live_articles_once(publish, make_article, editor, capsys):
    publish("Knee care", "Strengthen the thigh muscles.")
    gone = publish("Hip care", "Keep moving every day.")
    workflow.unpublish(gone, editor)
    make_article("Draft on ankles")
    SearchEntry.objects.all().delete()  # a database from before search, or a restored backup
    assert search("knee").total == 0

    for _ in range(2):
        call_command("rebuild_search_index")
        assert capsys.readouterr().out.strip() == "Indexed 1 live article."
        assert titles(search("thigh")) == ["Knee care"]

    assert search("moving").total == 0
    assert search("ankles").total == 0
    assert SearchEntry.objects.count() == 1


def test_sqlite_without_fts5_fails_the_migration_with_a_clear_message():
    from importlib import import_module

    from django.db.utils import OperationalError

    migration = import_module("articles.migrations.0007_search")

    class SchemaEditor:
        class connection:
            vendor = "sqlite"

        def execute(self, sql):
            raise OperationalError("no such module: fts5")

    with pytest.raises(RuntimeError, match="Search needs SQLite's FTS5 module"):
        migration.create_index(None, SchemaEditor())
