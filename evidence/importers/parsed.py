"""What the format modules (`bibtex`, `ris`, `csljson`) read a reference file into, and the text
helpers they share. Apart from the package's `__init__`, which calls the format modules, so
neither imports the other."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from evidence.models import SourceKind
from evidence.parsing import guess_kind


class UnreadableFile(Exception):
    """The file as a whole cannot be imported; the message is one line that names it."""


@dataclass
class ParsedEntry:
    """One reference as a format module read it.

    `label` names it in messages: its key (BibTeX key, RIS ID, CSL-JSON id) or its position
    ("entry 3 (line 40)"). `fields` holds Source fields as the file gives them (identifiers not
    yet normalized). `problem` is set when the entry could not be read at all."""

    label: str
    fields: dict[str, Any] = field(default_factory=dict)
    as_written: str = ""
    problem: str = ""
    # What the reader had to guess or leave out while the entry was still imported.
    warnings: list[str] = field(default_factory=list)


# --- Text helpers shared by the format modules --------------------------------------------------

_SPACE = re.compile(r"\s+")
_YEAR = re.compile(r"(?<![0-9])(1[5-9][0-9]{2}|20[0-9]{2}|21[0-9]{2})(?![0-9])")
_ET_AL = re.compile(r"^(?:et\.?\s*al\.?|others|and others)$", re.IGNORECASE)
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")


def squash(value: Any) -> str:
    """A field value as one line of text: whitespace collapsed, ends trimmed."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    return _SPACE.sub(" ", str(value)).strip()


def clean_title(value: Any) -> str:
    # MEDLINE and many exports end every title with a full stop that is not part of the title;
    # the reference style adds its own. "?" and "..." are kept.
    title = squash(value)
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1].rstrip()
    return title


def year_from(value: Any) -> int | None:
    """The first plausible year in "2021", "2021 Jun 15", "2021/03/01/", "[2021]"."""
    found = _YEAR.search(squash(value))
    return int(found.group(1)) if found else None


def is_et_al(name: str) -> bool:
    return bool(_ET_AL.match(squash(name)))


def person(family: str, given: str = "", suffix: str = "") -> dict[str, str]:
    """A name as sources store it; "suffix" (Jr., III) only when there is one."""
    name = {"family": squash(family), "given": squash(given)}
    if squash(suffix):
        name["suffix"] = squash(suffix)
    return name


_SUFFIX = re.compile(r"^(?:jr|sr|[ivx]{1,4}|2nd|3rd|[4-9]th)\.?$", re.IGNORECASE)


def is_suffix(text: str) -> bool:
    """ "Jr.", "Sr", "III": the generational suffix of a name, not a given name."""
    return bool(_SUFFIX.match(squash(text)))


def name_from_text(text: str) -> dict[str, str] | None:
    """A name as RIS and MEDLINE write it: "Family, Given", "Family GA" or an organization."""
    text = squash(text).strip(",;")
    if not text:
        return None
    if "," in text:
        # "Fulton, James E., Jr." (RIS) and "Fulton, James E, Jr" are family, given, suffix.
        family, *rest = [part.strip() for part in text.split(",")]
        suffix = rest.pop() if len(rest) > 1 and is_suffix(rest[-1]) else ""
        return person(family, " ".join(rest).strip(" ,"), suffix)
    words = text.split(" ")
    if len(words) > 1 and _INITIALS.match(words[-1]):
        return person(" ".join(words[:-1]), words[-1])
    # No comma and no initials: an organization ("World Health Organization"), kept whole.
    return person(text)


def editors_from(names: Iterable[str]) -> list[dict[str, str]]:
    """Editors' names (no "et al." bookkeeping: a reference prints them all)."""
    return authors_from(names)[0]


def accessed_date(value: Any) -> datetime.date | None:
    """The day a web page was read: "2024-03-05", "2024/03/05/", "2024 Mar 5", "March 5, 2024",
    "5 March 2024"; None when the text is not a whole date."""
    text = squash(value).strip(" /.")
    text = (
        re.sub(r"[/.]", "-", text)
        if re.fullmatch(r"[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}", text)
        else text
    )
    for pattern in (
        "%Y-%m-%d",
        "%Y %b %d",
        "%Y %B %d",
        "%B %d, %Y",
        "%b %d, %Y",
        "%d %B %Y",
        "%d %b %Y",
    ):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def authors_from(names: Iterable[str]) -> tuple[list[dict[str, str]], bool]:
    """Names → (authors, truncated); an "et al." or "others" name ends the list."""
    authors: list[dict[str, str]] = []
    truncated = False
    for name in names:
        if is_et_al(name):
            truncated = True
            continue
        parsed = name_from_text(name)
        if parsed:
            authors.append(parsed)
    return authors, truncated


def kind_from_title(title: str) -> str:
    """The evidence kind when the title states it outright; otherwise "" (no opinion).

    A patient is shown the kind in plain words, so only a title that names the design counts;
    `guess_kind` holds those rules."""
    kind = guess_kind(title)
    return "" if kind == SourceKind.JOURNAL_ARTICLE else kind


# MEDLINE publication types (and the same words in other formats' type fields), strongest
# design first: a meta-analysis of randomized trials carries both types and is a review.
_PUBLICATION_TYPES = (
    (("systematic review", "meta-analysis"), SourceKind.SYSTEMATIC_REVIEW),
    (("practice guideline", "guideline", "consensus development conference"), SourceKind.GUIDELINE),
    (("randomized controlled trial", "equivalence trial", "pragmatic clinical trial"),
     SourceKind.RANDOMIZED_TRIAL),
    (("observational study",), SourceKind.OBSERVATIONAL),
    (("case reports",), SourceKind.CASE_SERIES),
)  # fmt: skip


def kind_from_publication_types(types: Iterable[str], mesh: Iterable[str] = ()) -> str:
    """SourceKind for MEDLINE publication types (PT) and MeSH headings (MH); "" if none apply.

    "Clinical Trial, Phase II" and the like say nothing about a control group, so they give no
    kind. A study indexed with the MeSH check tag "Animals" but not "Humans" is preclinical; that
    is how PubMed's own species filter reads the tags."""
    lowered = {squash(t).lower() for t in types}
    for names, kind in _PUBLICATION_TYPES:
        if any(name in lowered or f"{name}, veterinary" in lowered for name in names):
            return kind
    headings = {squash(h).lower().lstrip("*").split("/")[0] for h in mesh}
    if "animals" in headings and "humans" not in headings:
        return SourceKind.PRECLINICAL
    return ""


def fold(text: Any) -> str:
    """Text compared the way a reader would: case, accents, punctuation and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", squash(text))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"[^\W_]+", stripped))
