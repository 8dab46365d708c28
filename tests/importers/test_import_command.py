"""`manage.py import_posts` on exports written for the tests: what is written, re-import policy,
dry runs, the JSON contract, and bad input."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError

from articles import workflow
from articles.audit.models import AuditEvent
from articles.importers.load import IMPORT_USERNAME
from articles.models import Article, Placement, Prompt, PromptKind, State
from articles.roles import Role, roles_of
from evidence.models import Source
from tests.conftest import signed_by
from tests.importers.conftest import counts

from .conftest import run_import, run_import_json
from .samples import BALANCE_SUMMARY, EXPORT, KNEE_GUIDE, SLEEP_SUMMARY, WALKING_SUMMARY


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text(EXPORT, encoding="utf-8")
    return path


def test_posts_become_drafts_with_revisions_and_audit_events(db, export):
    run_import(export)
    assert Article.objects.count() == 4
    importer = get_user_model().objects.get(username=IMPORT_USERNAME)
    for article in Article.objects.all():
        assert article.state == State.DRAFT and article.live_revision is None
        assert article.owner == importer
        assert article.import_key.startswith("text:")
        assert article.summary == ""
        assert article.revisions.count() == 1
        assert article.latest_revision.created_by == importer
        assert article.latest_revision.matches_content()
    assert AuditEvent.objects.filter(action="edit").count() == 4 + 3  # articles and prompts


def test_the_import_account_is_one_nobody_can_sign_in_as(db, export):
    run_import(export)
    importer = get_user_model().objects.get(username=IMPORT_USERNAME)
    assert importer.is_active and not importer.is_staff
    assert not importer.has_usable_password()
    # Editor as well as Writer: WordPress posts belong to their authors (so the frozen byline
    # names them), and only an editor may save a draft someone else owns.
    assert roles_of(importer) == {Role.WRITER, Role.EDITOR}


def test_a_real_user_called_import_is_never_borrowed(db, export, make_user):
    make_user(IMPORT_USERNAME, Role.WRITER)
    with pytest.raises(CommandError, match="exists and can sign in"):
        run_import(export)
    assert not Article.objects.exists()


def test_prompts_are_drafts_without_an_invented_disclosure(db, export):
    run_import(export)
    assert sorted(Prompt.objects.values_list("kind", flat=True)) == sorted(
        [PromptKind.INFORMATION_PACKET, PromptKind.CONSULTATION, PromptKind.NEWSLETTER]
    )
    for prompt in Prompt.objects.all():
        assert prompt.state == State.DRAFT
        assert prompt.disclosure_label == ""
        assert prompt.headline and prompt.button_label and prompt.body.startswith("<p>")
        assert "Thanks for your interest" not in prompt.body


def test_each_prompt_is_placed_once_in_each_article_it_appeared_in(db, export):
    run_import(export)
    walking = Article.objects.get(title__startswith="Walking")
    assert list(walking.placements.values_list("prompt__headline", "position")) == [
        ("Visit Our Clinic", 0),
        ("Subscribe To Our Newsletter", 1),
        ("Request Information Packet", 2),
    ]
    knee = Article.objects.get(title__startswith="Knee")
    assert knee.placements.count() == 2
    assert len(knee.latest_revision.content["prompts"]) == 2


def test_sources_citations_and_markers(db, export):
    run_import(export)
    walking = Article.objects.get(title__startswith="Walking")
    [citation] = walking.citations.all()
    assert (citation.key, citation.order, citation.attribution) == ("1", 1, "Okafor et al.")
    assert citation.source.doi == "10.1186/s12891-020-0000-0"
    assert citation.source.as_written.startswith("Okafor, C.N., van der Berg, P.")
    assert citation.source.authors[1] == {"family": "van der Berg", "given": "P."}
    assert citation.source.authors_truncated
    assert '<sup data-citation="1">1</sup>' in walking.body
    assert walking.latest_revision.content["citations"][0]["source"]["doi"] == citation.source.doi
    assert list(walking.latest_revision.cited_sources.all()) == [citation.source]

    promo = Article.objects.get(title__contains="Tennis Elbow")
    references = [c.source for c in promo.citations.order_by("order")]
    assert [s.title for s in references] == [
        "Tendon healing and injections", "Elbow pain in athletes",
    ]  # fmt: skip
    assert all(not (s.doi or s.pmid or s.url) for s in references)  # nothing to follow


def test_sources_are_deduplicated_by_doi_against_existing_rows(db, export):
    known = Source.objects.create(doi="10.1186/s12891-020-0000-0", title="Curated title")
    result = run_import_json(export)
    walking = Article.objects.get(title__startswith="Walking")
    assert walking.citations.get().source == known
    known.refresh_from_db()
    assert known.title == "Curated title"  # reused as it is, never overwritten
    row = next(s for s in result["sources"] if s["doi"] == known.doi)
    assert (row["id"], row["status"]) == (known.pk, "existing")


def test_importing_the_same_file_twice_changes_nothing(db, export):
    first = run_import_json(export)
    before = counts()
    second = run_import_json(export)
    assert counts() == before  # no new rows, no new revisions, no new audit events
    assert {a["status"] for a in second["articles"]} == {"unchanged"}
    assert {p["status"] for p in second["prompts"]} == {"unchanged"}
    assert [a["slug"] for a in second["articles"]] == [a["slug"] for a in first["articles"]]
    assert [p["id"] for p in second["prompts"]] == [p["id"] for p in first["prompts"]]


def test_a_changed_post_gets_exactly_one_new_revision(db, export, tmp_path):
    run_import(export)
    changed = tmp_path / "changed.txt"
    changed.write_text(EXPORT.replace("ran at one hospital", "ran at two hospitals"), "utf-8")
    result = run_import_json(changed)
    statuses = {a["title"][:7]: a["status"] for a in result["articles"]}
    assert statuses == {"Knee Pa": "unchanged", "Walking": "updated", "Sleep A": "unchanged",
                        "Regener": "unchanged"}  # fmt: skip
    walking = Article.objects.get(title__startswith="Walking")
    assert walking.revisions.count() == 2
    assert "two hospitals" in walking.body
    assert walking.latest_revision.change_summary.startswith("Re-imported")


@pytest.fixture
def balance_export(tmp_path):
    # Submitting runs the gate; this summary has nothing it blocks.
    path = tmp_path / "balance.txt"
    path.write_text(BALANCE_SUMMARY, encoding="utf-8")
    return path


def changed_copy(path, old: str, new: str):
    changed = path.with_name("changed.txt")
    changed.write_text(path.read_text("utf-8").replace(old, new), "utf-8")
    return changed


def test_a_published_article_is_never_changed_by_an_import(db, balance_export, reviewer, editor):
    run_import(balance_export)
    importer = get_user_model().objects.get(username=IMPORT_USERNAME)
    article = Article.objects.get()
    workflow.submit(article, importer)
    workflow.approve(article, reviewer, **signed_by(reviewer))
    workflow.publish(article, editor)
    before = (article.body, article.revisions.count(), AuditEvent.objects.count())

    changed = changed_copy(balance_export, "cut falls", "halved falls")
    [row] = run_import_json(changed)["articles"]
    assert (row["status"], row["state"]) == ("skipped", "published")
    assert "already published" in row["reason"]
    article.refresh_from_db()
    assert (article.body, article.revisions.count(), AuditEvent.objects.count()) == before
    assert "skipped: already published" in run_import(changed)


def test_an_unpublished_article_is_never_changed_either(db, balance_export, reviewer, editor):
    run_import(balance_export)
    importer = get_user_model().objects.get(username=IMPORT_USERNAME)
    article = Article.objects.get()
    workflow.submit(article, importer)
    workflow.approve(article, reviewer, **signed_by(reviewer))
    workflow.publish(article, editor)
    workflow.unpublish(article, editor, reason="Outdated.")
    [row] = run_import_json(changed_copy(balance_export, "cut falls", "halved falls"))["articles"]
    assert (row["status"], row["state"]) == ("skipped", "unpublished")


def test_a_draft_someone_edited_since_the_import_is_left_alone(db, export, editor):
    run_import(export)
    knee = Article.objects.get(title__startswith="Knee")
    knee.summary = "Most runner's knee settles with rest."
    workflow.save_revision(knee, editor)
    changed = changed_copy(export, "dull ache", "nagging ache")
    row = next(a for a in run_import_json(changed)["articles"] if a["title"].startswith("Knee"))
    assert row["status"] == "skipped" and "edited by eddie_editor" in row["reason"]
    knee.refresh_from_db()
    assert "dull ache" in knee.body and knee.revisions.count() == 2


def test_a_draft_in_review_is_left_alone(db, balance_export):
    run_import(balance_export)
    importer = get_user_model().objects.get(username=IMPORT_USERNAME)
    workflow.submit(Article.objects.get(), importer)
    [row] = run_import_json(changed_copy(balance_export, "cut falls", "halved falls"))["articles"]
    assert (row["status"], row["state"]) == ("skipped", "in_review")
    assert "in review" in row["reason"]


def test_dry_run_writes_nothing_and_reports_what_would_happen(db, export):
    before = counts()
    result = run_import_json(export, dry_run=True)
    assert counts() == before
    assert len(result["articles"]) == 4
    assert {a["status"] for a in result["articles"]} == {"created"}
    assert all(p["id"] is None for p in result["prompts"])  # those rows do not exist
    assert all(s["id"] is None for s in result["sources"])
    assert "Dry run" in run_import(export, dry_run=True)
    assert counts() == before


def test_json_shape(db, export):
    result = run_import_json(export)
    # The brief's keys, and the ones added since (never renamed).
    assert set(result) == {
        "articles", "prompts", "sources", "errors", "possible_prompts", "not_imported",
    }  # fmt: skip
    for article in result["articles"]:
        assert {"slug", "title", "state"} <= set(article)
        assert Article.objects.filter(slug=article["slug"], title=article["title"]).exists()
        for finding in article["findings"]:
            assert set(finding) == {"code", "severity", "message", "location"}
    for prompt in result["prompts"]:
        assert {"id", "title"} <= set(prompt)
        assert Prompt.objects.get(pk=prompt["id"]).headline == prompt["title"]
    for source in result["sources"]:
        assert {"id", "doi", "pmid", "title"} <= set(source)
        assert Source.objects.filter(pk=source["id"]).exists()
    assert result["errors"] == []
    json.dumps(result)


def test_text_report_is_a_table_with_the_policy(db, export):
    out = run_import(export)
    assert "TITLE" in out and "KIND" in out and "STATE" in out and "BLOCKERS" in out
    assert "Posts that cannot be read are skipped and listed under Errors" in out
    assert "research summary" in out and "promotional page" in out and "patient guide" in out


def test_a_malformed_post_is_reported_and_the_rest_imported(db, tmp_path):
    path = tmp_path / "export.txt"
    path.write_text("Empty One\n\nEmpty One\n\n" + KNEE_GUIDE + "\n" + SLEEP_SUMMARY, "utf-8")
    result = run_import_json(path)
    assert result["errors"] == [
        {"where": "line 1", "message": "“Empty One” has a title but no text; it was not imported."}
    ]
    assert len(result["articles"]) == 2
    assert Article.objects.count() == 2


def test_slugs_stay_unique_and_stable(db, tmp_path, make_article):
    make_article(title="Sleep After Spinal Surgery", slug="sleep-after-spinal-surgery")
    path = tmp_path / "export.txt"
    path.write_text(SLEEP_SUMMARY, "utf-8")
    [row] = run_import_json(path)["articles"]
    assert row["slug"] == "sleep-after-spinal-surgery-2"
    [again] = run_import_json(path)["articles"]
    assert again["slug"] == row["slug"]


# --- Bad input: one line naming the file, non-zero exit, nothing written ----------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "is empty"),
        (b"  \n\n\t\n", "is empty"),
        ("Caf\u00e9 au lait\n\nCaf\u00e9 au lait\n\nText.\n".encode("latin-1"), "is not UTF-8"),
        (b"Title\n\nTitle\n\n\x00\x01binary", "binary"),
        (b"Just a paragraph.\n\nAnother paragraph.\n", "no post found"),
    ],
)
def test_bad_input_fails_with_one_line_and_writes_nothing(db, tmp_path, content, message):
    path = tmp_path / "export.txt"
    if content is not None:
        path.write_bytes(content)
    before = counts()
    with pytest.raises(CommandError) as error:
        run_import(path)
    text = str(error.value)
    assert message in text and str(path) in text and "\n" not in text
    assert counts() == before


def test_a_directory_is_bad_input(db, tmp_path):
    with pytest.raises(CommandError, match="is a directory"):
        run_import(tmp_path)


def test_a_failure_part_way_rolls_back_the_whole_file(db, export, monkeypatch):
    from articles.importers import load as load_module

    calls = {"n": 0}
    original = load_module._save_article

    def fail_on_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise workflow.WrongState("stop here")
        return original(*args, **kwargs)

    monkeypatch.setattr(load_module, "_save_article", fail_on_third)
    before = counts()
    with pytest.raises(CommandError, match="stop here"):
        run_import(export)
    assert counts() == before


def test_only_walking_and_knee(db, tmp_path):
    # Two posts that share call-to-action blocks still make one prompt per block.
    path = tmp_path / "export.txt"
    path.write_text(KNEE_GUIDE + "\n" + WALKING_SUMMARY, "utf-8")
    run_import(path)
    assert Prompt.objects.count() == 3
    assert Placement.objects.count() == 5
