"""Who hears about a workflow event, by email, once the change is committed (sent by the task
worker, articles.mail)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from articles import mail
from articles.roles import Role, users_with_role

log = logging.getLogger(__name__)

# event -> (subject template, recipients: roles and/or "owner")
ROUTES: dict[str, tuple[str, tuple]] = {
    "submit": ("“{obj}” is waiting for medical review", (Role.REVIEWER,)),
    "request_changes": ("Changes were requested on “{obj}”", ("owner",)),
    "approve": ("“{obj}” was approved", ("owner", Role.EDITOR)),
    "publish": ("“{obj}” is now live", ("owner",)),
    "republish": ("“{obj}” is live again", ("owner",)),
    "unpublish": ("“{obj}” was taken off the public site", ("owner", Role.EDITOR)),
    "assign": ("“{obj}” was assigned to you", ("owner",)),
    "review_overdue": ("The medical review of “{obj}” is overdue", ("owner", Role.EDITOR)),
    "reviewer_granted": ("{obj} was made a medical reviewer", (Role.REVIEWER, Role.ADMIN)),
    "admin_granted": ("{obj} was made an admin", (Role.ADMIN,)),
    "source_retracted": ("A source cited by “{obj}” has been retracted", ("owner", Role.EDITOR)),
}


def queue(event: str, obj, actor, detail: dict) -> None:
    """Queue the emails after commit, so nobody is told about a change that was rolled back; the
    task worker sends them."""
    if event not in ROUTES:
        return
    transaction.on_commit(lambda: _send(event, obj, actor, detail), robust=True)


def _recipients(spec: tuple, obj, actor) -> set[str]:
    users = []
    for who in spec:
        if who == "owner":
            users.append(obj.owner)
        else:
            users.extend(users_with_role(who))
    return {u.email for u in users if u.email and u.is_active and u != actor}


def _send(event: str, obj, actor, detail: dict) -> None:
    try:
        mail.send_after_commit(_messages(event, obj, actor, detail))
    except Exception:  # a queue outage must not turn a committed change into an error page
        log.exception("Could not queue %s notification for %s %s", event, obj._meta.label, obj.pk)


def _messages(event: str, obj, actor, detail: dict) -> list[mail.Message]:
    subject_template, spec = ROUTES[event]
    recipients = _recipients(spec, obj, actor)
    meta = obj._meta
    link = settings.SITE_URL.rstrip("/") + reverse(
        f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]
    )
    lines = [subject_template.format(obj=obj) + ".", ""]
    if detail.get("comment"):
        lines += ["Comment:", detail["comment"], ""]
    if detail.get("source"):
        lines += [
            f"Retracted source: {detail['source']}",
            *([f"Notice: {detail['notice']}"] if detail.get("notice") else []),
            "Replace or remove the citation: the article cannot be published while it cites a "
            "retracted source.",
            "",
        ]
    lines.append(f"Open it in Vetted: {link}")
    # A title with a line break would make the mail library refuse the whole message.
    subject = " ".join(("[Vetted] " + subject_template.format(obj=obj)).split())
    return [
        mail.Message(subject=subject, body="\n".join(lines), to=[address])
        for address in sorted(recipients)
    ]
