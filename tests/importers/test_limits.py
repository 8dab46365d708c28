"""Hostile exports: too large, too many posts, XML or HTML nested past the limits, a body or a
reference too long. The file as a whole is refused in one line with nothing written, or the one
post is listed under errors by where it is and the rest is imported."""

from __future__ import annotations

import pytest
from django.core.management import CommandError

from articles.models import Article
from evidence import limits as evidence_limits

from .conftest import counts, run_import, run_import_json
from .test_wxr import export, item, write

pytestmark = pytest.mark.django_db

POST = "{title}\n\n{title}\n\n{body}\n"


def refused(path, **options) -> str:
    before = counts()
    with pytest.raises(CommandError) as raised:
        run_import(path, **options)
    assert counts() == before
    message = str(raised.value)
    assert "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize("fmt", ["text", "wxr"])
def test_a_200_mb_export_is_refused_by_its_size_before_it_is_read(tmp_path, monkeypatch, fmt):
    path = tmp_path / "export.xml"
    with path.open("wb") as file:
        file.truncate(200 * 1024 * 1024)  # sparse: no time, no disk
    monkeypatch.setattr(evidence_limits, "read_at_most", lambda *a: pytest.fail("it was read"))

    assert refused(path, format=fmt) == (
        f"{path}: is 200.0 MB; files up to 50.0 MB are imported (the IMPORT_MAX_BYTES "
        "setting). Split it into smaller files."
    )


def test_a_wordpress_post_of_a_thousand_nested_divs_is_listed_and_the_rest_imported(tmp_path):
    deep = "<div>" * 1000 + "<p>Deep text.</p>" + "</div>" * 1000
    path = write(
        tmp_path,
        export(
            item(1, "Nested layout", deep),
            item(2, "Plain post", "<p>Walking helps most people with knee pain.</p>"),
        ),
    )

    result = run_import_json(path, format="wxr")

    assert [a["title"] for a in result["articles"]] == ["Plain post"]
    assert {
        "where": "item 1 (WordPress post 1)",
        "message": "“Nested layout”: Its body nests elements (quotes, lists, tables, sections) "
        "more than 100 levels deep; flatten its structure. It was not imported.",
    } in result["errors"]
    assert not Article.objects.filter(title="Nested layout").exists()


def test_a_nested_excerpt_is_refused_the_same_way(tmp_path):
    path = write(
        tmp_path,
        export(
            item(1, "Deep excerpt", "<p>Body.</p>", excerpt="<div>" * 1000),
            item(2, "Plain post", "<p>Walking helps most people with knee pain.</p>"),
        ),
    )

    result = run_import_json(path, format="wxr")

    assert [a["title"] for a in result["articles"]] == ["Plain post"]
    assert any("Its excerpt nests elements" in e["message"] for e in result["errors"])


def test_xml_nested_past_the_limit_refuses_the_file(tmp_path):
    path = write(tmp_path, export(item(1, "Post", "<p>Text.</p>", extra="<x>" * 60 + "</x>" * 60)))

    assert refused(path, format="wxr") == (
        f"{path}: nests XML elements more than 50 levels deep (the IMPORT_MAX_DEPTH setting); a "
        "WordPress export needs about five."
    )


def test_more_posts_than_the_limit_refuse_the_file(tmp_path, settings):
    settings.IMPORT_MAX_POSTS = 2
    posts = [item(n, f"Post {n}", "<p>Text of the post.</p>") for n in range(1, 4)]
    wxr = write(tmp_path, export(*posts))
    text = tmp_path / "export.txt"
    text.write_text("\n".join(POST.format(title=f"Post {n}", body="Text.") for n in range(3)))

    assert refused(wxr, format="wxr") == (
        f"{wxr}: has more than 2 posts and pages; files of up to 2 are imported (the "
        "IMPORT_MAX_POSTS setting). Split the export (Tools → Export can export by date or "
        "category)."
    )
    assert refused(text) == (
        f"{text}: has 3 posts; files of up to 2 are imported (the IMPORT_MAX_POSTS setting). "
        "Split it into smaller files."
    )


def test_a_text_post_over_the_body_limit_is_listed_and_the_rest_imported(tmp_path, settings):
    settings.HTML_MAX_CHARS = 2000
    path = tmp_path / "export.txt"
    path.write_text(
        POST.format(
            title="Endless Post",
            body="\n\n".join(f"Part {n}: " + "Words without end. " * 50 for n in range(4)),
        )
        + "\n"
        + POST.format(title="Short Post", body="Walking helps most people with knee pain.")
    )

    result = run_import_json(path)

    assert [a["title"] for a in result["articles"]] == ["Short Post"]
    assert result["errors"] == [
        {
            "where": "line 1",
            "message": "“Endless Post”: Its body is 3,856 characters long; at most 2,000 are "
            "allowed. It was not imported.",
        }
    ]
    assert not Article.objects.filter(title="Endless Post").exists()


def test_a_source_line_with_an_endless_title_is_listed_not_stored(tmp_path):
    path = tmp_path / "export.txt"
    source = "Source: Smith J. " + "A" * 5000 + ". J Test. 2020;1:1-2. doi:10.5555/endless"
    path.write_text(
        POST.format(title="Long Reference", body=f"A study found it helps.\n\n{source}")
        + "\n"
        + POST.format(title="Short Post", body="Walking helps most people with knee pain.")
    )

    result = run_import_json(path)

    assert [a["title"] for a in result["articles"]] == ["Short Post"]
    assert result["errors"] == [
        {
            "where": "line 1",
            "message": "“Long Reference”: The title is 5,000 characters long; a source's title "
            "holds at most 1,000. It was not imported.",
        }
    ]
    assert result["sources"] == []


def test_a_call_to_action_over_the_body_limit_is_listed_and_the_post_imported(tmp_path, settings):
    settings.HTML_MAX_CHARS = 100
    call = (
        "Request Information Packet\n\n"
        + "Our free packet explains how we assess running injuries at the clinic,\n"
        + "what a visit costs and what to bring with you!"
        + "\n\nThanks for your interest!"
    )
    path = tmp_path / "export.txt"
    path.write_text(POST.format(title="Knee Pain", body=f"Walking helps.\n\n{call}\n\nRest."))

    result = run_import_json(path)

    assert [a["title"] for a in result["articles"]] == ["Knee Pain"]
    assert result["prompts"] == []
    assert result["errors"] == [
        {
            "where": "line 7",
            "message": "The call to action “Request Information Packet”: Its text is 124 "
            "characters long; at most 100 are allowed. It was not imported.",
        }
    ]


def test_a_line_longer_than_any_body_is_never_parsed(tmp_path, settings, monkeypatch):
    settings.HTML_MAX_CHARS = 1000
    path = tmp_path / "export.txt"
    path.write_text(
        "A line before any post. " * 50
        + "\n\n"
        + POST.format(title="Endless", body="Short first paragraph.\n\n" + "Words. " * 1000)
        + "\n"
        + POST.format(title="Short Post", body="Walking helps most people with knee pain.")
    )
    from articles.importers import text as text_module

    parsed_lines = []
    real_parse = text_module.split_blocks
    monkeypatch.setattr(
        text_module,
        "split_blocks",
        lambda text: parsed_lines.append(max(map(len, text.split("\n")))) or real_parse(text),
    )

    result = run_import_json(path)

    assert [a["title"] for a in result["articles"]] == ["Short Post"]
    assert result["errors"] == [
        {
            "where": "line 1",
            "message": "Text before the first post title was not imported (a post starts with its "
            "title, a blank line, and the title again).",
        },
        {"where": "line 1", "message": "Line 1 is 1,200 characters long; it was not imported."},
        {
            "where": "line 3",
            "message": "“Endless”: line 9 is 7,000 characters long; a body holds at most 1,000. "
            "It was not imported.",
        },
    ]
    assert parsed_lines and max(parsed_lines) <= 1000
