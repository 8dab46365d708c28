"""`manage.py import_posts --format wxr`: WordPress exports (the 6.x and 4.x structures in
data/wxr/, and small ones built here) imported as drafts, with authors, topics, tags, summaries,
history, prompts, citations and images; re-import, dry runs, the JSON report and exit codes."""

from __future__ import annotations

import json
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command, execute_from_command_line
from PIL import Image as Pillow

from articles import gate, workflow
from articles.audit.models import AuditEvent
from articles.importers import load as load_module
from articles.importers.load import IMPORT_USERNAME
from articles.importers.recognize import find_prompts, is_heading, is_title_pair, list_item
from articles.importers.text import split_blocks
from articles.models import Article, Image, Placement, Prompt, PromptKind, State, Topic
from articles.roles import Role, roles_of
from tests.importers.conftest import counts

from .conftest import run_import, run_import_json
from .samples import EXPORT

DATA = Path(__file__).parent / "data" / "wxr"
WP6 = DATA / "clinic-wp6.xml"
WP4 = DATA / "clinic-wp4.xml"
SITE = "https://riverbend-clinic.example"


def wxr_import(path, **options) -> dict:
    return run_import_json(path, format="wxr", **options)


def by_title(words: str) -> Article:
    return Article.objects.get(title__contains=words)


# --- A small export, written here -------------------------------------------------------------

AUTHOR = (
    "<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[mpatel]]>"
    "</wp:author_login><wp:author_email><![CDATA[maya.patel@riverbend-clinic.example]]>"
    "</wp:author_email><wp:author_display_name><![CDATA[Maya Patel, PT]]>"
    "</wp:author_display_name></wp:author>"
)


def item(post_id: int, title: str, content: str, *, excerpt="", extra="") -> str:
    return f"""
    <item>
      <title><![CDATA[{title}]]></title>
      <link>{SITE}/?p={post_id}</link>
      <dc:creator><![CDATA[mpatel]]></dc:creator>
      <guid isPermaLink="false">{SITE}/?p={post_id}</guid>
      <content:encoded><![CDATA[{content}]]></content:encoded>
      <excerpt:encoded><![CDATA[{excerpt}]]></excerpt:encoded>
      <wp:post_id>{post_id}</wp:post_id>
      <wp:post_date><![CDATA[2021-04-01 10:00:00]]></wp:post_date>
      <wp:post_date_gmt><![CDATA[2021-04-01 09:00:00]]></wp:post_date_gmt>
      <wp:post_name><![CDATA[post-{post_id}]]></wp:post_name>
      <wp:status><![CDATA[publish]]></wp:status>
      <wp:post_type><![CDATA[post]]></wp:post_type>
      {extra}
    </item>"""


def export(*items: str, authors: str = AUTHOR) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>Riverbend</title>
  <link>{SITE}</link>
  <wp:wxr_version>1.2</wp:wxr_version>
  {authors}
  {"".join(items)}
</channel>
</rss>
"""


def write(tmp_path, text: str, name: str = "export.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- Structures -------------------------------------------------------------------------------


def test_every_post_and_page_becomes_a_draft_whatever_its_status(db):
    result = wxr_import(WP6)
    statuses = {row["title"]: row["original_status"] for row in result["articles"]}
    assert statuses == {
        "Hinged Knee Braces After ACL Reconstruction: What a New Trial Found": "publish",
        "Knee Pain After Running: Simple Steps That Help": "draft",
        "Knee & Hip Pain: What’s Normal?": "private",
        "Untitled WordPress post 104": "pending",
        "Regenerative Injections for Tendon Pain: A Breakthrough": "future",
        "About Our Clinic": "publish",
    }
    assert {row["state"] for row in result["articles"]} == {"draft"}
    importer = get_user_model().objects.get(username=IMPORT_USERNAME)
    for article in Article.objects.all():
        assert article.state == State.DRAFT and article.live_revision is None
        assert article.first_published_at is None
        assert article.import_key.startswith(f"wxr:{SITE}/?p")
        assert [r.created_by for r in article.revisions.all()] == [importer]
        assert article.latest_revision.matches_content()
    assert by_title("About Our").import_key == f"wxr:{SITE}/?page_id=2"
    assert AuditEvent.objects.filter(action="edit").count() == 6 + 2  # articles and prompts
    assert not AuditEvent.objects.exclude(action="edit").exists()


def test_titles_with_entities_in_cdata_or_not_and_an_empty_title(db):
    wxr_import(WP6)
    wxr_import(WP4)
    assert by_title("Hip Pain").title == "Knee & Hip Pain: What’s Normal?"  # CDATA, encoded
    assert by_title("Ice or Heat").title == (
        "Ice or Heat for a Sore Back? Here’s What Helps – Part 1"  # plain XML character refs
    )
    untitled = Article.objects.get(import_key=f"wxr:{SITE}/?p=104")
    assert untitled.title == "Untitled WordPress post 104"
    assert "ice and heat" in untitled.body


def test_comments_attachments_menus_and_auto_drafts_are_not_articles(db):
    result = wxr_import(WP6)
    assert Article.objects.count() == 6
    bodies = " ".join(Article.objects.values_list("body", flat=True))
    assert "Miracle cure" not in bodies and "my own knee" not in bodies  # comments
    assert not Article.objects.filter(title__in=["Home", "knee-brace", "Auto Draft"]).exists()
    errors = {error["where"]: error["message"] for error in result["errors"]}
    assert errors["item 10 (WordPress post 106)"] == (
        "“Auto Draft” is an empty auto-draft; not imported."
    )
    assert errors["the export"] == (
        "Only posts and pages are imported; left out: 1 custom_css, 2 nav_menu_item."
    )


def test_a_wordpress_4_export(db):
    [post, page] = wxr_import(WP4)["articles"]
    ice = Article.objects.get(slug=post["slug"])
    assert ice.slug == "ice-or-heat-for-a-sore-back"
    assert "trackVisit" not in ice.body and "onclick" not in ice.body
    assert "<p><strong>When to see a doctor</strong></p><ul>" in ice.body
    assert [c.source.doi for c in ice.citations.order_by("order")] == ["10.5555/nbc.2016.0077", ""]
    assert page["post_type"] == "page" and page["original_status"] == "draft"
    assert Article.objects.get(slug=page["slug"]).summary == "Who looks after you at Northside."


def test_galleries_are_reported_as_left_out(db):
    result = wxr_import(WP4)
    [gallery] = [e for e in result["errors"] if "a gallery left out" in e["message"]]
    assert gallery["where"] == "item 1 (WordPress post 27)"
    assert result["not_imported"]["galleries"] == 1


# --- Authors -----------------------------------------------------------------------------------


def test_new_authors_are_inactive_writers_who_own_their_posts(db):
    wxr_import(WP6)
    User = get_user_model()
    maya, jordan = User.objects.get(username="mpatel"), User.objects.get(username="jlee")
    for user in (maya, jordan):
        assert not user.is_active and not user.has_usable_password()
        assert user.groups.filter(name=Role.WRITER.value).exists()
    assert maya.email == "maya.patel@riverbend-clinic.example"
    assert maya.profile.display_name == "Maya Patel, PT"
    braces = by_title("Hinged Knee Braces")
    assert braces.owner == maya
    assert braces.latest_revision.content["author"] == {"name": "Maya Patel, PT", "credentials": ""}
    assert by_title("After Running").owner == jordan


def test_existing_writers_are_matched_by_email_in_any_case(db, make_user):
    User = get_user_model()
    maya = make_user("maya_p", Role.WRITER)
    maya.email = "Maya.Patel@Riverbend-Clinic.example"
    maya.save()
    jordan = make_user("JLee", Role.WRITER)
    jordan.email = "JORDAN@riverbend-clinic.example"
    jordan.save()
    before = User.objects.count()
    wxr_import(WP6)
    assert User.objects.count() == before + 1  # only the import account
    assert by_title("Hinged Knee Braces").owner == maya
    assert by_title("After Running").owner == jordan
    maya.refresh_from_db()
    assert maya.is_active and maya.has_usable_password()  # a real user is left as they were


def test_a_writer_is_matched_by_login_only_when_no_email_says_otherwise(db, make_user):
    same_login_no_email = make_user("mpatel", Role.WRITER)
    same_login_no_email.email = ""
    same_login_no_email.save()
    other_person = make_user("jlee", Role.WRITER)  # jlee@clinic.test: not the export's Jordan
    wxr_import(WP6)
    assert by_title("Hinged Knee Braces").owner == same_login_no_email
    running = by_title("After Running")
    assert running.owner != other_person
    assert (running.owner.username, running.owner.is_active) == ("jlee-2", False)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.REVIEWER, Role.EDITOR])
def test_a_staff_member_who_only_shares_a_login_is_never_made_the_author(db, make_user, role):
    # WordPress's default "admin" author must not become Vetted's admin on the byline.
    staff = make_user("mpatel", role)
    staff.email = "maya.patel@riverbend-clinic.example"  # even with the same address
    staff.save()
    wxr_import(WP6)
    braces = by_title("Hinged Knee Braces")
    assert braces.owner != staff
    assert braces.owner.username == "mpatel-2" and not braces.owner.is_active
    assert braces.latest_revision.content["author"]["name"] == "Maya Patel, PT"


def test_the_import_account_may_save_drafts_its_authors_own(db):
    wxr_import(WP6)
    importer = get_user_model().objects.get(username=IMPORT_USERNAME)
    assert roles_of(importer) == {Role.WRITER, Role.EDITOR}
    assert not importer.has_usable_password()


# --- Topics, tags, summaries, history ------------------------------------------------------------


def test_first_real_category_is_the_topic_and_the_rest_are_tags(db):
    wxr_import(WP6)
    braces = by_title("Hinged Knee Braces")
    assert (braces.topic.name, braces.topic.slug) == ("Research & Trials", "research")
    assert sorted(braces.tags.names()) == ["ACL", "Knee Pain"]  # not the post format
    running = by_title("After Running")
    assert running.topic.slug == "knee-pain"
    assert list(running.tags.names()) == ["Running"]
    assert by_title("Hip Pain").topic is None  # Uncategorized is no topic
    assert not Topic.objects.filter(slug="uncategorized").exists()


def test_an_existing_topic_is_reused(db):
    topic = Topic.objects.create(name="Knee pain", slug="knees")
    wxr_import(WP6)
    assert by_title("After Running").topic == topic


def test_the_excerpt_is_a_plain_bounded_summary(db, tmp_path):
    wxr_import(WP6)
    assert by_title("Hinged Knee Braces").summary == (
        "A trial of 120 adults found that a hinged brace made no difference to knee function a "
        "year after ACL reconstruction."
    )
    assert by_title("After Running").summary == ""
    long = "<p>" + "Knees need care. " * 100 + "</p>"
    path = write(tmp_path, export(item(7, "Long", "Text.", excerpt=long)))
    wxr_import(path)
    summary = by_title("Long").summary
    assert len(summary) <= 500 and summary.endswith(" Knees…") and "<p>" not in summary


def test_the_old_address_and_date_are_kept_as_history(db):
    wxr_import(WP6)
    braces = by_title("Hinged Knee Braces")
    assert braces.origin_url == f"{SITE}/hinged-knee-braces-after-acl-reconstruction/"
    assert braces.origin_published_at.isoformat() == "2019-03-01T09:30:00+00:00"  # GMT date
    assert braces.latest_revision.change_summary == (
        "Imported from clinic-wp6.xml (WordPress post 101, published 2019-03-01)"
    )
    assert by_title("Hip Pain").origin_published_at is not None  # private: published, privately
    for words in ("After Running", "Tendon Pain"):  # a draft and a scheduled post
        assert by_title(words).origin_published_at is None
    assert "scheduled for 2024-11-01" in by_title("Tendon Pain").latest_revision.change_summary


# --- Bodies --------------------------------------------------------------------------------------


def test_block_comments_shortcodes_captions_and_wpautop(db):
    wxr_import(WP6)
    running = by_title("After Running").body
    assert "wp:" not in running and "<!--" not in running
    assert "<ul>" in running and "<li>Weak hip muscles</li>" in running
    hip = by_title("Hip Pain").body
    assert "su_note" not in hip and "contact-form-7" not in hip
    assert "<p>Pain that wakes you at night, or a joint that is hot and swollen, needs a " in hip
    assert (
        "<p><strong>Gentle movement helps</strong><br>\n"
        "Walking, cycling and swimming keep the joints moving.<br>\n"
    ) in hip
    assert "[sic]" in hip
    braces = by_title("Hinged Knee Braces").body
    assert "[caption" not in braces and "<!--more-->" not in braces
    assert "<figcaption>A hinged knee brace keeps the knee from bending sideways.</figcaption>" in (
        braces
    )


def test_calls_to_action_become_prompts_placed_once_and_leave_the_body(db):
    result = wxr_import(WP6)
    assert sorted((p["title"], p["kind"]) for p in result["prompts"]) == [
        ("Request Information Packet", PromptKind.INFORMATION_PACKET),
        ("Subscribe To Our Newsletter", PromptKind.NEWSLETTER),
    ]
    packet = Prompt.objects.get(headline="Request Information Packet")
    assert packet.body.startswith("<p>We'll mail you our FREE information packet")
    newsletter = Prompt.objects.get(headline="Subscribe To Our Newsletter")
    placed = Counter(Placement.objects.values_list("prompt__headline", flat=True))
    assert placed == {"Request Information Packet": 2, "Subscribe To Our Newsletter": 2}
    for article in Article.objects.all():
        assert "Subscribe" not in article.body and "Thanks for your interest" not in article.body
    about = by_title("About Our Clinic")
    assert list(about.placements.values_list("prompt", flat=True)) == [newsletter.pk]


def test_a_call_to_action_pasted_twice_is_placed_once(db, tmp_path):
    packet = (
        "<h3>Request Information Packet</h3>\nOur free packet explains how we treat knees!\n\n"
        "Thanks for your interest!\n\n"
    )
    path = write(tmp_path, export(item(7, "Knees", f"Knees need care.\n\n{packet}{packet}")))
    wxr_import(path)
    article = by_title("Knees")
    assert article.placements.count() == 1
    assert article.body == "<p>Knees need care.</p>"


def test_citations_and_kinds_as_the_text_importer_finds_them(db):
    wxr_import(WP6)
    braces = by_title("Hinged Knee Braces")
    assert braces.kind == "research_summary"
    [citation] = braces.citations.all()
    assert (citation.key, citation.attribution) == ("1", "Lindqvist et al.")
    assert citation.source.doi == "10.5555/kssta.2019.0412"
    assert 'Lindqvist et al.<sup data-citation="1">1</sup> compared' in braces.body
    assert "Source:" not in braces.body
    promo = by_title("Tendon Pain")
    assert promo.kind == "promotional"
    assert [c.source.title for c in promo.citations.order_by("order")] == [
        "Tendon healing and regenerative injections",
        "Returning to sport after tendon pain",
    ]
    codes = Counter(f.code for f in gate.blockers(gate.run(promo)))
    assert codes["empty-reference"] == 2 and "missing-disclosure" in codes


def html_export_of(text_export: str) -> str:
    """The text samples as a WordPress classic-editor export: headings as <h2>, lists as <ul> or
    <ol>, paragraphs separated by blank lines, each post an item, calls to action as the text
    export shows them."""
    blocks = split_blocks(text_export)
    in_prompt = {i for span in find_prompts(blocks).values() for i in range(span.start, span.end)}
    posts: list[tuple[str, list[str]]] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if i not in in_prompt and is_title_pair(blocks, i):
            posts.append((block.text, []))
            i += 2
            continue
        if all(list_item(line) for line in block.lines):
            tag = "ol" if list_item(block.lines[0]).group("number") else "ul"
            items = "".join(f"<li>{list_item(line).group('text')}</li>" for line in block.lines)
            posts[-1][1].append(f"<{tag}>{items}</{tag}>")
        elif block.single and is_heading(block.text):
            posts[-1][1].append(f"<h2>{block.text}</h2>")
        else:
            posts[-1][1].append("\n".join(block.lines))
        i += 1
    return export(
        *(item(n, title, "\n\n".join(parts)) for n, (title, parts) in enumerate(posts, 1))
    )


def test_the_same_posts_get_the_same_prompts_and_findings_from_either_importer(db, tmp_path):
    text = write(tmp_path, EXPORT, "export.txt")
    wordpress = write(tmp_path, html_export_of(EXPORT))
    text_result = run_import_json(text)
    wxr_result = wxr_import(wordpress)

    def findings(result) -> dict[str, Counter]:
        return {
            row["title"]: Counter((f["code"], f["severity"]) for f in row["findings"])
            for row in result["articles"]
        }

    assert findings(wxr_result) == findings(text_result)
    assert {(row["title"], row["kind"]) for row in wxr_result["articles"]} == {
        (row["title"], row["kind"]) for row in text_result["articles"]
    }
    # The same calls to action are the same prompts: the WordPress import finds them unchanged.
    assert {p["status"] for p in wxr_result["prompts"]} == {"unchanged"}
    assert sorted(p["id"] for p in wxr_result["prompts"]) == sorted(
        p["id"] for p in text_result["prompts"]
    )


# --- Images --------------------------------------------------------------------------------------


@pytest.fixture
def uploads(tmp_path) -> Path:
    """A copy of wp-content/uploads with the two images the export has (not the third)."""
    root = tmp_path / "uploads"
    (root / "2019" / "03").mkdir(parents=True)
    (root / "2023" / "06").mkdir(parents=True)
    Pillow.new("RGB", (1200, 800), (180, 120, 90)).save(root / "2019/03/knee-brace.jpg", "JPEG")
    Pillow.new("RGB", (640, 480), (40, 90, 160)).save(root / "2023/06/runner-knee.png", "PNG")
    return root


def stored_files(settings) -> list[Path]:
    media = Path(settings.MEDIA_ROOT)
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def test_images_come_in_from_the_media_folder_with_the_featured_image_and_its_alt(db, uploads):
    result = wxr_import(WP6, media_dir=uploads)
    braces = by_title("Hinged Knee Braces")
    assert braces.hero_image.original_name == "knee-brace.jpg"
    assert braces.hero_alt == "A physiotherapist fitting a hinged knee brace"
    assert braces.latest_revision.content["image"]["alt"] == braces.hero_alt
    assert '<img alt="A physiotherapist fitting a hinged knee brace" src="/media/images/' in (
        braces.body
    )
    assert "riverbend-clinic.example/wp-content" not in braces.body
    assert Image.objects.count() == 2  # the caption's resized copy is the attachment's original
    running = by_title("After Running")
    assert '<img alt="" src="/media/images/' in running.body
    row = next(r for r in result["articles"] if r["title"].startswith("Knee Pain After"))
    assert ("missing-alt-text", "blocker") in {(f["code"], f["severity"]) for f in row["findings"]}


def test_a_missing_file_is_listed_and_the_post_imported_without_it(db, uploads):
    result = wxr_import(WP6, media_dir=uploads)
    assert result["media"] == [
        {
            "file": "2024/01/hip-stretch.jpg",
            "post": "Knee & Hip Pain: What’s Normal?",
            "reason": "missing: the file is not in the media folder",
            "posts": ["Knee & Hip Pain: What’s Normal?"],
        }
    ]
    assert by_title("Hip Pain").hero_image is None
    out = run_import(WP6, format="wxr", media_dir=uploads)
    assert "1 images not imported" in out and "hip-stretch.jpg" in out


def test_a_path_out_of_the_media_folder_is_refused(db, tmp_path, uploads):
    Pillow.new("RGB", (50, 50)).save(tmp_path / "secret.jpg", "JPEG")
    attachment = (
        f"<item><title>x</title><guid>{SITE}/x</guid><wp:post_id>9</wp:post_id>"
        "<wp:post_type><![CDATA[attachment]]></wp:post_type>"
        f"<wp:attachment_url>{SITE}/wp-content/uploads/x.jpg</wp:attachment_url>"
        "<wp:postmeta><wp:meta_key>_wp_attached_file</wp:meta_key>"
        "<wp:meta_value>../secret.jpg</wp:meta_value></wp:postmeta></item>"
    )
    thumbnail = (
        "<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>"
        "<wp:meta_value>9</wp:meta_value></wp:postmeta>"
    )
    body = f'Text.\n\n<img src="{SITE}/wp-content/uploads/2019/../../../secret.jpg" alt="x">'
    path = write(tmp_path, export(attachment, item(7, "Escape", body, extra=thumbnail)))
    result = wxr_import(path, media_dir=uploads)
    reasons = {(m["file"], m["reason"]) for m in result["media"]}
    refused = "refused: the path leads outside the media folder"
    assert reasons == {("../secret.jpg", refused), ("2019/../../../secret.jpg", refused)}
    assert not Image.objects.exists()
    assert by_title("Escape").hero_image is None


def test_a_file_that_is_not_an_image_is_refused_by_the_pipeline(db, tmp_path, uploads):
    (uploads / "2019/03/knee-brace.jpg").write_text("<svg onload=alert(1)></svg>")
    result = wxr_import(WP6, media_dir=uploads)
    [note] = [m for m in result["media"] if m["file"] == "2019/03/knee-brace.jpg"]
    assert note["reason"].startswith("refused: ")
    assert by_title("Hinged Knee Braces").hero_image is None


def test_without_a_media_folder_images_are_removed_and_the_report_says_so(db, settings):
    result = wxr_import(WP6)
    assert len(result["media"]) == 4  # two in bodies, two featured images
    assert all(m["reason"].startswith("not imported: no --media-dir") for m in result["media"])
    assert not Image.objects.exists() and stored_files(settings) == []
    # An image without its picture is not kept: the report names it for the writer to upload,
    # and it is not a missing-alt-text blocker.
    braces = by_title("Hinged Knee Braces")
    assert "<img" not in braces.body and "brace" in braces.body
    for row in result["articles"]:
        assert "missing-alt-text" not in {f["code"] for f in row["findings"]}


# --- Dry runs, re-import, failures ---------------------------------------------------------------


def test_dry_run_writes_nothing_not_even_image_files(db, uploads, settings):
    before = counts()
    result = wxr_import(WP6, media_dir=uploads, dry_run=True)
    assert counts() == before
    assert stored_files(settings) == []
    assert len(result["articles"]) == 6 and {a["status"] for a in result["articles"]} == {"created"}
    assert all(p["id"] is None for p in result["prompts"])


def test_importing_the_same_export_twice_changes_nothing(db, uploads):
    first = wxr_import(WP6, media_dir=uploads)
    before = counts()
    second = wxr_import(WP6, media_dir=uploads)
    assert counts() == before  # no rows, revisions or audit events
    assert {a["status"] for a in second["articles"]} == {"unchanged"}
    assert {p["status"] for p in second["prompts"]} == {"unchanged"}
    assert [a["slug"] for a in second["articles"]] == [a["slug"] for a in first["articles"]]


def test_a_changed_post_updates_its_untouched_draft_with_one_revision(db, tmp_path):
    wxr_import(WP6)
    changed = write(
        tmp_path, WP6.read_text("utf-8").replace("slower return to training", "gentler return")
    )
    result = wxr_import(changed)
    statuses = Counter(a["status"] for a in result["articles"])
    assert statuses == {"updated": 1, "unchanged": 5}
    running = by_title("After Running")
    assert "gentler return" in running.body and running.revisions.count() == 2
    assert running.latest_revision.change_summary == (
        "Re-imported: export.xml (WordPress post 102, a draft)"
    )
    assert running.owner.username == "jlee"  # still the author's


def test_a_draft_a_person_edited_or_was_given_is_left_alone(db, tmp_path, editor, writer):
    wxr_import(WP6)
    running = by_title("After Running")
    running.summary = "Rest first."
    workflow.save_revision(running, editor)
    braces = by_title("Hinged Knee Braces")
    workflow.assign(braces, editor, owner=writer)
    text = WP6.read_text("utf-8")
    text = text.replace("slower return", "gentle return").replace("was small", "was tiny")
    rows = {row["title"][:12]: row for row in wxr_import(write(tmp_path, text))["articles"]}
    assert rows["Knee Pain Af"]["status"] == "skipped"
    assert "edited by eddie_editor" in rows["Knee Pain Af"]["reason"]
    assert rows["Hinged Knee "]["status"] == "skipped"
    assert "now owned by wendy_writer" in rows["Hinged Knee "]["reason"]
    assert "was small" in by_title("Hinged Knee Braces").body


def test_a_failure_part_way_writes_nothing_and_removes_stored_images(
    db, uploads, settings, monkeypatch
):
    original = load_module._save_article
    calls = {"n": 0}

    def fail_on_fourth(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise workflow.WrongState("stop here")
        return original(*args, **kwargs)

    monkeypatch.setattr(load_module, "_save_article", fail_on_fourth)
    before = counts()
    with pytest.raises(CommandError, match="stop here"):
        wxr_import(WP6, media_dir=uploads)
    assert counts() == before
    assert stored_files(settings) == []


# --- The command ---------------------------------------------------------------------------------


def test_json_shape(db, uploads):
    result = wxr_import(WP6, media_dir=uploads)
    assert set(result) == {
        "articles", "prompts", "sources", "errors", "media", "possible_prompts", "not_imported",
    }  # fmt: skip
    for row in result["articles"]:
        assert {"slug", "title", "state", "original_status", "post_type"} <= set(row)
        assert Article.objects.filter(slug=row["slug"], title=row["title"]).exists()
    for prompt in result["prompts"]:
        assert Prompt.objects.get(pk=prompt["id"]).headline == prompt["title"]
    for source in result["sources"]:
        assert {"id", "doi", "pmid", "title"} <= set(source)
    for error in result["errors"]:
        assert set(error) == {"where", "message"}
    assert set(result["media"][0]) == {"file", "post", "reason", "posts"}


def test_the_progress_bar_goes_to_stderr_and_never_into_the_json(db):
    out, err = StringIO(), StringIO()
    call_command("import_posts", str(WP6), format="wxr", json=True, progress=True,
                 stdout=out, stderr=err)  # fmt: skip
    json.loads(out.getvalue())
    assert "Importing" in err.getvalue() and "6/6" in err.getvalue()
    assert "Reading" in err.getvalue()


def test_the_text_report_names_the_original_status_and_the_images(db):
    out = run_import(WP6, format="wxr")
    assert "was WordPress post 102, a draft; imported as a draft" in out
    assert "Images not imported" in out


def test_exit_codes(db, tmp_path, capsys):
    execute_from_command_line(["manage.py", "import_posts", str(WP6), "--format", "wxr"])
    assert "6 articles (6 created)" in capsys.readouterr().out
    bad = write(tmp_path, "not xml at all")
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "import_posts", str(bad), "--format", "wxr"])
    assert exit_.value.code == 1
    assert capsys.readouterr().err.strip() == (
        f"CommandError: {bad}: is not XML (line 1, column 0: syntax error)."
    )


def test_media_dir_is_for_wordpress_exports_only(db, tmp_path):
    text = write(tmp_path, EXPORT, "export.txt")
    with pytest.raises(CommandError, match="--media-dir is for WordPress exports"):
        run_import(text, media_dir=tmp_path)
    with pytest.raises(CommandError, match="the media folder does not exist"):
        wxr_import(WP6, media_dir=tmp_path / "nowhere")
    assert not Article.objects.exists()


def test_queries_grow_with_the_number_of_posts_not_their_length(
    db, tmp_path, django_assert_max_num_queries
):
    # Forty paragraphs and an image a post: neither may cost a query of its own. (A tag costs a
    # few: django-taggit adds each in its own savepoint.)
    body = "\n\n".join(f"Paragraph {n} about knees." for n in range(40))
    body += f'\n\n<img src="{SITE}/wp-content/uploads/a.jpg" alt="A">'
    path = write(tmp_path, export(*(item(n, f"Post {n}", body) for n in range(1, 11))))
    with django_assert_max_num_queries(10 * 23 + 25):
        wxr_import(path)
