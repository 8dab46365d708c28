"""The public article page, rendered once when its revision goes live, and stored.

Published revisions never change, so the whole page is made here and stored as a `Rendering`: the
body with its numbered citation markers, the AMA reference list, the JSON-LD, and the complete HTML
document around them with its strong ETag. A request reads one row
(`articles.public.pages.stored_article`) and renders nothing. Everything on the page comes from the
revision's frozen content (title to topic and tags), the signature over it and the article's
publication record, so it shows exactly what the reviewer signed.

What the page shows beyond the revision is kept in step where it changes:
- the publication dates and "what changed" (from the audit trail) change only when the article is
  published, which renders the page again;
- placed prompts: a prompt going live or down renders every live page that places it again, in
  the same transaction (`render_pages_placing`), and a page whose prompt reaches its expiry is
  rendered again on its next view (`Rendering.live_until`);
- the article's address, the templates, the site's addresses and this module's output
  (`render_key`): a page rendered with others is rendered again on its next view, so a deploy
  never serves yesterday's markup.

Renders inside a transition run after the workflow has locked the audit trail's head, which
serializes transitions, so a page rendered for an article's publication sees a prompt published
at the same moment, and the other way round.

The page is rendered without a request (no context processors, no CSRF token, no request path),
so it is the same for every reader by construction.

A staff preview of any revision (`preview`) is put together by the same `_compose` and template,
rendered on request and never stored.

Sanitizing: the body was cleaned by `clean_html` when it was written; each reference entry is
cleaned here, as it is written into the Rendering. The only markup this module adds around them
is its own (marker links and list items built from numbers and escaped values), which the
sanitizer's allow-list would strip (ids, aria-labels)."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.template import engines
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import escape, strip_tags

from articles import citations, images
from articles.audit import records
from articles.audit.models import AuditEvent
from articles.gate.rules import rules
from articles.models import Article, ArticleKind, Prompt, Rendering, Revision, Signature
from articles.public import jsonld
from articles.public.cache import strong_etag
from articles.public.site import absolute_url
from articles.sanitize import clean_html
from articles.text import normalize
from evidence.models import EVIDENCE_IN_PLAIN_WORDS, Source, VerificationStatus
from evidence.references import ReferenceEntry, format_references

# Part of every render_key: raise it when a change to this module changes the pages it makes.
RENDERER_VERSION = 2

_DOI_TEXT = re.compile(r"doi:[^\s<]+")


@dataclass(frozen=True)
class Reference:
    entry: ReferenceEntry
    evidence: str  # the kind of evidence, in plain words
    # Retracted since the revision was signed: the reviewer's judgement no longer covers it, so
    # the reader is told, on the entry and at the top of the page (`retractions`).
    retracted: bool = False
    retraction_notice: str = ""

    @property
    def anchor(self) -> str:
        return f"ref-{self.entry.number}"

    @property
    def html(self) -> str:
        """The AMA entry with its "doi:…" made the link to the study, so the DOI is printed once
        and followed from where a reader expects it. Cleaned, since it is stored."""
        text = self.entry.html
        if self.entry.doi_url:
            text = _DOI_TEXT.sub(
                lambda m: f'<a href="{escape(self.entry.doi_url)}">{m.group(0)}</a>', text, 1
            )
        return clean_html(text)


def references(content: dict[str, Any], retracted: dict[int, str] | None = None) -> list[Reference]:
    """The AMA reference list of `content`; `retracted` maps the ids of cited sources retracted
    now to their retraction notices (`retracted_sources`)."""
    retracted = retracted or {}
    citations = content.get("citations", [])
    entries = format_references([citation["source"] for citation in citations])
    return [
        Reference(
            entry,
            str(EVIDENCE_IN_PLAIN_WORDS.get(citation["source"].get("kind"), "")),
            retracted=citation["source"].get("id") in retracted,
            retraction_notice=retracted.get(citation["source"].get("id"), ""),
        )
        for entry, citation in zip(entries, citations, strict=True)
    ]


def cited_source_ids(content: dict[str, Any]) -> set[int]:
    return {c["source"]["id"] for c in content.get("citations", []) if c["source"].get("id")}


def retracted_sources(ids: Iterable[int]) -> dict[int, str]:
    """Those of these sources retracted now (a registry said so, or a person marked it), with
    their notices: one query, none for no ids."""
    ids = set(ids)
    if not ids:
        return {}
    rows = Source.objects.filter(pk__in=ids).filter(
        Q(retracted=True) | Q(verification_status=VerificationStatus.RETRACTED)
    )
    return dict(rows.values_list("pk", "retraction_notice"))


def body_with_linked_markers(content: dict[str, Any]) -> str:
    """The body with each citation marker turned into its reference number, linked to the entry.
    A marker naming no citation keeps its text but links nowhere (the gate reports it)."""
    return citations.numbered_markers(
        content.get("body", ""),
        content,
        lambda number: (
            f'<sup class="citation"><a href="#ref-{number}" '
            f'aria-label="Reference {number}">{number}</a></sup>'
        ),
    )


def hero_picture(content: dict[str, Any]) -> images.Picture | None:
    """The frozen hero image as a <picture>: its renditions as srcset, width and height."""
    snapshot = content.get("image")
    return images.picture(snapshot) if snapshot else None


# --- The page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """One publication of the article, for the "what changed" list."""

    published_at: datetime
    number: int
    change_note: str  # what readers are told changed: part of the revision's signed content
    current: bool


@dataclass(frozen=True)
class ArticlePage:
    """What templates/articles/detail.html shows besides the revision's content."""

    rendering: Rendering
    signature: Signature | None  # None only in a preview of a revision nobody has signed
    picture: images.Picture | None
    topic: dict[str, str] | None
    tags: list[dict[str, str]]
    prompts: list[dict[str, Any]]  # the live revisions' content of the prompts shown, with "id"
    versions: list[Version]
    disclosure: str  # a promotional page's disclosure label; "" for other pages
    references: list[Reference] = dataclasses.field(default_factory=list)
    preview: bool = False  # a staff preview: marked as such, never indexed, never stored

    @property
    def retractions(self) -> list[Reference]:
        """The cited studies retracted since they were cited, which the page warns about."""
        return [reference for reference in self.references if reference.retracted]


def render_key(slug: str) -> str:
    """What the stored page of the article at `slug` was rendered with besides its data: the
    address (an article's slug may change while a revision is live), the templates, the site's
    addresses and time zone, and RENDERER_VERSION."""
    site = _site_key(
        settings.SITE_URL,
        settings.MEDIA_URL,
        settings.STATIC_URL,
        settings.TIME_ZONE,
        settings.LANGUAGE_CODE,
    )
    return hashlib.sha256(f"{site}/{slug}".encode()).hexdigest()[:32]


@functools.cache
def _site_key(*values: str) -> str:
    digest = hashlib.sha256(str(RENDERER_VERSION).encode())
    # The stylesheet's address too: with hashed static files it changes with the stylesheet.
    for value in (*values, static("vetted/site.css")):
        digest.update(b"\0" + value.encode())
    digest.update(_templates_digest())
    return digest.hexdigest()


@functools.cache
def _templates_digest() -> bytes:
    # Every template in the project's template folders, not only those the page names today: an
    # include added later is covered, and an unrelated change only costs each page one render.
    digest = hashlib.sha256()
    for folder in sorted({str(f) for engine in engines.all() for f in engine.dirs}):
        for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.digest()


def render_pages(articles: Sequence[Article], *, at: datetime) -> list[Rendering]:
    """Render and store the page of each article's live revision, with its live signature, in a
    fixed number of queries: the live prompts, the publication history, and one write. Each
    article needs live_revision and live_signature loaded. `at` is when the page changed: its
    Last-Modified."""
    placed = {article.pk: _placed_prompts(article.live_revision.content) for article in articles}
    prompts = _live_prompts(set().union(*placed.values()))
    history = _versions(articles)
    retracted = retracted_sources(
        set().union(*(cited_source_ids(article.live_revision.content) for article in articles))
    )
    made = [
        _render(
            article,
            [prompts[pk] for pk in placed[article.pk] if pk in prompts],
            history.get(article.pk, []),
            at,
            retracted,
        )
        for article in articles
    ]
    Rendering.objects.bulk_create(
        made,
        update_conflicts=True,
        unique_fields=["revision"],
        update_fields=[
            "body_html", "references_html", "json_ld", "page_html", "etag", "render_key",
            "live_until", "rendered_at", "seal",
        ],
    )  # fmt: skip
    return made


def render_live(article_id: int) -> Rendering | None:
    """Render the page of a live article whose stored page is missing or out of date (published
    before pages were stored whole, rendered with other templates, or showing a prompt past its
    expiry). None if the article is not live any more."""
    article = (
        Article.objects.published()
        .select_related("live_revision", "live_signature")
        .defer("body", "summary")  # the working copy; the page shows the live revision
        .filter(pk=article_id)
        .first()
    )
    return render_pages([article], at=timezone.now())[0] if article else None


def _render(
    article: Article,
    prompts: list[Prompt],
    versions: list[Version],
    at: datetime,
    retracted: dict[int, str],
) -> Rendering:
    revision = article.live_revision
    rendering, page = _compose(
        article, revision, article.live_signature, prompts, versions, retracted
    )
    rendering.json_ld = jsonld.script_json(
        jsonld.medical_web_page(
            article,
            revision.content,
            page.signature,
            [reference.entry for reference in page.references],
            page.picture.src if page.picture else "",
            page.topic,
        )
    )
    rendering.render_key = render_key(article.live_slug)
    rendering.live_until = min((p.expire_at for p in prompts if p.expire_at), default=None)
    rendering.rendered_at = at
    rendering.page_html = _page_html(article, revision.content, page)
    rendering.etag = strong_etag(rendering.page_html.encode())
    rendering.seal = records.seal_page(rendering, revision.content_hash)
    return rendering


def _compose(
    article: Article,
    revision: Revision,
    signature: Signature | None,
    prompts: list[Prompt],
    versions: list[Version],
    retracted: dict[int, str],
    *,
    preview: bool = False,
) -> tuple[Rendering, ArticlePage]:
    """What the public page of `revision` shows: the one way a page is put together, for the
    stored live page and for a staff preview alike."""
    content = revision.content
    entries = references(content, retracted)
    topic, tags = _filed(content)
    rendering = Rendering(
        revision=revision,
        body_html=body_with_linked_markers(content),
        references_html=(
            render_to_string("articles/_references.html", {"references": entries})
            if entries
            else ""
        ),
    )
    page = ArticlePage(
        rendering=rendering,
        signature=signature,
        picture=hero_picture(content),
        topic=topic,
        tags=tags,
        # The prompt's id too: its button links to the form behind it (articles.readers).
        prompts=[{**prompt.live_revision.content, "id": prompt.pk} for prompt in prompts],
        versions=versions,
        disclosure=disclosure_label(content),
        references=entries,
        preview=preview,
    )
    return rendering, page


def _page_html(article: Article, content: dict[str, Any], page: ArticlePage) -> str:
    return render_to_string(
        "articles/detail.html",
        {
            "page": page,
            "article": article,
            "content": content,
            # The address this revision is published at (a preview's may not be live yet).
            "slug": content.get("slug") or article.live_slug or article.slug,
            "canonical": absolute_url(article.get_absolute_url()),
            "image_url": absolute_url(page.picture.src) if page.picture else "",
        },
    )


# --- Previews ---------------------------------------------------------------------------------


def preview(content: Article | Prompt, revision: Revision, *, now: datetime | None = None) -> str:
    """The staff preview of one revision of an article or a prompt, as a whole HTML page."""
    now = now or timezone.now()
    if isinstance(content, Prompt):
        return render_to_string(
            "articles/prompt_preview.html",
            {
                "prompt": {**revision.content, "id": content.pk},
                "name": content.name,
                "revision": revision,
                "signature": _standing_signature(revision, now),
            },
        )
    return preview_html(content, revision, now=now)


def _standing_signature(revision: Revision, now: datetime) -> Signature | None:
    return (
        revision.signatures.filter(valid_until__gt=now, content_hash=revision.content_hash)
        .order_by("-signed_at")
        .first()
    )


def preview_html(article: Article, revision: Revision, *, now: datetime | None = None) -> str:
    """The page of `revision` exactly as the public would see it if it were published now: the
    same template, body, reference list and prompts (those live now, as on the public page),
    with the reviewer's signature if one stands behind this revision and "not yet reviewed"
    otherwise. Rendered on each request and never stored or cached: previews are for staff, and
    whoever asks must have been allowed to see the article (`workflow.may_see`). The JSON-LD is
    left out: it is for search engines, which never see a preview."""
    now = now or timezone.now()
    signature = _standing_signature(revision, now)
    prompts = _live_prompts(set(_placed_prompts(revision.content)))
    placed = [prompts[pk] for pk in _placed_prompts(revision.content) if pk in prompts]
    published = _versions([article]).get(article.pk, [])
    versions = [
        dataclasses.replace(version, current=version.number == revision.number)
        for version in published
    ]
    if not any(version.current for version in versions):
        note = revision.content.get("change_note", "")
        versions.insert(0, Version(now, revision.number, note, current=True))
    retracted = retracted_sources(cited_source_ids(revision.content))
    _, page = _compose(article, revision, signature, placed, versions, retracted, preview=True)
    return _page_html(article, revision.content, page)


def _filed(content: dict[str, Any]) -> tuple[dict | None, list[dict]]:
    """The topic and tags the page shows: frozen in the revision, never the working copy's
    (a revision saved before they were frozen shows none)."""
    return content.get("topic"), content.get("tags", [])


def _placed_prompts(content: dict[str, Any]) -> list[int]:
    """The prompts a revision places, each once, in placement order."""
    return list(dict.fromkeys(placed["prompt"] for placed in content.get("prompts") or []))


def _live_prompts(ids: set[int]) -> dict[int, Prompt]:
    """Those of `ids` that are live now. A prompt unpublished or expired simply drops out."""
    if not ids:
        return {}
    return {
        p.pk: p for p in Prompt.objects.live().filter(pk__in=ids).select_related("live_revision")
    }


def _versions(articles: Iterable[Article]) -> dict[int, list[Version]]:
    """Every publication of each article, newest first, from the audit trail's publish events,
    with the public change note of that revision: part of its signed content, unlike the change
    summary, which is a note for reviewers and never shown to readers."""
    live = {article.pk: article.live_revision_id for article in articles}
    summary = Revision.objects.filter(pk=OuterRef("revision_id")).values(
        note=KeyTextTransform("change_note", "content")
    )
    events = (
        AuditEvent.objects.filter(
            action="publish",
            content_type__app_label="articles",
            content_type__model="article",
            object_id__in=list(live),
        )
        .annotate(change_note=Subquery(summary))
        .order_by("-sequence")
        .values_list("object_id", "created_at", "revision_id", "revision_number", "change_note")
    )
    found: dict[int, list[Version]] = {}
    for article_id, at, revision_id, number, change in events:
        found.setdefault(article_id, []).append(
            Version(at, number, change or "", revision_id == live[article_id])
        )
    return found


# --- Keeping stored pages in step ------------------------------------------------------------


def render_on_publish(sender, *, instance: Article, revision: Revision | None, **kwargs) -> None:
    """live_changed receiver for articles: render the new live revision's page inside the
    publishing transaction, so a revision is never live without it."""
    if revision is not None:
        render_pages([instance], at=instance.last_published_at)


def render_pages_placing(sender, *, instance: Prompt, **kwargs) -> None:
    """live_changed receiver for prompts: render again, in the same transaction, the page of
    every live article whose live revision places the prompt."""
    if ids := live_articles_placing(instance):
        articles = Article.objects.filter(pk__in=ids).select_related(
            "live_revision", "live_signature"
        )
        render_pages(list(articles.defer("body", "summary")), at=timezone.now())


def render_pages_citing(sender, *, source: Source, **kwargs) -> None:
    """retraction_changed receiver: render again, in the same transaction, the page of every live
    article whose live revision cites `source`, so its readers are told at once that a study it
    cites was retracted (or that a retraction was withdrawn)."""
    if ids := live_articles_citing(source):
        articles = Article.objects.filter(pk__in=ids).select_related(
            "live_revision", "live_signature"
        )
        render_pages(list(articles.defer("body", "summary")), at=timezone.now())


def live_articles_citing(source: Source) -> list[int]:
    """The ids of the live articles whose live revision cites `source`."""
    citing = Article.objects.published().filter(live_revision__cited_sources=source)
    return sorted(set(citing.values_list("pk", flat=True)))


def live_articles_placing(prompt: Prompt) -> list[int]:
    """The ids of the live articles whose live revision places `prompt`."""
    placed = (
        Article.objects.published()
        .annotate(placed=KeyTransform("prompts", "live_revision__content"))
        .values_list("pk", "placed")
    )
    return [pk for pk, prompts in placed if prompt.pk in _placed_prompts({"prompts": prompts})]


# --- Disclosure -------------------------------------------------------------------------------

_FIRST_PARAGRAPH = re.compile(r"<p[^>]*>(.*?)</p>", re.DOTALL)


def disclosure_label(content: dict[str, Any]) -> str:
    """A promotional page carries its disclosure label as the start of its summary or first
    paragraph (the gate's missing-disclosure check requires it); this finds it, as written."""
    if content.get("kind") != ArticleKind.PROMOTIONAL:
        return ""
    if label := (content.get("disclosure_label") or "").strip():
        return label
    first = _FIRST_PARAGRAPH.search(content.get("body", ""))
    for text in (content.get("summary", ""), strip_tags(first.group(1)) if first else ""):
        if label := _leading_label(text):
            return label
    return "Promotional content"


def _leading_label(text: str) -> str:
    words = normalize(text)
    for label in sorted(rules().disclosure_labels, key=len, reverse=True):
        if words == label or words.startswith(f"{label} "):
            return _first_words(text, len(label.split()))
    return ""


_WORD = re.compile(r"[^\W\d_]+(?:[’'-][^\W\d_]+)*")


def _first_words(text: str, count: int) -> str:
    matches = list(_WORD.finditer(text))[:count]
    return text[matches[0].start() : matches[-1].end()] if matches else ""
