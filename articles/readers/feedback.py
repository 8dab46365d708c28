"""Reader feedback: "Report a problem with this page".

A reader reports a problem with a published article; the report is kept with the article and the
live revision the reader saw. Admins moderate it (new -> accepted, dismissed or spam); accepted
reports are shown to the people who can act on them: the article's writer, editors, and medical
reviewers (a report of wrong information is exactly what a reviewer weighs when the correction
comes to them). Roles, not superuser status, decide, as everywhere in the workflow.

Audit events name the report, its article, kind and decision, never the reader's words.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone
from django.utils.translation import gettext

from articles import audit
from articles.models import Article
from articles.readers.models import Feedback, FeedbackKind, FeedbackStatus
from articles.roles import Role, has_role, roles_of

MESSAGE_MAX_LENGTH = Feedback._meta.get_field("message").max_length

# What a new report may become.
DECISIONS = (FeedbackStatus.ACCEPTED, FeedbackStatus.DISMISSED, FeedbackStatus.SPAM)

# Who sees accepted reports on an article's change page, besides its owner.
READERS_OF_ACCEPTED = frozenset({Role.EDITOR, Role.REVIEWER})


class FeedbackError(Exception):
    """A report or a moderation decision was refused. The message is written for the person."""


class NotLive(FeedbackError):
    """The article is not on the public site (never published, taken down or expired)."""


class PageChanged(FeedbackError):
    """The revision the reader saw is no longer the live one."""


class InvalidReport(FeedbackError):
    """The report's kind or message is not acceptable."""


class NotAllowed(FeedbackError):
    """This person may not moderate reader feedback."""


class AlreadyModerated(FeedbackError):
    """The report was moderated already."""


# --- Readers ----------------------------------------------------------------------------------


def live_article(slug: str) -> Article | None:
    """The published article at this address, with only what the report form shows: its address
    and the live revision's number and title (annotated as `live_number` and `live_title`)."""
    return (
        Article.objects.published()
        .filter(live_slug=slug)
        .annotate(
            live_number=F("live_revision__number"),
            live_title=KeyTextTransform("title", "live_revision__content"),
        )
        .only("live_slug")
        .first()
    )


def report_problem(article: Article, revision: int, kind: str, message: str) -> Feedback:
    """Store a reader's report about `article` as they saw it: `revision` is the number of the
    live revision their page showed.

    Refused with `PageChanged` when another revision went live since (the reader's words are
    about what they read, so a report is never filed against a revision they did not see; the
    form shows them the new version's number and keeps their text), with `NotLive` when the
    article is no longer public."""
    if kind not in FeedbackKind.values:
        raise InvalidReport(
            gettext("“%(kind)s” is not a kind of problem readers can report.") % {"kind": kind}
        )
    message = message.strip()
    if not message:
        raise InvalidReport(gettext("The message is empty: say what is wrong on the page."))
    if len(message) > MESSAGE_MAX_LENGTH:
        raise InvalidReport(
            gettext(
                "The message is %(count)s characters long; the limit is %(message_max_length)s."
            )
            % {"count": len(message), "message_max_length": MESSAGE_MAX_LENGTH}
        )
    # No row lock: a revision is immutable, and a publish that lands between this read and the
    # insert is indistinguishable from the reader pressing the button a moment earlier.
    live = (
        Article.objects.published()
        .filter(pk=article.pk)
        .values_list("live_revision_id", "live_revision__number")
        .first()
    )
    if live is None:
        raise NotLive(gettext("This article is no longer published, so it cannot be reported."))
    revision_id, number = live
    if revision != number:
        raise PageChanged(
            gettext(
                "This page was updated after you opened it. Please read the new version; if the "
                "problem is still there, send your report again."
            )
        )
    return Feedback.objects.create(
        article_id=article.pk, revision_id=revision_id, kind=kind, message=message
    )


# --- Moderation -------------------------------------------------------------------------------


def may_moderate(user) -> bool:
    """Only the Admin role moderates reader feedback (a superuser without it does not)."""
    return has_role(user, Role.ADMIN)


def moderate(feedback: Feedback, user, status: str) -> Feedback:
    """Decide a new report: accepted, dismissed or spam. Audited; the message is not."""
    if not may_moderate(user):
        raise NotAllowed(gettext("Only an admin may moderate reader feedback."))
    if status not in DECISIONS:
        raise InvalidReport(
            gettext(
                "“%(status)s” is not a moderation decision; choose accepted, dismissed or spam."
            )
            % {"status": status}
        )
    with transaction.atomic():
        locked = Feedback.objects.select_for_update().get(pk=feedback.pk)
        if locked.status != FeedbackStatus.NEW:
            raise AlreadyModerated(
                gettext("%(report)s was already marked %(status)s; nothing was changed.")
                % {"report": locked, "status": locked.get_status_display().lower()}
            )
        locked.status = status
        locked.moderated_by = user
        locked.moderated_at = timezone.now()
        locked.save(update_fields=["status", "moderated_by", "moderated_at"])
        audit.record(
            "moderate_feedback",
            actor=user,
            obj=locked,
            revision=locked.revision,
            from_state=FeedbackStatus.NEW,
            to_state=status,
            detail={"article": locked.article_id, "kind": locked.kind},
        )
    for field in ("status", "moderated_by", "moderated_at"):
        setattr(feedback, field, getattr(locked, field))
    return feedback


def moderate_all(reports: Iterable[Feedback], user, status: str) -> tuple[int, list[str]]:
    """Moderate each report in its own transaction. Returns how many were decided and the
    refusals (reports moderated already), each for the person."""
    if not may_moderate(user):
        raise NotAllowed(gettext("Only an admin may moderate reader feedback."))
    decided, refusals = 0, []
    for report in reports:
        try:
            moderate(report, user, status)
        except AlreadyModerated as refusal:
            refusals.append(str(refusal))
        else:
            decided += 1
    return decided, refusals


# --- Who sees accepted reports ----------------------------------------------------------------


def may_read_accepted(article: Article, user) -> bool:
    return article.owner_id == user.pk or bool(roles_of(user) & READERS_OF_ACCEPTED)


def accepted_feedback_for(article: Article, user) -> list[Feedback]:
    """The accepted reports on `article`, newest first, for its owner, editors and medical
    reviewers; nobody else gets any (and no query is made for them)."""
    if not user.is_authenticated or not may_read_accepted(article, user):
        return []
    return list(
        Feedback.objects.filter(article_id=article.pk, status=FeedbackStatus.ACCEPTED)
        .select_related("revision")
        .only("kind", "message", "created_at", "moderated_at", "revision__number")
        .order_by("-created_at", "-pk")
    )
