"""Words the staff workspace shows about what happened and where to go next, shared by the
change page (`reviewed`) and the review screen (`review`)."""

from __future__ import annotations

from django.urls import reverse

from articles import workflow

# What the person is told after each transition went through.
DONE = {
    "submit": "was submitted for review",
    "withdraw": "was withdrawn from review and is a draft again",
    "request_changes": "was sent back to the writer with your comment",
    "approve": "was approved; your signature is recorded",
    "schedule": "was scheduled",
    "publish": "is now published",
    "republish": "is published again",
    "unpublish": "was unpublished",
    "assign": "now belongs to the writer you chose",
    "assign_reviewer": "has the reviewer and due date you chose",
    "approve_compliance": "was approved for compliance; your signature is recorded",
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
            "label": f"Open the prompt “{prompt}”",
            "ask": "" if editable else f"Ask {workflow.who_may_edit(prompt)} to change it.",
        }
    return links
