"""Reading what the registries say about a source: Crossref by DOI, PubMed E-utilities by PMID.

Network only; nothing here touches the database (`evidence.verification` decides and saves).
A lookup never raises for a network or registry problem: it comes back `unreachable` with a
reason, so an offline registry can never break a command or a page.

Being a good client: one shared `httpx.Client` (connections are reused), a few concurrent
requests at most, a contact address on every request, exponential backoff on timeouts, 5xx and
429, `Retry-After` honoured, Crossref's advertised rate limit followed, PubMed ids looked up in
batches (NCBI allows 3 requests a second without an API key), and a breaker that stops calling a
registry that has failed several lookups in a row.

Being a careful client: an answer is streamed and read no further than `REGISTRY_MAX_BYTES`, and
a whole lookup (every attempt, wait and read) ends by `REGISTRY_DEADLINE` seconds, so neither a
huge answer nor one trickled a byte at a time can hold memory or a worker; either is
`unreachable` with the reason.
"""

from __future__ import annotations

import html
import json
import logging
import re
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from django.conf import settings

from evidence import limits
from evidence.models import Source

log = logging.getLogger(__name__)

CROSSREF = "crossref"
PUBMED = "pubmed"
REGISTRY_NAMES = {CROSSREF: "Crossref", PUBMED: "PubMed"}

FOUND = "found"
NOT_FOUND = "not-found"
UNREACHABLE = "unreachable"

USER_AGENT = "Vetted/0.1"
# Crossref's polite pool allows only a few requests in flight per client; more gains nothing.
WORKERS = 3
# esummary takes many ids per request; NCBI asks for POST above about 200.
PUBMED_BATCH = 200
# Crossref update types that mean the work should no longer be relied on.
RETRACTION_TYPES = {"retraction", "withdrawal", "removal"}
# Springer and others prefix the registered title of a retracted article.
_RETRACTED_TITLE = re.compile(r"^\s*(?:retracted(?:\s+article)?)\s*[:.\-–]\s*", re.IGNORECASE)


class RegistryConfigError(ValueError):
    """A registry setting cannot be used; the message names the setting and says why."""


@dataclass
class RegistryRecord:
    """What a registry says about one work, in the same terms whichever registry said it."""

    registry: str
    title: str = ""
    authors: list[dict[str, str]] = field(default_factory=list)  # [{"family", "given"}], in order
    journal: str = ""  # full name ("Stem Cell Research & Therapy")
    journal_short: str = ""  # abbreviation ("Stem Cell Res Ther")
    year: int | None = None  # of the version of record (Crossref "issued", PubMed pubdate)
    other_years: list[int] = field(default_factory=list)  # online/print dates that differ
    volume: str = ""
    issue: str = ""
    pages: str = ""  # pages or article number
    doi: str = ""
    pmid: str = ""
    retracted: bool = False
    retraction_notice: str = ""
    issns: list[str] = field(default_factory=list)  # the journal's print and electronic ISSNs

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RegistryRecord:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class Lookup:
    registry: str  # CROSSREF or PUBMED
    identifier: str  # the DOI or PMID asked for
    status: str  # FOUND, NOT_FOUND or UNREACHABLE
    record: RegistryRecord | None = None
    reason: str = ""  # why it was not found or could not be reached


# --- Parsing the registries' formats -------------------------------------------------------


def _first(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return _clean(value)


def _clean(value: Any) -> str:
    """Registry strings may carry JATS/HTML markup (<i>, <sub>) and entities."""
    text = html.unescape(str(value or ""))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip()


def _date_year(value: Any) -> int | None:
    try:
        year = value["date-parts"][0][0]
        return int(year) if year else None
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def parse_crossref(message: dict[str, Any]) -> RegistryRecord:
    """A Crossref `/works/{doi}` message."""
    doi = str(message.get("DOI", "")).lower()
    title = _crossref_title(message)
    year = _date_year(message.get("issued"))
    record = RegistryRecord(
        registry=CROSSREF,
        title=_RETRACTED_TITLE.sub("", title),
        authors=_crossref_authors(message),
        journal=_first(message.get("container-title")),
        journal_short=_first(message.get("short-container-title")),
        year=year,
        other_years=_crossref_other_years(message, year),
        volume=_clean(message.get("volume")),
        issue=_clean(message.get("issue")),
        pages=_clean(message.get("page") or message.get("article-number")),
        doi=doi,
        issns=_issns(message.get("ISSN")),
    )
    _crossref_retraction(record, message, doi, title)
    return record


def _crossref_title(message: dict[str, Any]) -> str:
    title = _first(message.get("title"))
    subtitle = _first(message.get("subtitle"))
    if subtitle and subtitle.lower() not in title.lower():
        title = f"{title}: {subtitle}"
    return title


def _crossref_authors(message: dict[str, Any]) -> list[dict[str, str]]:
    authors = []
    for person in message.get("author") or []:
        if person.get("family"):
            authors.append(
                {"family": _clean(person["family"]), "given": _clean(person.get("given"))}
            )
        elif person.get("name"):  # a consortium or group
            authors.append({"family": _clean(person["name"]), "given": ""})
    return authors


def _crossref_other_years(message: dict[str, Any], year: int | None) -> list[int]:
    """The years of the other dates Crossref gives (print, online), besides `year`."""
    years = {
        _date_year(message.get(key))
        for key in ("published", "published-print", "published-online", "issued")
    }
    return sorted(y for y in years if y and y != year)


def _crossref_retraction(
    record: RegistryRecord, message: dict[str, Any], doi: str, title: str
) -> None:
    """Mark `record` retracted if Crossref links a retraction notice to it, or its title says so."""
    notices = [
        update
        for update in message.get("updated-by") or []
        if str(update.get("type", "")).lower() in RETRACTION_TYPES
    ]
    # Some publishers retract in place: the article's own record carries the update to itself.
    notices += [
        update
        for update in message.get("update-to") or []
        if str(update.get("type", "")).lower() in RETRACTION_TYPES
        and str(update.get("DOI", "")).lower() == doi
    ]
    if notices:
        record.retracted = True
        record.retraction_notice = _crossref_notice(notices[0])
    elif _RETRACTED_TITLE.match(title):
        record.retracted = True
        record.retraction_notice = f"Crossref lists the title as “{title[:200]}”"


def _crossref_notice(update: dict[str, Any]) -> str:
    label = update.get("label") or str(update.get("type", "retraction")).capitalize()
    try:
        date = "-".join(f"{int(p):02d}" for p in update["updated"]["date-parts"][0])
    except (KeyError, IndexError, TypeError, ValueError):
        date = ""
    notice_doi = str(update.get("DOI", "")).lower()
    text = label + (f" ({date})" if date else "")
    return (text + (f": https://doi.org/{notice_doi}" if notice_doi else ""))[:500]


_PUBMED_AUTHOR = re.compile(r"^(.*\S)\s+([A-Z]{1,4})$")


def parse_pubmed(summary: dict[str, Any]) -> RegistryRecord:
    """One document summary from `esummary.fcgi?db=pubmed&retmode=json`."""
    authors = []
    for person in summary.get("authors") or []:
        name = _clean(person.get("name"))
        match = _PUBMED_AUTHOR.match(name) if person.get("authtype", "Author") == "Author" else None
        if match:  # "Mesa Bedoya LE": family name, then initials
            authors.append({"family": match.group(1), "given": match.group(2)})
        elif name:
            authors.append({"family": name, "given": ""})
    year = _year_in(summary.get("pubdate"))
    years = {_year_in(summary.get(k)) for k in ("pubdate", "epubdate", "sortpubdate")}
    articleids = {
        str(i.get("idtype")): str(i.get("value", "")) for i in summary.get("articleids") or []
    }
    pubtypes = [str(t) for t in summary.get("pubtype") or []]
    record = RegistryRecord(
        registry=PUBMED,
        title=_RETRACTED_TITLE.sub("", _clean(summary.get("title"))),
        authors=authors,
        journal=_clean(summary.get("fulljournalname")),
        journal_short=_clean(summary.get("source")),
        year=year,
        other_years=sorted(y for y in years if y and y != year),
        volume=_clean(summary.get("volume")),
        issue=_clean(summary.get("issue")),
        pages=_clean(summary.get("pages")),
        doi=articleids.get("doi", "").lower(),
        pmid=str(summary.get("uid", "")),
        retracted="Retracted Publication" in pubtypes,
        issns=_issns([summary.get("issn"), summary.get("essn")]),
    )
    if record.retracted:
        notices = [
            r for r in summary.get("references") or [] if r.get("reftype") == "Retraction in"
        ]
        if notices:
            where = _clean(notices[0].get("refsource"))
            pmid = notices[0].get("pmid")
            record.retraction_notice = (
                f"Retraction in: {where}" + (f" (PMID {pmid})" if pmid else "")
            )[:500]
        else:
            record.retraction_notice = "PubMed lists it as a Retracted Publication"
    return record


_ISSN = re.compile(r"^([0-9]{4})-?([0-9]{3}[0-9X])$")


def _issns(values: Any) -> list[str]:
    """ISSNs in the form "1234-567X", each once; anything else is left out."""
    found = []
    for value in values if isinstance(values, list) else [values]:
        match = _ISSN.match(_clean(value).upper())
        if match and f"{match.group(1)}-{match.group(2)}" not in found:
            found.append(f"{match.group(1)}-{match.group(2)}")
    return found


def _year_in(value: Any) -> int | None:
    found = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", str(value or ""))
    return int(found.group(1)) if found else None


def record_problem(record: Mapping[str, Any]) -> str:
    """Why a registry's record (`RegistryRecord.as_dict()`) is beyond what a source could hold,
    as the end of a sentence ("is unusable: …"), or ""."""
    if problems := limits.source_problems(record):
        return f"is unusable: {next(iter(problems.values()))}"
    for name in ("journal", "volume", "issue", "pages", "doi", "pmid"):
        limit = Source._meta.get_field(name).max_length
        value = record.get(name)
        if isinstance(value, str) and len(value) > limit:
            return f"is unusable: its {name} is {len(value):,} characters long (at most {limit})."
    return ""


def _found(registry: str, identifier: str, record: RegistryRecord) -> Lookup:
    """A record held to the lengths of a source. Only the first authors are ever compared, so a
    collaboration's thousands are cut to SOURCE_MAX_AUTHORS; a longer field makes it unusable."""
    record.authors = record.authors[: settings.SOURCE_MAX_AUTHORS]
    if problem := record_problem(record.as_dict()):
        reason = f"{REGISTRY_NAMES[registry]}'s record {problem}"
        return Lookup(registry, identifier, UNREACHABLE, reason=reason)
    return Lookup(registry, identifier, FOUND, record=record)


# --- The client ----------------------------------------------------------------------------


def _base_url(name: str, value: str) -> str:
    text = (value or "").strip().rstrip("/")
    try:
        parts = urlsplit(text)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        usable = False
    if not usable:
        raise RegistryConfigError(f"{name} must be an http(s) address, not “{value}”.")
    return text


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a Retry-After header (a number or an HTTP date), if there is one."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


MAX_PACE = 2.0


class _Pace:
    """One registry's traffic: spacing between request starts, pauses a 429 asked for, and a
    breaker that opens after `trip_after` failed lookups in a row (a dead registry then costs a
    few timeouts, not one per source)."""

    def __init__(self, min_interval: float, trip_after: int) -> None:
        self.lock = threading.Lock()
        self.min_interval = min_interval
        self.last_start = float("-inf")
        self.paused_until = 0.0
        self.trip_after = trip_after
        self.failures = 0

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            start = max(now, self.last_start + self.min_interval, self.paused_until)
            self.last_start = start
        if start > now:
            time.sleep(start - now)

    def pause(self, seconds: float) -> None:
        with self.lock:
            self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    def slow_to(self, min_interval: float) -> None:
        # A registry's rate-limit headers set the pace, but never slower than MAX_PACE seconds a
        # request: one odd header must not stall verification (and run_jobs) for hours.
        with self.lock:
            self.min_interval = max(self.min_interval, min(min_interval, MAX_PACE))

    @property
    def open(self) -> bool:
        return self.failures >= self.trip_after

    def result(self, ok: bool) -> None:
        with self.lock:
            self.failures = 0 if ok else self.failures + 1


@dataclass(frozen=True)
class _Answer:
    """A registry's answer, read whole within the limits."""

    status_code: int
    headers: httpx.Headers
    content: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.content)
        except RecursionError:  # nested past the parser's stack: not a registry's answer
            raise ValueError("nested too deeply") from None


class _Failed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RegistryClient:
    """Crossref and PubMed lookups over one shared connection pool. Use as a context manager,
    or call `close()`. Safe to share between threads."""

    def __init__(
        self,
        *,
        crossref_url: str | None = None,
        pubmed_url: str | None = None,
        contact_email: str | None = None,
        timeout: float | None = None,
        deadline: float | None = None,
        max_bytes: int | None = None,
        retries: int = 2,
        backoff: float = 0.5,
        max_retry_after: float = 30.0,
        workers: int = WORKERS,
        pubmed_interval: float = 0.34,
        trip_after: int = 3,
    ) -> None:
        self.crossref_url = _base_url(
            "CROSSREF_API_URL", settings.CROSSREF_API_URL if crossref_url is None else crossref_url
        )
        self.pubmed_url = _base_url(
            "PUBMED_EUTILS_URL", settings.PUBMED_EUTILS_URL if pubmed_url is None else pubmed_url
        )
        self.contact_email = (
            settings.REGISTRY_CONTACT_EMAIL if contact_email is None else contact_email
        ).strip()
        self.timeout = settings.REGISTRY_TIMEOUT if timeout is None else timeout
        # One lookup, retries and waits included, ends by this many seconds however slowly the
        # answer trickles in; an answer is read no further than max_bytes.
        self.deadline = settings.REGISTRY_DEADLINE if deadline is None else deadline
        self.max_bytes = settings.REGISTRY_MAX_BYTES if max_bytes is None else max_bytes
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.workers = workers
        self._pace = {CROSSREF: _Pace(0.0, trip_after), PUBMED: _Pace(pubmed_interval, trip_after)}
        agent = f"{USER_AGENT} (mailto:{self.contact_email})" if self.contact_email else USER_AGENT
        self._http = httpx.Client(
            timeout=httpx.Timeout(self.timeout),
            headers={"User-Agent": agent, "Accept": "application/json"},
            limits=httpx.Limits(max_connections=workers, max_keepalive_connections=workers),
            # The registries answer directly; following a redirect would send our requests (and
            # contact address) wherever a response pointed.
            follow_redirects=False,
        )
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._http.close()

    # -- single lookups (blocking) --

    def crossref(self, doi: str) -> Lookup:
        return self._guarded(CROSSREF, doi, self._crossref)

    def pubmed(self, pmids: Iterable[str]) -> dict[str, Lookup]:
        """One esummary request for up to PUBMED_BATCH ids."""
        ids = list(dict.fromkeys(str(p) for p in pmids))
        try:
            return self._pubmed(ids)
        except Exception:  # a bug in parsing must not take a command or page down with it
            log.exception("PubMed lookup of %s failed unexpectedly", ids)
            return {p: Lookup(PUBMED, p, UNREACHABLE, reason="unexpected error") for p in ids}

    # -- many lookups, concurrently --

    def start(self, dois: Iterable[str], pmids: Iterable[str]) -> PendingLookups:
        """Begin looking up every DOI and PMID on the worker threads; collect with the result."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="registry")
        pmids = list(dict.fromkeys(pmids))
        pubmed: dict[str, Future] = {}
        # PubMed batches first: one request covers hundreds of sources.
        for i in range(0, len(pmids), PUBMED_BATCH):
            batch = pmids[i : i + PUBMED_BATCH]
            future = self._pool.submit(self.pubmed, batch)
            pubmed.update(dict.fromkeys(batch, future))
        crossref = {doi: self._pool.submit(self.crossref, doi) for doi in dict.fromkeys(dois)}
        return PendingLookups(crossref, pubmed)

    # -- internals --

    def _guarded(self, registry: str, identifier: str, fetch) -> Lookup:
        try:
            return fetch(identifier)
        except Exception:  # a bug in parsing must not take a command or page down with it
            log.exception("%s lookup of %s failed unexpectedly", registry, identifier)
            return Lookup(registry, identifier, UNREACHABLE, reason="unexpected error")

    def _crossref(self, doi: str) -> Lookup:
        url = f"{self.crossref_url}/works/{quote(doi, safe='/()')}"
        params = {"mailto": self.contact_email} if self.contact_email else {}
        try:
            response = self._get(CROSSREF, url, params)
        except _Failed as failed:
            return Lookup(CROSSREF, doi, UNREACHABLE, reason=failed.reason)
        if response.status_code in (404, 410):
            return Lookup(CROSSREF, doi, NOT_FOUND, reason="not registered at Crossref")
        if response.status_code != 200:
            return Lookup(
                CROSSREF, doi, UNREACHABLE, reason=f"Crossref answered HTTP {response.status_code}"
            )
        try:
            message = response.json()["message"]
            if not isinstance(message, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return Lookup(CROSSREF, doi, UNREACHABLE, reason="unreadable answer from Crossref")
        return _found(CROSSREF, doi, parse_crossref(message))

    def _pubmed(self, pmids: list[str]) -> dict[str, Lookup]:
        if not pmids:
            return {}
        params = {"db": "pubmed", "id": ",".join(pmids), "retmode": "json", "tool": "vetted"}
        if self.contact_email:
            params["email"] = self.contact_email
        try:
            response = self._get(PUBMED, f"{self.pubmed_url}/esummary.fcgi", params)
            # esummary answers an unknown id with 200 and no summary; an error status means the
            # address is wrong or the service is refusing us, which says nothing about the id.
            if response.status_code != 200:
                raise _Failed(f"PubMed answered HTTP {response.status_code}")
            body = response.json()
            if not isinstance(body, dict):
                raise _Failed("unreadable answer from PubMed")
            result = body.get("result")
            if not isinstance(result, dict) and "esummaryresult" not in body:
                # Neither summaries nor NCBI's "invalid uid" answer: something else is talking.
                raise _Failed("unreadable answer from PubMed")
        except _Failed as failed:
            return {p: Lookup(PUBMED, p, UNREACHABLE, reason=failed.reason) for p in pmids}
        except ValueError:
            return {
                p: Lookup(PUBMED, p, UNREACHABLE, reason="unreadable answer from PubMed")
                for p in pmids
            }
        lookups = {}
        for pmid in pmids:
            summary = (result or {}).get(pmid)
            if isinstance(summary, dict) and summary.get("uid") and not summary.get("error"):
                lookups[pmid] = _found(PUBMED, pmid, parse_pubmed(summary))
            else:
                lookups[pmid] = Lookup(PUBMED, pmid, NOT_FOUND, reason="not in PubMed")
        return lookups

    def _get(self, registry: str, url: str, params: dict[str, str]) -> _Answer:
        """GET with retries. Returns any answer that is not worth retrying (2xx, 4xx but 429);
        raises `_Failed` when the registry cannot give one within the deadline and size."""
        pace = self._pace[registry]
        name = REGISTRY_NAMES[registry]
        reason = f"{name} could not be reached"
        deadline = time.monotonic() + self.deadline
        late = f"{name} did not answer within {self.deadline:g} seconds"
        for attempt in range(self.retries + 1):
            if pace.open:
                reason = f"{name} is not answering (several lookups failed in a row)"
                break
            pace.wait()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                reason = late
                break
            delay = self.backoff * 2**attempt
            try:
                # No read may wait past the deadline; a trickle that keeps each read short is
                # stopped between reads (`_read`).
                with self._http.stream(
                    "GET", url, params=params, timeout=min(self.timeout, remaining)
                ) as response:
                    self._follow_rate_limit(pace, response)
                    if response.status_code != 429 and response.status_code < 500:
                        answer = _Answer(
                            response.status_code,
                            response.headers,
                            self._read(response, name, deadline, late),
                        )
                        pace.result(ok=True)
                        return answer
            except _Failed as failed:  # too large or too slow: asking again would be too
                reason = failed.reason
                break
            except httpx.TimeoutException:
                reason = late if time.monotonic() >= deadline - 0.01 else f"{name} timed out"
            except httpx.HTTPError as exc:
                reason = f"{name} could not be reached ({type(exc).__name__})"
            else:
                reason = f"{name} answered HTTP {response.status_code}"
                wait = _retry_after(response)
                if wait is not None:
                    if wait > min(self.max_retry_after, deadline - time.monotonic()):
                        break  # asked to stay away longer than a lookup may take
                    pace.pause(wait)  # every worker holds off, not just this one
                    delay = 0.0
            if attempt < self.retries and delay:
                time.sleep(max(0.0, min(delay, deadline - time.monotonic())))
        pace.result(ok=False)
        raise _Failed(reason)

    def _read(self, response: httpx.Response, name: str, deadline: float, late: str) -> bytes:
        """The body, read no further than `max_bytes` and no later than `deadline`."""
        too_large = f"{name}'s answer is larger than {limits.megabytes(self.max_bytes)}; not read"
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise _Failed(too_large)
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > self.max_bytes:
                raise _Failed(too_large)
            if time.monotonic() > deadline:
                raise _Failed(late)
        return bytes(body)

    @staticmethod
    def _follow_rate_limit(pace: _Pace, response: httpx.Response) -> None:
        """Crossref states its current limit in X-Rate-Limit-Limit / -Interval ("50", "1s")."""
        limit = response.headers.get("x-rate-limit-limit", "")
        interval = response.headers.get("x-rate-limit-interval", "").rstrip("s")
        try:
            if limit and interval and int(limit) > 0:
                pace.slow_to(float(interval) / int(limit))
        except ValueError:
            pass


class PendingLookups:
    """Lookups started by `RegistryClient.start`; each accessor blocks until its answer is in."""

    def __init__(self, crossref: dict[str, Future], pubmed: dict[str, Future]) -> None:
        self._crossref = crossref
        self._pubmed = pubmed

    def futures_for(self, doi: str, pmid: str) -> set[Future]:
        wanted = {self._crossref.get(doi), self._pubmed.get(pmid)}
        return {f for f in wanted if f is not None}

    def for_source(self, doi: str, pmid: str) -> list[Lookup]:
        lookups = []
        if doi in self._crossref:
            lookups.append(self._crossref[doi].result())
        if pmid in self._pubmed:
            lookups.append(self._pubmed[pmid].result()[pmid])
        return lookups
