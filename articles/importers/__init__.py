"""Importing other systems' content as drafts: parse the file (pure), then load it (one
transaction, through the workflow engine).

`import_path` is what `manage.py import_posts` calls. Bad input (a missing, unreadable, non-UTF-8
or empty file, or one with no recognizable post) raises `ImportFailed` with one line naming the
file, before anything is written. A malformed post inside a good file is reported in the result's
`errors` with its line number, and the rest of the file is imported.
"""

from __future__ import annotations

from pathlib import Path

from articles.importers import load
from articles.importers.load import ImportFailed, ImportReport
from articles.importers.text import parse_text
from articles.workflow import WorkflowError

FORMATS = ("text", "wxr")

__all__ = ["FORMATS", "ImportFailed", "ImportReport", "import_path", "parse_text", "read_text"]


def read_text(path: str | Path) -> str:
    """The file's text, or ImportFailed saying in one line what is wrong with it."""
    path = Path(path)
    try:
        data = path.read_bytes()
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


def import_path(path: str | Path, *, fmt: str = "text", dry_run: bool = False) -> ImportReport:
    """Import one export file as drafts. Raises ImportFailed (nothing written) on bad input."""
    if fmt == "wxr":
        # Issue 4 builds the WordPress reader; until then, say so rather than guess.
        raise ImportFailed(f"{path}: the WordPress (wxr) format is not supported yet.")
    if fmt not in FORMATS:
        raise ImportFailed(f"{path}: unknown format “{fmt}” (use one of {', '.join(FORMATS)}).")
    parsed = parse_text(read_text(path))
    if not parsed.posts:
        first = parsed.errors[0] if parsed.errors else None
        detail = f" ({first.where}: {first.message.rstrip('.')})" if first else ""
        raise ImportFailed(
            f"{path}: no post found; a post starts with its title, a blank line, and the title "
            f"again{detail}."
        )
    try:
        return load.load(parsed, origin=Path(path).name, dry_run=dry_run)
    except WorkflowError as error:
        raise ImportFailed(f"{path}: {error}") from None
