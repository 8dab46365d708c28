"""The admin side of reviewed content: one mixin shared by ArticleAdmin and PromptAdmin.

The admin stays thin. Every change of content or state goes through `articles.workflow`, which
checks role, ownership and state; the admin renders what the engine allows and why not
(`workflow.permissions`), passes the input along, and shows the engine's refusals
(`workflow.WorkflowError`) as messages.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, ngettext

from articles import audit, comments, gate, rendering, workflow
from articles.admin.history import AuditTrailHistory
from articles.admin.queues import BY_KEY, MISSED_SCHEDULE, active_queue
from articles.admin.review import review_view
from articles.admin.wording import DONE, finding_links
from articles.forms import TRANSITION_FORMS
from articles.limits import InputTooLarge
from articles.models import Signature, State
from articles.models.content import display_name
from articles.sanitize import clean_html

HASH_PREFIX = 12


# The transitions the publication gate decides (see articles.workflow).
GATED = {"submit", "approve", "publish", "republish"}

# The order buttons appear in, most likely next step first.
PRIMARY = {"submit", "approve", "approve_compliance", "publish", "republish"}


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _age(elapsed: timedelta) -> str:
    days = elapsed.days
    if days >= 1:
        return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}
    hours = elapsed.seconds // 3600
    if not hours:
        return gettext("under an hour")
    return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}


def _iso_when(value: str | None) -> str:
    if not value:
        return gettext("none")
    try:
        return _when(datetime.fromisoformat(value))
    except ValueError:
        return value


def _state_label(value: str) -> str:
    try:
        return str(State(value).label)
    except ValueError:
        return value


def describe_detail(detail: dict) -> str:
    """An audit event's detail, as one line for people."""
    parts = []
    if detail.get("code"):
        parts.append(
            gettext("Overrode %(code)s at %(location)s")
            % {"code": detail["code"], "location": detail.get("location", gettext("the content"))}
        )
    for key, label in (
        ("passage", gettext("On")),
        ("comment", gettext("Comment")),
        ("reason", gettext("Reason")),
        ("change_summary", gettext("Change summary")),
    ):
        if detail.get(key):
            parts.append(f"{label}: {detail[key]}")
    if "go_live_at" in detail or "expire_at" in detail:
        parts.append(
            gettext("Go live: %(go_live)s; take down: %(take_down)s")
            % {
                "go_live": _iso_when(detail.get("go_live_at")),
                "take_down": _iso_when(detail.get("expire_at")),
            }
        )
    if detail.get("reviewer"):
        parts.append(
            gettext("Reviewer: %(reviewer)s; due %(due)s")
            % {"reviewer": detail["reviewer"], "due": _iso_when(detail.get("due_at"))}
        )
    if detail.get("valid_until"):
        parts.append(
            gettext("Approval valid until %(when)s") % {"when": _iso_when(detail["valid_until"])}
        )
    if detail.get("content_hash"):
        parts.append(
            gettext("Signed hash %(hash)s…") % {"hash": detail["content_hash"][:HASH_PREFIX]}
        )
    if detail.get("replaced_revision"):
        parts.append(gettext("Replaced the revision that was live"))
    if detail.get("approval_expired"):
        parts.append(
            gettext("Approval expired %(when)s") % {"when": _iso_when(detail["approval_expired"])}
        )
    return " · ".join(parts)


def _history(revisions: list[dict]) -> list[tuple[int, int | None, bool]]:
    """The revision history the page has already loaded, in the shape `workflow.made_by` reads,
    so asking the engine costs the page no extra queries."""
    return [(r["number"], r["created_by_id"], bool(r["signatures"])) for r in revisions]


def _event_rows(obj) -> list[dict]:
    """The content's audit trail, newest first, as the history panel lists it."""
    return [
        {
            "sequence": e.sequence,
            "actor": e.actor_name,
            "action": e.action.replace("_", " "),
            "from_state": _state_label(e.from_state),
            "to_state": _state_label(e.to_state),
            "created_at": e.created_at,
            "revision_number": e.revision_number,
            "detail": describe_detail(e.detail),
        }
        for e in audit.events_for(obj).order_by("-sequence")
    ]


def _number(value) -> int:
    """A number posted by a form, or 0 (which matches nothing) when it is not one."""
    try:
        number = int(value or 0)
    except ValueError:
        return 0
    return number if 0 < number < 2**31 else 0


# Findings a registry check can settle: the button to run one is offered beside them.
SOURCE_CHECK_CODES = {"unverified-source"}


def _hold_back_blocked(actions: list[dict], blockers: list) -> None:
    """A step the gate would refuse is shown disabled, with the reason, not offered as if it
    would work: the engine runs the same gate when the step is taken."""
    if not blockers:
        return
    n = len(blockers)
    for action in actions:
        if action["name"] in GATED and not action.get("blocked"):
            action["blocked"] = ngettext(
                "Fix the %(count)s blocker listed under “Publication gate” first.",
                "Fix the %(count)s blockers listed under “Publication gate” first.",
                n,
            ) % {"count": n}


def _csv_cell(value) -> str:
    """Cells a spreadsheet would run as a formula are quoted as text."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


class WorkflowAdminMixin(AuditTrailHistory):
    """Shared by every ModelAdmin of reviewed content (articles, prompts).

    Subclasses set `form` (a `articles.forms.ReviewedContentForm`) and `content_fieldsets`.
    """

    content_fieldsets: tuple = ()
    change_form_template = "admin/articles/reviewed_change_form.html"
    workflow_display_fields = (
        "state_badge",
        "owner_name",
        "revision_label",
        "assignment_label",
        "approval_label",
        "live_label",
    )
    save_fields = ("change_summary", "base_revision")
    actions = None  # content is never deleted in bulk (or at all): it is unpublished
    list_per_page = 50

    class Media:
        css = {"all": ["vetted/admin/workspace.css", "vetted/admin/comments.css"]}
        js = ["vetted/admin/comments.js"]

    # --- Who sees and edits what -------------------------------------------------------------

    def sees_everything(self, user) -> bool:
        return workflow.sees_everything(user, self.model)

    def may_see(self, user, obj) -> bool:
        return workflow.may_see(obj, user)

    def get_queryset(self, request):
        qs = (
            super()
            .get_queryset(request)
            .select_related(
                "owner__profile", "latest_revision", "live_revision", "reviewer__profile"
            )
        )
        if not self.sees_everything(request.user):
            qs = qs.filter(owner=request.user)
        return qs

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and not self.sees_everything(request.user):
            # Someone else's content: refuse, rather than pretend it does not exist.
            field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
            try:
                key = field.to_python(object_id)
            except (ValidationError, ValueError):
                return None
            if self.model._default_manager.filter(**{field.name: key}).exists():
                raise PermissionDenied
        return obj

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or self.may_see(request.user, obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        # While a posted form is being saved, the engine decides (see changeform_view).
        return workflow.may_edit(obj, request.user) or getattr(
            request, "_vetted_engine_decides", False
        )

    def has_delete_permission(self, request, obj=None):
        return False

    def get_ordering(self, request):
        queue = BY_KEY.get(active_queue(request))
        if queue and queue.ordering:
            return queue.ordering
        return super().get_ordering(request)

    def view_on_site(self, obj):
        if obj.is_live and hasattr(obj, "get_absolute_url"):
            return obj.get_absolute_url()
        return None

    # --- The form ----------------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        editable = obj is None or self.has_change_permission(request, obj)
        fieldsets = []
        if obj is not None:
            fieldsets.append(("Workflow", {"fields": self.workflow_display_fields}))
        for name, options in self.content_fieldsets:
            fields = options["fields"]
            if not editable:
                # A reader sees the body as it will look, not as HTML source.
                fields = tuple("body_preview" if f == "body" else f for f in fields)
            fieldsets.append((name, {**options, "fields": fields}))
        if editable:
            fieldsets.append(("Save", {"fields": self.save_fields}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return (
            *super().get_readonly_fields(request, obj),
            *self.workflow_display_fields,
            "body_preview",
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_vetted_save_refusal", "")
        if refusal:
            form = type(form.__name__, (form,), {"save_refusal": refusal})
        return form

    # --- Saving through the engine -----------------------------------------------------------

    def save_model(self, request, obj, form, change):
        """Nothing here: `save_related` hands the whole save to `workflow.save_revision`, which
        saves the content row, then the placements and tags, then freezes the revision."""

    def save_related(self, request, form, formsets, change):
        save_inlines_and_m2m = super().save_related
        workflow.save_revision(
            form.instance,
            request.user,
            base_revision=form.cleaned_data.get("base_revision"),
            change_summary=form.cleaned_data.get("change_summary") or "",
            change_note=form.cleaned_data.get("change_note") or "",
            save_related=lambda: save_inlines_and_m2m(request, form, formsets, change),
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            # The content may have changed state since the form was loaded (submitted from
            # another tab, say). Let the engine refuse such a save in its own words, so the
            # person keeps their text, instead of answering a bare 403. Who may post at all is
            # still the model permission and `get_object` (a writer's own content only).
            request._vetted_engine_decides = True
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except workflow.WorkflowError as refusal:
            if request.method != "POST" or getattr(request, "_vetted_save_refusal", ""):
                raise
            # The engine refused the save (most often EditConflict) and its transaction rolled
            # back. Show its message and render the form again from the same POST, marked
            # invalid, so the person keeps what they typed.
            messages.error(request, str(refusal))
            request._vetted_save_refusal = (
                "Nothing was saved. Your text is still in the form below; copy it before you "
                "reload the page."
            )
            return super().changeform_view(request, object_id, form_url, extra_context)

    # --- Displays ----------------------------------------------------------------------------

    @admin.display(description=gettext_lazy("State"), ordering="state")
    def state_badge(self, obj):
        return format_html(
            '<span class="vetted-state vetted-state-{}">{}</span>',
            obj.state,
            obj.get_state_display(),
        )

    @admin.display(description=gettext_lazy("Owner"), ordering="owner__username")
    def owner_name(self, obj):
        return display_name(obj.owner)

    @admin.display(description=gettext_lazy("Rev."), ordering="latest_revision__number")
    def revision_number(self, obj):
        return obj.latest_revision.number if obj.latest_revision_id else "—"

    @admin.display(description=gettext_lazy("Latest revision"))
    def revision_label(self, obj):
        revision = obj.latest_revision
        if revision is None:
            return "—"
        return format_html(
            '{} · <span class="vetted-hash" title="{}">{}…</span>',
            revision.number,
            revision.content_hash,
            revision.content_hash[:HASH_PREFIX],
        )

    @admin.display(description=gettext_lazy("Approval"))
    def approval_label(self, obj):
        signature = workflow.valid_signature(obj)
        if signature is None:
            return gettext("The latest revision is not approved.")
        credentials = (
            f", {signature.reviewer_credentials}" if signature.reviewer_credentials else ""
        )
        text = gettext("Signed by %(reviewer)s on %(signed)s; valid until %(until)s") % {
            "reviewer": f"{signature.reviewer_name}{credentials}",
            "signed": _when(signature.signed_at),
            "until": _when(signature.valid_until),
        }
        if workflow.needs_compliance(obj):
            compliance = workflow.compliance_signature(obj)
            text += (
                gettext("; compliance approval signed by %(reviewer)s on %(signed)s")
                % {"reviewer": compliance.reviewer_name, "signed": _when(compliance.signed_at)}
                if compliance
                else gettext("; a compliance approval is still needed before it can be published")
            )
        return text

    @admin.display(description=gettext_lazy("Medical review"))
    def assignment_label(self, obj):
        if not obj.reviewer_id:
            return gettext("No reviewer assigned; any medical reviewer may review it.")
        if obj.review_due_at:
            return gettext("Assigned to %(reviewer)s, due %(due)s") % {
                "reviewer": display_name(obj.reviewer),
                "due": _when(obj.review_due_at),
            }
        return gettext("Assigned to %(reviewer)s") % {"reviewer": display_name(obj.reviewer)}

    @admin.display(description=gettext_lazy("On the public site"))
    def live_label(self, obj):
        parts = []
        if obj.live_revision_id:
            parts.append(
                gettext("Revision %(number)s is live since %(when)s")
                % {"number": obj.live_revision.number, "when": _when(obj.go_live_at)}
            )
            if obj.expire_at:
                parts.append(gettext("until %(when)s") % {"when": _when(obj.expire_at)})
            if obj.has_unpublished_changes:
                parts.append(gettext("newer changes are not published yet"))
        else:
            parts.append(gettext("Not published"))
        if obj.scheduled_at:
            parts.append(
                gettext("the latest revision is scheduled to go live %(when)s")
                % {"when": _when(obj.scheduled_at)}
            )
            if obj.expire_at and not obj.live_revision_id:
                parts.append(gettext("and to come down %(when)s") % {"when": _when(obj.expire_at)})
        return "; ".join(parts)

    @admin.display(description=gettext_lazy("Reviewer"), ordering="reviewer__username")
    def reviewer_name(self, obj):
        return display_name(obj.reviewer) if obj.reviewer_id else "—"

    @admin.display(description=gettext_lazy("Review due"), ordering="review_due_at")
    def review_due(self, obj):
        if obj.review_due_at is None:
            return "—"
        when = date_format(timezone.localtime(obj.review_due_at), "SHORT_DATE_FORMAT")
        if obj.state == State.IN_REVIEW and obj.review_due_at < timezone.now():
            return format_html(
                '<strong class="vetted-late">{}</strong>',
                gettext("%(date)s (overdue)") % {"date": when},
            )
        return when

    @admin.display(description=gettext_lazy("Waiting"), ordering="submitted_at")
    def waiting(self, obj):
        """How long content in review has waited since it was submitted."""
        if obj.state != State.IN_REVIEW or obj.submitted_at is None:
            return "—"
        return _age(timezone.now() - obj.submitted_at)

    @admin.display(description=gettext_lazy("Live"), boolean=True)
    def live_flag(self, obj):
        return obj.is_live

    @admin.display(description=gettext_lazy("Body"))
    def body_preview(self, obj):
        # Stored bodies are already sanitized on save; cleaning again costs little and keeps
        # this page safe whatever wrote the row.
        try:
            body = mark_safe(clean_html(obj.body))  # noqa: S308 - the output of the one sanitizer
        except InputTooLarge as refusal:  # stored before the limits were lowered
            return refusal
        return format_html('<div class="vetted-preview">{}</div>', body)

    # --- The change page ---------------------------------------------------------------------

    def _url(self, name: str, *args) -> str:
        return reverse(
            f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_{name}",
            args=args,
        )

    def audit_trail_url(self, request, obj) -> str:
        """The change page shows its own audit trail to everyone who may open it."""
        return f"{self._url('change', obj.pk)}#vetted-events-heading"

    def _latest_preview_url(self, obj) -> str:
        revision = obj.latest_revision
        return self._url("preview", obj.pk, revision.number) if revision else ""

    def workflow_context(self, request, obj) -> dict:
        shown = self._revision_rows(obj)
        # One decision for the whole page (buttons, the save form, overrides), from the revision
        # history already loaded.
        permissions = workflow.permissions(obj, request.user, _history(shown))
        actions = self._action_rows(obj, permissions)
        edit_refusal = ""
        if super().has_change_permission(request, obj):
            edit_refusal = permissions.why_not("edit")
        return {
            "permissions": permissions,
            "actions": actions,
            "edit_refusal": edit_refusal,
            "revisions": shown,
            "events": _event_rows(obj),
            "preview_url": self._latest_preview_url(obj),
            "review_url": (
                self._url("review", obj.pk, obj.latest_revision.number)
                if obj.state == State.IN_REVIEW and obj.latest_revision_id
                else ""
            ),
            "missed_schedule": (
                gettext("Scheduled to go live %(when)s.") % {"when": _when(obj.scheduled_at)}
                + f" {MISSED_SCHEDULE}"
                if obj.missed_schedule
                else ""
            ),
            "signatures_url": self._url("signatures", obj.pk),
            "signatures_csv_url": self._url("signatures_csv", obj.pk),
        }

    def _revision_rows(self, obj) -> list[dict]:
        """The revision history, newest first, with each revision's signatures (two queries)."""
        revisions = obj.revisions.select_related("created_by__profile").prefetch_related(
            "signatures"
        )
        return [
            {
                "number": r.number,
                "author": display_name(r.created_by),
                "created_by_id": r.created_by_id,
                "created_at": r.created_at,
                "change_summary": r.change_summary,
                "hash": r.content_hash,
                "hash_prefix": r.content_hash[:HASH_PREFIX],
                "is_latest": r.pk == obj.latest_revision_id,
                "is_live": r.pk == obj.live_revision_id,
                "preview_url": self._url("preview", obj.pk, r.number),
                "signatures": list(r.signatures.all()),
            }
            for r in revisions.order_by("-number")
        ]

    def _action_rows(self, obj, permissions: workflow.Permissions) -> list[dict]:
        actions = [
            {
                "name": t.name,
                "label": t.label,
                "url": self._url("transition", obj.pk, t.name),
                "confirm": t.name in TRANSITION_FORMS,
                "primary": t.name in PRIMARY,
            }
            for t in permissions.available
        ]
        # A step this person's role would allow but a rule about them refuses (they wrote it):
        # shown disabled with the engine's reason, so they know it is for someone else.
        actions += [
            {"name": t.name, "label": t.label, "blocked": reason}
            for t, reason in permissions.withheld
        ]
        return actions

    def gate_context(self, request, obj, permissions: workflow.Permissions) -> dict:
        """The publication gate's findings on the latest revision, grouped for the review panel.

        A reviewer who may approve now sees the approve-stage findings too (their own
        credentials); whoever may `override` (the engine decides) gets the form beside each
        blocking finding that can be overridden."""
        user = request.user
        may_approve = permissions.may("approve")
        findings = gate.run(
            obj,
            stage="approve" if may_approve else "review",
            reviewer=user if may_approve else None,
        )
        overridable = [f for f in findings if f.overridable and f.severity == gate.Severity.BLOCKER]
        may_override = bool(overridable) and permissions.may("override")
        groups: dict[str, list[dict]] = {"blockers": [], "warnings": [], "info": []}
        group_of = {
            gate.Severity.BLOCKER: "blockers",
            gate.Severity.WARNING: "warnings",
            gate.Severity.INFO: "info",
        }
        about = finding_links(findings, user)
        for finding in findings:
            groups[group_of[finding.severity]].append(
                {
                    **finding.as_dict(),
                    "about": about.get(finding.about),
                    "override": (
                        {"code": finding.code, "sentence": finding.excerpt}
                        if may_override and finding in overridable
                        else None
                    ),
                }
            )
        revision = obj.latest_revision
        return {
            **groups,
            "source_check": (
                self.source_check(obj)
                if any(f.code in SOURCE_CHECK_CODES for f in findings)
                else None
            ),
            "revision_number": revision.number if revision else None,
            "override_url": self._url("override", obj.pk),
            "stage": "approve" if may_approve else "review",
        }

    def source_check(self, obj) -> dict | None:
        """Where "Check sources now" posts, for content that cites sources (articles)."""
        return None

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context["workflow"] = self.workflow_context(request, obj)
            context["gate"] = self.gate_context(request, obj, context["workflow"]["permissions"])
            _hold_back_blocked(context["workflow"]["actions"], context["gate"]["blockers"])
            if obj.latest_revision is not None:
                context["comments"] = comments.for_review(obj, obj.latest_revision, request.user)
            context["changes_requested"] = comments.latest_changes_request(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- Extra pages: transitions and signatures ---------------------------------------------

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/transition/<str:name>/",
                wrap(self.transition_view),
                name=f"{prefix}_transition",
            ),
            path(
                "<path:object_id>/override/",
                wrap(self.override_view),
                name=f"{prefix}_override",
            ),
            path(
                "<path:object_id>/comments/add/",
                wrap(self.comment_view),
                name=f"{prefix}_comment_add",
            ),
            path(
                "<path:object_id>/comments/<int:comment_id>/reply/",
                wrap(self.comment_view),
                {"action": "reply"},
                name=f"{prefix}_comment_reply",
            ),
            path(
                "<path:object_id>/comments/<int:comment_id>/resolve/",
                wrap(self.comment_view),
                {"action": "resolve"},
                name=f"{prefix}_comment_resolve",
            ),
            path(
                "<path:object_id>/revisions/<int:number>/preview/",
                wrap(self.preview_view),
                name=f"{prefix}_preview",
            ),
            path(
                "<path:object_id>/revisions/<int:number>/review/",
                wrap(self.review_view),
                name=f"{prefix}_review",
            ),
            path(
                "<path:object_id>/signatures/",
                wrap(self.signatures_view),
                name=f"{prefix}_signatures",
            ),
            path(
                "<path:object_id>/signatures.csv",
                wrap(self.signatures_csv),
                name=f"{prefix}_signatures_csv",
            ),
            *super().get_urls(),
        ]

    def _viewable(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and not self.has_view_permission(request, obj):
            raise PermissionDenied
        return obj

    def transition_view(self, request, object_id, name):
        """POST here to perform a transition. Transitions that need input (approve, request
        changes, schedule, unpublish) first answer with their confirmation form, and act once
        that form is posted back with `_confirm`."""
        if name not in workflow.TRANSITIONS or name in workflow.NOT_BUTTONS:
            raise Http404("No such transition.")  # saving, overrides, comments: their own views
        obj = self._viewable(request, object_id)
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        change_url = self._url("change", obj.pk)
        # Buttons on the change page post the hash of the revision the page showed: a decision
        # is about what the person saw, so if the content moved on since, nothing happens.
        shown = request.POST.get("shown_hash")
        latest = obj.latest_revision
        if shown and latest is not None and shown != latest.content_hash:
            messages.error(
                request,
                gettext(
                    "“%(content)s” changed after you opened it; it is now revision %(number)s. "
                    "Read it again, then decide. Nothing was done."
                )
                % {"content": obj, "number": latest.number},
            )
            return HttpResponseRedirect(change_url)
        form_class = TRANSITION_FORMS.get(name)
        if form_class is None:
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return self._perform(request, obj, name, {}, change_url)

        if request.method == "POST" and "_confirm" in request.POST:
            form = form_class(request.POST, content=obj, user=request.user, session=request.session)
            if form.is_valid():
                response = self._perform(request, obj, name, form.engine_kwargs(), change_url)
                if response is not None:
                    return response
                try:  # refused: show the form again if the transition is still possible
                    workflow.check(name, obj, request.user)
                except workflow.WorkflowError:
                    return HttpResponseRedirect(change_url)
        elif request.method in ("GET", "HEAD", "POST"):
            try:
                workflow.check(name, obj, request.user)
            except workflow.WorkflowError as refusal:
                messages.error(request, str(refusal))
                return HttpResponseRedirect(change_url)
            form = form_class(content=obj, user=request.user, session=request.session)
        else:
            return HttpResponseNotAllowed(["GET", "POST"])
        return self._render_confirmation(request, obj, name, form, change_url)

    def _perform(self, request, obj, name, kwargs, change_url):
        """Run the engine function named after the transition. Returns the redirect on success;
        on refusal shows the engine's message and returns a redirect for button transitions,
        None for transitions with a form (the caller decides whether to show it again)."""
        engine = getattr(workflow, name)
        try:
            engine(obj, request.user, **kwargs)
        except workflow.GateBlocked as refusal:
            # One sentence, pointing at the panel that lists each finding and what to do.
            n = len(refusal.blockers)
            messages.error(
                request,
                format_html(
                    ngettext(
                        "“{content}” was not {done}: {count} blocker stands. "
                        '<a href="{url}#vetted-gate-heading">See the publication gate</a> for '
                        "what to fix.",
                        "“{content}” was not {done}: {count} blockers stand. "
                        '<a href="{url}#vetted-gate-heading">See the publication gate</a> for '
                        "what to fix.",
                        n,
                    ),
                    content=obj,
                    done=workflow.past_tense(name),
                    count=n,
                    url=change_url,
                ),
            )
            if name in TRANSITION_FORMS:
                return None
            return HttpResponseRedirect(change_url)
        except workflow.WorkflowError as refusal:
            messages.error(request, str(refusal))
            if name in TRANSITION_FORMS:
                return None
            return HttpResponseRedirect(change_url)
        messages.success(request, DONE[name] % {"content": obj})
        return HttpResponseRedirect(change_url)

    def override_view(self, request, object_id):
        """POST a reviewer's override of one gate finding (code, sentence, reason). The engine
        (`workflow.override_finding`) decides whether this person may, and audits it."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._viewable(request, object_id)
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        try:
            workflow.override_finding(
                obj,
                request.user,
                code=request.POST.get("code", ""),
                sentence=request.POST.get("sentence", ""),
                reason=request.POST.get("reason", ""),
            )
        except workflow.WorkflowError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                gettext(
                    "Your override is recorded with your reason; the finding is now shown as "
                    "information and no longer blocks."
                ),
            )
        if request.POST.get("return_to") == "review" and obj.latest_revision_id:
            return HttpResponseRedirect(
                self._url("review", obj.pk, obj.latest_revision.number) + "#review-findings"
            )
        return HttpResponseRedirect(self._url("change", obj.pk))

    def comment_view(self, request, object_id, comment_id=None, action="add"):
        """POST a review comment, a reply or a resolution. `articles.comments` decides who may,
        and audits it; the person returns to the page they came from (`next`, this site only)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._viewable(request, object_id)
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = self._url("change", obj.pk)
        text = request.POST.get("text", "")
        try:
            if action == "add":
                done = comments.add(
                    obj,
                    request.user,
                    text=text,
                    paragraph=_number(request.POST.get("paragraph")),
                    quote=request.POST.get("quote", ""),
                    revision=obj.revisions.filter(
                        number=_number(request.POST.get("revision"))
                    ).first(),
                )
                thread, said = done.pk, "Your comment is beside the passage for the writer."
            elif action == "reply":
                comments.reply(obj, comment_id, request.user, text=text)
                thread, said = comment_id, "Your reply is added."
            else:
                comments.resolve(obj, comment_id, request.user)
                thread, said = comment_id, "The comment is marked resolved."
        except workflow.WorkflowError as refusal:
            messages.error(request, str(refusal))
            if text.strip():
                messages.info(request, format_html(gettext("What you wrote: “{}”"), text.strip()))
            return HttpResponseRedirect(f"{back.split('#')[0]}#vetted-comments")
        messages.success(request, said)
        return HttpResponseRedirect(f"{back.split('#')[0]}#vetted-thread-{thread}")

    def _render_confirmation(self, request, obj, name, form, change_url):
        transition = workflow.TRANSITIONS[name]
        context = {
            **self.admin_site.each_context(request),
            "title": f"{transition.label}: {obj}",
            "opts": self.opts,
            "original": obj,
            "transition": transition,
            "form": form,
            "revision": obj.latest_revision,
            "revision_author": (
                display_name(obj.latest_revision.created_by) if obj.latest_revision else ""
            ),
            "change_url": change_url,
            "preview_url": self._latest_preview_url(obj),
            "has_view_permission": True,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/articles/transition_confirm.html", context)

    def _signatures(self, obj):
        return (
            Signature.objects.filter(
                revision__content_type=ContentType.objects.get_for_model(obj),
                revision__object_id=obj.pk,
            )
            .select_related("revision")
            .order_by("-signed_at", "-pk")
        )

    def preview_view(self, request, object_id, number):
        """Revision `number` as the public would see it if it were published: the public page's
        own rendering (`rendering.preview`), for staff who may see this content
        (`workflow.may_see`; others are refused). Never cached, never indexed. Other staff
        pages (the review room) may frame it: it is allowed in a frame from this site only."""
        obj = self._viewable(request, object_id)
        if obj is None or not workflow.may_see(obj, request.user):
            raise PermissionDenied
        revision = obj.revisions.filter(number=number).first()
        if revision is None:
            raise Http404("This content has no such revision.")
        response = HttpResponse(rendering.preview(obj, revision))
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["X-Frame-Options"] = "SAMEORIGIN"
        response._csp_replace = {"frame-ancestors": ["'self'"]}
        return response

    def review_view(self, request, object_id, number):
        """The review screen of revision `number` (articles.admin.review)."""
        return review_view(self, request, object_id, number)

    def signatures_view(self, request, object_id):
        obj = self._viewable(request, object_id)
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Signatures: {obj}",
            "opts": self.opts,
            "original": obj,
            "signatures": list(self._signatures(obj)),
            "change_url": self._url("change", obj.pk),
            "csv_url": self._url("signatures_csv", obj.pk),
            "has_view_permission": True,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/articles/signatures.html", context)

    def signatures_csv(self, request, object_id):
        obj = self._viewable(request, object_id)
        if obj is None:
            raise Http404("No such content.")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{self.opts.model_name}-{obj.pk}-signatures.csv"'
        )
        writer = csv.writer(response)
        writer.writerow(
            [
                "revision",
                "content hash",
                "reviewer",
                "credentials",
                "meaning",
                "signed at",
                "valid until",
                "approval",
            ]
        )
        for signature in self._signatures(obj):
            writer.writerow(
                _csv_cell(value)
                for value in (
                    signature.revision.number,
                    signature.content_hash,
                    signature.reviewer_name,
                    signature.reviewer_credentials,
                    signature.meaning,
                    signature.signed_at.isoformat(),
                    signature.valid_until.isoformat(),
                    signature.get_role_display(),
                )
            )
        return response
