"""Prompts placed on a page: `duplicate-prompt` (a call to action shown more than once) and
`unapproved-prompt` (a placed prompt whose approved version is not the one this revision took in).

A placement freezes the prompt's approved hash into the article's revision; the page may show the
prompt only while that is still the prompt's current approved revision.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext

from articles.gate.core import Finding, Severity, Subject, check
from articles.text import html_blocks, normalize

MIN_BODY_WORDS = 5  # shorter prompt copy is too common a phrase to call a copy


def prompt_location(prompt: Any, prompt_id: int) -> str:
    return f"prompt “{prompt.name}”" if prompt is not None else f"prompt {prompt_id}"


def shown_content(prompt: Any) -> dict[str, Any]:
    """What the page shows of a prompt: its approved revision, else its latest."""
    if prompt is None:
        return {}
    revision = prompt.approved_revision() or prompt.latest_revision
    return revision.content if revision is not None else prompt.revision_content()


def _copy(content: dict[str, Any]) -> tuple[str, str]:
    headline = normalize(content.get("headline", ""))
    body = " ".join(block.text for block in html_blocks("body", content.get("body", "")))
    return headline, normalize(body)


@check
def duplicate_prompt(subject: Subject) -> Iterator[Finding]:
    """A call to action appears once per page: the same prompt placed twice, two prompts with the
    same copy, or a placed prompt's copy pasted into the body."""
    if subject.kind != "article" or not subject.placements:
        return
    ids = [p["prompt"] for p in subject.placements]
    yield from _placed_twice(subject, ids)
    yield from _identical_copies(subject, ids)
    yield from _copied_into_body(subject, ids)


def _placed_twice(subject: Subject, ids: list[int]) -> Iterator[Finding]:
    for prompt_id, times in Counter(ids).items():
        if times > 1:
            prompt = subject.prompts.get(prompt_id)
            yield Finding(
                "duplicate-prompt",
                Severity.BLOCKER,
                gettext(
                    "The prompt is placed %(times)s times; a call to action appears at most once "
                    "per page. Remove the extra placements."
                )
                % {"times": times},
                prompt_location(prompt, prompt_id),
                about=("prompt", prompt_id),
            )


def _identical_copies(subject: Subject, ids: list[int]) -> Iterator[Finding]:
    copies: dict[tuple[str, str], list[int]] = {}
    for prompt_id in dict.fromkeys(ids):
        copies.setdefault(_copy(shown_content(subject.prompts.get(prompt_id))), []).append(
            prompt_id
        )
    for (headline, body), same in copies.items():
        if len(same) > 1 and (headline or body):
            names = [subject.prompts.get(i) for i in same]
            listed = " and ".join(
                f"“{p.name}”" if p else str(i) for p, i in zip(names, same, strict=True)
            )
            yield Finding(
                "duplicate-prompt",
                Severity.BLOCKER,
                gettext(
                    "The prompts %(listed)s have identical copy, so readers would see the same "
                    "call to action twice. Place only one of them."
                )
                % {"listed": listed},
                prompt_location(names[1], same[1]),
            )


def _copied_into_body(subject: Subject, ids: list[int]) -> Iterator[Finding]:
    body_blocks = [block for block in subject.blocks if block.field == "body"]
    texts = [normalize(block.text) for block in body_blocks]
    for prompt_id in dict.fromkeys(ids):
        prompt = subject.prompts.get(prompt_id)
        headline, body = _copy(shown_content(prompt))
        long_body = body if len(body.split()) >= MIN_BODY_WORDS else ""
        where = [
            i
            for i, text in enumerate(texts)
            if text and ((headline and text == headline) or (long_body and long_body in text))
        ]
        if not where:
            continue
        first = body_blocks[where[0]]
        times = " " + gettext("(%(count)s times)") % {"count": len(where)} if len(where) > 1 else ""
        yield Finding(
            "duplicate-prompt",
            Severity.BLOCKER,
            gettext(
                "The body contains the call to action of the placed "
                "%(prompt_location)s%(times)s, so readers would see it more than "
                "once, and the copy in the body has not been reviewed as a prompt. Delete it from "
                "the body; the placed prompt shows it once."
            )
            % {"prompt_location": prompt_location(prompt, prompt_id), "times": times},
            first.location,
        )


@check
def unapproved_prompt(subject: Subject) -> Iterator[Finding]:
    if subject.kind != "article":
        return
    for placement in subject.placements:
        prompt_id = placement["prompt"]
        prompt = subject.prompts.get(prompt_id)
        recorded = placement.get("approved_hash")
        approved = prompt.approved_revision() if prompt is not None else None
        location = prompt_location(prompt, prompt_id)
        if approved is None:
            message = gettext(
                "This prompt has no approved revision. A medical reviewer must approve it before "
                "this page can be submitted or published; then save the page again."
            )
        elif recorded is None:
            message = gettext(
                "This prompt was not approved when this revision was saved. Save the page again "
                "so it takes in the prompt's approved version."
            )
        elif recorded != approved.content_hash:
            message = gettext(
                "This prompt was changed and approved again after this revision was saved, so the "
                "page would show a version nobody approved for it. Save the page again to take in "
                "the current approved version."
            )
        else:
            continue
        yield Finding(
            "unapproved-prompt", Severity.BLOCKER, message, location, about=("prompt", prompt_id)
        )
