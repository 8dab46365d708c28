"""The editorial workflow: one engine for every kind of reviewed content (articles and prompts).

Who may do what, from which state, is `TRANSITIONS` below; docs/architecture.md ("The workflow")
explains it in prose. Every transition is one atomic function: it locks the content row, checks
role and ownership (`NotAllowed`), then state (`WrongState`), does its work, appends an audit
event and queues notifications for after commit.

The publication gate (`articles.gate`) runs inside submit, approve (with the reviewer's
credentials) and publish (including the scheduled `publish_if_due`), after the role and state
checks and before anything is written; a blocker refuses the transition with `GateBlocked`.
Approving also takes the reviewer's own password and second-factor code (`articles.signing`).
With PROMOTIONAL_SECOND_REVIEW, promotional content (promotional articles, every prompt) is
published only when a medical and a compliance signature both bind the latest revision's hash.

`permissions(content, user)` answers, for every entry of `TRANSITIONS`, whether this person may
do it now and if not why, in the words `check` raises; every transition checks through it, and the
screens and commands ask it rather than look at roles themselves. The table also holds what is not
a change of state but is decided the same way: overriding a gate finding (`override_finding`) and
the review comments (`articles.comments`). Who may see content at all (its change page, its
revisions, their previews) is decided here too (`may_see`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from articles import audit, citations, gate, notifications, signing
from articles.audit.records import signature_digest
from articles.gate.overrides import OVERRIDABLE_CODES, sentence_hash
from articles.models import (
    GateOverride,
    ReviewedContent,
    Revision,
    Signature,
    SignatureRole,
    State,
)
from articles.models.content import credentials, display_name
from articles.models.reviewed import CannotGoLive
from articles.models.revisions import content_hash
from articles.roles import Role, roles_of
from articles.signals import live_changed, revision_saved

S = State
ANY_STATE = frozenset(State)


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[State]
    target: State | None  # None: the working state does not change
    roles: frozenset[Role]

    def describe_roles(self) -> str:
        """ "a medical reviewer, an editor or the writer who owns it": in this order."""
        names = {
            Role.REVIEWER: gettext("a medical reviewer"),
            Role.COMPLIANCE: gettext("a compliance reviewer"),
            Role.EDITOR: gettext("an editor"),
            Role.ADMIN: gettext("an admin"),
            Role.WRITER: gettext("the writer who owns it"),
        }
        held = [name for role, name in names.items() if role in self.roles]
        if len(held) == 1:
            return held[0]
        return gettext("%(some)s or %(last)s") % {"some": ", ".join(held[:-1]), "last": held[-1]}


def _t(name, label, sources, target, *roles) -> Transition:
    return Transition(name, gettext_lazy(label), frozenset(sources), target, frozenset(roles))


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t("edit", "Save", {S.DRAFT, S.CHANGES_REQUESTED, S.APPROVED, S.PUBLISHED, S.UNPUBLISHED},
           S.DRAFT, Role.WRITER, Role.EDITOR),
        _t("submit", "Submit for review", {S.DRAFT, S.CHANGES_REQUESTED}, S.IN_REVIEW,
           Role.WRITER),
        _t("withdraw", "Withdraw from review", {S.IN_REVIEW}, S.DRAFT, Role.WRITER),
        _t("request_changes", "Request changes", {S.IN_REVIEW}, S.CHANGES_REQUESTED,
           Role.REVIEWER),
        _t("approve", "Approve and sign", {S.IN_REVIEW}, S.APPROVED, Role.REVIEWER),
        _t("schedule", "Schedule", {S.APPROVED, S.PUBLISHED}, None, Role.EDITOR),
        _t("publish", "Publish now", {S.APPROVED}, S.PUBLISHED, Role.EDITOR),
        _t("republish", "Publish again", {S.UNPUBLISHED}, S.PUBLISHED, Role.EDITOR),
        _t("unpublish", "Unpublish", ANY_STATE, S.UNPUBLISHED, Role.EDITOR),
        _t("assign", "Assign to a writer", ANY_STATE, None, Role.EDITOR),
        _t("assign_reviewer", "Assign a reviewer", {S.DRAFT, S.CHANGES_REQUESTED, S.IN_REVIEW},
           None, Role.EDITOR),
        _t("approve_compliance", "Approve for compliance", {S.APPROVED}, None, Role.COMPLIANCE),
        # Overriding a gate finding: wherever a gated step (submit, approve, publish, republish)
        # lies ahead, since a blocker refuses that step until it is fixed or overridden.
        _t("override", "Override a gate finding",
           {S.DRAFT, S.CHANGES_REQUESTED, S.IN_REVIEW, S.APPROVED, S.UNPUBLISHED}, None,
           Role.REVIEWER),
        # Review comments (articles.comments): also only for someone who may see the content.
        _t("comment", "Comment", ANY_STATE, None, Role.REVIEWER, Role.EDITOR),
        _t("comment_reply", "Reply", ANY_STATE, None, Role.WRITER, Role.REVIEWER, Role.EDITOR),
        _t("comment_resolve", "Resolve", ANY_STATE, None, Role.WRITER, Role.EDITOR),
    )
}  # fmt: skip

# Not buttons of the workflow panel: saving is the form's own button, an override is a form
# beside its finding, comments have their forms beside the text.
NOT_BUTTONS = frozenset({"edit", "override", "comment", "comment_reply", "comment_resolve"})
COMMENT_ACTIONS = frozenset({"comment", "comment_reply", "comment_resolve"})


class WorkflowError(Exception):
    """A transition was refused. The message is written for the person who tried it."""


class NotAllowed(WorkflowError):
    """This person may not do this to this content."""


class WrongState(WorkflowError):
    """Nobody may do this from the content's current state."""


class EditConflict(WorkflowError):
    """Someone else saved a newer revision since this editor loaded the content."""


class InvalidRequest(WorkflowError):
    """The request itself is incomplete or contradictory (a missing comment, a past date)."""


class GateBlocked(WorkflowError):
    """The publication gate found blockers in the latest revision. `findings` holds every finding
    (blockers, warnings and information), `blockers` the ones that refused the transition."""

    def __init__(self, content: ReviewedContent, transition: str, findings: list[gate.Finding]):
        self.content = content
        self.transition = transition
        self.findings = list(findings)
        self.blockers = gate.blockers(self.findings)
        super().__init__(self._describe())

    @property
    def codes(self) -> list[str]:
        return list(dict.fromkeys(f.code for f in self.blockers))

    @property
    def summary(self) -> str:
        n = len(self.blockers)
        return ngettext("%(count)s blocker (%(codes)s)", "%(count)s blockers (%(codes)s)", n) % {
            "count": n,
            "codes": ", ".join(self.codes),
        }

    def _describe(self) -> str:
        # One sentence: the findings themselves (what is wrong, where, what to do) are in
        # `findings`, for the screen or report that lists them.
        past = _past(TRANSITIONS[self.transition])
        return gettext(
            "“%(content)s” cannot be %(done)s while the publication gate finds "
            "%(summary)s. Nothing was changed."
        ) % {"content": self.content, "done": past, "summary": self.summary}


# --- Who may do what, now -------------------------------------------------------------------

# The revisions a screen has already loaded, as (number, created_by_id, signed).
History = Iterable[tuple[int, int | None, bool]]


@dataclass(frozen=True)
class Refusal:
    """Why a transition is refused: the error `check` raises and its one sentence, written for
    the person asking. `withheld`: their role and the content's state would allow it, a rule
    about this person refuses it (they wrote it, they signed the medical approval)."""

    error: type[WorkflowError]
    reason: str
    withheld: bool = False


class Permissions:
    """What one person may do to one piece of content now, and if not, why: the one decision
    behind `check` (and so every transition), the buttons and forms the screens offer, and the
    commands.

    Each answer is decided when first asked and kept. What an answer needs from the database is
    read at most once: whether the person wrote a revision since the last approval (not at all
    when `history` is given, as `made_by` reads it) and the latest revision's valid signatures
    (only for the transitions that depend on them). Role and state cost no query."""

    def __init__(self, content: ReviewedContent, user, history: History | None = None):
        self.content = content
        self.user = user
        self.history = list(history) if history is not None else None
        self._answers: dict[str, Refusal | None] = {}

    def refusal(self, name: str) -> Refusal | None:
        if name not in self._answers:
            self._answers[name] = self._decide(TRANSITIONS[name])
        return self._answers[name]

    def may(self, name: str) -> bool:
        return self.refusal(name) is None

    def why_not(self, name: str) -> str:
        """The reason this person may not do `name` now; "" if they may."""
        refusal = self.refusal(name)
        return refusal.reason if refusal else ""

    def check(self, name: str) -> Transition:
        """Raise NotAllowed or WrongState unless this person may do `name` now."""
        if refusal := self.refusal(name):
            raise refusal.error(refusal.reason)
        return TRANSITIONS[name]

    @property
    def available(self) -> list[Transition]:
        """The workflow buttons this person may use now (saving, overrides and comments have
        their own forms)."""
        return [t for name, t in TRANSITIONS.items() if name not in NOT_BUTTONS and self.may(name)]

    @property
    def withheld(self) -> list[tuple[Transition, str]]:
        """Buttons this person's role and the state would allow but a rule about them refuses,
        with the reason: shown disabled, so they know why and whom it is for."""
        found = []
        for name, t in TRANSITIONS.items():
            refusal = None if name in NOT_BUTTONS else self.refusal(name)
            if refusal is not None and refusal.withheld:
                found.append((t, refusal.reason))
        return found

    @cached_property
    def see(self) -> bool:
        return may_see(self.content, self.user)

    @cached_property
    def made_it(self) -> bool:
        return made_by(self.content, self.user, self.history)

    @cached_property
    def medical(self) -> Signature | None:
        return valid_signature(self.content)

    @cached_property
    def compliance(self) -> Signature | None:
        return compliance_signature(self.content)

    def _decide(self, t: Transition) -> Refusal | None:
        if error := _role_error(t, self.content, self.user):
            return Refusal(NotAllowed, error)
        if t.name in COMMENT_ACTIONS and not self.see:
            return Refusal(NotAllowed, _only(t))
        if error := self._state_error(t):
            return Refusal(WrongState, error)
        if error := self._person_error(t):
            return Refusal(NotAllowed, error, withheld=True)
        return None

    def _state_error(self, t: Transition) -> str | None:
        content = self.content
        if content.state not in t.sources:
            state = content.get_state_display().lower()
            if t.name == "override":
                return gettext(
                    "“%(content)s” is %(state)s: no step that the publication gate decides lies "
                    "ahead, so there is no finding to override."
                ) % {"content": content, "state": state}
            return gettext("“%(content)s” is %(state)s; it cannot be %(done)s from that state.") % {
                "content": content,
                "state": state,
                "done": _past(t),
            }
        if t.name == "unpublish" and content.live_revision_id is None:
            return gettext("“%(content)s” has nothing live to unpublish.") % {"content": content}
        if t.name == "approve_compliance":
            return self._compliance_state_error()
        if t.name == "republish" and self.medical is None:
            return gettext(
                "“%(content)s” was changed or its approval has expired since it was unpublished; "
                "it must be reviewed and approved again."
            ) % {"content": content}
        return None

    def _compliance_state_error(self) -> str | None:
        content = self.content
        if not needs_compliance(content):
            return gettext("“%(content)s” needs no compliance approval.") % {"content": content}
        if self.medical is None:
            return gettext(
                "“%(content)s” needs a valid medical approval before its compliance approval."
            ) % {"content": content}
        if self.compliance is not None:
            return gettext("“%(content)s” already has a compliance approval of this revision.") % {
                "content": content
            }
        return None

    def _person_error(self, t: Transition) -> str | None:
        content = self.content
        if t.name == "approve" and self.made_it:
            return gettext(
                "You wrote or edited “%(content)s”, so another medical reviewer must approve it."
            ) % {"content": content}
        if t.name == "override" and self.made_it:
            return gettext(
                "You wrote or edited “%(content)s”, so another medical reviewer must judge its "
                "claims."
            ) % {"content": content}
        if t.name == "approve_compliance" and (
            self.made_it or (self.medical is not None and self.medical.reviewer_id == self.user.pk)
        ):
            return gettext(
                "You wrote, edited or medically approved “%(content)s”, so another compliance "
                "reviewer must approve it."
            ) % {"content": content}
        return None


def permissions(content: ReviewedContent, user, history: History | None = None) -> Permissions:
    """Everything `user` may do to `content` now, each refusal with its reason (`Permissions`).
    `history` is the revisions a screen has already loaded, as `made_by` reads them."""
    return Permissions(content, user, history)


def check(name: str, content: ReviewedContent, user) -> Transition:
    """Raise NotAllowed or WrongState unless `user` may perform `name` on `content` now."""
    return permissions(content, user).check(name)


def available(content: ReviewedContent, user) -> list[Transition]:
    """The transitions `user` may perform on `content` now, for buttons and menus."""
    return permissions(content, user).available


def may_edit(content: ReviewedContent, user) -> bool:
    return permissions(content, user).may("edit")


def _role_error(t: Transition, content: ReviewedContent, user) -> str | None:
    held = roles_of(user)
    if held & (t.roles - {Role.WRITER}):
        return None
    if Role.WRITER in t.roles and Role.WRITER in held:
        if content.owner_id == user.pk:
            return None
        return gettext("Only %(who)s may %(action)s “%(content)s”.") % {
            "who": t.describe_roles(),
            "action": t.label.lower(),
            "content": content,
        }
    return _only(t)


def _only(t: Transition) -> str:
    return gettext("Only %(who)s may %(action)s.") % {
        "who": t.describe_roles(),
        "action": t.label.lower(),
    }


def needs_compliance(content: ReviewedContent) -> bool:
    """Whether publishing this content also takes a compliance approval."""
    return settings.PROMOTIONAL_SECOND_REVIEW and content.promotional


def past_tense(name: str) -> str:
    """ "submitted for review", "published"…: for messages about a transition."""
    return _past(TRANSITIONS[name])


def _past(t: Transition) -> str:
    return {
        "edit": gettext("edited"),
        "submit": gettext("submitted for review"),
        "withdraw": gettext("withdrawn from review"),
        "request_changes": gettext("sent back for changes"),
        "approve": gettext("approved"),
        "schedule": gettext("scheduled"),
        "publish": gettext("published"),
        "republish": gettext("published again"),
        "unpublish": gettext("unpublished"),
        "assign": gettext("reassigned"),
        "assign_reviewer": gettext("assigned to a reviewer"),
        "approve_compliance": gettext("approved for compliance"),
        "override": gettext("cleared of a gate finding"),
        "comment": gettext("commented on"),
        "comment_reply": gettext("answered"),
        "comment_resolve": gettext("resolved"),
    }[t.name]


def made_by(content: ReviewedContent, user, history: History | None = None) -> bool:
    """True if the user owns the content or wrote a revision since its last approval.

    `history` is the revisions a screen has already loaded, as (number, created_by_id, signed):
    the same rule answered without a query."""
    if content.owner_id == user.pk:
        return True
    if history is not None:
        history = list(history)
        last_signed = max((number for number, _, signed in history if signed), default=0)
        return any(number > last_signed and by == user.pk for number, by, _ in history)
    revisions = content.revisions.all()
    last_signed = revisions.filter(signatures__isnull=False).aggregate(n=Max("number"))["n"] or 0
    return revisions.filter(number__gt=last_signed, created_by=user).exists()


def sees_everything(user, model: type[ReviewedContent] | None = None) -> bool:
    """Reviewers, editors and admins see all reviewed content; a writer sees their own articles,
    and every prompt (they place prompts others wrote, so they may read them)."""
    held = roles_of(user)
    if model is not None and model._meta.model_name == "prompt" and held:
        return True
    return bool(user.is_superuser or held - {Role.WRITER})


def may_see(content: ReviewedContent, user) -> bool:
    """May this person see this content as it is being worked on: its change page, every
    revision, and each revision's preview. Staff only (see `sees_everything`)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if not (user.is_superuser or roles_of(user)):
        return False
    return sees_everything(user, type(content)) or content.owner_id == user.pk


def who_may_edit(content: ReviewedContent) -> str:
    """Whom to ask to change content one cannot edit oneself, in words for the person asking."""
    return gettext("its writer, %(name)s, or an editor") % {"name": display_name(content.owner)}


# --- Shared machinery -----------------------------------------------------------------------


def _lock(content: ReviewedContent) -> ReviewedContent:
    return type(content).objects.select_for_update().get(pk=content.pk)


def _commit(
    name: str,
    locked: ReviewedContent,
    original: ReviewedContent,
    actor,
    *,
    to_state: State,
    revision: Revision | None = None,
    detail: dict | None = None,
) -> None:
    """Save the engine's fields, append the audit event, queue notifications, and copy the new
    workflow fields onto the caller's instance."""
    from_state = locked.state
    locked.state = to_state
    locked.save(update_fields=[*locked.all_engine_fields(), "updated_at"])
    audit.record(
        name,
        actor=actor,
        obj=locked,
        revision=revision or locked.latest_revision,
        from_state=from_state,
        to_state=to_state,
        detail=detail,
    )
    notifications.queue(name, locked, actor, detail or {})
    for field in (*locked.all_engine_fields(), "updated_at"):
        setattr(original, field, getattr(locked, field))


def _working_fields(content: ReviewedContent) -> list[str]:
    skip = {*content.all_engine_fields(), "id", "owner", "created_at"}
    return [
        f.attname for f in content._meta.concrete_fields if f.name not in skip and not f.primary_key
    ]


def _gate(name: str, locked: ReviewedContent, stage: str, reviewer=None) -> list[gate.Finding]:
    """Run the publication gate on the latest revision; refuse with GateBlocked on blockers."""
    findings = gate.run(locked, revision=locked.latest_revision, stage=stage, reviewer=reviewer)
    if gate.blockers(findings):
        raise GateBlocked(locked, name, findings)
    return findings


def valid_signature(content: ReviewedContent, now: datetime | None = None) -> Signature | None:
    """The unexpired signature over the latest revision's exact hash, if there is one."""
    revision = content.latest_revision
    if revision is None:
        return None
    return _signature(revision, SignatureRole.MEDICAL, now)


def compliance_signature(content: ReviewedContent, now: datetime | None = None) -> Signature | None:
    """The unexpired compliance signature over the latest revision's exact hash, if any."""
    revision = content.latest_revision
    if revision is None:
        return None
    return _signature(revision, SignatureRole.COMPLIANCE, now)


def _signature(revision: Revision, role: SignatureRole, now: datetime | None) -> Signature | None:
    signature = revision.signatures.filter(role=role).select_related("revision").first()
    now = now or timezone.now()
    if signature is None or not signature.binds_revision or signature.valid_until <= now:
        return None
    return signature


# --- Transitions ----------------------------------------------------------------------------


@transaction.atomic
def save_revision(
    content: ReviewedContent,
    user,
    *,
    base_revision: int | None = None,
    change_summary: str = "",
    change_note: str = "",
    save_related: Callable[[], None] | None = None,
) -> Revision:
    """Save the working copy and freeze it as a new revision.

    `change_summary` is a note for reviewers (revision history, audit trail); `change_note` is
    what readers are told changed, frozen into the revision's content, so the reviewer signs it
    and the public page prints it once this revision is published.

    `base_revision` is the revision number the editor started from; if someone saved a newer one
    meanwhile, nothing is written and EditConflict says who. `save_related` saves whatever hangs
    off the content (placements, tags) after the content row exists and before the freeze.
    """
    locked = _save_working_copy(content, user, base_revision)
    from_state = locked.state
    if save_related is not None:
        save_related()
    revision = _freeze(content, locked, user, change_summary, change_note)
    locked.latest_revision = revision
    # Review comments follow their passages into the new revision (or become outdated).
    revision_saved.send(type(locked), instance=content, revision=revision)
    # A schedule was an editor's decision about approved content; new content needs a new one.
    locked.scheduled_at = None
    to_state = S.CHANGES_REQUESTED if from_state == S.CHANGES_REQUESTED else S.DRAFT
    _commit(
        "edit",
        locked,
        content,
        user,
        to_state=to_state,
        revision=revision,
        detail={"change_summary": change_summary[:255]} if change_summary else None,
    )
    content.latest_revision = revision
    return revision


def _save_working_copy(
    content: ReviewedContent, user, base_revision: int | None
) -> ReviewedContent:
    """Check the edit and save the working copy; return the content's locked row, which the rest
    of the edit goes through. New content is saved first, so that there is a row to lock."""
    if content.pk is None:
        if content.owner_id is None:
            content.owner = user
        check("edit", content, user)
        content.save()
        return _lock(content)
    locked = _lock(content)
    check("edit", locked, user)
    _refuse_stale_edit(locked, base_revision)
    working = _working_fields(content)
    content.save(update_fields=[*working, "updated_at"])
    for field in working:  # so the audit event names the content as saved, not as it was
        setattr(locked, field, getattr(content, field))
    return locked


def _refuse_stale_edit(locked: ReviewedContent, base_revision: int | None) -> None:
    latest = locked.latest_revision
    if base_revision is not None and latest is not None and latest.number != base_revision:
        raise EditConflict(
            gettext(
                "%(user)s saved a newer version "
                "(revision %(number)s) at %(time)s "
                "while you were editing revision %(base_revision)s. Nothing was saved. Copy "
                "your changes, reload the page, and apply them to the newer version."
            )
            % {
                "user": latest.created_by.get_username(),
                "number": latest.number,
                "time": f"{timezone.localtime(latest.created_at):%H:%M}",
                "base_revision": base_revision,
            }
        )


def _freeze(
    content: ReviewedContent,
    locked: ReviewedContent,
    user,
    change_summary: str,
    change_note: str,
) -> Revision:
    """The saved working copy as the next immutable revision, with the sources it cites."""
    # The body's citation markers decide what is cited, and in which order (articles.citations).
    citations.sync_with_body(content)
    data = content.revision_content()
    if change_note.strip():
        data["change_note"] = change_note.strip()
    revision = Revision.objects.create(
        content_object=content,
        number=(locked.latest_revision.number + 1) if locked.latest_revision_id else 1,
        content=data,
        content_hash=content_hash(data),
        change_summary=change_summary[:255],
        created_by=user,
    )
    if cited := [citation["source"]["id"] for citation in data.get("citations", [])]:
        revision.cited_sources.set(cited)
    return revision


@transaction.atomic
def submit(content: ReviewedContent, user, *, comment: str = "") -> None:
    locked = _lock(content)
    check("submit", locked, user)
    _gate("submit", locked, "submit")
    locked.submitted_at = timezone.now()
    _commit(
        "submit",
        locked,
        content,
        user,
        to_state=S.IN_REVIEW,
        detail={"comment": comment} if comment else None,
    )


@transaction.atomic
def withdraw(content: ReviewedContent, user) -> None:
    locked = _lock(content)
    check("withdraw", locked, user)
    locked.submitted_at = None
    _commit("withdraw", locked, content, user, to_state=S.DRAFT)


@transaction.atomic
def request_changes(content: ReviewedContent, user, *, comment: str) -> None:
    locked = _lock(content)
    check("request_changes", locked, user)
    if not comment.strip():
        raise InvalidRequest(gettext("Say what needs to change, so the writer knows what to fix."))
    locked.review_due_at = None  # this round of review is decided
    _commit(
        "request_changes",
        locked,
        content,
        user,
        to_state=S.CHANGES_REQUESTED,
        detail={"comment": comment.strip()},
    )


@transaction.atomic
def approve(
    content: ReviewedContent,
    user,
    *,
    password: str,
    otp_token: str = "",
    username: str | None = None,
    session: MutableMapping | None = None,
    comment: str = "",
    expected_hash: str | None = None,
) -> Signature:
    """Sign the latest revision: an electronic signature by the reviewer's own password and
    authenticator code (and user name, on the first signature of `session`; always without
    one). See `articles.signing`.

    `expected_hash` is the hash of the content the reviewer was shown; if the content changed
    since, nothing is signed."""
    locked = _lock(content)
    check("approve", locked, user)
    revision = _verified_for_signing(
        locked, user, expected_hash, password=password, otp_token=otp_token, username=username,
        session=session,
    )  # fmt: skip
    _gate("approve", locked, "approve", reviewer=user)
    locked.review_due_at = None  # this round of review is decided
    now = timezone.now()
    return _sign(
        "approve", locked, content, user, revision, session,
        meaning=settings.SIGNATURE_MEANING,
        valid_until=now + timedelta(days=settings.REVIEW_VALIDITY_DAYS),
        comment=comment, to_state=S.APPROVED, signed_at=now,
    )  # fmt: skip


def _sign(
    name: str,
    locked: ReviewedContent,
    original: ReviewedContent,
    user,
    revision: Revision,
    session: MutableMapping | None,
    *,
    meaning: str,
    valid_until: datetime,
    comment: str,
    to_state: State,
    signed_at: datetime,
    role: str = SignatureRole.MEDICAL,
) -> Signature:
    """Record the signature of `revision` and its audit event (transition `name`)."""
    signature = Signature.objects.create(
        revision=revision,
        reviewer=user,
        reviewer_name=display_name(user),
        reviewer_credentials=credentials(user),
        meaning=meaning,
        content_hash=revision.content_hash,
        comment=comment.strip(),
        signed_at=signed_at,
        valid_until=valid_until,
        role=role,
    )
    _commit(
        name,
        locked,
        original,
        user,
        to_state=to_state,
        detail={
            "signature": signature.pk,
            "content_hash": revision.content_hash,
            # Every field of the signature, under the trail's key (articles.audit.records).
            "signed": signature_digest(signature),
        },
    )
    signing.remember_signer(user, session)
    return signature


def _verified_for_signing(
    locked: ReviewedContent, user, expected_hash: str | None, **secrets
) -> Revision:
    """The latest revision, once the signer proved who they are and it is what they were shown."""
    revision = locked.latest_revision
    if expected_hash is not None and expected_hash != revision.content_hash:
        raise WrongState(
            gettext(
                "“%(content)s” changed after you opened it; it is now revision %(number)s. "
                "Read it, then sign again. Nothing was signed."
            )
            % {"content": locked, "number": revision.number}
        )
    try:
        signing.verify_signer(user, **secrets)
    except signing.SignerRefused as refusal:
        raise NotAllowed(str(refusal)) from None
    if not revision.matches_content():
        raise WrongState(
            gettext(
                "Revision %(number)s no longer matches its recorded hash; it cannot be "
                "signed. Tell an admin: the stored content has been altered."
            )
            % {"number": revision.number}
        )
    return revision


@transaction.atomic
def approve_compliance(
    content: ReviewedContent,
    user,
    *,
    password: str,
    otp_token: str = "",
    username: str | None = None,
    session: MutableMapping | None = None,
    comment: str = "",
    expected_hash: str | None = None,
) -> Signature:
    """A compliance reviewer's signature (PROMOTIONAL_SECOND_REVIEW) over the same hash the
    medical approval binds, signed as `approve` is; it lasts as long as the medical approval."""
    locked = _lock(content)
    check("approve_compliance", locked, user)
    revision = _verified_for_signing(
        locked, user, expected_hash, password=password, otp_token=otp_token, username=username,
        session=session,
    )  # fmt: skip
    medical = valid_signature(locked)
    return _sign(
        "approve_compliance", locked, content, user, revision, session,
        meaning=settings.COMPLIANCE_SIGNATURE_MEANING, valid_until=medical.valid_until,
        comment=comment, to_state=locked.state, signed_at=timezone.now(),
        role=SignatureRole.COMPLIANCE,
    )  # fmt: skip


@transaction.atomic
def schedule(
    content: ReviewedContent,
    user,
    *,
    go_live_at: datetime | None = None,
    expire_at: datetime | None = None,
) -> None:
    """Set when approved content goes live, and optionally when it comes down again."""
    locked = _lock(content)
    check("schedule", locked, user)
    now = timezone.now()
    if locked.state == S.APPROVED:
        if go_live_at is None:
            raise InvalidRequest(gettext("Choose when the content should go live."))
        if valid_signature(locked) is None:
            raise WrongState(
                gettext("The approval of “%(content)s” has expired; it must be reviewed again.")
                % {"content": locked}
            )
    elif go_live_at is not None:
        raise InvalidRequest(
            gettext("This content is already live; only its expiry can be scheduled.")
        )
    if expire_at is not None and expire_at <= max(go_live_at or now, now):
        raise InvalidRequest(
            gettext("The expiry time must be later than the go-live time and now.")
        )
    if go_live_at is not None:
        locked.scheduled_at = go_live_at
    locked.expire_at = expire_at
    _commit(
        "schedule",
        locked,
        content,
        user,
        to_state=locked.state,
        detail={
            "go_live_at": go_live_at.isoformat() if go_live_at else None,
            "expire_at": expire_at.isoformat() if expire_at else None,
        },
    )


@transaction.atomic
def publish(content: ReviewedContent, user) -> None:
    locked = _lock(content)
    check("publish", locked, user)
    _publish(locked, content, user)


@transaction.atomic
def republish(content: ReviewedContent, user) -> None:
    """Put unpublished content back in one step: the same signed revision, while its approval is
    still valid and nothing changed since (any edit would have made a new draft revision)."""
    locked = _lock(content)
    check("republish", locked, user)
    _publish(locked, content, user, name="republish")


def _publish(
    locked: ReviewedContent, original: ReviewedContent, actor, *, name: str = "publish"
) -> None:
    now = timezone.now()
    signature = valid_signature(locked, now)
    if signature is None:
        raise WrongState(
            gettext(
                "The approval of “%(content)s” has expired or does not match its latest revision; "
                "it must be reviewed again before it is published."
            )
            % {"content": locked}
        )
    if needs_compliance(locked) and compliance_signature(locked, now) is None:
        raise WrongState(
            gettext(
                "“%(content)s” is promotional: a compliance reviewer must also approve this "
                "revision "
                "before it is published."
            )
            % {"content": locked}
        )
    if locked.expire_at is not None and locked.expire_at <= now:
        raise InvalidRequest(
            gettext("The scheduled expiry time has passed; change it before publishing.")
        )
    _gate(name, locked, "publish")
    replaced = locked.live_revision_id
    try:
        locked.going_live(locked.latest_revision)
    except CannotGoLive as refusal:
        raise WrongState(str(refusal)) from refusal
    locked.live_revision = locked.latest_revision
    locked.live_signature = signature
    locked.go_live_at = now
    locked.scheduled_at = None
    locked.first_published_at = locked.first_published_at or now
    locked.last_published_at = now
    locked.review_overdue_notified_at = None
    locked.expiry_warned_at = None
    _commit(
        name,
        locked,
        original,
        actor,
        to_state=S.PUBLISHED,
        detail={"replaced_revision": replaced} if replaced else None,
    )
    live_changed.send(
        type(locked), instance=locked, revision=locked.live_revision, replaced=replaced
    )


@transaction.atomic
def unpublish(content: ReviewedContent, user, *, reason: str = "") -> None:
    locked = _lock(content)
    check("unpublish", locked, user)
    _unpublish(locked, content, user, reason)


def _unpublish(locked: ReviewedContent, original: ReviewedContent, actor, reason: str) -> None:
    revision = locked.live_revision
    to_state = S.UNPUBLISHED if locked.state == S.PUBLISHED else locked.state
    locked.going_down()
    locked.live_revision = None
    locked.live_signature = None
    locked.go_live_at = None
    locked.scheduled_at = None
    locked.expire_at = None
    _commit(
        "unpublish",
        locked,
        original,
        actor,
        to_state=to_state,
        revision=revision,
        detail={"reason": reason} if reason else None,
    )
    live_changed.send(
        type(locked), instance=locked, revision=None, replaced=revision.pk if revision else None
    )


# --- Overriding a gate finding ---------------------------------------------------------------


@transaction.atomic
def override_finding(
    content: ReviewedContent, user, *, code: str, sentence: str, reason: str
) -> GateOverride:
    """Record a medical reviewer's judgement that one sentence's claim may stand (the `override`
    transition: who, and from which states, is in `TRANSITIONS`).

    It takes a reason, and only an overridable finding the latest revision has now. The override
    is keyed to the exact sentence, so it lasts while the sentence does; an audit event records
    it."""
    locked = _lock(content)
    check("override", locked, user)
    reason = _override_reason(code, reason)
    revision = locked.latest_revision
    finding = _overridable_finding(locked, revision, code, sentence)
    override = GateOverride.objects.create(
        content_type=ContentType.objects.get_for_model(locked),
        object_id=locked.pk,
        code=finding.code,
        sentence=finding.excerpt,
        sentence_hash=sentence_hash(finding.excerpt),
        revision=revision,
        reviewer=user,
        reviewer_name=display_name(user),
        reason=reason,
    )
    audit.record(
        "override",
        actor=user,
        obj=locked,
        revision=revision,
        from_state=locked.state,
        to_state=locked.state,
        detail={
            "code": finding.code,
            "location": finding.location,
            "sentence": finding.excerpt,
            "reason": reason,
            "override": override.pk,
        },
    )
    return override


def _override_reason(code: str, reason: str) -> str:
    """The reason, stripped, once the request itself is sound: a reason given, for a kind of
    finding a reviewer may override."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidRequest(
            gettext(
                "Say why the claim may stand without a citation; the reason is shown with the "
                "finding and kept in the audit trail."
            )
        )
    if code not in OVERRIDABLE_CODES:
        raise InvalidRequest(
            gettext("Findings of type %(code)s cannot be overridden; they must be fixed.")
            % {"code": code}
        )
    return reason


def _overridable_finding(
    content: ReviewedContent, revision: Revision, code: str, sentence: str
) -> gate.Finding:
    """The overridable finding about `sentence` that the gate reports on `revision` now."""
    finding = next(
        (
            f
            for f in gate.run(content, revision=revision)
            if f.code == code and f.excerpt == sentence and f.overridable
        ),
        None,
    )
    if finding is None:
        raise InvalidRequest(
            gettext(
                "The latest revision has no such finding to override: the sentence may have "
                "changed, "
                "or the finding is already overridden or cannot be overridden. Nothing was "
                "recorded."
            )
        )
    return finding


@transaction.atomic
def assign(content: ReviewedContent, user, *, owner) -> None:
    """Make another writer responsible: they can then edit and submit it (imported drafts belong
    to the import account until an editor assigns them)."""
    locked = _lock(content)
    check("assign", locked, user)
    if owner is None or not owner.is_active or Role.WRITER not in roles_of(owner):
        raise InvalidRequest(gettext("Choose an active writer to assign this to."))
    if owner.pk == locked.owner_id:
        raise InvalidRequest(
            gettext("“%(content)s” is already assigned to %(writer)s.")
            % {"content": locked, "writer": display_name(owner)}
        )
    previous = locked.owner
    locked.owner = owner
    _commit("assign", locked, content, user, to_state=locked.state,
            detail={"from": previous.get_username(), "to": owner.get_username()})  # fmt: skip


@transaction.atomic
def assign_reviewer(content: ReviewedContent, user, *, reviewer, due_at: datetime) -> None:
    """Name the medical reviewer for the next review and when it is due. Anyone with the role
    may still review it; the named reviewer is told, and sees it under "Assigned to me"."""
    locked = _lock(content)
    check("assign_reviewer", locked, user)
    if reviewer is None or not reviewer.is_active or Role.REVIEWER not in roles_of(reviewer):
        raise InvalidRequest(gettext("Choose an active medical reviewer."))
    if made_by(locked, reviewer):
        raise InvalidRequest(
            gettext("%(reviewer)s wrote or edited “%(content)s”, so they cannot review it.")
            % {"reviewer": display_name(reviewer), "content": locked}
        )
    if due_at is None or due_at <= timezone.now():
        raise InvalidRequest(gettext("Choose a due date in the future."))
    locked.reviewer = reviewer
    locked.review_due_at = due_at
    _commit("assign_reviewer", locked, content, user, to_state=locked.state,
            detail={"reviewer": reviewer.get_username(), "due_at": due_at.isoformat()})  # fmt: skip


# --- Scheduled work (run by `manage.py run_jobs` as the system, not as a person) -------------


@transaction.atomic
def publish_if_due(content: ReviewedContent, now: datetime) -> bool:
    locked = _lock(content)
    if locked.state != S.APPROVED or locked.scheduled_at is None or locked.scheduled_at > now:
        return False
    _publish(locked, content, None)
    return True


@transaction.atomic
def expire_if_due(content: ReviewedContent, now: datetime) -> bool:
    locked = _lock(content)
    if locked.live_revision_id is None or locked.expire_at is None or locked.expire_at > now:
        return False
    _unpublish(locked, content, None, "scheduled expiry")
    return True


@transaction.atomic
def flag_review_overdue(content: ReviewedContent, now: datetime) -> bool:
    locked = _lock(content)
    signature = locked.live_signature
    if (
        locked.live_revision_id is None
        or signature is None
        or signature.valid_until > now
        or locked.review_overdue_notified_at is not None
    ):
        return False
    locked.review_overdue_notified_at = now
    _commit(
        "review_overdue",
        locked,
        content,
        None,
        to_state=locked.state,
        revision=locked.live_revision,
        detail={"approval_expired": signature.valid_until.isoformat()},
    )
    return True


@transaction.atomic
def warn_approval_expiring(content: ReviewedContent, now: datetime) -> bool:
    """Tell the owner and editors, once per approval, that the live approval runs out within
    APPROVAL_EXPIRY_WARNING_DAYS (run_jobs)."""
    locked = _lock(content)
    signature = locked.live_signature
    soon = now + timedelta(days=settings.APPROVAL_EXPIRY_WARNING_DAYS)
    if (
        locked.live_revision_id is None
        or signature is None
        or not now < signature.valid_until <= soon
        or locked.expiry_warned_at is not None
    ):
        return False
    locked.expiry_warned_at = now
    _commit(
        "approval_expiring",
        locked,
        content,
        None,
        to_state=locked.state,
        revision=locked.live_revision,
        detail={"valid_until": signature.valid_until.isoformat()},
    )
    return True
