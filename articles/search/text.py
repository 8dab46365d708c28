"""Text in and out of the index: the plain text that is indexed, and snippets made safe to show.

Both backends mark matches in snippets with two sentinel characters. Indexed text never contains
them (control characters are removed on the way in), so after the snippet is HTML-escaped the
sentinels, and only they, become <mark> and </mark>.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.text import html_blocks

START, STOP = "\x02", "\x03"
ELLIPSIS = "…"
# Between a heading and the paragraph after it, say, where a snippet spans both.
BLOCK_SEPARATOR = " · "

_MARKED = re.compile(f"{START}([^{START}{STOP}]*){STOP}")
_REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs"})


class Match(NamedTuple):
    """One matching article as a backend finds it, before the article itself is loaded."""

    article_id: int
    rank: float  # higher is better
    body_snippet: str  # raw, with sentinels around matches
    summary_snippet: str


def without_controls(text: str) -> str:
    """Whitespace becomes one space; other control, format and private-use characters go."""
    kept = (
        " " if char.isspace() else "" if unicodedata.category(char) in _REMOVED_CATEGORIES else char
        for char in text
    )
    return " ".join("".join(kept).split())


def body_text(html: str) -> str:
    """A sanitized body as readers read it, without citation marker numbers: one line per block
    (paragraph, heading, list item), so a snippet can show where one ends."""
    blocks = (without_controls(block.text) for block in html_blocks("body", html))
    return "\n".join(block for block in blocks if block)


def snippet_html(match: Match) -> SafeString:
    """Where the body matches, else where the summary does; with neither (the title matched),
    the summary, which says what the article is about. Escaped, with matches in <mark>."""
    use_body = START in match.body_snippet or not match.summary_snippet.strip()
    chosen = match.body_snippet if use_body else match.summary_snippet
    lines = (" ".join(line.split()) for line in chosen.split("\n"))
    text = BLOCK_SEPARATOR.join(line for line in lines if line)
    escaped = _MARKED.sub(r"<mark>\1</mark>", str(escape(text)))
    return mark_safe(escaped.replace(START, "").replace(STOP, ""))  # noqa: S308 - escaped above
