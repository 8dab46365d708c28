"""The source library as writers use it: finding a source, adding one by its DOI or PubMed ID,
entering authors as plain lines, and taking a registry's details.

Who may do what is decided here (`may_search`, `may_add`, `may_change`), from the model
permissions the roles grant, so the views that call these functions never decide it themselves.
This module knows nothing of articles: it hands back sources, and the articles app cites them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from evidence.identifiers import InvalidIdentifier, normalize_doi, normalize_pmid
from evidence.limits import AUTHOR_NAME_MAX
from evidence.models import Source, SourceKind, VerificationStatus
from evidence.references import format_reference
from evidence.registry import (
    CROSSREF,
    FOUND,
    NOT_FOUND,
    PUBMED,
    REGISTRY_NAMES,
    RegistryClient,
    RegistryConfigError,
    RegistryRecord,
)
from evidence.verification import _cached_records, reassess_from_cache

SEARCH_LIMIT = 20


# --- Who may -------------------------------------------------------------------------------------


def may_search(user) -> bool:
    """Staff who may see sources may search the library."""
    return bool(user and user.is_active and user.is_staff and user.has_perm("evidence.view_source"))


def may_add(user) -> bool:
    return may_search(user) and user.has_perm("evidence.add_source")


def may_change(user) -> bool:
    return may_search(user) and user.has_perm("evidence.change_source")


# --- Identifiers a writer pastes -----------------------------------------------------------------

_PUBMED_HOSTS = {"pubmed.ncbi.nlm.nih.gov", "www.ncbi.nlm.nih.gov", "ncbi.nlm.nih.gov"}
_PUBMED_PATH = re.compile(r"^/(?:pubmed/)?([0-9]{1,9})/?$")
_PMID_TEXT = re.compile(r"^(?:PMID:?\s*)?[0-9]{1,9}$", re.IGNORECASE)


@dataclass(frozen=True)
class Identifier:
    kind: str  # "doi" or "pmid"
    value: str  # canonical

    @property
    def registry(self) -> str:
        return CROSSREF if self.kind == "doi" else PUBMED


def parse_identifier(text: str) -> Identifier:
    """What a writer pastes: a DOI ("10.1056/…", "doi:10.…"), a doi.org or publisher URL, a PubMed
    ID ("12345678", "PMID: 12345678") or a PubMed URL. Raises InvalidIdentifier saying why not."""
    value = (text or "").strip()
    if not value:
        raise InvalidIdentifier("Paste a DOI, a PubMed ID, or a doi.org or PubMed address.")
    if _PMID_TEXT.fullmatch(value):
        return Identifier("pmid", normalize_pmid(value))
    if re.match(r"^https?://", value, re.IGNORECASE):
        parts = urlsplit(value)
        if parts.hostname in _PUBMED_HOSTS:
            found = _PUBMED_PATH.match(parts.path)
            if not found:
                raise InvalidIdentifier(f"“{value}” is a PubMed address without an article number.")
            return Identifier("pmid", normalize_pmid(found.group(1)))
    try:
        return Identifier("doi", normalize_doi(value))
    except InvalidIdentifier as exc:
        raise InvalidIdentifier(
            f"“{value[:80]}” is not a DOI, a PubMed ID, or a doi.org or PubMed address."
        ) from exc


def existing_source(identifier: Identifier) -> Source | None:
    return Source.objects.filter(**{identifier.kind: identifier.value}).first()


# --- Authors as plain lines ----------------------------------------------------------------------

# A given name written as initials: "JD", "J.D.", "J-P", "L.E.".
_INITIALS = re.compile(r"^(?:[A-Z][a-z]?\.?-?){1,4}$")
_ET_AL = re.compile(r"^(?:and\s+)?(?:et\.?\s*al\.?|others)$", re.IGNORECASE)


def _several(line: str) -> bool:
    """ "Williamson JD, Pajewski NM": a reference's author list pasted on one line."""
    if "," not in line:
        return False
    before = line.split(",", 1)[0].split()
    return line.count(",") > 1 or (len(before) >= 2 and bool(_INITIALS.fullmatch(before[-1])))


def _author(line: str) -> dict[str, str]:
    if "," in line:
        family, given = (part.strip() for part in line.split(",", 1))
        return {"family": family, "given": given} if family else {"literal": given}
    words = line.split()
    if len(words) >= 2 and _INITIALS.fullmatch(words[-1]):
        return {"family": " ".join(words[:-1]), "given": words[-1]}
    if len(words) == 2:
        return {"family": words[0], "given": words[1]}
    # One word, or several without initials: a group ("SPRINT Research Group") or an
    # organization, printed as written.
    return {"literal": line}


def parse_author_lines(text: str) -> tuple[list[dict[str, str]], bool]:
    """Authors one per line, in the order the work lists them: "Family Given" ("Williamson JD"),
    "Family, Given" ("Mesa Bedoya, L.E."), or a group name. A last line "et al." says the list is
    incomplete. Returns (authors, truncated); raises ValueError naming the line that cannot be
    read."""
    authors: list[dict[str, str]] = []
    truncated = False
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = " ".join(raw.split()).strip(" ;")
        if not line:
            continue
        if truncated:
            raise ValueError(f"Line {number} comes after “et al.”, which must be the last line.")
        if _ET_AL.fullmatch(line):
            truncated = True
            continue
        if len(line) > AUTHOR_NAME_MAX:
            raise ValueError(f"Line {number} is longer than {AUTHOR_NAME_MAX} characters.")
        if _several(line) or ";" in line:
            raise ValueError(
                f"Line {number} (“{line[:60]}”) seems to name several authors: put each on its "
                "own line."
            )
        authors.append(_author(line))
        if len(authors) > settings.SOURCE_MAX_AUTHORS:
            raise ValueError(
                f"More than {settings.SOURCE_MAX_AUTHORS:,} names; list the first ones, then "
                "“et al.”."
            )
    return authors, truncated


def format_author_lines(authors: list[dict[str, str]], truncated: bool = False) -> str:
    """The inverse of parse_author_lines: what the plain-text field shows."""
    lines = []
    for author in authors or []:
        if not isinstance(author, dict):
            continue
        family, given = author.get("family", ""), author.get("given", "")
        if family:
            lines.append(f"{family}, {given}" if given else family)
        elif author.get("literal") or given:
            lines.append(author.get("literal") or given)
    if truncated:
        lines.append("et al.")
    return "\n".join(lines)


# --- Describing a source to a writer -------------------------------------------------------------


def first_author(authors: list[Any]) -> str:
    for author in authors or []:
        if isinstance(author, dict):
            name = author.get("family") or author.get("literal") or author.get("given")
            if name:
                return str(name)
    return ""


def short_label(source: Source) -> str:
    """“Nguyen 2021”, or the title's start, or an identifier: never empty."""
    label = " ".join(str(p) for p in (first_author(source.authors), source.year or "") if p)
    return (
        label
        or (source.title[:60] if source.title else "")
        or source.doi
        or (f"PMID {source.pmid}" if source.pmid else f"Source {source.pk}")
    )


def describe(source: Source) -> dict[str, Any]:
    """A source as the citation picker and the editor's reference list show it (plain text)."""
    return {
        "id": source.pk,
        "label": short_label(source),
        "title": source.title,
        "reference": format_reference(source.snapshot()).text,
        "doi": source.doi,
        "pmid": source.pmid,
        "verification": source.get_verification_status_display(),
    }


def describe_record(record: RegistryRecord) -> dict[str, Any]:
    """A registry's record, shown for confirmation before it becomes a source."""
    snapshot = {**_fields_from_record(record), "id": None}
    return {
        "registry": REGISTRY_NAMES.get(record.registry, record.registry),
        "title": record.title,
        "authors": format_author_lines(record.authors),
        "journal": record.journal or record.journal_short,
        "year": record.year,
        "doi": record.doi,
        "pmid": record.pmid,
        "retracted": record.retracted,
        "reference": format_reference(snapshot).text,
    }


# --- Searching ---------------------------------------------------------------------------------


def search(query: str, limit: int = SEARCH_LIMIT) -> list[Source]:
    """Sources whose title, authors, DOI or PubMed ID match `query`, newest first."""
    query = " ".join((query or "").split())[:200]
    if not query:
        return list(Source.objects.order_by("-created_at")[:limit])
    match = Q(title__icontains=query) | Q(authors__icontains=query) | Q(doi__icontains=query)
    try:
        identifier = parse_identifier(query)
        match |= Q(**{identifier.kind: identifier.value})
    except InvalidIdentifier:
        pass
    return list(Source.objects.filter(match).order_by("-year", "title")[:limit])


# --- Adding a source by its identifier -----------------------------------------------------------


@dataclass
class Found:
    """What a lookup found: a source already in the library, or a registry's record, or neither
    (`status` "not-found" or "unreachable", with `message` for the writer)."""

    identifier: Identifier
    status: str  # "existing", "found", "not-found", "unreachable"
    source: Source | None = None
    record: RegistryRecord | None = None
    message: str = ""


def look_up(identifier: Identifier, *, client: RegistryClient | None = None) -> Found:
    """The library's source for this identifier, else the registry's record for it."""
    source = existing_source(identifier)
    if source is not None:
        return Found(identifier, "existing", source=source)
    name = REGISTRY_NAMES[identifier.registry]
    try:
        owned = client is None
        client = client or RegistryClient(retries=1)
    except RegistryConfigError:
        return Found(identifier, "unreachable", message=f"{name} is not configured here.")
    try:
        if identifier.kind == "doi":
            lookup = client.crossref(identifier.value)
        else:
            lookup = client.pubmed([identifier.value])[identifier.value]
    finally:
        if owned:
            client.close()
    if lookup.status == FOUND and lookup.record is not None:
        # The registry may know the work by the other identifier too: reuse that source.
        record = lookup.record
        other = None
        if identifier.kind == "doi" and record.pmid:
            other = Source.objects.filter(pmid=record.pmid).first()
        elif identifier.kind == "pmid" and record.doi:
            other = Source.objects.filter(doi=record.doi).first()
        if other is not None:
            return Found(identifier, "existing", source=other, record=record)
        return Found(identifier, "found", record=record)
    if lookup.status == NOT_FOUND:
        return Found(
            identifier,
            "not-found",
            message=f"{name} has no record of {identifier.value}. Check it, or enter the "
            "source's details by hand.",
        )
    return Found(
        identifier,
        "unreachable",
        message=f"{name} could not be reached. Enter the source's details by hand, or try again "
        "later.",
    )


def _fields_from_record(record: RegistryRecord) -> dict[str, Any]:
    return {
        "title": record.title,
        "authors": record.authors,
        "authors_truncated": False,
        # AMA prints the NLM abbreviation; PubMed gives it, Crossref often does.
        "journal": (record.journal_short or record.journal)[:300],
        "year": record.year,
        "volume": record.volume[:40],
        "issue": record.issue[:40],
        "pages": record.pages[:60],
        "doi": record.doi[:255],
        "pmid": record.pmid[:12],
    }


def add_from_record(record: RegistryRecord) -> tuple[Source, bool]:
    """The library's source for this record, created from it if there is none (matched by DOI,
    then PubMed ID). A new source is verified: its details are the registry's own."""
    now = timezone.now()
    fields = _fields_from_record(record)
    match = Q(doi=record.doi) if record.doi else Q(pk__in=[])
    if record.pmid:
        match |= Q(pmid=record.pmid)
    try:
        with transaction.atomic():
            existing = Source.objects.filter(match).first()
            if existing is not None:
                return existing, False
            source = Source.objects.create(
                **fields,
                kind=SourceKind.JOURNAL_ARTICLE if record.journal else SourceKind.WEBSITE,
                retracted=record.retracted,
                retraction_notice=record.retraction_notice[:500],
                verification_status=(
                    VerificationStatus.RETRACTED
                    if record.retracted
                    else VerificationStatus.VERIFIED
                ),
                verified_at=now,
                registry_metadata={record.registry: record.as_dict()},
                metadata_fetched_at=now,
            )
    except IntegrityError:  # someone added it at the same moment
        return Source.objects.filter(match).get(), False
    return source, True


# --- Taking the registry's details ----------------------------------------------------------------


def registry_details(source: Source) -> dict[str, Any]:
    """What the cached registry records say the source's details are (PubMed first, for its
    journal abbreviation; the longer author list wins). Empty if nothing is cached."""
    cached = _cached_records(source)
    if not cached:
        return {}
    records = [cached[r] for r in (PUBMED, CROSSREF) if r in cached]
    fields = _fields_from_record(records[0])
    longest = max(records, key=lambda r: len(r.authors))
    fields["authors"] = longest.authors
    for record in records:
        for name in ("title", "volume", "issue", "pages", "year"):
            if not fields[name]:
                fields[name] = _fields_from_record(record)[name]
    # Identifiers are the source's own: a record only fills one that is missing.
    fields["doi"] = source.doi or fields["doi"]
    fields["pmid"] = source.pmid or fields["pmid"]
    return fields


def differs_from_registry(source: Source) -> bool:
    details = registry_details(source)
    return bool(details) and any(getattr(source, k) != v for k, v in details.items())


def use_registry_details(source: Source) -> list[str]:
    """Replace the source's bibliographic details with the registry's (fixing an incomplete
    author list or a journal's spelling in one step) and judge it again. Returns the fields that
    changed; nothing changes if no registry record is cached."""
    with transaction.atomic():
        row = Source.objects.select_for_update().get(pk=source.pk)
        details = registry_details(row)
        changed = [name for name, value in details.items() if getattr(row, name) != value]
        if not changed:
            return []
        for name in changed:
            setattr(row, name, details[name])
        reassess_from_cache(row, identifiers_changed=False)
        row.save()
    source.refresh_from_db()
    return changed
