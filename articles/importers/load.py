"""Writing a parsed export: drafts, prompts, sources and citations, in one transaction per file.

Everything goes through `articles.workflow.save_revision`, so each imported article and prompt
has revisions and audit events like content a writer typed in. Nothing is ever submitted,
approved or published here.

Re-import policy (the file is matched to earlier imports by `import_key`):

* a draft the importer made, unchanged by anyone since, is updated to what the file says now;
  a new revision is made only when something a reader would see changed, so importing the same
  file twice changes nothing at all (no revision, no audit event);
* content someone has edited since the import, or that is in review, approved, published or
  was ever published, is never changed: it is reported as skipped, with the reason;
* sources are matched by DOI, then PubMed ID, then (for sources without identifiers) by the
  exact text; an existing source is reused as it is, never overwritten, because a writer or
  `verify_sources` may have corrected it since.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.text import slugify

from articles import gate, workflow
from articles.importers.text import ParsedFile, ParsedPost, ParsedPrompt, ParseError
from articles.models import Article, AuthorProfile, Citation, Placement, Prompt, State
from articles.roles import Role, grant
from articles.sanitize import clean_html
from evidence.models import Source
from evidence.parsing import ParsedReference

# The account imports are made as. Decision: a dedicated account rather than the first admin,
# because admins may not edit content (the workflow gives edits to writers and editors) and
# because the audit trail should say "the importer", not name a person who did not write it.
# It holds the Writer role and owns what it imports; it is active, because the workflow treats an
# inactive user as holding no role, but its password is unusable, so nobody can sign in as it.
# An editor reassigns or edits imported drafts like any other writer's.
IMPORT_USERNAME = "import"
IMPORT_DISPLAY_NAME = "Imported content"
SLUG_MAX = 80


class ImportFailed(Exception):
    """The import cannot go ahead; nothing was written. The message is one line."""


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

    def as_json(self) -> dict[str, Any]:
        """The command-line contract's shape; extra keys inside each item are allowed."""

        def row_id(obj, status: str) -> int | None:
            # After a dry run, rows the run created do not exist: no id rather than a stale one.
            return None if self.dry_run and status == "created" else obj.pk

        return {
            "articles": [
                {
                    "slug": outcome.article.slug if outcome.article else "",
                    "title": outcome.title,
                    "state": outcome.article.state if outcome.article else "",
                    "kind": outcome.article.kind if outcome.article else outcome.kind,
                    "status": outcome.status,
                    "reason": outcome.reason,
                    "line": outcome.line,
                    "findings": [finding.as_dict() for finding in outcome.findings],
                }
                for outcome in self.articles
            ],
            "prompts": [
                {
                    "id": row_id(outcome.prompt, outcome.status),
                    "title": outcome.prompt.headline,
                    "kind": outcome.prompt.kind,
                    "state": outcome.prompt.state,
                    "status": outcome.status,
                    "reason": outcome.reason,
                    "findings": [finding.as_dict() for finding in outcome.findings],
                }
                for outcome in self.prompts
            ],
            "sources": [
                {
                    "id": row_id(outcome.source, outcome.status),
                    "doi": outcome.source.doi,
                    "pmid": outcome.source.pmid,
                    "title": outcome.source.title,
                    "status": outcome.status,
                }
                for outcome in self.sources
            ],
            "errors": [{"where": error.where, "message": error.message} for error in self.errors],
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
            f"A user named “{IMPORT_USERNAME}” exists and can sign in; the importer needs that "
            "name for its own account. Rename that user and run the import again."
        )
    elif not user.is_active:
        raise ImportFailed(
            f"The “{IMPORT_USERNAME}” account has been deactivated, so imports are switched off. "
            "An admin can reactivate it."
        )
    grant(user, Role.WRITER)
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


def _why_not_updated(obj: Article | Prompt, user) -> str:
    """Why an import must leave this earlier import alone, or "" if it may update it."""
    if obj.live_revision_id or obj.first_published_at or obj.state == State.UNPUBLISHED:
        return "already published; an import never changes published content"
    if obj.state == State.IN_REVIEW:
        return "in review; withdraw it from review if the import should update it"
    if obj.state == State.APPROVED:
        return "approved; updating it would void the medical reviewer's approval"
    latest = obj.latest_revision
    if latest is not None and latest.created_by_id != user.pk:
        return (
            f"edited by {latest.created_by.get_username()} since it was imported; the import "
            "does not overwrite their work"
        )
    if obj.owner_id != user.pk:
        return f"now owned by {obj.owner.get_username()}; the import does not change their work"
    return ""


def _unique_slug(title: str) -> str:
    base = slugify(title)
    if len(base) > SLUG_MAX:
        base = base[:SLUG_MAX].rsplit("-", 1)[0]
    base = base or "imported-post"
    slug, number = base, 2
    while Article.objects.filter(slug=slug).exists():
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


def _save_article(
    post: ParsedPost, user, prompts: dict[str, Prompt], sources: _Sources, origin: str
) -> ArticleOutcome:
    outcome = ArticleOutcome(post.title, post.line, "", post.kind, post.kind_reason)
    article = Article.objects.filter(import_key=post.import_key).first()
    if article is not None and (reason := _why_not_updated(article, user)):
        outcome.status, outcome.reason, outcome.article = "skipped", reason, article
        return outcome
    body_html = post.body_html
    wanted_citations: list[tuple] = []
    for citation in post.citations:
        source = sources.get(citation.reference)
        if any(source.pk == cited[-1] for cited in wanted_citations):
            # Two references the file writes differently but that are one work (the same DOI):
            # an article cites a source once, so the later one and its marker go.
            body_html = body_html.replace(
                f'<sup data-citation="{citation.key}">{citation.key}</sup>', ""
            )
            continue
        attribution = citation.attribution[:200]
        wanted_citations.append(
            (citation.key, int(citation.key), attribution, citation.supports, source.pk)
        )
    wanted_placements = [(prompts[key].pk, n) for n, key in enumerate(post.prompt_keys)]
    body = clean_html(body_html)
    if article is not None:
        same = (
            article.title == post.title
            and article.kind == post.kind
            and article.body == body
            and _citations_of(article) == wanted_citations
            and list(article.placements.values_list("prompt_id", "position")) == wanted_placements
        )
        if same:
            outcome.status, outcome.article = "unchanged", article
            return outcome
        outcome.status = "updated"
    else:
        # The summary is left blank: the export has none, and a first paragraph ("Intrathecal
        # cell delivery has emerged as…") is an opening, not a summary a reviewer should sign.
        article = Article(
            import_key=post.import_key, owner=user, slug=_unique_slug(post.title), summary=""
        )
        outcome.status = "created"
    article.title, article.kind, article.body = post.title, post.kind, body

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
            for key, order, attribution, supports, source_id in wanted_citations
        )
        article.placements.all().delete()
        Placement.objects.bulk_create(
            Placement(article=article, prompt_id=prompt_id, position=position)
            for prompt_id, position in wanted_placements
        )

    summary = f"Imported from {origin}" if outcome.status == "created" else f"Re-imported: {origin}"
    workflow.save_revision(article, user, change_summary=summary[:255], save_related=related)
    outcome.article = article
    return outcome


def _citations_of(article: Article) -> list[tuple]:
    return list(
        article.citations.order_by("order", "pk").values_list(
            "key", "order", "attribution", "supports", "source_id"
        )
    )


# --- The whole file ----------------------------------------------------------------------------


def load(
    parsed: ParsedFile,
    *,
    origin: str = "a text export",
    dry_run: bool = False,
    user: AbstractBaseUser | None = None,
) -> ImportReport:
    """Write `parsed` in one transaction and report what happened, with the gate's findings.

    With `dry_run` everything is written, checked and reported, then rolled back, so the report
    is exactly what a real import would say. Any exception rolls the whole file back."""
    report = ImportReport(errors=list(parsed.errors), dry_run=dry_run)
    with transaction.atomic():
        user = user or importer_user()
        prompts: dict[str, Prompt] = {}
        for key, parsed_prompt in parsed.prompts.items():
            outcome = _save_prompt(parsed_prompt, user, origin)
            prompts[key] = outcome.prompt
            report.prompts.append(outcome)
        sources = _Sources()
        for post in parsed.posts:
            report.articles.append(_save_article(post, user, prompts, sources, origin))
        report.sources = list(sources.outcomes.values())
        for item in _checked(report):
            content = item.article if isinstance(item, ArticleOutcome) else item.prompt
            item.findings = gate.run(content)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _checked(report: ImportReport) -> Iterable[ArticleOutcome | PromptOutcome]:
    yield from (outcome for outcome in report.articles if outcome.article is not None)
    yield from report.prompts
