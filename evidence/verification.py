"""Checking sources against the registries: does the reference as written describe the work its
DOI or PMID names, and has that work been retracted?

`assess` is the judgement (pure: a source and the registries' answers in, a status and the
differences out); `verify_sources` fetches, judges and saves; `recheck_due` is the periodic
retraction re-check behind `run_jobs`.

The comparison forgives how references are usually written (accents, case and punctuation,
initials for given names, hyphenated or split compound surnames, "et al.", journal
abbreviations, British spellings) and nothing that changes which work is meant.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from evidence.models import Source, VerificationStatus, author_name
from evidence.registry import (
    CROSSREF,
    FOUND,
    NOT_FOUND,
    PUBMED,
    UNREACHABLE,
    Lookup,
    RegistryClient,
    RegistryRecord,
)
from evidence.signals import retraction_changed

log = logging.getLogger(__name__)

# How many sources one run_jobs pass re-checks at most (oldest check first), so a cron run stays
# short and a backlog drains over a few runs.
RECHECK_BATCH = 200
# Changes the registry's answer reads and records, and nothing else.
SAVED_FIELDS = [
    "verification_status",
    "verification_details",
    "verified_at",
    "retracted",
    "retraction_notice",
    "registry_metadata",
    "metadata_fetched_at",
]


# --- Folding text for comparison -------------------------------------------------------------

# Letters NFKD does not decompose into a base letter and an accent.
_LETTERS = str.maketrans(
    {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L",
     "đ": "d", "Đ": "D", "ı": "i", "ß": "ss", "þ": "th", "ð": "d"}
)  # fmt: skip
_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "κ": "kappa", "μ": "mu"}
# British and American spellings of the same title ("randomised", "paediatric", "tumour").
_SPELLING = [
    (re.compile(r"z"), "s"),
    (re.compile(r"our"), "or"),
    (re.compile(r"ae"), "e"),
    (re.compile(r"oe"), "e"),
    (re.compile(r"tre\b"), "ter"),
]


def strip_accents(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text or "").translate(_LETTERS))
    return "".join(c for c in text if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower case, no accents, markup, punctuation or extra spaces: "Mesa-Bedoya, L.É." →
    "mesa bedoya l e"."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", str(text or "")))
    text = strip_accents(text).casefold()
    for letter, name in _GREEK.items():
        text = text.replace(letter, f" {name} ")
    return " ".join(re.findall(r"[^\W_]+", text))


def title_key(title: str) -> str:
    """Two titles are the same when these are equal: spacing and hyphenation ("meta-analysis",
    "meta analysis") and spelling variants aside, every word must be the same."""
    text = fold(title)
    text = re.sub(r"^retracted(?: article)? ", "", text)
    for pattern, replacement in _SPELLING:
        text = pattern.sub(replacement, text)
    return text.replace(" ", "")


# --- Journals ----------------------------------------------------------------------------------

# ISO 4 leaves out articles, prepositions and conjunctions when abbreviating a journal name.
# ("a" stays: it is the A of "Proc Natl Acad Sci U S A".)
_JOURNAL_SKIP = {"the", "of", "and", "in", "for", "on", "de", "la", "le", "und", "et"}


# Words that mark an edition, volume or medium of a journal rather than name it: NLM writes
# "Front Biosci (Landmark Ed)" for "Frontiers in Bioscience-Landmark", and "J Bone Joint Surg Am"
# for "The Journal of Bone and Joint Surgery. American Volume".
_SERIES_MARKERS = {"ed", "edition", "volume", "vol", "series", "ser", "online", "print", "internet"}
_PARENTHETICAL = re.compile(r"\(([^()]*)\)")


def _journal_words(name: str) -> list[str]:
    return [w for w in fold(name).split() if w not in _JOURNAL_SKIP]


def _journal_variants(name: str) -> list[list[str]]:
    """The name's words with a parenthetical read as part of the name ("(Landmark Ed)": a
    sub-series) and without it ("Medicine (Baltimore)": a place), edition and medium markers
    left out after the first word."""
    variants: list[list[str]] = []
    for text in (_PARENTHETICAL.sub(r" \1 ", name), _PARENTHETICAL.sub(" ", name)):
        words = _journal_words(text)
        words = words[:1] + [w for w in words[1:] if w not in _SERIES_MARKERS]
        if words and words not in variants:
            variants.append(words)
    return variants


def _same_journal_words(a: list[str], b: list[str]) -> bool:
    if "".join(a) == "".join(b):
        return True
    return len(a) == len(b) and all(
        _abbreviates(x, y) or _abbreviates(y, x) for x, y in zip(a, b, strict=True)
    )


def _abbreviates(short: str, full: str) -> bool:
    """Same first letter, then the letters in order: "res" → "research", "natl" → "national"."""
    if short[0] != full[0] or len(short) > len(full):
        return False
    letters = iter(full)
    return all(c in letters for c in short)


def journals_match(written: str, registered: str) -> bool:
    """Whether two names are the same journal, in full or abbreviated (NLM or ISO 4): "Stem Cell
    Res Ther" is "Stem Cell Research & Therapy", "Front. Biosci. (Landmark Ed)" is "Frontiers in
    Bioscience-Landmark"; "Cell Rep" is not "Cell Research"."""
    return any(
        _same_journal_words(a, b)
        for a in _journal_variants(written)
        for b in _journal_variants(registered)
    )


def issns_overlap(written: str, registered: Iterable[str]) -> bool:
    """The source's ISSNs ("1093-9946 1093-4715") share one with the registry's."""
    mine = {i.replace("-", "").upper() for i in str(written or "").split()}
    return bool(mine & {str(i).replace("-", "").upper() for i in registered})


# --- Authors -----------------------------------------------------------------------------------


def _given_parts(given: str) -> list[tuple[str, bool]]:
    """("l", True), ("e", True) for "L.E.", "L. E." or "LE"; ("luz", False), ("elena", False)
    for "Luz Elena". The flag says whether the part is only an initial."""
    text = strip_accents(given).strip()
    compact = re.sub(r"[\s.]", "", text)
    # PubMed and Vancouver style run initials together: "JA", "LE".
    if compact.isalpha() and compact.isupper() and len(compact) <= 3:
        return [(c.lower(), True) for c in compact]
    return [(t.casefold(), len(t) == 1) for t in re.findall(r"[^\W\d_]+", text)]


def _given_matches(written: str, registered: str) -> bool:
    a, b = _given_parts(written), _given_parts(registered)
    if not a or not b:
        return True  # one side names only the family; nothing to contradict
    ia, ib = "".join(p[0][0] for p in a), "".join(p[0][0] for p in b)
    if not (ia.startswith(ib) or ib.startswith(ia)):
        return False
    (first_a, initial_a), (first_b, initial_b) = a[0], b[0]
    if initial_a or initial_b:
        return True
    return first_a.startswith(first_b) or first_b.startswith(first_a)


def author_matches(written: dict[str, str], registered: dict[str, str]) -> bool:
    wf, rf = fold(author_name(written)).split(), fold(author_name(registered)).split()
    if not wf or not rf:
        return False
    if "".join(wf) == "".join(rf):  # "Mesa Bedoya" = "Mesa-Bedoya" = "MesaBedoya"
        return _given_matches(written.get("given", ""), registered.get("given", ""))
    # A compound surname split elsewhere between family and given names ("Mesa Bedoya", "L.E."
    # against "Bedoya", "Luz Elena Mesa"): each side's family name is within the other's name.
    w_all = set(wf) | set(fold(written.get("given", "")).split())
    r_all = set(rf) | set(fold(registered.get("given", "")).split())
    return set(wf) <= r_all and set(rf) <= w_all


def is_incomplete_list(
    written: Sequence[dict[str, str]], truncated: bool, registered: Sequence[dict[str, str]]
) -> bool:
    """The written list is the registry's first names, in order, and stops without "et al.":
    right as far as it goes, but not the whole list."""
    return (
        not truncated
        and 0 < len(written) < len(registered)
        and all(author_matches(w, r) for w, r in zip(written, registered, strict=False))
    )


def authors_match(
    written: Sequence[dict[str, str]], truncated: bool, registered: Sequence[dict[str, str]]
) -> bool:
    """Same people in the same order. With "et al." only the names listed are compared."""
    if len(written) > len(registered) or (not truncated and len(written) != len(registered)):
        return False
    return all(author_matches(w, r) for w, r in zip(written, registered, strict=False))


def format_authors(authors: Sequence[dict[str, str]], et_al: bool = False) -> str:
    """Vancouver style: "Lu W, Qu J et al."."""
    names = []
    for a in authors:
        initials = "".join(p[0][0] for p in _given_parts(a.get("given", ""))).upper()
        names.append(f"{a.get('family', '')} {initials}".strip())
    return ", ".join(names) + (" et al." if et_al else "")


# --- The judgement -----------------------------------------------------------------------------


def _difference(field_name: str, written: Any, registry: Any) -> dict[str, str]:
    return {"field": field_name, "written": str(written), "registry": str(registry)}


# `problem` of a detail that is not a mismatch: the author list is right but stops early. The
# source stays verified, and the gate warns (`incomplete-authors`) until the list is completed
# (`apply_registry_details`) or ends with "et al.".
INCOMPLETE = "incomplete"


def is_incomplete_detail(detail: Any) -> bool:
    return isinstance(detail, dict) and detail.get("problem") == INCOMPLETE


def mismatches(details: Iterable[Any]) -> list[Any]:
    """The details that are real differences (everything but an incomplete author list)."""
    return [d for d in details or [] if not is_incomplete_detail(d)]


def _title_difference(source: Source, records: Sequence[RegistryRecord]) -> dict | None:
    titled = [r for r in records if r.title]
    if not source.title.strip() or not titled:
        return None
    if title_key(source.title) in {title_key(r.title) for r in titled}:
        return None
    return _difference("title", source.title, titled[0].title)


def _authors_difference(source: Source, records: Sequence[RegistryRecord]) -> dict | None:
    listed = [r.authors for r in records if r.authors]
    if not source.authors or not listed:
        return None
    if any(authors_match(source.authors, source.authors_truncated, a) for a in listed):
        return None
    complete = next(
        (a for a in listed if is_incomplete_list(source.authors, source.authors_truncated, a)),
        None,
    )
    if complete is not None:
        return {
            **_difference(
                "authors",
                format_authors(source.authors),
                format_authors(complete),
            ),
            "problem": INCOMPLETE,
            "listed": str(len(source.authors)),
            "registered": str(len(complete)),
        }
    # Against "et al." show as many registered names as were written.
    shown = listed[0][: len(source.authors)] if source.authors_truncated else listed[0]
    return _difference(
        "authors",
        format_authors(source.authors, source.authors_truncated),
        format_authors(shown, len(shown) < len(listed[0])),
    )


def _journal_difference(source: Source, records: Sequence[RegistryRecord]) -> dict | None:
    named = [r for r in records if r.journal or r.journal_short]
    if not source.journal.strip() or not named:
        return None
    if source.issn and any(issns_overlap(source.issn, r.issns) for r in named):
        return None  # the same ISSN is the same journal, however its name is written
    names = [n for r in named for n in (r.journal, r.journal_short) if n]
    if any(journals_match(source.journal, n) for n in names):
        return None
    first = named[0]
    shown = first.journal or first.journal_short
    if first.journal and first.journal_short:
        shown = f"{first.journal} ({first.journal_short})"
    return _difference("journal", source.journal, shown)


def _year_difference(source: Source, records: Sequence[RegistryRecord]) -> dict | None:
    dated = [r for r in records if r.year]
    years = {y for r in dated for y in [r.year, *r.other_years]}
    if not source.year or not dated or source.year in years:
        return None
    return _difference("year", source.year, dated[0].year)


def compare(source: Source, records: Sequence[RegistryRecord]) -> list[dict[str, str]]:
    """How the source as written differs from the registry records of its DOI/PMID: authors
    (in order), title, journal and year. A field agrees when it matches any of the records
    (Crossref may hold the online year and PubMed the print year); the value reported is the
    first record's. A field either side leaves empty is not compared."""
    checks = (_authors_difference, _title_difference, _journal_difference, _year_difference)
    return [d for check in checks if (d := check(source, records)) is not None]


@dataclass
class Assessment:
    status: str
    details: list[dict[str, str]]
    records: list[RegistryRecord] = field(default_factory=list)
    retracted: bool | None = None  # None: not known (a registry could not be asked)
    retraction_notice: str = ""


def _identifier_field(lookup: Lookup) -> str:
    return "doi" if lookup.registry == CROSSREF else "pmid"


def assess(source: Source, lookups: Sequence[Lookup]) -> Assessment:
    """The status of `source` given the registries' answers about its DOI and PMID."""
    records = [lookup.record for lookup in lookups if lookup.status == FOUND and lookup.record]
    reachable = all(lookup.status != UNREACHABLE for lookup in lookups)
    if not records:
        details = [_difference(_identifier_field(x), x.identifier, x.reason) for x in lookups]
        status = VerificationStatus.NOT_FOUND if reachable else VerificationStatus.UNREACHABLE
        return Assessment(status, details)

    details = compare(source, records)
    by_registry = {r.registry: r for r in records}
    pubmed = by_registry.get(PUBMED)
    for lookup in lookups:
        if lookup.status != NOT_FOUND:
            continue
        # A DOI registered with another agency (DataCite, JaLC, mEDRA) is unknown to Crossref;
        # PubMed listing the same DOI for the same PMID vouches for it.
        if lookup.registry == CROSSREF and pubmed and pubmed.doi == source.doi.lower():
            continue
        details.append(_difference(_identifier_field(lookup), lookup.identifier, lookup.reason))
    if pubmed and source.doi and pubmed.doi and pubmed.doi != source.doi.lower():
        details.append(
            _difference("pmid", source.pmid, f"PubMed {pubmed.pmid} is DOI {pubmed.doi}")
        )

    retracted_records = [r for r in records if r.retracted]
    if retracted_records:
        retracted, notice = True, retracted_records[0].retraction_notice
    elif reachable:
        retracted, notice = False, ""
    else:  # the registry that could not be asked may be the one that knows
        retracted, notice = None, source.retraction_notice
    if retracted or (retracted is None and source.retracted):
        status = VerificationStatus.RETRACTED
        details.insert(0, _difference("retraction", "", notice))
    elif mismatches(details):
        status = VerificationStatus.MISMATCH
    else:
        status = VerificationStatus.VERIFIED  # perhaps with an incomplete author list noted
    return Assessment(status, details, records, retracted, notice)


# --- Verifying and saving ----------------------------------------------------------------------


@dataclass
class Outcome:
    source: int
    doi: str
    pmid: str
    status: str
    details: list[dict[str, str]]
    newly_retracted: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "doi": self.doi,
            "pmid": self.pmid,
            "status": self.status,
            "details": self.details,
        }


def _cached_records(source: Source) -> dict[str, RegistryRecord]:
    """The cached registry records that are still about the source's current identifiers."""
    cached = {}
    for registry, data in (source.registry_metadata or {}).items():
        try:
            record = RegistryRecord.from_dict(data)
        except TypeError:
            continue
        if (registry == CROSSREF and source.doi and record.doi == source.doi.lower()) or (
            registry == PUBMED and source.pmid and record.pmid == source.pmid
        ):
            cached[registry] = record
    return cached


def _save(source: Source, lookups: Sequence[Lookup], now: datetime) -> Outcome:
    """Judge and record under the row lock, against the row as it is now (a writer may have
    corrected the title while the registries were being asked)."""
    with transaction.atomic():
        row = Source.objects.select_for_update().filter(pk=source.pk).first()
        if row is None or (row.doi, row.pmid) != (source.doi, source.pmid):
            # Deleted, or its identifiers changed meanwhile: these answers are about another work.
            log.info("Source %s changed while it was being verified; not saved", source.pk)
            judged = assess(source, lookups)
            return Outcome(source.pk, source.doi, source.pmid, judged.status, judged.details)
        judged = assess(row, lookups)
        was_retracted = row.retracted
        if judged.records:
            row.registry_metadata = {
                **{k: v.as_dict() for k, v in _cached_records(row).items()},
                **{r.registry: r.as_dict() for r in judged.records},
            }
            row.metadata_fetched_at = now
        if judged.retracted is not None:
            row.retracted = judged.retracted
            row.retraction_notice = judged.retraction_notice[:500]
        # An outage must not erase what a registry said last time: a source that was verified
        # (or found mismatched) keeps that status and its date, so the next re-check retries.
        keeps_last_answer = judged.status == VerificationStatus.UNREACHABLE and (
            row.verification_status
            not in (VerificationStatus.UNVERIFIED, VerificationStatus.UNREACHABLE)
        )
        if not keeps_last_answer:
            row.verification_status = judged.status
            row.verification_details = judged.details
            if judged.status != VerificationStatus.UNREACHABLE:
                row.verified_at = now
        row.save(update_fields=SAVED_FIELDS)
        if row.retracted != was_retracted:
            retraction_changed.send(Source, source=row)
    return Outcome(
        row.pk,
        row.doi,
        row.pmid,
        judged.status,
        judged.details,
        newly_retracted=row.retracted and not was_retracted,
    )


def verify_sources(
    sources: Iterable[Source],
    *,
    client: RegistryClient | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Outcome]:
    """Check each source with a DOI or PMID against Crossref and PubMed and save the result.

    Lookups run concurrently on the client's worker threads; judging and saving happen on this
    thread (database connections are per thread), each source as soon as its answers are in.
    Registry failures never raise: they come back as `unreachable`. Raises `RegistryConfigError`
    (before any request) when a registry address in the settings cannot be used."""
    checkable = [s for s in sources if s.doi or s.pmid]
    total = len(checkable)
    if progress:
        progress(0, total)
    if not checkable:
        return []
    own_client = client is None
    client = client or RegistryClient()
    try:
        pending = client.start(
            (s.doi for s in checkable if s.doi), (s.pmid for s in checkable if s.pmid)
        )
        waiting_on = {i: pending.futures_for(s.doi, s.pmid) for i, s in enumerate(checkable)}
        sources_of: dict[Any, list[int]] = {}
        for i, futures in waiting_on.items():
            for future in futures:
                sources_of.setdefault(future, []).append(i)
        outcomes = []
        now = timezone.now()
        for future in as_completed(sources_of):
            for i in sources_of[future]:
                waiting_on[i].discard(future)
                if waiting_on[i]:
                    continue
                source = checkable[i]
                outcomes.append(_save(source, pending.for_source(source.doi, source.pmid), now))
                if progress:
                    progress(len(outcomes), total)
    finally:
        if own_client:
            client.close()
    return sorted(outcomes, key=lambda o: o.source)


def verify_source(source: Source, *, client: RegistryClient | None = None) -> Outcome | None:
    """One source; None if it has neither DOI nor PMID."""
    outcomes = verify_sources([source], client=client)
    if outcomes:
        source.refresh_from_db(fields=SAVED_FIELDS)
    return outcomes[0] if outcomes else None


def due_for_recheck(
    now: datetime | None = None, *, every: timedelta | None = None, limit: int = RECHECK_BATCH
):
    """Sources to ask the registries about again: checked more than `every` ago (default
    RETRACTION_RECHECK_DAYS), never checked, or whose registry could not be reached. A retracted
    source is asked again only once an identifier edit has put it back to unchecked."""
    now = now or timezone.now()
    if every is None:
        every = timedelta(days=settings.RETRACTION_RECHECK_DAYS)
    return (
        Source.objects.with_identifier()
        .filter(Q(retracted=False) | Q(verified_at__isnull=True))
        .filter(
            Q(verified_at__lt=now - every)
            | Q(verified_at__isnull=True)
            | Q(verification_status=VerificationStatus.UNREACHABLE)
        )
        .order_by(F("verified_at").asc(nulls_first=True), "pk")[:limit]
    )


def recheck_due(
    now: datetime | None = None,
    *,
    every: timedelta | None = None,
    client: RegistryClient | None = None,
    limit: int = RECHECK_BATCH,
) -> list[Source]:
    """Re-verify the sources `due_for_recheck` names; return those that are newly retracted.
    A source is reported as newly retracted by exactly one run, because the flag is read and set
    under its row lock."""
    outcomes = verify_sources(due_for_recheck(now, every=every, limit=limit), client=client)
    newly = [o.source for o in outcomes if o.newly_retracted]
    return list(Source.objects.filter(pk__in=newly).order_by("pk")) if newly else []


def reassess_from_cache(source: Source, *, identifiers_changed: bool) -> None:
    """Re-judge an edited source against the registry records already cached, without asking
    the registries (for the admin's save). Changes the instance; the caller saves it.

    If its DOI or PMID changed, the cached answers are about another work: the source goes back
    to unverified until it is checked again. A retraction stays: only a registry's answer clears
    it, or changing an identifier back and forth would un-retract a study."""
    if identifiers_changed:
        source.verification_status = (
            VerificationStatus.RETRACTED if source.retracted else VerificationStatus.UNVERIFIED
        )
        source.verification_details = []
        source.verified_at = None
        source.registry_metadata = {}
        source.metadata_fetched_at = None
        return
    cached = _cached_records(source)
    if not cached:
        return  # nothing was found last time, and nothing about that has changed
    lookups = [
        Lookup(registry, record.doi if registry == CROSSREF else record.pmid, FOUND, record)
        for registry, record in cached.items()
    ]
    judged = assess(source, lookups)
    # What the last check said about an identifier no record is cached for ("not in PubMed")
    # still stands.
    for detail in source.verification_details or []:
        if detail.get("field") in ("doi", "pmid") and detail not in judged.details:
            judged.details.append(detail)
    if judged.status == VerificationStatus.VERIFIED and mismatches(judged.details):
        judged.status = VerificationStatus.MISMATCH
    source.verification_status = judged.status
    source.verification_details = judged.details
    if judged.retracted is not None:
        source.retracted = judged.retracted
        source.retraction_notice = judged.retraction_notice[:500]


# --- Taking the registry's details ---------------------------------------------------------------

# What a source takes from the registry record: everything `compare` judges, and the rest of
# what a reference list prints.
REGISTRY_FIELDS = ("authors", "title", "journal", "year", "volume", "issue", "pages", "issn")


def registry_record(source: Source) -> RegistryRecord | None:
    """The cached registry record the source would take its details from: Crossref's (it has
    whole given names) before PubMed's; None if it was never found."""
    cached = _cached_records(source)
    return cached.get(CROSSREF) or cached.get(PUBMED)


def apply_registry_details(source: Source, record: RegistryRecord | None = None) -> list[str]:
    """Make the source say what its registry record says, in one step: the whole author list
    (an incomplete list completed, "et al." cleared), title, journal (the abbreviation AMA
    prints, when the registry gives one), year, volume, issue, pages and ISSN. Only fields the
    record has are taken. The source is then judged again against its cached records and saved
    under its row lock. Returns the names of the fields that changed ([] when nothing did, or
    when there is no record). Identifiers are never changed, so the record stays its own."""
    with transaction.atomic():
        row = Source.objects.select_for_update().get(pk=source.pk)
        record = record or registry_record(row)
        if record is None:
            return []
        offered = {
            "authors": [
                {"family": a["family"], "given": a.get("given", "")} for a in record.authors
            ],
            "title": record.title,
            "journal": record.journal_short or record.journal,
            "year": record.year,
            "volume": record.volume,
            "issue": record.issue,
            "pages": record.pages,
            "issn": " ".join(record.issns),
        }
        # A field that already agrees is left as the writer wrote it ("Front Cell Dev Biol" is
        # not rewritten "Front. Cell Dev. Biol.").
        agrees = {
            "authors": lambda: (
                not row.authors_truncated and authors_match(row.authors, False, offered["authors"])
            ),
            "title": lambda: title_key(row.title) == title_key(offered["title"]),
            "journal": lambda: any(
                journals_match(row.journal, n) for n in (record.journal, record.journal_short) if n
            ),
        }
        changed = [
            name
            for name in REGISTRY_FIELDS
            if offered[name]
            and not agrees.get(name, lambda name=name: getattr(row, name) == offered[name])()
        ]
        if not changed:
            return []
        for name in changed:
            setattr(row, name, offered[name])
        if "authors" in changed:
            row.authors_truncated = False
        reassess_from_cache(row, identifiers_changed=False)
        row.save()
    source.refresh_from_db()
    return changed
