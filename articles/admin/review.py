"""The review screen: one submitted revision as readers would see it, the gate's findings in
place, its sources one click away, what changed since the last approval, and the decision.

Thin like the rest of the admin: who may decide, and the decision itself, are the workflow
engine's (`workflow.permissions`, `workflow.approve`…); what is shown
comes from `articles.review`, `articles.gate` and `articles.rendering`. The page costs a fixed
number of queries whatever the number of revisions, citations or findings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from articles import comments, gate, rendering, review, workflow
from articles.admin.wording import DONE, finding_links
from articles.forms import ApproveForm, RequestChangesForm
from articles.models import Prompt, Revision, Signature
from articles.models.content import display_name
from evidence.models import Source, VerificationStatus

# The decisions taken on this screen, each with its form and the prefix that keeps the two
# forms' fields apart on one page.
DECISIONS = {
    "approve": (ApproveForm, "approve"),
    "request_changes": (RequestChangesForm, "changes"),
}
PROBLEM_STATUSES = {
    VerificationStatus.MISMATCH,
    VerificationStatus.RETRACTED,
    VerificationStatus.NOT_FOUND,
}


def review_view(model_admin, request, object_id: str, number: int):
    obj, revision = _revision_to_review(model_admin, request, object_id, number)
    user = request.user
    is_latest = revision.pk == obj.latest_revision_id
    permissions = workflow.permissions(obj, user, _history(obj))
    decisions = [t for t in permissions.available if t.name in DECISIONS] if is_latest else []
    review_url = model_admin._url("review", obj.pk, revision.number)
    forms = {
        t.name: DECISIONS[t.name][0](
            content=obj, user=user, session=request.session, prefix=DECISIONS[t.name][1]
        )
        for t in decisions
    }

    if request.method == "POST":
        decided = _decide(model_admin, request, obj, permissions, forms, is_latest, review_url)
        if decided is not None:
            return decided

    context = {
        **model_admin.admin_site.each_context(request),
        **review_context(model_admin, obj, revision, user, permissions, decisions=decisions),
        "title": gettext("Review: %(content)s") % {"content": obj},
        "opts": model_admin.opts,
        "original": obj,
        "forms": forms,
        "review_url": review_url,
        # Comments beside the text of this revision; their forms come back to this screen.
        "comments": comments.for_review(obj, revision, user),
        "comments_next": review_url,
        "has_view_permission": True,
        "media": model_admin.media,
    }
    return TemplateResponse(request, "admin/articles/review.html", context)


def _revision_to_review(model_admin, request, object_id: str, number: int):
    """The content and its revision `number`, or 404 (403 for content this person may not
    see)."""
    obj = model_admin._viewable(request, object_id)
    if obj is None:
        raise Http404("No such content.")
    if not workflow.may_see(obj, request.user):
        raise PermissionDenied
    revision = obj.revisions.select_related("created_by__profile").filter(number=number).first()
    if revision is None:
        raise Http404("This content has no such revision.")
    return obj, revision


def _decide(
    model_admin, request, obj, permissions, forms, is_latest: bool, review_url: str
) -> HttpResponseRedirect | None:
    """Take the posted decision and redirect, or return None to show the page again with the
    refused form (it replaces the blank one in `forms`, with its errors)."""
    user = request.user
    decision = request.POST.get("decision", "")
    if decision not in forms:
        refusal = permissions.why_not(decision) if decision in DECISIONS and is_latest else ""
        messages.error(
            request, refusal or gettext("That decision is not open to you on this revision now.")
        )
        return HttpResponseRedirect(review_url)
    if request.POST.get("shown_hash") != obj.latest_revision.content_hash:
        messages.error(
            request,
            gettext(
                "“%(content)s” changed after you opened it; it is now revision "
                "%(number)s. Read it again, then decide. Nothing was done."
            )
            % {"content": obj, "number": obj.latest_revision.number},
        )
        return HttpResponseRedirect(model_admin._url("review", obj.pk, obj.latest_revision.number))
    form_class, prefix = DECISIONS[decision]
    form = form_class(request.POST, content=obj, user=user, session=request.session, prefix=prefix)
    if form.is_valid():
        try:
            getattr(workflow, decision)(obj, user, **form.engine_kwargs())
        except workflow.WorkflowError as refusal:
            # A gate refusal names its blockers; each is listed beside the text.
            form.add_error(None, str(refusal))
        else:
            messages.success(request, DONE[decision] % {"content": obj})
            return HttpResponseRedirect(model_admin._url("change", obj.pk))
    forms[decision] = form
    return None


def _history(obj) -> list[tuple[int, int | None, bool]]:
    """The revisions as (number, created_by_id, signed), in one query: what the comparisons
    need, and what `workflow.permissions` reads instead of asking again."""
    return list(
        obj.revisions.annotate(
            signed=Exists(Signature.objects.filter(revision=OuterRef("pk")))
        ).values_list("number", "created_by_id", "signed")
    )


def review_context(
    model_admin, obj, revision: Revision, user, permissions: workflow.Permissions, *, decisions
) -> dict[str, Any]:
    content = revision.content
    is_latest = revision.pk == obj.latest_revision_id
    history = permissions.history
    may_approve = any(t.name == "approve" for t in decisions)
    findings = gate.run(
        obj,
        revision=revision,
        stage="approve" if may_approve else "review",
        reviewer=user if may_approve else None,
    )
    placed = _placed_findings(findings, _may_override(findings, permissions, is_latest))
    marked = _marked_fields(obj, content, placed)
    body = review.mark_findings(content.get("body", ""), placed)
    body = review.body_with_source_buttons(body, content)

    comparisons = _comparisons(obj, revision, history)
    about = finding_links(findings, user)
    return {
        "revision": revision,
        "revision_author": display_name(revision.created_by),
        "is_latest": is_latest,
        "latest_review_url": (
            "" if is_latest else model_admin._url("review", obj.pk, obj.latest_revision.number)
        ),
        "content": content,
        "marked": marked,
        "is_prompt": isinstance(obj, Prompt),
        # The body was sanitized when stored; the marks and buttons added here are built from
        # numbers and escaped values only.
        "body_html": mark_safe(body),  # noqa: S308
        "findings": [{"placed": p, "about": about.get(p.finding.about)} for p in placed],
        "blocker_count": sum(1 for p in placed if p.severity == "blocker"),
        "sources": _cited_sources(content),
        "comparisons": comparisons,
        "decisions": decisions,
        # Why this person cannot approve this revision now, in the engine's words.
        "approve_refusal": (
            permissions.why_not("approve")
            if is_latest
            else gettext(
                "This is not the latest revision; decisions are taken on revision %(number)s."
            )
            % {"number": obj.latest_revision.number}
        ),
        "override_url": model_admin._url("override", obj.pk),
        "preview_url": model_admin._url("preview", obj.pk, revision.number),
        "change_url": model_admin._url("change", obj.pk),
    }


def _may_override(findings, permissions: workflow.Permissions, is_latest: bool) -> bool:
    """Whether this screen offers override forms: only on the latest revision, only when a
    blocker can be overridden, and only if the engine lets this person (asked last, as it may
    cost a query)."""
    return (
        is_latest
        and any(f.overridable and f.severity == gate.Severity.BLOCKER for f in findings)
        and permissions.may("override")
    )


def _placed_findings(findings, may_override: bool) -> list[review.PlacedFinding]:
    """The findings, blockers first, numbered as their marks in the text; an overridable
    blocker carries its override form's values when this person may override."""
    order = {gate.Severity.BLOCKER: 0, gate.Severity.WARNING: 1, gate.Severity.INFO: 2}
    blocking = gate.Severity.BLOCKER
    return [
        review.PlacedFinding(
            finding,
            number,
            override=(
                {"code": finding.code, "sentence": finding.excerpt}
                if may_override and finding.overridable and finding.severity == blocking
                else None
            ),
        )
        for number, finding in enumerate(sorted(findings, key=lambda f: order[f.severity]), start=1)
    ]


def _marked_fields(obj, content: dict[str, Any], placed) -> dict[str, Any]:
    # One-line fields are escaped first, then marked like the body.
    fields = ("headline", "button label") if isinstance(obj, Prompt) else ("title", "summary")
    return {
        name.replace(" ", "_"): mark_safe(  # noqa: S308 - escaped text with marks built from escaped values
            review.mark_findings(escape(content.get(name.replace(" ", "_"), "")), placed, name)
        )
        for name in fields
    }


def _comparisons(obj, revision: Revision, history) -> list[review.Comparison]:
    """Against the last approved revision before this one, and against the live revision when
    that is another one. One query for their content, one for prompt names when any is placed."""
    approved = max((n for n, _, signed in history if signed and n < revision.number), default=0)
    live_number = obj.live_revision.number if obj.live_revision_id else 0
    wanted = {n for n in (approved, live_number) if n and n != revision.number}
    if not wanted:
        return []
    bases = {r.number: r for r in obj.revisions.filter(number__in=wanted).only("number", "content")}
    ids = review.placed_prompt_ids(revision.content, *(b.content for b in bases.values()))
    names = dict(Prompt.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    found = []
    if approved in bases:
        found.append(
            review.compare(
                bases[approved].content,
                revision.content,
                title=gettext("Since the last approved revision (%(number)s)")
                % {"number": approved},
                prompt_names=names,
            )
        )
    if live_number in bases and live_number != approved:
        found.append(
            review.compare(
                bases[live_number].content,
                revision.content,
                title=gettext("Since the live revision (%(number)s), which readers see now")
                % {"number": live_number},
                prompt_names=names,
            )
        )
    return found


def _cited_sources(content: dict[str, Any]) -> list[review.CitedSource]:
    """Each cited source as its popover shows it: the reference as it will be printed, and the
    library's current verdicts on it (one query)."""
    entries = rendering.references(content)
    ids = [c["source"]["id"] for c in content.get("citations") or []]
    live = (
        Source.objects.only(
            "id", "kind", "verification_status", "verified_at", "retracted", "retraction_notice"
        ).in_bulk(ids)
        if ids
        else {}
    )
    found = []
    for reference, citation in zip(entries, content.get("citations") or [], strict=True):
        source = live.get(citation["source"]["id"])
        entry = reference.entry
        found.append(
            review.CitedSource(
                number=entry.number,
                label=review.source_label(citation["source"]),
                reference_html=reference.html,
                doi_url=entry.doi_url,
                pubmed_url=entry.pubmed_url,
                url=entry.url,
                evidence=(source.evidence_in_plain_words if source else reference.evidence),
                status=review.status_words(source),
                checked_at=source.verified_at if source else None,
                retracted=bool(source and source.retracted),
                retraction_notice=source.retraction_notice if source else "",
                problem=source is None
                or source.retracted
                or source.verification_status in PROBLEM_STATUSES,
            )
        )
    return found
