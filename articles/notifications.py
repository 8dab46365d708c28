"""Who hears about a workflow event, by email, once the change is committed (sent by the task
worker, articles.mail)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from articles import mail
from articles.accounts.models import EmailKind, EmailOptOut
from articles.roles import Role, roles_of, users_with_role

log = logging.getLogger(__name__)

K = EmailKind

# event -> (subject template, recipients: (who, kind) pairs). `who` is a role, "owner", "reviewer"
# (the reviewer an editor assigned) or "reviewer_or_reviewers" (the assigned reviewer, else every
# medical reviewer); `kind` is what a person may turn off on their email preferences page (None:
# always sent).
ROUTES: dict[str, tuple[str | Promise, tuple[tuple[str | Role, EmailKind | None], ...]]] = {
    "submit": (
        gettext_lazy("“%(obj)s” is waiting for medical review"),
        (("reviewer_or_reviewers", K.SUBMITTED),),
    ),
    "assign_reviewer": (
        gettext_lazy("You are asked to review “%(obj)s”"),
        (("reviewer", K.ASSIGNED),),
    ),
    "request_changes": (
        gettext_lazy("Changes were requested on “%(obj)s”"),
        (("owner", K.DECISION),),
    ),
    "approve": (
        gettext_lazy("“%(obj)s” was approved"),
        (("owner", K.DECISION), (Role.EDITOR, K.APPROVED)),
    ),
    "approve_compliance": (
        gettext_lazy("“%(obj)s” was approved for compliance"),
        (("owner", K.DECISION), (Role.EDITOR, K.APPROVED)),
    ),
    "publish": (gettext_lazy("“%(obj)s” is now live"), (("owner", None),)),
    "republish": (gettext_lazy("“%(obj)s” is live again"), (("owner", None),)),
    "unpublish": (
        gettext_lazy("“%(obj)s” was taken off the public site"),
        (("owner", None), (Role.EDITOR, None)),
    ),
    "assign": (gettext_lazy("“%(obj)s” was assigned to you"), (("owner", None),)),
    "approval_expiring": (
        gettext_lazy("The approval of “%(obj)s” expires soon"),
        (("owner", K.EXPIRING), (Role.EDITOR, K.EXPIRING)),
    ),
    "review_overdue": (
        gettext_lazy("The medical review of “%(obj)s” is overdue"),
        (("owner", None), (Role.EDITOR, None)),
    ),
    "reviewer_granted": (
        gettext_lazy("%(obj)s was made a medical reviewer"),
        ((Role.REVIEWER, None), (Role.ADMIN, None)),
    ),
    "admin_granted": (gettext_lazy("%(obj)s was made an admin"), ((Role.ADMIN, None),)),
    "source_retracted": (
        gettext_lazy("A source cited by “%(obj)s” has been retracted"),
        (("owner", K.RETRACTED), (Role.EDITOR, K.RETRACTED)),
    ),
}


def queue(event: str, obj, actor, detail: dict) -> None:
    """Queue the emails after commit, so nobody is told about a change that was rolled back; the
    task worker sends them."""
    if event not in ROUTES:
        return
    transaction.on_commit(lambda: _send(event, obj, actor, detail), robust=True)


def _people(who, obj) -> list:
    if who == "owner":
        return [obj.owner]
    reviewer = getattr(obj, "reviewer", None)
    if who == "reviewer":
        return [reviewer] if reviewer is not None else []
    if who == "reviewer_or_reviewers" and reviewer is not None and reviewer.is_active:
        return [reviewer]
    return list(users_with_role(Role.REVIEWER if who == "reviewer_or_reviewers" else who))


def _recipients(spec: tuple, obj, actor) -> set[str]:
    """The addresses to write to: nobody who acted, nobody inactive, nobody who turned this kind
    of email off (one query for every opt-out at once)."""
    wanted: list[tuple] = []
    for who, kind in spec:
        wanted.extend((user, kind) for user in _people(who, obj))
    wanted = [
        (user, kind)
        for user, kind in wanted
        if user.email and user.is_active and (actor is None or user.pk != actor.pk)
    ]
    kinds = {kind for _, kind in wanted if kind is not None}
    opted_out = set()
    if kinds:
        opted_out = set(
            EmailOptOut.objects.filter(
                user__in={user.pk for user, _ in wanted}, kind__in=kinds
            ).values_list("user_id", "kind")
        )
    return {user.email for user, kind in wanted if (user.pk, kind) not in opted_out}


def _send(event: str, obj, actor, detail: dict) -> None:
    try:
        mail.send_after_commit(_messages(event, obj, actor, detail))
    except Exception:  # a queue outage must not turn a committed change into an error page
        log.exception("Could not queue %s notification for %s %s", event, obj._meta.label, obj.pk)


def _when(iso: str) -> str:
    return date_format(timezone.localtime(datetime.fromisoformat(iso)), "DATETIME_FORMAT")


def _messages(event: str, obj, actor, detail: dict) -> list[mail.Message]:
    subject_template, spec = ROUTES[event]
    recipients = _recipients(spec, obj, actor)
    meta = obj._meta
    link = settings.SITE_URL.rstrip("/") + reverse(
        f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]
    )
    preferences = settings.SITE_URL.rstrip("/") + reverse("email_preferences")
    title = subject_template % {"obj": obj}
    lines = [title + ".", ""]
    if detail.get("comment"):
        lines += [gettext("Comment:"), detail["comment"], ""]
    if detail.get("source"):
        lines += [
            gettext("Retracted source: %(source)s") % {"source": detail["source"]},
            *(
                [gettext("Notice: %(notice)s") % {"notice": detail["notice"]}]
                if detail.get("notice")
                else []
            ),
            gettext(
                "Replace or remove the citation: the article cannot be published while it cites a "
                "retracted source."
            ),
            "",
        ]
    if detail.get("due_at"):
        lines += [gettext("Due: %(when)s") % {"when": _when(detail["due_at"])}, ""]
    if detail.get("valid_until"):
        lines += [
            gettext(
                "The approval is valid until %(when)s. Have it reviewed again before then, or it "
                "will be listed as review overdue."
            )
            % {"when": _when(detail["valid_until"])},
            "",
        ]
    lines.append(gettext("Open it in Vetted: %(link)s") % {"link": link})
    lines += ["", gettext("Choose which emails you receive: %(link)s") % {"link": preferences}]
    # A title with a line break would make the mail library refuse the whole message.
    subject = " ".join(("[Vetted] " + title).split())
    return [
        mail.Message(subject=subject, body="\n".join(lines), to=[address])
        for address in sorted(recipients)
    ]


# --- Email preferences ------------------------------------------------------------------------

_WHO_ROLE = {
    "owner": Role.WRITER,
    "reviewer": Role.REVIEWER,
    "reviewer_or_reviewers": Role.REVIEWER,
}


def kinds_for(user) -> list[EmailKind]:
    """The kinds of email this person's roles may bring them, in the order of EmailKind."""
    held = roles_of(user)
    kinds = {
        kind
        for _, spec in ROUTES.values()
        for who, kind in spec
        if kind is not None and _WHO_ROLE.get(who, who) in held
    }
    return [kind for kind in EmailKind if kind in kinds]


def receives(user) -> dict[EmailKind, bool]:
    """Each kind of email this person may get, and whether they get it."""
    off = set(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True))
    return {kind: kind not in off for kind in kinds_for(user)}


@transaction.atomic
def set_receives(user, wanted: set[str]) -> None:
    """Keep sending the kinds in `wanted`; turn off the person's other kinds."""
    kinds = {kind.value for kind in kinds_for(user)}
    EmailOptOut.objects.filter(user=user, kind__in=wanted & kinds).delete()
    for kind in kinds - wanted:
        EmailOptOut.objects.get_or_create(user=user, kind=kind)
