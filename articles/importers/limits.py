"""The limits an import is held to, applied between parsing a file and loading it: too many
posts refuse the file; a post whose body, call to action or references are over the limits is
left out and listed under errors, so nothing over them reaches the sanitizer or the database.
The limits themselves are `articles.limits` and `evidence.limits`."""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext

from articles.importers.parsed import ImportFailed, ParsedFile, ParseError
from articles.limits import InputTooLarge, check_html
from evidence import limits as evidence_limits

CUT = "\ue000"  # stands for a line too long for any body, so the parser never reads it


def cut_long_lines(text: str, limit: int) -> tuple[str, dict[int, int]]:
    """The text with each line longer than `limit` replaced by CUT, and {line number: length}.

    The text parser's time and memory grow with a line's length (a 20 MB paragraph took 17 s
    and 350 MB), and such a line can never fit in a body. Windows of `limit` characters are
    searched for their last line break, so short lines cost no Python loop each."""
    cut: dict[int, int] = {}
    pieces: list[str] = []
    kept = position = 0
    while position < len(text):
        window_end = position + limit + 1
        newline = text.rfind("\n", position, window_end)
        if newline >= 0 or window_end > len(text):
            position = newline + 1 if newline >= 0 else len(text)
            continue
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        cut[text.count("\n", 0, position) + 1] = end - position
        pieces += [text[kept:position], CUT]
        kept = position = end
    return "".join([*pieces, text[kept:]]) if cut else text, cut


def within_limits(path: str | Path, parsed: ParsedFile, cut: dict[int, int] | None = None) -> None:
    """Refuse a file with too many posts; leave out (and list) each post whose body or
    references are over the limits, or that held a line `cut_long_lines` cut, before anything
    reaches the sanitizer or the database."""
    cut_lengths = dict(cut or {})
    cut = dict(cut_lengths)
    if len(parsed.posts) > settings.IMPORT_MAX_POSTS:
        raise ImportFailed(
            gettext(
                "%(path)s: has %(posts)s posts; files of up to %(limit)s are imported (the "
                "IMPORT_MAX_POSTS setting). Split it into smaller files."
            )
            % {
                "path": path,
                "posts": f"{len(parsed.posts):,}",
                "limit": f"{settings.IMPORT_MAX_POSTS:,}",
            }
        )
    # A cut line belongs to the post it comes after (text that follows a post is its text).
    starts = sorted(post.line for post in parsed.posts)
    held: dict[int, int] = {}  # post's line → its first cut line
    for line in sorted(cut):
        if (index := bisect_right(starts, line) - 1) >= 0:
            held.setdefault(starts[index], line)
            del cut[line]
    kept = []
    for post in parsed.posts:
        if (line := held.get(post.line)) is not None:
            message = gettext(
                "“%(title)s”: line %(line)s is %(length)s characters long; a body holds at most "
                "%(limit)s. It was not imported."
            ) % {
                "title": post.title,
                "line": line,
                "length": f"{cut_lengths[line]:,}",
                "limit": f"{settings.HTML_MAX_CHARS:,}",
            }
            parsed.errors.append(ParseError(post.line, message, place=post.where))
            continue
        try:
            check_html(post.body_html, "Its body")
            for citation in post.citations:
                evidence_limits.check_source(citation.reference.source_fields())
        except (InputTooLarge, evidence_limits.TooLarge) as refusal:
            message = gettext("“%(title)s”: %(refusal)s It was not imported.") % {
                "title": post.title,
                "refusal": refusal,
            }
            parsed.errors.append(ParseError(post.line, message, place=post.where))
        else:
            kept.append(post)
    parsed.posts = kept
    for line, length in cut.items():  # outside every post
        message = gettext("Line %(line)s is %(length)s characters long; it was not imported.") % {
            "line": line,
            "length": f"{length:,}",
        }
        parsed.errors.append(ParseError(line, message))
    _leave_out_long_prompts(parsed)
    parsed.errors.sort(key=lambda error: error.line)


def _leave_out_long_prompts(parsed: ParsedFile) -> None:
    """Leave out (and list) each call to action whose text is over the limit."""
    for key, prompt in list(parsed.prompts.items()):
        try:
            check_html(prompt.body_html, "Its text")
        except InputTooLarge as refusal:
            del parsed.prompts[key]
            for post in parsed.posts:
                if key in post.prompt_keys:
                    post.prompt_keys.remove(key)
            message = gettext(
                "The call to action “%(headline)s”: %(refusal)s It was not imported."
            ) % {"headline": prompt.headline[:80], "refusal": refusal}
            parsed.errors.append(ParseError(min(prompt.lines, default=0), message))
