"""Importing other systems' content as drafts: parse the file (pure), then load it (one
transaction, through the workflow engine).

`import_path` is what `manage.py import_posts` calls. Bad input (a missing, unreadable, non-UTF-8
or empty file, one with no recognizable post; for WordPress, a file that is not XML, not a
WordPress export, cut short, or declares entities) raises `ImportFailed` with one line naming the
file, before anything is written. A malformed post inside a good file is reported in the result's
`errors` with where it is, and the rest of the file is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext

from articles.importers import load
from articles.importers.limits import cut_long_lines, within_limits
from articles.importers.load import ImportFailed, ImportReport
from articles.importers.text import parse_text
from articles.importers.wxr import read_wxr
from articles.limits import InputTooLarge
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
        raise ImportFailed(gettext("%(path)s: no such file.") % {"path": path}) from None
    except IsADirectoryError:
        raise ImportFailed(_not_a_file(path)) from None
    except OSError as error:
        raise ImportFailed(
            gettext("%(path)s: cannot be read (%(error)s).")
            % {"path": path, "error": error.strerror or error}
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFailed(
            gettext(
                "%(path)s: is not UTF-8 text (byte %(byte)s cannot be read); save the export as "
                "UTF-8 and try again."
            )
            % {"path": path, "byte": error.start}
        ) from None
    if "\x00" in text:
        raise ImportFailed(
            gettext("%(path)s: is a binary file, not a text export.") % {"path": path}
        )
    if not text.strip():
        raise ImportFailed(gettext("%(path)s: is empty.") % {"path": path})
    return text


def _not_a_file(path: Path) -> str:
    return gettext("%(path)s: is a directory, not an export file.") % {"path": path}


def _check_file(path: Path) -> None:
    if not path.exists():
        raise ImportFailed(gettext("%(path)s: no such file.") % {"path": path})
    if path.is_dir():
        raise ImportFailed(_not_a_file(path))
    if too_large := evidence_limits.file_size_problem(
        path, settings.IMPORT_MAX_BYTES, "IMPORT_MAX_BYTES"
    ):
        raise ImportFailed(f"{path}: {too_large}")


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
        raise ImportFailed(
            gettext("%(path)s: the media folder does not exist or is not a folder.")
            % {"path": media_dir}
        )

    def step(what: str) -> Callable | None:
        if progress is None:
            return None
        return lambda done, total=None: progress(what, done, total)

    try:
        _check_file(Path(path))
        if fmt == "wxr":
            parsed = read_wxr(path, progress=step("reading"))
            within_limits(path, parsed)
            if not parsed.posts:
                raise ImportFailed(
                    gettext("%(path)s: has no post or page to import.") % {"path": path}
                )
            return load.load_wxr(
                parsed,
                origin=Path(path).name,
                dry_run=dry_run,
                media_dir=Path(media_dir) if media_dir is not None else None,
                progress=step("importing"),
            )
        text, cut = cut_long_lines(read_text(path), settings.HTML_MAX_CHARS)
        parsed = parse_text(text)
        within_limits(path, parsed, cut)
        if not parsed.posts:
            first = parsed.errors[0] if parsed.errors else None
            detail = f" ({first.where}: {first.message.rstrip('.')})" if first else ""
            raise ImportFailed(
                gettext(
                    "%(path)s: no post found; a post starts with its title, a blank line, and the "
                    "title again%(detail)s."
                )
                % {"path": path, "detail": detail}
            )
        return load.load(
            parsed, origin=Path(path).name, dry_run=dry_run, progress=step("importing")
        )
    except (WorkflowError, InputTooLarge, evidence_limits.TooLarge) as error:
        raise ImportFailed(f"{path}: {error}") from None
