"""Bad WordPress exports: each ends the command with one line naming the file and what is wrong
with it, and nothing is written. None of them is expanded, fetched or half-imported."""

from __future__ import annotations

import pytest
from django.core.management import CommandError

from .test_wxr import WP6, counts, export, item, wxr_import

ITEMS = WP6.read_text("utf-8")

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel>
<wp:wxr_version>1.2</wp:wxr_version><item><title>&lol3;</title></item></channel></rss>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel>
<wp:wxr_version>1.2</wp:wxr_version><item><title>&secret;</title></item></channel></rss>
"""

HTML_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Blog</title></head>
<body><p>Welcome</body></html>
"""

RSS_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Clinic blog</title><item><title>A post</title><content:encoded><![CDATA[<p>Hi</p>]]>
</content:encoded></item></channel></rss>
"""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "Title\n\nTitle\n\nThis is a text export.\n",
            "is not XML (line 1, column 0: syntax error).",
        ),
        (
            '<rss xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n</rss>',
            "is not XML (line 3, column 2: mismatched tag).",
        ),
        (HTML_PAGE, "is not a WordPress export (the root is <html>, not <rss>)."),
        (RSS_FEED, "is not a WordPress export (an RSS feed without the wp: namespace)"),
        (ITEMS[: len(ITEMS) // 2], "ends before the export does (truncated at line "),
        (ITEMS[: ITEMS.rindex("</channel>")], "ends before the export does (truncated at line "),
        (BILLION_LAUGHS, "declares XML entities, which are refused (entity expansion attack)."),
        (
            EXTERNAL_ENTITY,
            "refers to an external entity (file:///etc/passwd), which is refused; nothing is "
            "fetched.",
        ),
        ("", "is empty."),
        (
            '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>x</title>'
            "</channel></rss>",
            "is not a WordPress export (no wp:wxr_version in the channel).",
        ),
        (export(), "has no post or page to import."),
    ],
    ids=[
        "text",
        "malformed",
        "html",
        "rss-without-wp",
        "truncated-half",
        "truncated-at-the-end",
        "billion-laughs",
        "external-entity",
        "empty",
        "no-wxr-version",
        "no-posts",
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(db, tmp_path, content, message):
    wxr_import(WP6)  # a previous import, so "nothing written" is checked against real rows
    path = tmp_path / "export.xml"
    path.write_text(content, encoding="utf-8")
    before = counts()
    with pytest.raises(CommandError) as error:
        wxr_import(path)
    text = str(error.value)
    assert text.startswith(f"{path}: ") and message in text
    assert "\n" not in text
    assert counts() == before


def test_a_missing_file_or_a_folder(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        wxr_import(tmp_path / "missing.xml")
    with pytest.raises(CommandError, match="is a directory"):
        wxr_import(tmp_path)


def test_bytes_that_are_not_the_declared_encoding(db, tmp_path):
    path = tmp_path / "export.xml"
    path.write_bytes(export(item(1, "Caf\u00e9", "Text.")).encode("latin-1"))
    with pytest.raises(CommandError, match=r"is not XML \(line \d+, column \d+: not well-formed"):
        wxr_import(path)
