"""Writing a parsed export: drafts, prompts, sources and citations, in one transaction per file.

Everything goes through `articles.workflow.save_revision`, so each imported article and prompt
has revisions and audit events like content a writer typed in, made by the import account.
Nothing is ever submitted, approved or published here.

Re-import policy (the file is matched to earlier imports by `import_key`):

* a draft the importer made, unchanged by anyone since, is updated to what the file says now;
  a new revision is made only when something a reader would see changed, so importing the same
  file twice changes nothing at all (no revision, no audit event). "Unchanged by anyone" means
  its latest revision is the importer's and it is still owned by whoever the import gave it to:
  the import account (text exports), or the author the WordPress export names;
* content someone has edited since the import, that was given to someone else, or that is in
  review, approved, published or was ever published, is never changed: it is reported as
  skipped, with the reason;
* sources are matched by DOI, then PubMed ID, then (for sources without identifiers) by the
  exact text; an existing source is reused as it is, never overwritten, because a writer or
  `verify_sources` may have corrected it since.

A WordPress export (`load_wxr`) also brings its authors (matched to users by email, then login;
new ones are created inactive, as writers nobody can sign in as until an admin activates them),
categories as topics, tags, excerpts as summaries, the old address and publication date, and its
images through `articles.importers.media`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext

from articles import gate, workflow
from articles.importers.media import MediaLibrary, MediaNote
from articles.importers.parsed import (
    ImportFailed,
    ParsedFile,
    ParsedPost,
    ParsedPrompt,
    ParseError,
    PossiblePrompt,
    slug_for,
)
from articles.importers.wxr import WxrAuthor, WxrFile, WxrPost
from articles.models import (
    Article,
    ArticleSlug,
    AuthorProfile,
    Citation,
    Placement,
    Prompt,
    State,
    Topic,
)
from articles.roles import Role, grant
from articles.sanitize import clean_html
from evidence.models import Source
from evidence.parsing import ParsedReference

# The account imports are made as. Decision: a dedicated account rather than the first admin,
# because admins may not edit content (the workflow gives edits to writers and editors) and
# because the audit trail should say "the importer", not name a person who did not write it.
# It holds the Writer role and owns what a text export brings. It holds the Editor role too,
# because a WordPress import saves drafts owned by their authors (so the byline frozen into each
# revision names them), and the workflow lets only the owner or an editor save someone's content;
# the importer never submits, approves, publishes or assigns. It is active, because the workflow
# treats an inactive user as holding no role, but its password is unusable, so nobody can sign in
# as it. An editor reassigns or edits imported drafts like any other writer's.
IMPORT_USERNAME = "import"
IMPORT_DISPLAY_NAME = "Imported content"
SLUG_MAX = 80


@dataclass
class ArticleOutcome:
    title: str
    line: int
    status: str  # "created", "updated", "unchanged", "skipped"
    kind: str = ""
    kind_reason: str = ""
    reason: str = ""
    article: Article | None = None
    findings: list[gate.Finding] = field(default_factory=list)
    where: str = ""  # "line 12", "item 4 (WordPress post 101)"
    details: dict[str, Any] = field(default_factory=dict)  # more keys for the JSON report


@dataclass
class PromptOutcome:
    prompt: Prompt
    status: str
    reason: str = ""
    appearances: int = 0
    findings: list[gate.Finding] = field(default_factory=list)


@dataclass
class SourceOutcome:
    source: Source
    status: str  # "created" or "existing"


@dataclass
class ImportReport:
    articles: list[ArticleOutcome] = field(default_factory=list)
    prompts: list[PromptOutcome] = field(default_factory=list)
    sources: list[SourceOutcome] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    dry_run: bool = False
    media: list[MediaNote] | None = None  # images not brought in (WordPress exports only)
    possible_prompts: list[PossiblePrompt] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The command-line contract's shape; extra keys inside each item are allowed."""
        report: dict[str, Any] = {
            "articles": [self._article_json(outcome) for outcome in self.articles],
            "prompts": [self._prompt_json(outcome) for outcome in self.prompts],
            "sources": [self._source_json(outcome) for outcome in self.sources],
            "errors": [{"where": error.where, "message": error.message} for error in self.errors],
        }
        if self.media is not None:
            report["media"] = [
                {"file": note.file, "post": note.post, "reason": note.reason, "posts": note.posts}
                for note in self.media
            ]
        report["possible_prompts"] = [
            {"where": p.where, "headline": p.headline, "appearances": p.appearances,
             "message": p.message}
            for p in self.possible_prompts
        ]  # fmt: skip
        report["not_imported"] = self.not_imported()
        return report

    def _row_id(self, obj: Prompt | Source, status: str) -> int | None:
        # After a dry run, rows the run created do not exist: no id rather than a stale one.
        return None if self.dry_run and status == "created" else obj.pk

    @staticmethod
    def _article_json(outcome: ArticleOutcome) -> dict[str, Any]:
        return {
            "slug": outcome.article.slug if outcome.article else "",
            "title": outcome.title,
            "state": outcome.article.state if outcome.article else "",
            "kind": outcome.article.kind if outcome.article else outcome.kind,
            "status": outcome.status,
            "reason": outcome.reason,
            "line": outcome.line,
            "findings": [finding.as_dict() for finding in outcome.findings],
            **outcome.details,
        }

    def _prompt_json(self, outcome: PromptOutcome) -> dict[str, Any]:
        return {
            "id": self._row_id(outcome.prompt, outcome.status),
            "title": outcome.prompt.headline,
            "kind": outcome.prompt.kind,
            "state": outcome.prompt.state,
            "status": outcome.status,
            "reason": outcome.reason,
            "findings": [finding.as_dict() for finding in outcome.findings],
        }

    def _source_json(self, outcome: SourceOutcome) -> dict[str, Any]:
        return {
            "id": self._row_id(outcome.source, outcome.status),
            "doi": outcome.source.doi,
            "pmid": outcome.source.pmid,
            "title": outcome.source.title,
            "status": outcome.status,
        }

    def not_imported(self) -> dict[str, int]:
        """Totals of what the export had and the import left out (WordPress exports; zeros
        for a text export)."""
        details = [outcome.details for outcome in self.articles]
        return {
            "comments": sum(d.get("comments_not_imported", 0) for d in details),
            "password_protected": sum(1 for d in details if d.get("password_protected")),
            "parent_pages": sum(1 for d in details if d.get("parent_page")),
            "galleries": sum(d.get("galleries_not_imported", 0) for d in details),
            "media": sum(len(d.get("media_not_imported", [])) for d in details),
            "embeds_kept_as_links": sum(len(d.get("embeds_kept_as_links", [])) for d in details),
            "images": len(self.media or []),
        }


# --- The importer's account --------------------------------------------------------------------


def importer_user() -> AbstractBaseUser:
    """The dedicated import account, created on first use (see IMPORT_USERNAME)."""
    User = get_user_model()
    user = User.objects.filter(username=IMPORT_USERNAME).first()
    if user is None:
        user = User(username=IMPORT_USERNAME, is_active=True, is_staff=False)
        user.set_unusable_password()
        user.save()
        AuthorProfile.objects.create(user=user, display_name=IMPORT_DISPLAY_NAME)
    elif user.has_usable_password():
        # Someone's real login: importing as them would put their name on work they never did.
        raise ImportFailed(
            gettext(
                "A user named “%(name)s” exists and can sign in; the importer needs that name for "
                "its own account. Rename that user and run the import again."
            )
            % {"name": IMPORT_USERNAME}
        )
    elif not user.is_active:
        raise ImportFailed(
            gettext(
                "The “%(name)s” account has been deactivated, so imports are switched off. An "
                "admin can reactivate it."
            )
            % {"name": IMPORT_USERNAME}
        )
    grant(user, Role.WRITER, Role.EDITOR)
    return user


# --- Sources -----------------------------------------------------------------------------------


class _Sources:
    """Finds or creates the Source for each parsed reference, once per import."""

    def __init__(self) -> None:
        self.outcomes: dict[int, SourceOutcome] = {}

    def get(self, ref: ParsedReference) -> Source:
        source = self._existing(ref)
        if source is not None:
            self.outcomes.setdefault(source.pk, SourceOutcome(source, "existing"))
            return source
        fields = ref.source_fields()
        if fields["url"]:
            try:
                URLValidator()(fields["url"])
            except ValidationError:
                fields["url"] = ""  # still in as_written, for the writer to fix
        source = Source.objects.create(**fields)
        self.outcomes[source.pk] = SourceOutcome(source, "created")
        return source

    @staticmethod
    def _existing(ref: ParsedReference) -> Source | None:
        if ref.doi and (found := Source.objects.filter(doi=ref.doi).first()):
            return found
        if ref.pmid and (found := Source.objects.filter(pmid=ref.pmid).first()):
            return found
        if ref.pmcid and (found := Source.objects.filter(pmcid=ref.pmcid).first()):
            return found
        if ref.doi or ref.pmid or ref.pmcid:
            return None
        # Without identifiers, only the same words are the same source ("Stem Cell Therapy for
        # Osteoarthritis:" in a reading list): a similar title may well be another work.
        return Source.objects.filter(
            doi="", pmid="", pmcid="", url=ref.url, title=ref.title, as_written=ref.as_written
        ).first()


# --- Articles and prompts ----------------------------------------------------------------------


def _why_not_updated(obj: Article | Prompt, user, owner=None) -> str:
    """Why an import must leave this earlier import alone, or "" if it may update it. `owner` is
    whom the import gives the content to (the import account unless the export names an author)."""
    owner = owner or user
    if obj.live_revision_id or obj.first_published_at or obj.state == State.UNPUBLISHED:
        return gettext("already published; an import never changes published content")
    if obj.state == State.IN_REVIEW:
        return gettext("in review; withdraw it from review if the import should update it")
    if obj.state == State.APPROVED:
        return gettext("approved; updating it would void the medical reviewer's approval")
    latest = obj.latest_revision
    if latest is not None and latest.created_by_id != user.pk:
        return gettext(
            "edited by %(name)s since it was imported; the import does not overwrite their work"
        ) % {"name": latest.created_by.get_username()}
    if obj.owner_id != owner.pk:
        return gettext("now owned by %(name)s; the import does not change their work") % {
            "name": obj.owner.get_username()
        }
    return ""


def _unique_slug(title: str) -> str:
    base = slug_for(title)
    if len(base) > SLUG_MAX:
        base = base[:SLUG_MAX].rsplit("-", 1)[0]
    base = base or "imported-post"
    slug, number = base, 2
    # A slug ever published belongs to its article for good (ArticleSlug), even after it moved.
    while (
        Article.objects.filter(slug=slug).exists() or ArticleSlug.objects.filter(slug=slug).exists()
    ):
        slug = f"{base}-{number}"
        number += 1
    return slug


def _save_prompt(parsed: ParsedPrompt, user, origin: str) -> PromptOutcome:
    prompt = Prompt.objects.filter(import_key=parsed.key).first()
    appearances = len(parsed.lines)
    if prompt is not None and (reason := _why_not_updated(prompt, user)):
        return PromptOutcome(prompt, "skipped", reason, appearances)
    wanted = {
        "kind": parsed.kind,
        "name": parsed.headline[:200],
        "headline": parsed.headline[:200],
        "body": clean_html(parsed.body_html),
        "button_label": parsed.button_label,
    }
    if prompt is not None and all(getattr(prompt, k) == v for k, v in wanted.items()):
        return PromptOutcome(prompt, "unchanged", "", appearances)
    status = "updated" if prompt is not None else "created"
    if prompt is None:
        # No disclosure label is invented: the clinic never wrote one, and the gate's
        # missing-disclosure finding is how the writer learns that it is needed.
        prompt = Prompt(import_key=parsed.key, owner=user, disclosure_label="")
    for name, value in wanted.items():
        setattr(prompt, name, value)
    workflow.save_revision(prompt, user, change_summary=f"Imported from {origin}"[:255])
    return PromptOutcome(prompt, status, "", appearances)


@dataclass
class ArticleExtras:
    """What an export says about an article beyond its title, kind, body, citations and prompts
    (a text export says nothing more)."""

    owner: AbstractBaseUser | None = None  # the author; None: the import account
    slug: str = ""  # the old site's, kept if free
    body_html: str | None = None  # the body once its images were brought in
    fields: dict[str, Any] = field(default_factory=dict)  # working-copy fields, by attname
    tags: list[str] | None = None  # None: tags are not the import's business
    history: str = ""  # for the change summary: "WordPress post 101, published 2019-03-01"
    details: dict[str, Any] = field(default_factory=dict)  # for the report


def _save_article(
    post: ParsedPost,
    user,
    prompts: dict[str, Prompt],
    sources: _Sources,
    origin: str,
    extras: ArticleExtras | None = None,
) -> ArticleOutcome:
    extras = extras or ArticleExtras()
    owner = extras.owner or user
    outcome = ArticleOutcome(
        post.title,
        post.line,
        "",
        post.kind,
        post.kind_reason,
        where=post.where,
        details=extras.details,
    )
    article = Article.objects.filter(import_key=post.import_key).first()
    if article is not None and (reason := _why_not_updated(article, user, owner)):
        outcome.status, outcome.reason, outcome.article = "skipped", reason, article
        return outcome
    wanted = _wanted(post, article, prompts, sources, extras)
    if article is not None and _unchanged(article, post, wanted, extras):
        outcome.status, outcome.article = "unchanged", article
        return outcome
    outcome.status = "updated" if article is not None else "created"
    if article is None:
        article = _new_article(post, owner, extras)
    article.title, article.kind, article.body = post.title, post.kind, wanted.body
    for name, value in extras.fields.items():
        setattr(article, name, value)
    workflow.save_revision(
        article,
        user,
        change_summary=_change_summary(outcome.status, origin, extras.history),
        save_related=_related_saver(article, wanted, extras.tags),
    )
    outcome.article = article
    return outcome


@dataclass
class _Wanted:
    """What the file says an article's body, citations and placements are, in the form they are
    compared with what the database has."""

    body: str
    citations: list[tuple]  # (key, order, attribution, supports, source_id)
    placements: list[tuple[int, int]]  # (prompt_id, position)


def _wanted(
    post: ParsedPost,
    article: Article | None,
    prompts: dict[str, Prompt],
    sources: _Sources,
    extras: ArticleExtras,
) -> _Wanted:
    body_html = post.body_html if extras.body_html is None else extras.body_html
    citations: list[tuple] = []
    for citation in post.citations:
        source = sources.get(citation.reference)
        if any(source.pk == cited[-1] for cited in citations):
            # Two references the file writes differently but that are one work (the same DOI):
            # an article cites a source once, so the later one and its marker go.
            body_html = body_html.replace(
                f'<sup data-citation="{citation.key}">{citation.key}</sup>', ""
            )
            continue
        attribution = citation.attribution[:200]
        citations.append(
            (citation.key, int(citation.key), attribution, citation.supports, source.pk)
        )
    placements = [(prompts[key].pk, n) for n, key in enumerate(post.prompt_keys)]
    # Article.save cleans what it stores; cleaning here too is needed only to compare.
    body = clean_html(body_html) if article is not None else body_html
    return _Wanted(body, citations, placements)


def _unchanged(article: Article, post: ParsedPost, wanted: _Wanted, extras: ArticleExtras) -> bool:
    return (
        article.title == post.title
        and article.kind == post.kind
        and article.body == wanted.body
        and all(getattr(article, name) == value for name, value in extras.fields.items())
        and _citations_of(article) == wanted.citations
        and list(article.placements.values_list("prompt_id", "position")) == wanted.placements
        and (extras.tags is None or _same_tags(article, extras.tags))
    )


def _new_article(post: ParsedPost, owner, extras: ArticleExtras) -> Article:
    # A text export has no summary, and a first paragraph ("Intrathecal cell delivery has
    # emerged as…") is an opening, not a summary a reviewer should sign; a WordPress
    # excerpt is one, and comes in `extras.fields`.
    return Article(
        import_key=post.import_key,
        owner=owner,
        slug=_unique_slug(extras.slug or post.title),
        summary="",
    )


def _change_summary(status: str, origin: str, history: str) -> str:
    summary = f"Imported from {origin}" if status == "created" else f"Re-imported: {origin}"
    if history:
        summary += f" ({history})"
    return summary[:255]


def _related_saver(article: Article, wanted: _Wanted, tags: list[str] | None) -> Callable[[], None]:
    """Citations, placements and tags, for `save_revision` to write with the revision."""

    def related() -> None:
        article.citations.all().delete()
        Citation.objects.bulk_create(
            Citation(
                article=article,
                source_id=source_id,
                key=key,
                order=order,
                attribution=attribution,
                supports=supports,
            )
            for key, order, attribution, supports, source_id in wanted.citations
        )
        article.placements.all().delete()
        Placement.objects.bulk_create(
            Placement(article=article, prompt_id=prompt_id, position=position)
            for prompt_id, position in wanted.placements
        )
        if tags is not None:
            article.tags.set(tags)

    return related


def _citations_of(article: Article) -> list[tuple]:
    return list(
        article.citations.order_by("order", "pk").values_list(
            "key", "order", "attribution", "supports", "source_id"
        )
    )


def _same_tags(article: Article, tags: list[str]) -> bool:
    return {name.casefold() for name in article.tags.names()} == {t.casefold() for t in tags}


# --- The whole file ----------------------------------------------------------------------------

Progress = Callable[[int, int], None]  # (posts done, posts in all)


def load(
    parsed: ParsedFile,
    *,
    origin: str = "a text export",
    dry_run: bool = False,
    user: AbstractBaseUser | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Write `parsed` in one transaction and report what happened, with the gate's findings.

    With `dry_run` everything is written, checked and reported, then rolled back, so the report
    is exactly what a real import would say. Any exception rolls the whole file back."""
    report = ImportReport(
        errors=list(parsed.errors), dry_run=dry_run, possible_prompts=parsed.possible_prompts
    )
    with transaction.atomic():
        _write(parsed, report, user or importer_user(), origin, progress=progress)
        if dry_run:
            transaction.set_rollback(True)
    return report


def load_wxr(
    parsed: WxrFile,
    *,
    origin: str = "a WordPress export",
    dry_run: bool = False,
    media_dir: Path | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """`load` for a WordPress export: the same, with authors, topics, tags, dates and images."""
    report = ImportReport(
        errors=list(parsed.errors), dry_run=dry_run, possible_prompts=parsed.possible_prompts
    )
    library = MediaLibrary(media_dir, parsed)
    try:
        with transaction.atomic():
            user = importer_user()
            extras = _WordPress(parsed, library)
            _write(parsed, report, user, origin, extras_for=extras.of, progress=progress)
            if dry_run:
                transaction.set_rollback(True)
    except BaseException:
        library.discard()
        raise
    if dry_run:
        library.discard()
    report.media = library.notes
    return report


def _write(
    parsed: ParsedFile,
    report: ImportReport,
    user,
    origin: str,
    *,
    extras_for: Callable[[Any], ArticleExtras] | None = None,
    progress: Progress | None = None,
) -> None:
    prompts: dict[str, Prompt] = {}
    for key, parsed_prompt in parsed.prompts.items():
        outcome = _save_prompt(parsed_prompt, user, origin)
        prompts[key] = outcome.prompt
        report.prompts.append(outcome)
    sources = _Sources()
    for done, post in enumerate(parsed.posts, start=1):
        extras = extras_for(post) if extras_for is not None else None
        outcome = _save_article(post, user, prompts, sources, origin, extras)
        if outcome.article is not None:
            outcome.findings = gate.run(outcome.article)
        report.articles.append(outcome)
        if progress is not None:
            progress(done, len(parsed.posts))
    report.sources = list(sources.outcomes.values())
    for prompt_outcome in report.prompts:
        prompt_outcome.findings = gate.run(prompt_outcome.prompt)


# --- What a WordPress export adds --------------------------------------------------------------


class _WordPress:
    """Authors, topics and images for each post of a WordPress export, found or made once."""

    def __init__(self, parsed: WxrFile, library: MediaLibrary) -> None:
        self.authors = parsed.authors
        self.library = library
        self.users: dict[str, AbstractBaseUser] = {}
        self.topics: dict[str, Topic] = {}

    def of(self, post: WxrPost) -> ArticleExtras:
        body_html = post.body_html
        for ref in post.images:
            src = self.library.src(ref, post.title)
            if src is None:
                body_html = _without_image(body_html, ref.token)
            else:
                body_html = body_html.replace(ref.token, html.escape(src, quote=True))
        hero, alt = (
            self.library.featured(post.thumbnail_id, post.title)
            if post.thumbnail_id
            else (None, "")
        )
        return ArticleExtras(
            owner=self.user(post.author) if post.author else None,
            slug=post.slug,
            body_html=body_html,
            fields={
                "summary": post.summary,
                "topic_id": self.topic(*post.topic).pk if post.topic else None,
                "origin_url": _valid_url(post.origin_url),
                "origin_published_at": post.published_at,
                "hero_image_id": hero.pk if hero else None,
                "hero_alt": alt[:300] if hero else "",
                "origin_password_protected": post.password_protected,
            },
            tags=post.tags,
            history=post.history,
            details={
                "wordpress_id": post.wp_id,
                "post_type": post.post_type,
                "original_status": post.status,
                "history": post.history,
                **post.not_imported,
            },
        )

    def user(self, login: str) -> AbstractBaseUser:
        key = login.casefold()
        if key not in self.users:
            self.users[key] = _author(self.authors.get(key) or WxrAuthor(login=login))
        return self.users[key]

    def topic(self, name: str, slug: str) -> Topic:
        if slug not in self.topics:
            topic = (
                Topic.objects.filter(slug=slug).first()
                or Topic.objects.filter(name__iexact=name).first()
            )
            if topic is None:
                topic = Topic.objects.create(name=name[:120], slug=slug[:120] or "topic")
            self.topics[slug] = topic
        return self.topics[slug]


def _author(author: WxrAuthor) -> AbstractBaseUser:
    """The writer an export's author is, else a new writer account that nobody can sign in to
    until an admin activates it.

    Only writers are candidates, matched by email (any case), or by login when no email says
    otherwise. A Vetted user who merely shares a login is someone else: WordPress sites nearly
    all have an author called "admin", and matching it to Vetted's admin would put that person's
    name on the byline of content they never wrote (and bar a matched reviewer from approving
    it)."""
    User = get_user_model()
    writers = User.objects.filter(groups__name=Role.WRITER.value).order_by("pk")
    if author.email and (found := writers.filter(email__iexact=author.email).first()):
        return found
    found = writers.filter(username__iexact=author.login).first()
    if found is not None and not (author.email and found.email):
        return found
    user = User(username=_free_username(author.login), email=author.email, is_active=False)
    user.set_unusable_password()
    user.save()
    AuthorProfile.objects.create(user=user, display_name=author.display_name or author.login)
    grant(user, Role.WRITER)
    return user


def _free_username(login: str) -> str:
    User = get_user_model()
    base = (login or "author")[:140]
    name, number = base, 2
    while User.objects.filter(username__iexact=name).exists():
        name, number = f"{base}-{number}", number + 1
    return name


def _without_image(body_html: str, token: str) -> str:
    """The body without the <img> that holds `token`, and without the figure, link or
    paragraph it leaves empty."""
    body_html = re.sub(rf"<img\b[^>]*{re.escape(token)}[^>]*>", "", body_html)
    for _ in range(2):  # an emptied link inside an emptied figure
        body_html = _EMPTIED.sub("", body_html)
    return body_html


_EMPTIED = re.compile(r"<(a|figure|p)\b[^>]*>\s*</\1>")


def _valid_url(url: str) -> str:
    try:
        URLValidator()(url)
    except ValidationError:
        return ""
    return url[:500]
