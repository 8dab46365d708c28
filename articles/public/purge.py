"""CDN purge: telling the CDN in front of the site which pages changed, once the change commits.

Public pages carry `s-maxage`, so a CDN may keep serving a page for PAGE_CACHE_SECONDS after it
changed; the page cache's site generation reaches only the site's own processes. So every change
to what the public sees (`live_changed`: publish, unpublish, expiry, for articles and prompts;
`retraction_changed`: a cited study retracted)
also tells the CDN, after the transaction commits and after the page cache's generation moved
on, the absolute addresses (from SITE_URL) of the pages it changed and their surrogate keys:

- an article: its page, the home page, the feed, the sitemap, and the pages and feeds of its
  topic and tags, those of the revision going live and of the one it replaced; keys
  `article-<id>` and `lists`;
- a prompt: the pages of the live articles placing it; their `article-<id>` keys;
- a retracted source: the pages of the live articles citing it; their `article-<id>` keys.

Pages name their keys in `Surrogate-Key` (space-separated: Fastly, Varnish xkey) and `Cache-Tag`
(comma-separated: Cloudflare, others), set by `cache.public_page`, so a CDN that purges by key
drops every variant of a page, query strings included.

CDN_PURGE_BACKEND is the dotted path of the class that tells the CDN: `NoPurge` (the default:
nothing is computed or sent) or `HttpPurge`; any class with `purge(urls, keys)` will do. A purge
that fails is logged, never raised: the change has committed and stands, and the CDN then serves
the old page until its `s-maxage` runs out."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models.fields.json import KeyTransform
from django.urls import reverse
from django.utils.module_loading import import_string

from articles.public.site import absolute_url, site_domain

log = logging.getLogger(__name__)

# The key of every page that lists articles (home, topic and tag pages, feeds, sitemap): any
# article going live or down may change them.
LISTS_KEY = "lists"


def article_key(article_id: int) -> str:
    return f"article-{article_id}"


class PurgeBackend(Protocol):
    def purge(self, urls: Sequence[str], keys: Sequence[str]) -> None: ...


class NoPurge:
    """No CDN in front of the site (or one that only expires pages): nothing to tell."""

    def purge(self, urls: Sequence[str], keys: Sequence[str]) -> None:
        return None


class HttpPurge:
    """Tells the CDN over HTTP. CDN_PURGE_URL says how:

    - with `{url}` or `{path}`: one request per page, CDN_PURGE_METHOD (default PURGE) to the
      address with the page's absolute address or its path put in (a `{path}` request carries
      the site's Host, as Varnish matches it);
    - with `{key}`: one request per surrogate key (default POST);
    - otherwise one request (default POST) with JSON `{"urls": [...], "keys": [...]}`.

    CDN_PURGE_TOKEN, if set, goes as `Authorization: Bearer …`. The first request that cannot
    reach the CDN ends the purge (the rest would wait for the same timeout)."""

    def purge(self, urls: Sequence[str], keys: Sequence[str]) -> None:
        template = settings.CDN_PURGE_URL
        headers = {"User-Agent": "Vetted CDN purge"}
        if settings.CDN_PURGE_TOKEN:
            headers["Authorization"] = f"Bearer {settings.CDN_PURGE_TOKEN}"
        failed: list[str] = []
        with httpx.Client(timeout=settings.CDN_PURGE_TIMEOUT, headers=headers) as client:
            for method, target, extra in self.requests(template, urls, keys):
                try:
                    response = client.request(method, target, **extra)
                except httpx.TransportError as exc:
                    failed.append(f"{method} {target}: {exc or type(exc).__name__}")
                    break
                if response.status_code >= 400:
                    failed.append(f"{method} {target}: {response.status_code}")
        if failed:
            raise PurgeFailed("; ".join(failed))

    @staticmethod
    def requests(
        template: str, urls: Sequence[str], keys: Sequence[str]
    ) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(method, address, httpx arguments) of each request the purge sends."""
        if "{url}" in template or "{path}" in template:
            method = settings.CDN_PURGE_METHOD or "PURGE"
            for url in urls:
                parts = urlsplit(url)
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                target = template.replace("{url}", url).replace("{path}", path)
                extra = {"headers": {"Host": site_domain()}} if "{path}" in template else {}
                yield method, target, extra
        elif "{key}" in template:
            method = settings.CDN_PURGE_METHOD or "POST"
            for key in keys:
                yield method, template.replace("{key}", key), {}
        else:
            method = settings.CDN_PURGE_METHOD or "POST"
            yield method, template, {"json": {"urls": list(urls), "keys": list(keys)}}


class PurgeFailed(Exception):
    """The CDN refused or could not be reached; the message names each request."""


@dataclass(frozen=True)
class Purge:
    """What changed on the public site: absolute page addresses and surrogate keys."""

    urls: tuple[str, ...]
    keys: tuple[str, ...]

    def send(self, backend: PurgeBackend) -> None:
        try:
            backend.purge(self.urls, self.keys)
        except Exception as exc:  # any backend's failure: the committed change stands
            log.warning(
                "CDN purge failed (%s); the CDN may serve the old pages of %s for up to %s s.",
                exc,
                ", ".join(self.urls) or ", ".join(self.keys),
                settings.PAGE_CACHE_SECONDS,
            )


def backend() -> PurgeBackend:
    return import_string(settings.CDN_PURGE_BACKEND)()


# --- What a change touches ----------------------------------------------------------------------


def _urls(*names_and_args: tuple[str, tuple[str, ...]]) -> list[str]:
    return [absolute_url(reverse(name, args=args)) for name, args in names_and_args]


def article_pages(article: Any, contents: Sequence[dict[str, Any]]) -> Purge:
    """The pages an article going live or down changes: its own, the site's lists, and the pages
    of the topics and tags of `contents` (the revisions going live and leaving)."""
    pages: list[tuple[str, tuple[str, ...]]] = [
        ("articles:detail", (article.slug,)),
        ("articles:home", ()),
        ("articles:feed", ()),
        ("articles:sitemap", ()),
    ]
    for content in contents:
        if topic := content.get("topic"):
            pages += [
                ("articles:topic", (topic["slug"],)),
                ("articles:topic_feed", (topic["slug"],)),
            ]
        pages += [("articles:tag", (tag["slug"],)) for tag in content.get("tags") or []]
    urls = list(dict.fromkeys(_urls(*pages)))
    return Purge(tuple(urls), (article_key(article.pk), LISTS_KEY))


def prompt_pages(prompt: Any) -> Purge:
    """The pages a prompt going live or down changes: those of the live articles placing it."""
    from articles.rendering import live_articles_placing

    return _article_pages(live_articles_placing(prompt))


def citing_pages(source: Any) -> Purge:
    """The pages a source's retraction changes: those of the live articles citing it."""
    from articles.rendering import live_articles_citing

    return _article_pages(live_articles_citing(source))


def _article_pages(ids: Sequence[int]) -> Purge:
    from articles.models import Article

    pages = Article.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "slug")
    return Purge(
        tuple(_urls(*(("articles:detail", (slug,)) for _, slug in pages))),
        tuple(article_key(pk) for pk, _ in pages),
    )


def _revision_contents(*ids: int | None) -> list[dict[str, Any]]:
    """The topic and tags of these revisions (only those, not their bodies)."""
    from articles.models import Revision

    wanted = [pk for pk in ids if pk is not None]
    if not wanted:
        return []
    return list(
        Revision.objects.filter(pk__in=wanted).values(
            topic=KeyTransform("topic", "content"), tags=KeyTransform("tags", "content")
        )
    )


# --- The receiver ------------------------------------------------------------------------------


def purge_on_change(
    sender, *, instance: Any, revision: Any = None, replaced: int | None = None, **kwargs
) -> None:
    """live_changed receiver: work out the pages the change touches (inside the transaction, from
    the database as the change leaves it) and tell the CDN once it commits. Connected after the
    page cache's receiver, so the CDN refetches pages only once the generation has moved on."""
    purger = backend()
    if isinstance(purger, NoPurge):
        return
    from articles.models import Article

    if isinstance(instance, Article):
        contents = ([revision.content] if revision is not None else []) + _revision_contents(
            replaced
        )
        change = article_pages(instance, contents)
    else:
        change = prompt_pages(instance)
    if change.urls or change.keys:
        transaction.on_commit(lambda: change.send(purger), robust=True)


def purge_on_retraction(sender, *, source: Any, **kwargs) -> None:
    """retraction_changed receiver: the pages of the live articles citing the source changed
    (they warn about the retraction); tell the CDN once the change commits."""
    purger = backend()
    if isinstance(purger, NoPurge):
        return
    change = citing_pages(source)
    if change.urls:
        transaction.on_commit(lambda: change.send(purger), robust=True)
