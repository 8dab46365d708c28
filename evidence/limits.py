"""Limits on what enters as a source or an import file, each a setting (see README, "Limits").

Every path that makes or changes a source asks `source_problems` (the reference importers,
the Source admin form through `Source.clean`, `Source.save` as the last guard) and a registry
answer is held to the same lengths (`evidence.registry`). Import files are measured before they
are read (`file_size_problem`) and read no further than their limit (`read_at_most`), so a
200 MB file costs neither the time nor the memory of reading it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings

AUTHOR_NAME_MAX = 200  # characters of a family or given name
# A JSON string (skipped whole, escapes included) or a bracket.
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


class TooLarge(ValueError):
    """Over a limit; the message is one line that says which and by how much."""


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"


def file_size_problem(path: Path, max_bytes: int, setting: str) -> str:
    """Why a file is too large to import, or "" if it is not (or its size cannot be known)."""
    try:
        size = path.stat().st_size
    except OSError:
        return ""  # the reader says what is wrong with a file it cannot open
    if size > max_bytes:
        return (
            f"is {megabytes(size)}; files up to {megabytes(max_bytes)} are imported "
            f"(the {setting} setting). Split it into smaller files."
        )
    return ""


def read_at_most(path: Path, max_bytes: int, setting: str) -> bytes:
    """The file's bytes; TooLarge once more than `max_bytes` arrive (a file that grew, or a
    device such as /dev/zero whose size says nothing)."""
    with path.open("rb") as file:
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLarge(
            f"is larger than {megabytes(max_bytes)}, the most that is imported (the {setting} "
            "setting). Split it into smaller files."
        )
    return data


def json_depth(text: str, limit: int) -> int:
    """How deeply JSON text nests lists and objects, counted up to `limit + 1`: one pass over
    the brackets, strings skipped, so it is safe before `json.loads` (which recurses)."""
    depth = deepest = 0
    for token in _JSON_TOKENS.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                break
        elif char in "]}":
            depth -= 1
    return deepest


def json_depth_problem(text: str, limit: int) -> str:
    """Why an import file's JSON nests too deeply, or "" if it does not."""
    if json_depth(text, limit) > limit:
        return (
            f"nests lists and objects more than {limit} levels deep (the IMPORT_MAX_DEPTH "
            "setting); CSL-JSON needs about five."
        )
    return ""


def source_problems(values: Mapping[str, Any]) -> dict[str, str]:
    """{field: message} for each source field over its limit; the unbounded fields only (the
    others are limited by their database columns)."""
    problems: dict[str, str] = {}
    title = values.get("title") or ""
    if isinstance(title, str) and len(title) > settings.SOURCE_TITLE_MAX:
        problems["title"] = (
            f"The title is {len(title):,} characters long; a source's title holds at most "
            f"{settings.SOURCE_TITLE_MAX:,}."
        )
    written = values.get("as_written") or ""
    if isinstance(written, str) and len(written) > settings.SOURCE_AS_WRITTEN_MAX:
        problems["as_written"] = (
            f"The reference as written is {len(written):,} characters long; at most "
            f"{settings.SOURCE_AS_WRITTEN_MAX:,} are kept."
        )
    authors = values.get("authors") or []
    if isinstance(authors, list):
        if len(authors) > settings.SOURCE_MAX_AUTHORS:
            problems["authors"] = (
                f"It lists {len(authors):,} authors; a source lists at most "
                f"{settings.SOURCE_MAX_AUTHORS:,} (mark the list as truncated, “et al.”)."
            )
        else:
            longest = max(
                (
                    len(part)
                    for author in authors
                    if isinstance(author, dict)
                    for part in author.values()
                    if isinstance(part, str)
                ),
                default=0,
            )
            if longest > AUTHOR_NAME_MAX:
                problems["authors"] = (
                    f"An author's name is {longest:,} characters long; at most "
                    f"{AUTHOR_NAME_MAX} are allowed."
                )
    return problems


def check_source(values: Mapping[str, Any]) -> None:
    """TooLarge with the first problem `source_problems` finds."""
    if problems := source_problems(values):
        raise TooLarge(next(iter(problems.values())))
