"""Words the staff workspace shows about what happened and where to go next, shared by the
change page (`reviewed`) and the review screen (`review`)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles import workflow

# What the person is told after each transition went through (`content`: the content's name).
DONE = {
    "submit": _("“%(content)s” was submitted for review."),
    "withdraw": _("“%(content)s” was withdrawn from review and is a draft again."),
    "request_changes": _("“%(content)s” was sent back to the writer with your comment."),
    "approve": _("“%(content)s” was approved; your signature is recorded."),
    "schedule": _("“%(content)s” was scheduled."),
    "publish": _("“%(content)s” is now published."),
    "republish": _("“%(content)s” is published again."),
    "unpublish": _("“%(content)s” was unpublished."),
    "assign": _("“%(content)s” now belongs to the writer you chose."),
    "assign_reviewer": _("“%(content)s” has the reviewer and due date you chose."),
    "approve_compliance": _(
        "“%(content)s” was approved for compliance; your signature is recorded."
    ),
}


def finding_links(findings: list, user) -> dict[tuple[str, int], dict]:
    """For findings about other content (a placed prompt): a link to its page, and if this
    person cannot change it, whom to ask. One query, and only when there are such findings."""
    from articles.models import Prompt

    ids = {f.about[1] for f in findings if f.about and f.about[0] == "prompt"}
    if not ids:
        return {}
    links = {}
    for prompt in Prompt.objects.filter(pk__in=ids).select_related("owner__profile"):
        editable = workflow.may_edit(prompt, user)
        links[("prompt", prompt.pk)] = {
            "url": reverse("admin:articles_prompt_change", args=[prompt.pk]),
            "label": gettext("Open the prompt “%(prompt)s”") % {"prompt": prompt},
            "ask": ""
            if editable
            else gettext("Ask %(who)s to change it.") % {"who": workflow.who_may_edit(prompt)},
        }
    return links
