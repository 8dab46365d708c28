"""Importing other systems' content as drafts: parse the file (pure), then load it (one
transaction, through the workflow engine).

`import_path` is what `manage.py import_posts` calls. Bad input (a missing, unreadable, non-UTF-8
or empty file, one with no recognizable post; for WordPress, a file that is not XML, not a
WordPress export, cut short, or declares entities) raises `ImportFailed` with one line naming the
file, before anything is written. A malformed post inside a good file is reported in the result's
`errors` with where it is, and the rest of the file is imported.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from articles.importers import load
from articles.importers.load import ImportFailed, ImportReport
from articles.importers.parsed import ParsedFile, ParseError
from articles.importers.text import parse_text
from articles.importers.wxr import read_wxr
from articles.limits import InputTooLarge, check_html
from articles.workflow import WorkflowError
from evidence import limits as evidence_limits

FORMATS = ("text", "wxr")

# (what is happening, how many done, how many in all if known): "reading" counts the export's
# items as they are read, "importing" the posts written.
Progress = Callable[[str, int, int | None], None]

__all__ = [
    "FORMATS",
    "ImportFailed",
    "ImportReport",
    "Progress",
    "import_path",
    "parse_text",
    "read_text",
]


def read_text(path: str | Path) -> str:
    """The file's text, or ImportFailed saying in one line what is wrong with it."""
    path = Path(path)
    try:
        data = evidence_limits.read_at_most(path, settings.IMPORT_MAX_BYTES, "IMPORT_MAX_BYTES")
    except evidence_limits.TooLarge as error:
        raise ImportFailed(f"{path}: {error}") from None
    except FileNotFoundError:
        raise ImportFailed(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise ImportFailed(f"{path}: is a directory, not an export file.") from None
    except OSError as error:
        raise ImportFailed(f"{path}: cannot be read ({error.strerror or error}).") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFailed(
            f"{path}: is not UTF-8 text (byte {error.start} cannot be read); "
            "save the export as UTF-8 and try again."
        ) from None
    if "\x00" in text:
        raise ImportFailed(f"{path}: is a binary file, not a text export.")
    if not text.strip():
        raise ImportFailed(f"{path}: is empty.")
    return text


def _check_file(path: Path) -> None:
    if not path.exists():
        raise ImportFailed(f"{path}: no such file.")
    if path.is_dir():
        raise ImportFailed(f"{path}: is a directory, not an export file.")
    if too_large := evidence_limits.file_size_problem(
        path, settings.IMPORT_MAX_BYTES, "IMPORT_MAX_BYTES"
    ):
        raise ImportFailed(f"{path}: {too_large}")


CUT = "\ue000"  # stands for a line too long for any body, so the parser never reads it


def _cut_long_lines(text: str, limit: int) -> tuple[str, dict[int, int]]:
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


def _within_limits(path: str | Path, parsed: ParsedFile, cut: dict[int, int] | None = None) -> None:
    """Refuse a file with too many posts; leave out (and list) each post whose body or
    references are over the limits, or that held a line `_cut_long_lines` cut, before anything
    reaches the sanitizer or the database."""
    cut_lengths = dict(cut or {})
    cut = dict(cut_lengths)
    if len(parsed.posts) > settings.IMPORT_MAX_POSTS:
        raise ImportFailed(
            f"{path}: has {len(parsed.posts):,} posts; files of up to "
            f"{settings.IMPORT_MAX_POSTS:,} are imported (the IMPORT_MAX_POSTS setting). Split "
            "it into smaller files."
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
            message = (
                f"“{post.title}”: line {line} is {cut_lengths[line]:,} characters long; a body "
                f"holds at most {settings.HTML_MAX_CHARS:,}. It was not imported."
            )
            parsed.errors.append(ParseError(post.line, message, place=post.where))
            continue
        try:
            check_html(post.body_html, "Its body")
            for citation in post.citations:
                evidence_limits.check_source(citation.reference.source_fields())
        except (InputTooLarge, evidence_limits.TooLarge) as refusal:
            message = f"“{post.title}”: {refusal} It was not imported."
            parsed.errors.append(ParseError(post.line, message, place=post.where))
        else:
            kept.append(post)
    parsed.posts = kept
    for line, length in cut.items():  # outside every post
        message = f"Line {line} is {length:,} characters long; it was not imported."
        parsed.errors.append(ParseError(line, message))
    for key, prompt in list(parsed.prompts.items()):
        try:
            check_html(prompt.body_html, "Its text")
        except InputTooLarge as refusal:
            del parsed.prompts[key]
            for post in parsed.posts:
                if key in post.prompt_keys:
                    post.prompt_keys.remove(key)
            message = f"The call to action “{prompt.headline[:80]}”: {refusal} It was not imported."
            parsed.errors.append(ParseError(min(prompt.lines, default=0), message))
    parsed.errors.sort(key=lambda error: error.line)


def import_path(
    path: str | Path,
    *,
    fmt: str = "text",
    dry_run: bool = False,
    media_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one export file as drafts. Raises ImportFailed (nothing written) on bad input.
    `media_dir` is a copy of a WordPress site's wp-content/uploads folder (wxr only)."""
    if fmt not in FORMATS:
        raise ImportFailed(f"{path}: unknown format “{fmt}” (use one of {', '.join(FORMATS)}).")
    if media_dir is not None and fmt != "wxr":
        raise ImportFailed(f"{path}: --media-dir is for WordPress exports (--format wxr) only.")
    if media_dir is not None and not Path(media_dir).is_dir():
        raise ImportFailed(f"{media_dir}: the media folder does not exist or is not a folder.")

    def step(what: str) -> Callable | None:
        if progress is None:
            return None
        return lambda done, total=None: progress(what, done, total)

    try:
        _check_file(Path(path))
        if fmt == "wxr":
            parsed = read_wxr(path, progress=step("reading"))
            _within_limits(path, parsed)
            if not parsed.posts:
                raise ImportFailed(f"{path}: has no post or page to import.")
            return load.load_wxr(
                parsed,
                origin=Path(path).name,
                dry_run=dry_run,
                media_dir=Path(media_dir) if media_dir is not None else None,
                progress=step("importing"),
            )
        text, cut = _cut_long_lines(read_text(path), settings.HTML_MAX_CHARS)
        parsed = parse_text(text)
        _within_limits(path, parsed, cut)
        if not parsed.posts:
            first = parsed.errors[0] if parsed.errors else None
            detail = f" ({first.where}: {first.message.rstrip('.')})" if first else ""
            raise ImportFailed(
                f"{path}: no post found; a post starts with its title, a blank line, and the "
                f"title again{detail}."
            )
        return load.load(
            parsed, origin=Path(path).name, dry_run=dry_run, progress=step("importing")
        )
    except (WorkflowError, InputTooLarge, evidence_limits.TooLarge) as error:
        raise ImportFailed(f"{path}: {error}") from None
