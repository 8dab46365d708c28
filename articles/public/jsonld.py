"""The facts of an article page as schema.org `MedicalWebPage` JSON-LD.

Built once, when the revision goes live (`articles.rendering`), from the same frozen content and
signature the page shows. It is data, not script: a `<script type="application/ld+json">` block is
never executed, so the site's Content-Security-Policy (script-src 'self', django-csp adds nothing
to the HTML) neither blocks it nor needs a nonce for it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from articles.public.site import absolute_url

if TYPE_CHECKING:
    from articles.models import Article, Signature
    from evidence.references import ReferenceEntry

# What would let the text end the <script> element early ("</script>", "<!--"); JSON readers
# decode the escapes back to the same characters.
_SCRIPT_SAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def script_json(data: dict[str, Any]) -> str:
    """JSON safe to place between <script type="application/ld+json"> and </script>."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.translate(_SCRIPT_SAFE)


def _person(name: str, credentials: str = "") -> dict[str, str]:
    person = {"@type": "Person", "name": name}
    if credentials:
        person["honorificSuffix"] = credentials
    return person


def _author(name: dict[str, str]) -> dict[str, str]:
    """A CSL name: a person ({"family", "given"}) or a group ({"literal": "SPRINT Research
    Group"})."""
    if literal := name.get("literal"):
        return {"@type": "Organization", "name": literal}
    return _person(" ".join(part for part in (name.get("given"), name.get("family")) if part))


def _source(entry: ReferenceEntry, snapshot: dict[str, Any]) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "ScholarlyArticle", "name": snapshot.get("title", "")}
    if authors := snapshot.get("authors"):
        work["author"] = [_author(a) for a in authors]
    if snapshot.get("year"):
        work["datePublished"] = str(snapshot["year"])
    if snapshot.get("journal"):
        work["isPartOf"] = {"@type": "Periodical", "name": snapshot["journal"]}
    identifiers = []
    if entry.doi_url:
        identifiers.append(
            {"@type": "PropertyValue", "propertyID": "DOI", "value": snapshot["doi"]}
        )
    if entry.pubmed_url:
        identifiers.append(
            {"@type": "PropertyValue", "propertyID": "PMID", "value": str(snapshot["pmid"])}
        )
    if identifiers:
        work["identifier"] = identifiers
    if links := [url for url in (entry.doi_url, entry.pubmed_url, entry.url) if url]:
        work["url"] = links[0]
        if len(links) > 1:
            work["sameAs"] = links[1:]
    return work


def medical_web_page(
    article: Article,
    content: dict[str, Any],
    signature: Signature,
    references: Sequence[ReferenceEntry],
    image_url: str = "",
    topic: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The page's JSON-LD: who wrote and reviewed it and when, what it is about (`topic`, as the
    page files it), its sources."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "url": absolute_url(article.get_absolute_url()),
        "name": content["title"],
        "headline": content["title"],
        "description": content.get("summary", ""),
        "inLanguage": "en",
        # The topic the revision was filed under; without one, the page's own subject.
        "about": {"@type": "Thing", "name": topic["name"] if topic else content["title"]},
        "medicalAudience": {"@type": "Patient"},
        "reviewedBy": _person(signature.reviewer_name, signature.reviewer_credentials),
        # The day as the page shows it, in the site's time zone.
        "lastReviewed": timezone.localdate(signature.signed_at).isoformat(),
        "datePublished": article.first_published_at.isoformat(),
        "dateModified": article.last_published_at.isoformat(),
        "citation": [
            _source(entry, citation["source"])
            for entry, citation in zip(references, content.get("citations", []), strict=True)
        ],
    }
    if author := content.get("author"):
        data["author"] = _person(author["name"], author.get("credentials", ""))
    if image_url:
        data["image"] = absolute_url(image_url)
    return data
