"""Reading a free-text citation (a blog's "Source:" line) into structured reference fields.

Clinic blogs cite studies in whatever style the writer copied: Springer's
("Mesa Bedoya, L.E., … et al. Title. Stem Cell Res Ther 15, 146 (2024). https://doi.org/…"),
NLM/Vancouver ("Smith JA, Nicaise AM. Title. Front Cell Dev Biol. 2021;9:696434. doi:…"), APA-ish
with a quoted title, or given-first full names. `parse_reference` recognizes those shapes and
never guesses beyond them: a part it cannot read stays blank and the text is always kept in
`as_written`, so a reviewer can compare, and registry verification fills in the rest.

Pure functions: no database, no network. `evidence` owns reference formats and never imports
`articles`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from evidence.identifiers import (
    InvalidIdentifier,
    doi_from_url,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
)
from evidence.models import SourceKind


@dataclass
class ParsedReference:
    """What could be read from one free-text citation. Blank means "not found", never a guess."""

    as_written: str
    authors: list[dict[str, str]] = field(default_factory=list)  # [{"family", "given"}] in order
    authors_truncated: bool = False  # the list as written ends with "et al."
    title: str = ""
    journal: str = ""
    year: int | None = None
    volume: str = ""
    issue: str = ""
    pages: str = ""  # pages ("693-706") or an article number ("146")
    doi: str = ""  # normalized when well-formed; as found otherwise (see problems)
    pmid: str = ""
    pmcid: str = ""
    url: str = ""  # a publisher or web address; a doi.org link is kept as the DOI instead
    problems: list[str] = field(default_factory=list)

    @property
    def first_author_family(self) -> str:
        return self.authors[0]["family"] if self.authors else ""

    @property
    def is_study(self) -> bool:
        """It names a published work: an identifier, or authors with a title."""
        return bool(self.doi or self.pmid or self.pmcid or (self.authors and self.title))

    @property
    def kind(self) -> str:
        return guess_kind(self.title)

    def source_fields(self) -> dict[str, Any]:
        """Keyword arguments for `evidence.models.Source`, cut to the columns' lengths."""
        return {
            "kind": self.kind,
            "doi": self.doi[:255],
            "pmid": self.pmid,
            "pmcid": self.pmcid,
            "url": self.url if len(self.url) <= 500 else "",
            "title": self.title,
            "authors": self.authors,
            "authors_truncated": self.authors_truncated,
            "journal": self.journal[:300],
            "year": self.year,
            "volume": self.volume[:40],
            "issue": self.issue[:40],
            "pages": self.pages[:60],
            "as_written": self.as_written,
        }


def guess_kind(title: str) -> str:
    """The evidence kind when the title states it outright; otherwise a plain journal article.

    Only these two are safe to read from a title: "a phase II trial" may or may not have had a
    control group, and patients are shown the kind in plain words, so a wrong guess misleads."""
    lowered = title.lower()
    if "systematic review" in lowered or "meta-analysis" in lowered or "meta analysis" in lowered:
        return SourceKind.SYSTEMATIC_REVIEW
    if re.search(r"\brandomi[sz]ed\b", lowered) and "review" not in lowered:
        return SourceKind.RANDOMIZED_TRIAL
    return SourceKind.JOURNAL_ARTICLE


# --- Identifiers and links --------------------------------------------------------------------

_URL = re.compile(r"https?://[^\s<>\"“”]+", re.IGNORECASE)
# Labelled DOIs are taken even when malformed ("doi:10.12/x"), so the gate can say what is wrong.
_DOI_LABELLED = re.compile(r"\bdoi\s*:?\s*(10\.[^\s\"“”<>]+)", re.IGNORECASE)
_DOI_BARE = re.compile(r"(?<![\w/.])(10\.\d{4,9}/[^\s\"“”<>]+)")
_PMID = re.compile(r"\bPMID\s*:?\s*(\d{1,9})\b", re.IGNORECASE)
_PMCID = re.compile(r"\bPMCID\s*:?\s*(PMC\d{1,9})\b|\b(PMC\d{4,9})\b", re.IGNORECASE)
_DOI_HOSTS = {"doi.org", "dx.doi.org", "www.doi.org"}
# Dates and notes that NLM and web styles add after the reference proper.
_NOISE = (
    re.compile(
        r"\b(?:Published(?: online)?|Epub(?: ahead of print)?)\s*:?\s*\d{4}"
        r"(?:\s+[A-Z][a-z]{2,8}\.?)?(?:\s+\d{1,2})?\s*\.?",
    ),
    re.compile(r"\b(?:Accessed|Retrieved)\b[^.]*\.?", re.IGNORECASE),
    re.compile(r"\bAvailable\s+(?:at|from|online)\s*:?", re.IGNORECASE),
    re.compile(r"\[(?:Epub ahead of print|Internet)\]\.?", re.IGNORECASE),
)


def _trim_url(url: str) -> str:
    """A URL as written at the end of a sentence: drop the full stop, keep balanced brackets."""
    while url and url[-1] in ".,;:'\"”’]}>":
        url = url[:-1]
    while url.endswith(")") and url.count("(") < url.count(")"):
        url = url[:-1]
    return url


def _take_identifiers(text: str, ref: ParsedReference) -> str:
    """Fill DOI, PMID, PMCID and URL from `text`; return the text without them."""
    for match in list(_URL.finditer(text)):
        url = _trim_url(match.group(0))
        host = (urlsplit(url).hostname or "").lower()
        found = doi_from_url(url)
        if host in _DOI_HOSTS:
            # A doi.org link is the DOI itself; keeping it as `url` too would say it twice.
            if not ref.doi:
                if found:
                    ref.doi = found
                else:
                    ref.doi = url.split(".org/", 1)[-1]
                    ref.problems.append(f"“{url}” does not hold a well-formed DOI.")
        else:
            if not ref.url:
                ref.url = url
            if found and not ref.doi:
                ref.doi = found
        text = text.replace(match.group(0), " ")
    for pattern in (_DOI_LABELLED, _DOI_BARE):
        for match in list(pattern.finditer(text)):
            raw = match.group(1)
            if not ref.doi:
                try:
                    ref.doi = normalize_doi(raw)
                except InvalidIdentifier as error:
                    ref.doi = _trim_url(raw)
                    ref.problems.append(str(error))
            text = text.replace(match.group(0), " ")
    if match := _PMID.search(text):
        try:
            ref.pmid = normalize_pmid(match.group(1))
        except InvalidIdentifier as error:
            ref.problems.append(str(error))
        text = text.replace(match.group(0), " ")
    if match := _PMCID.search(text):
        try:
            ref.pmcid = normalize_pmcid(match.group(1) or match.group(2))
        except InvalidIdentifier as error:
            ref.problems.append(str(error))
        text = text.replace(match.group(0), " ")
    text = re.sub(r"\bdoi\s*:?\s*(?=[.\s]|$)", " ", text, flags=re.IGNORECASE)
    for noise in _NOISE:
        text = noise.sub(" ", text)
    return _squash(text)


# --- Authors ----------------------------------------------------------------------------------

_PARTICLES = frozenset(
    {
        "van", "von", "de", "del", "della", "der", "den", "di", "da", "das", "dos", "du", "la",
        "le", "ten", "ter", "al", "el", "bin", "ibn", "y",
    }
)  # fmt: skip
_ET_AL = re.compile(r",?\s*et\s+al\b\.?", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s*(?:,\s*(?:&|and)\s+|,\s*|\s+(?:&|and)\s+)")
# "Mesa Bedoya, L.E." / "Zhao, Y." / "Dupont, J.-P." (Springer, APA, Harvard)
_COMMA_INITIALS = re.compile(
    r"(?P<family>[^,.;:()&“”\"\d]+?),\s+(?P<given>[^\W\d_]\.(?:\s?-?\s?[^\W\d_]\.)*)"
)
# "Smith JA" / "Peruzzotti-Jametti L" (NLM, Vancouver)
_NLM = re.compile(r"(?P<family>[^,.;:()&“”\"\d]+?)\s(?P<given>[A-Z]{1,4})(?=[,.]|\s+et\s+al\b)")
# "Panayiota Petrou" / "Nour Eddine Yaghmour" / "John A. Smith" (given names first)
_NAME_WORD = r"(?!(?:and|et)\b)[^\W\d_][^\s,.;:()&“”\"]*"
_GIVEN_FIRST = re.compile(rf"(?P<name>(?:[^\W\d_]\.\s*|{_NAME_WORD}\s+){{1,4}}{_NAME_WORD})")


def _name_word_ok(word: str) -> bool:
    letters = word.replace("-", "").replace("'", "").replace("’", "").rstrip(".")
    return bool(letters) and letters.isalpha() and (word[0].isupper() or word in _PARTICLES)


def _family_ok(family: str) -> bool:
    words = family.split()
    return (
        1 <= len(words) <= 4
        and all(_name_word_ok(word) and not word.endswith(".") for word in words)
        and words[-1][0].isupper()
    )


def _dotted(initials: str) -> str:
    """NLM initials without stops ("JA") in the dotted form other styles use ("J.A.")."""
    return "".join(f"{letter}." for letter in initials)


def _authors_with(pattern: re.Pattern, text: str, build) -> tuple[list, bool, int] | None:
    """Read a list of authors of one shape from the start of `text`.

    Returns (authors, truncated, where the list ends), or None when the text does not start with
    such a list. A separator is only consumed when another author follows it, so the title
    after the list is never eaten."""
    authors: list[dict[str, str]] = []
    pos = 0
    while True:
        match = pattern.match(text, pos)
        author = build(match) if match else None
        if author is None:
            break
        authors.append(author)
        pos = match.end()
        if et_al := _ET_AL.match(text, pos):
            return authors, True, et_al.end()
        separator = _SEPARATOR.match(text, pos)
        if separator is None:
            break
        following = pattern.match(text, separator.end())
        if following is None or build(following) is None:
            break
        pos = separator.end()
    if not authors:
        return None
    return authors, False, pos


def _comma_initials(match: re.Match) -> dict[str, str] | None:
    family = match.group("family").strip()
    if not _family_ok(family):
        return None
    return {"family": family, "given": re.sub(r"\s+", "", match.group("given"))}


def _nlm(match: re.Match) -> dict[str, str] | None:
    family = match.group("family").strip()
    if not _family_ok(family):
        return None
    return {"family": family, "given": _dotted(match.group("given"))}


def _given_first(match: re.Match) -> dict[str, str] | None:
    words = match.group("name").split()
    if len(words) < 2 or not all(_name_word_ok(word) for word in words):
        return None
    if words[-1].endswith(".") or len(words[-1].rstrip(".")) < 2:
        return None  # the family name is a whole word, never an initial
    split = len(words) - 1
    while split > 1 and words[split - 1] in _PARTICLES:
        split -= 1  # "Ludwig van Beethoven": the particle belongs to the family name
    return {"family": " ".join(words[split:]), "given": " ".join(words[:split])}


def _read_authors(text: str) -> tuple[list[dict[str, str]], bool, str]:
    """(authors, truncated, the rest of the text). No recognizable list: ([], False, text)."""
    for pattern, build, needs_stop in (
        (_COMMA_INITIALS, _comma_initials, False),
        (_NLM, _nlm, True),
        (_GIVEN_FIRST, _given_first, True),
    ):
        found = _authors_with(pattern, text, build)
        if found is None:
            continue
        authors, truncated, end = found
        rest = text[end:]
        if not truncated and needs_stop:
            # NLM and given-first lists end with a full stop; without one this was not a list
            # of names but the start of a title ("Stem Cell Therapies for MS. …").
            stop = re.match(r"\s*\.(?:\s+|$)", rest)
            if stop is None:
                continue
            rest = rest[stop.end() :]
            if build is _given_first and len(authors) < 2:
                continue  # one "Two Words." is as likely a short title as a name
        return authors, truncated, rest.lstrip(" .,;")
    return [], False, text


# --- Title, journal and numbers ---------------------------------------------------------------

_QUOTED = re.compile(r"[“\"](?P<title>[^”\"]+)[”\"]")
_APA_YEAR = re.compile(r"^\(\s*(?P<year>(?:1[89]|20)\d{2})[a-z]?\s*\)\.?\s*")
_SENTENCE_END = re.compile(r"[.?!](?=\s+[\"“(\[\w])")
_YEAR = re.compile(r"(?<![\d./])((?:1[89]|20)\d{2})(?![\d/])")

_TAILS = (
    # NLM: "Front Cell Dev Biol. 2021;9:696434" / "Lancet. 2020 Mar 7;395(10226):795-808"
    re.compile(
        r"^(?P<journal>.+?)\.?\s+(?P<year>\d{4})(?:\s+[A-Z][a-z]{2,8}\.?(?:\s+\d{1,2})?)?\s*;\s*"
        r"(?P<volume>[^():;\s]+)?(?:\s*\((?P<issue>[^)]+)\))?(?:\s*:\s*(?P<pages>[^\s;,]+))?"
    ),
    # Springer: "Stem Cell Res Ther 15, 146 (2024)"
    re.compile(
        r"^(?P<journal>.+?),?\s+(?P<volume>\d+)(?:\s*\((?P<issue>[^)]+)\))?\s*,\s*"
        r"(?P<pages>[\w\-–—]+)\s*\((?P<year>\d{4})\)"
    ),
    # MDPI / IMR: "Front. Biosci. (Landmark Ed) 2021, 26(10), 693–706"
    re.compile(
        r"^(?P<journal>.+?),?\s+(?P<year>\d{4})\s*[,;]\s*(?P<volume>\d+)"
        r"(?:\s*\((?P<issue>[^)]+)\))?(?:\s*[,:]\s*(?P<pages>[\w\-–—]+))?"
    ),
    # "Stem Cell Research & Therapy, 2023" (before APA, whose volume would take the year)
    re.compile(r"^(?P<journal>.+?),?\s+(?P<year>(?:1[89]|20)\d{2})\s*$"),
    # APA: "Stem Cell Research & Therapy, 14(1), 301" (the year came earlier, in brackets)
    re.compile(
        r"^(?P<journal>[^,]+?),\s*(?P<volume>\d+)(?:\s*\((?P<issue>[^)]+)\))?"
        r"(?:\s*,\s*(?P<pages>[\w\-–—]+))?\s*$"
    ),
)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _split_title(text: str) -> tuple[str, str]:
    """The first sentence is the title (it may end in "?"), the rest the journal part."""
    match = _SENTENCE_END.search(text)
    if match is None:
        # No full stop after it: a bare title, like a reading-list entry ("Stem cells in MS:").
        return text.strip().rstrip(".:;,").strip(), ""
    title = text[: match.end()].strip()
    return title.rstrip(".").strip(), text[match.end() :].strip()


def _read_tail(tail: str, ref: ParsedReference) -> None:
    tail = tail.strip(" .,;")
    if not tail:
        return
    for pattern in _TAILS:
        match = pattern.match(tail)
        if match is None:
            continue
        parts = match.groupdict()
        journal = (parts.get("journal") or "").strip().rstrip(",").strip()
        if not journal or not re.search(r"[^\W\d_]", journal):
            continue
        ref.journal = journal
        if parts.get("year"):
            ref.year = int(parts["year"])
        ref.volume = (parts.get("volume") or "").strip()
        ref.issue = (parts.get("issue") or "").strip()
        # Crossref and PubMed write page ranges with a hyphen; so do we, to compare like with like.
        ref.pages = re.sub(r"[–—]", "-", (parts.get("pages") or "").strip())
        return
    # Something we do not recognize: keep the words before the first number as the journal.
    ref.journal = re.split(r"[\d(]", tail, maxsplit=1)[0].strip(" .,;:")


def parse_reference(text: str) -> ParsedReference:
    """Read one free-text citation. Never raises: what cannot be read stays blank.

    >>> ref = parse_reference("Smith JA, Nicaise AM. Stem cells. Front Cell Dev Biol. "
    ...                       "2021;9:696434. doi:10.3389/fcell.2021.696434")
    >>> ref.authors[0], ref.journal, ref.year, ref.volume, ref.pages, ref.doi
    ({'family': 'Smith', 'given': 'J.A.'}, 'Front Cell Dev Biol', 2021, '9', '696434', \
'10.3389/fcell.2021.696434')
    """
    as_written = _squash((text or "").replace("\u00a0", " "))
    ref = ParsedReference(as_written=as_written)
    if not as_written:
        ref.problems.append("The reference is empty.")
        return ref
    work = _take_identifiers(as_written, ref)

    quoted = _QUOTED.search(work)
    if quoted:
        ref.title = quoted.group("title").strip().rstrip(".,").strip()
        before, after = work[: quoted.start()], work[quoted.end() :]
        ref.authors, ref.authors_truncated, leftover = _read_authors(before.strip())
        if year := _APA_YEAR.search(leftover.strip()):
            ref.year = int(year.group("year"))
        tail = after.strip(" .,;")
    else:
        ref.authors, ref.authors_truncated, rest = _read_authors(work)
        if year := _APA_YEAR.match(rest):
            ref.year = int(year.group("year"))
            rest = rest[year.end() :]
        ref.title, tail = _split_title(rest)
    _read_tail(tail, ref)
    if ref.year is None and (year := _YEAR.search(work)):
        ref.year = int(year.group(1))

    if not ref.authors:
        ref.problems.append("No author list could be read.")
    if not ref.title:
        ref.problems.append("No title could be read.")
    if not (ref.doi or ref.pmid or ref.pmcid or ref.url):
        ref.problems.append("There is no DOI, PubMed ID or link to check it against.")
    return ref
