"""The sources an article cites: are there any a reader can follow, are they well formed, are they
still sound? `no-sources`, `empty-reference`, `invalid-identifier`, `retracted-source`,
`metadata-mismatch`, `unverified-source`, `incomplete-authors`.

What a reader sees of a source is its snapshot frozen into the revision; whether it is retracted
or verified is the live Source row, because those facts change after the revision is saved.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext, ngettext

from articles.gate.core import Finding, Severity, Subject, check
from evidence.identifiers import (
    InvalidIdentifier,
    normalize_doi,
    normalize_isbn,
    normalize_pmcid,
    normalize_pmid,
)
from evidence.verification import is_incomplete_detail, mismatches

LINKS = ("doi", "pmid", "url")
IDENTIFIERS = ("doi", "pmid", "pmcid", "isbn", "url")
VALIDATORS = (
    ("doi", "DOI", normalize_doi),
    ("pmid", "PubMed ID", normalize_pmid),
    ("pmcid", "PubMed Central ID", normalize_pmcid),
    ("isbn", "ISBN", normalize_isbn),
)


def describe(snapshot: dict[str, Any]) -> str:
    """A source as a reviewer recognizes it: “Zhao 2023, Efficacy and safety of…”."""
    authors = snapshot.get("authors") or []
    first = ""
    if authors and isinstance(authors[0], dict):
        first = authors[0].get("family") or authors[0].get("literal") or ""
    label = " ".join(str(part) for part in (first, snapshot.get("year") or "") if part)
    title = (snapshot.get("title") or "").strip()
    if len(title) > 70:
        title = title[:69].rstrip() + "…"
    if label and title:
        return f"{label}, “{title}”"
    if title:
        return f"“{title}”"
    return (
        label
        or snapshot.get("doi")
        or snapshot.get("url")
        or gettext("source %(id)s") % {"id": snapshot.get("id")}
    )


def _references(subject: Subject) -> Iterator[tuple[str, dict[str, Any], Any]]:
    for number, citation in enumerate(subject.citations, start=1):
        snapshot = citation.get("source") or {}
        where = gettext("reference %(number)s") % {"number": number}
        yield where, snapshot, subject.sources.get(snapshot.get("id"))


@check
def no_sources(subject: Subject) -> Iterator[Finding]:
    if subject.kind != "article":
        return
    citations = subject.citations
    if any(any((c.get("source") or {}).get(f) for f in LINKS) for c in citations):
        return
    if not citations:
        message = gettext(
            "No source is cited. Add at least one source with a DOI, PubMed ID or web address "
            "to the article's cited sources, and mark the sentences it supports with its "
            "citation. Promotional pages are held to the same rule."
        )
    else:
        n = len(citations)
        message = ngettext(
            "None of the %(count)s cited source has a DOI, PubMed ID or web "
            "address, so readers cannot check any of them. Add the identifier or link of each "
            "work, or cite a source that has one.",
            "None of the %(count)s cited sources has a DOI, PubMed ID or web "
            "address, so readers cannot check any of them. Add the identifier or link of each "
            "work, or cite a source that has one.",
            n,
        ) % {"count": n}
    yield Finding("no-sources", Severity.BLOCKER, message, "references")


@check
def empty_reference(subject: Subject) -> Iterator[Finding]:
    for location, snapshot, live in _references(subject):
        if any(snapshot.get(f) for f in IDENTIFIERS):
            continue
        message = gettext(
            "%(reference)s (%(source)s) has no link or identifier: it is a "
            "title only, and a reader cannot find the work. Add its DOI, PubMed ID or web "
            "address, or remove it."
        ) % {"reference": location.capitalize(), "source": describe(snapshot)}
        if live is not None and any(getattr(live, f, "") for f in IDENTIFIERS):
            message += " " + gettext(
                "The source has one now: save the article again to include it."
            )
        yield Finding("empty-reference", Severity.BLOCKER, message, location)


@check
def invalid_identifier(subject: Subject) -> Iterator[Finding]:
    for location, snapshot, _live in _references(subject):
        for field, name, normalize in VALIDATORS:
            value = snapshot.get(field)
            if not value:
                continue
            try:
                normalize(str(value))
            except InvalidIdentifier as problem:
                yield Finding(
                    "invalid-identifier",
                    Severity.BLOCKER,
                    gettext(
                        "The %(name)s of %(location)s (%(source)s) does not validate: "
                        "%(problem)s Correct it from the journal's page or PubMed."
                    )
                    % {
                        "name": name,
                        "location": location,
                        "source": describe(snapshot),
                        "problem": problem,
                    },
                    location,
                )


@check
def retracted_source(subject: Subject) -> Iterator[Finding]:
    for location, snapshot, live in _references(subject):
        if live is None or not (live.retracted or live.verification_status == "retracted"):
            continue
        notice = f" ({live.retraction_notice})" if live.retraction_notice else ""
        yield Finding(
            "retracted-source",
            Severity.BLOCKER,
            gettext(
                "%(reference)s (%(source)s) has been retracted%(notice)s. Remove "
                "the citation and rewrite or remove the statements that rely on it, or cite a "
                "sound source instead."
            )
            % {"reference": location.capitalize(), "source": describe(snapshot), "notice": notice},
            location,
        )


def _differences(details: Any) -> str:
    """verification_details in words: "authors: written “Zhao, Y.”, registry “Lu, W.”"."""
    if isinstance(details, dict):
        details = [details]
    if isinstance(details, str):
        return details
    parts = []
    for item in details or []:
        if not isinstance(item, dict):
            parts.append(str(item))
            continue
        field = item.get("field", "a field")
        written, registry = item.get("written"), item.get("registry")
        if written is not None or registry is not None:
            parts.append(f"{field}: written “{written or ''}”, registry “{registry or ''}”")
        else:
            parts.append(str(field))
    return "; ".join(parts)


def changed_since_frozen(snapshot: dict, live) -> bool:
    """The source's record no longer reads as this revision cites it. The registry's verdict is
    about the record as it is now, so it says nothing about what the revision would publish."""
    current = live.snapshot()
    return any(current.get(key) != value for key, value in snapshot.items())


@check
def metadata_mismatch(subject: Subject) -> Iterator[Finding]:
    for location, snapshot, live in _references(subject):
        if live is not None and changed_since_frozen(snapshot, live):
            yield Finding(
                "metadata-mismatch",
                Severity.BLOCKER,
                gettext(
                    "%(reference)s (%(source)s) was edited after this revision "
                    "was saved, so what would be published is not the source as it now stands. "
                    "Save the article again so it cites the corrected source, then have it "
                    "reviewed."
                )
                % {"reference": location.capitalize(), "source": describe(snapshot)},
                location,
            )
            continue
        if live is None or live.verification_status != "mismatch" or live.retracted:
            continue
        differences = _differences(mismatches(live.verification_details))
        what = (
            " " + gettext("It differs in %(differences)s.") % {"differences": differences}
            if differences
            else ""
        )
        yield Finding(
            "metadata-mismatch",
            Severity.BLOCKER,
            gettext(
                "%(reference)s (%(source)s) does not match the registry record "
                "of its identifier.%(what)s Correct the reference (and any “et al.” naming it in "
                "the "
                "text) to match the registry, or fix the identifier if it points to another work."
            )
            % {"reference": location.capitalize(), "source": describe(snapshot), "what": what},
            location,
        )


UNVERIFIED = {
    "unverified": "has not been checked against the registry yet",
    "unreachable": "could not be checked because the registry was unreachable",
    "not-found": "was not found in the registry; check the identifier (it may be registered "
    "elsewhere than Crossref or PubMed)",
}


@check
def unverified_source(subject: Subject) -> Iterator[Finding]:
    for location, snapshot, live in _references(subject):
        if not (snapshot.get("doi") or snapshot.get("pmid")) or live is None:
            continue
        if changed_since_frozen(snapshot, live):  # already a blocker
            continue
        problem = UNVERIFIED.get(live.verification_status)
        if problem is None:
            continue
        yield Finding(
            "unverified-source",
            Severity.WARNING,
            gettext(
                "%(reference)s (%(source)s) %(problem)s. Check it against the "
                "registries (“Check sources now” on the article's page), or check the reference by "
                "hand before approving."
            )
            % {
                "reference": location.capitalize(),
                "source": describe(snapshot),
                "problem": problem,
            },
            location,
        )


@check
def incomplete_authors(subject: Subject) -> Iterator[Finding]:
    """A reference whose authors are the registry's first names with no "et al.": right as far
    as it goes, so a warning, not a mismatch."""
    for location, snapshot, live in _references(subject):
        if live is None or changed_since_frozen(snapshot, live):
            continue
        if live.verification_status != "verified":
            continue
        detail = next((d for d in live.verification_details or [] if is_incomplete_detail(d)), None)
        if detail is None:
            continue
        yield Finding(
            "incomplete-authors",
            Severity.WARNING,
            gettext(
                "%(reference)s (%(source)s) names %(listed)s "
                "of the %(registered)s authors the registry lists and does "
                "not end with “et al.”. Take the registry's details on the source to complete the "
                "list, or end it with “et al.”."
            )
            % {
                "reference": location.capitalize(),
                "source": describe(snapshot),
                "listed": detail.get("listed", "some"),
                "registered": detail.get("registered", "registered"),
            },
            location,
        )
