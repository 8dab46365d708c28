"""WordPress exports as real sites write them (issue 15): shared sections that are not calls to
action, what is not imported (comments, passwords, parent pages, galleries, players and embeds),
repeated GUIDs, missing images, and titles in other scripts. Every export here is written for
the project."""

from __future__ import annotations

import pytest

from articles import gate, workflow
from articles.gate.checks.origin import PROTECTED
from articles.importers.parsed import clean_title, slug_for
from articles.models import Article, Prompt

from .test_wxr import SITE, by_title, export, item, write, wxr_import

pytestmark = pytest.mark.django_db


def codes(row: dict, severity: str = "blocker") -> set[str]:
    return {f["code"] for f in row["findings"] if f["severity"] == severity}


def row_for(result: dict, title: str) -> dict:
    return next(r for r in result["articles"] if r["title"].startswith(title))


# --- Repeated text is not a call to action unless it asks the reader to act ----------------------

SHARED = (
    "<h2>Blockquotes</h2>\n\nA quotation set apart from the text, as patients' stories are.\n\n"
    "<h2>Definition Lists</h2>\n\nTerms and their meanings, such as a glossary of knee words.\n\n"
    "<h2>Tables</h2>\n\nRows and columns for a schedule of exercises.\n\n"
)


def test_sections_a_post_and_a_page_share_stay_in_both_bodies(tmp_path):
    path = write(
        tmp_path,
        export(
            item(1, "Formatting Guide", "Intro for the post.\n\n" + SHARED),
            item(2, "Formatting Page", "Intro for the page.\n\n" + SHARED),
            item(3, "Style Notes", "Another intro.\n\n" + SHARED),
        ),
    )

    result = wxr_import(path)

    assert result["prompts"] == [] and not Prompt.objects.exists()
    for title in ("Formatting Guide", "Formatting Page", "Style Notes"):
        body = by_title(title).body
        assert "Blockquotes" in body and "glossary of knee words" in body
        assert "schedule of exercises" in body
        assert "missing-disclosure" not in codes(row_for(result, title))
    possible = {p["headline"]: p for p in result["possible_prompts"]}
    assert set(possible) == {"Blockquotes", "Definition Lists", "Tables"}
    assert possible["Blockquotes"]["appearances"] == 3
    assert "Possible call to action" in possible["Tables"]["message"]
    assert possible["Tables"]["where"] == "item 1 (WordPress post 1)"


@pytest.mark.parametrize(
    "block",
    [
        # A phone number.
        "<h3>Talk to our team</h3>\n\nRing 555-201-3344 to ask about your knee.",
        # A sign-up link.
        '<h3>Stay in the loop</h3>\n\n<a href="/newsletter-signup/">Monthly tips</a> for your '
        "joints.",
        # A form right after it.
        "<h3>Ask a question</h3>\n\nOur nurses answer within a day.\n\n"
        '<form action="/ask"><input name="q"><button>Send</button></form>',
        # An offer.
        "<h3>New patients</h3>\n\nYour first assessment is free this spring.",
    ],
)
def test_repeated_blocks_that_ask_the_reader_to_act_are_prompts(tmp_path, block):
    path = write(
        tmp_path,
        export(
            item(1, "Knee Basics", f"Knees carry weight.\n\n{block}"),
            item(2, "Hip Basics", f"Hips carry weight.\n\n{block}"),
        ),
    )

    result = wxr_import(path)

    assert len(result["prompts"]) == 1, result["possible_prompts"]
    assert result["possible_prompts"] == []
    assert "carry weight" in by_title("Knee Basics").body
    headline = Prompt.objects.get().headline
    assert headline not in by_title("Knee Basics").body


# --- What is not imported, said ----------------------------------------------------------------

COMMENT = (
    "<wp:comment><wp:comment_id>{n}</wp:comment_id><wp:comment_author><![CDATA[Reader]]>"
    "</wp:comment_author><wp:comment_content><![CDATA[Thanks!]]></wp:comment_content>"
    "<wp:comment_approved>1</wp:comment_approved></wp:comment>"
)


def test_comments_passwords_parents_galleries_players_and_embeds_are_reported(tmp_path):
    protected = "<wp:post_password><![CDATA[members2021]]></wp:post_password>"
    child_page = "<wp:post_parent>10</wp:post_parent>"
    # The classic editor: shortcodes, a pasted player, an address on its own line (oEmbed).
    media_body = (
        "Watch and listen.\n\n"
        '[gallery ids="4,5,6"]\n\n'
        '[audio mp3="https://riverbend-clinic.example/wp-content/uploads/breathing.mp3"]\n\n'
        '<iframe src="https://video.example.com/embed/knee-exercises" width="560"></iframe>\n\n'
        "https://video.example.com/watch?v=stretch"
    )
    # The block editor: a gallery block and an embed block.
    blocks_body = (
        "<!-- wp:paragraph --><p>Listen to the episode.</p><!-- /wp:paragraph -->\n"
        '<!-- wp:gallery --><figure class="wp-block-gallery"></figure><!-- /wp:gallery -->\n'
        '<!-- wp:embed {"url":"https://podcast.example.org/ep/12"} -->\n'
        '<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">\n'
        "https://podcast.example.org/ep/12\n"
        "</div></figure>\n<!-- /wp:embed -->"
    )
    path = write(
        tmp_path,
        export(
            item(1, "Talked About", "Knees and walking.", extra="".join(
                COMMENT.format(n=n) for n in (1, 2, 3))),
            item(2, "Members Only Plan", "A plan for members.", extra=protected),
            item(3, "Child Page", "Under the parent.", extra=child_page),
            item(4, "Media Post", media_body),
            item(5, "Podcast Post", blocks_body),
        ),
    )  # fmt: skip

    result = wxr_import(path)

    assert result["not_imported"] == {
        "comments": 3,
        "password_protected": 1,
        "parent_pages": 1,
        "galleries": 2,
        "media": 1,
        "embeds_kept_as_links": 3,
        "images": 0,
    }
    talked = row_for(result, "Talked About")
    assert talked["comments_not_imported"] == 3
    messages = " ".join(e["message"] for e in result["errors"])
    assert "3 comments not imported" in messages
    assert "password-protected" in messages and "parent page (WordPress page 10)" in messages
    assert "a gallery left out" in messages and "[audio] left out" in messages
    media = by_title("Media Post")
    for url in (
        "https://video.example.com/embed/knee-exercises",
        "https://video.example.com/watch?v=stretch",
    ):
        assert f'<a href="{url}"' in media.body, media.body
    assert row_for(result, "Media Post")["embeds_kept_as_links"] == [
        "https://video.example.com/embed/knee-exercises",
        "https://video.example.com/watch?v=stretch",
    ]
    assert row_for(result, "Media Post")["galleries_not_imported"] == 1
    assert '<a href="https://podcast.example.org/ep/12"' in by_title("Podcast Post").body


def test_a_password_protected_post_is_blocked_until_a_reviewer_clears_it(tmp_path, reviewer):
    protected = "<wp:post_password><![CDATA[members2021]]></wp:post_password>"
    path = write(
        tmp_path,
        export(
            item(1, "Members Only Plan", "Walk daily.", extra=protected),
            item(2, "Public Plan", "Walk daily."),
        ),
    )

    result = wxr_import(path)

    assert "protected-origin" in codes(row_for(result, "Members Only Plan"))
    assert "protected-origin" not in codes(row_for(result, "Public Plan"))
    article = by_title("Members Only Plan")
    assert article.state == "draft" and article.origin_password_protected
    workflow.override_finding(
        article,
        reviewer,
        code="protected-origin",
        sentence=PROTECTED,
        reason="Written for all patients; the password only hid it while it was drafted.",
    )
    findings = gate.run(article)
    assert "protected-origin" not in {f.code for f in gate.blockers(findings)}
    assert any(f.code == "protected-origin" and f.severity == "info" for f in findings)


# --- GUIDs --------------------------------------------------------------------------------------


def test_two_posts_sharing_a_guid_are_two_posts_and_stay_so_on_reimport(tmp_path):
    same_guid = f'<guid isPermaLink="false">{SITE}/?p=1</guid>'

    def with_guid(post_id: int, title: str) -> str:
        return item(post_id, title, f"Text of {title}.").replace(
            f'<guid isPermaLink="false">{SITE}/?p={post_id}</guid>', same_guid
        )

    path = write(tmp_path, export(with_guid(1, "First Copy"), with_guid(2, "Second Copy")))

    first = wxr_import(path)
    again = wxr_import(path)

    assert {r["title"] for r in first["articles"]} == {"First Copy", "Second Copy"}
    assert Article.objects.count() == 2
    assert {r["status"] for r in again["articles"]} == {"unchanged"}


def test_the_same_item_twice_is_imported_once(tmp_path):
    path = write(tmp_path, export(item(1, "Only Once", "Text."), item(1, "Only Once", "Text.")))

    result = wxr_import(path)

    assert Article.objects.count() == 1
    assert any("second copy was not imported" in e["message"] for e in result["errors"])


# --- Images whose file is missing ---------------------------------------------------------------


def test_a_missing_image_is_reported_once_and_removed_not_a_missing_alt_blocker(tmp_path):
    image = f'<img src="{SITE}/wp-content/uploads/2020/05/lost.jpg">'
    captioned = f'[caption id="a" width="300"]{image} A lost picture[/caption]'
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    path = write(
        tmp_path,
        export(
            item(1, "First With Image", f"Before.\n\n{image}\n\nAfter."),
            item(2, "Second With Image", f"Text.\n\n{captioned}"),
        ),
    )

    result = wxr_import(path, media_dir=uploads)

    [note] = result["media"]
    assert note["file"] == "2020/05/lost.jpg"
    assert note["posts"] == ["First With Image", "Second With Image"]
    for title in ("First With Image", "Second With Image"):
        assert "<img" not in by_title(title).body
        assert "missing-alt-text" not in codes(row_for(result, title))
    assert "Before." in by_title("First With Image").body
    assert "A lost picture" in by_title("Second With Image").body


# --- Titles in other scripts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Άσκηση για το γόνατο", "askisi-gia-to-gonato"),
        ("Боль в спине: что делать", "bol-v-spine-chto-delat"),
        ("\u202eKnee pain\u202c guide", "knee-pain-guide"),
        ("Café au lait spots", "cafe-au-lait-spots"),
    ],
)
def test_slugs_are_readable_in_any_script(title, slug):
    assert slug_for(title) == slug


def test_control_and_bidi_characters_leave_titles():
    assert clean_title("Knee\u200f pain\x07 \u2066guide\u2069\n") == "Knee pain guide"


def test_greek_cyrillic_and_bidi_titles_import_with_readable_slugs(tmp_path):
    greek = item(1, "Άσκηση για το γόνατο", "Κείμενο.").replace(
        "post-1", "%ce%ac%cf%83%ce%ba%ce%b7%cf%83%ce%b7"
    )
    path = write(
        tmp_path,
        export(
            greek,
            item(2, "Боль в спине", "Текст.").replace("post-2", ""),
            item(3, "\u202bשלום\u202c Knee\u200e", "Text."),
        ),
    )

    result = wxr_import(path)

    slugs = {r["title"]: r["slug"] for r in result["articles"]}
    assert slugs["Άσκηση για το γόνατο"] == "askisi"
    assert slugs["Боль в спине"] == "bol-v-spine"
    assert "שלום Knee" in slugs and slugs["שלום Knee"] == "post-3"
