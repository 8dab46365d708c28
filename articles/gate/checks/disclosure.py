"""`missing-disclosure`: promotional content must say that it is promotional.

- A prompt carries its `disclosure_label` ("From our clinic", "Advertisement"). A prompt cannot
  be submitted or approved without one, and a page may show only a prompt's approved revision
  (`unapproved-prompt`), so a placed prompt is not checked again here: that would report one
  problem twice.
- A page of any kind that announces a product or service (a press release: claims.toml
  [announcement]) is promotional too, and needs the same label.
- A promotional page (Article.kind "promotional") says so in its written content, so the label is
  part of what the reviewer signs and of the content hash: the summary or the first paragraph of
  the body starts with a disclosure label (claims.toml [disclosure]). If a `disclosure_label` is
  ever added to the article's revision content, it is used instead.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext

from articles.gate.core import Finding, Severity, Subject, check
from articles.gate.rules import lowered, rules
from articles.text import normalize

PROMOTIONAL = "promotional"


def _starts_with_label(text: str) -> bool:
    words = normalize(text)
    return any(words == label or words.startswith(f"{label} ") for label in _labels())


def _labels() -> tuple[str, ...]:
    return tuple(normalize(label) for label in rules().disclosure_labels)


@check
def missing_disclosure(subject: Subject) -> Iterator[Finding]:
    content = subject.content
    if subject.kind == "prompt":
        if not (content.get("disclosure_label") or "").strip():
            yield Finding(
                "missing-disclosure",
                Severity.BLOCKER,
                gettext(
                    "This prompt has no disclosure label. Add one (for example “From our clinic” "
                    "or “Advertisement”) so readers know it promotes the clinic's services."
                ),
                "disclosure label",
            )
        return
    announcement = None if subject.article_kind == PROMOTIONAL else _announcement(subject)
    if subject.article_kind != PROMOTIONAL and announcement is None:
        return
    if _labelled(subject):
        return
    if announcement is None:
        message = gettext(
            "This is a promotional page but it does not say so. Start the summary or the "
            "first paragraph with its disclosure label, for example “Advertisement:” or "
            "“From our clinic:”."
        )
    else:
        message = gettext(
            "This page announces a product or service (“%(announcement)s”), so it promotes it. "
            "Start the summary or the first paragraph with a disclosure label, for example "
            "“Advertisement:” or “From our clinic:”, or rewrite it as patient information."
        ) % {"announcement": announcement}
    yield Finding("missing-disclosure", Severity.BLOCKER, message, "summary")


def _labelled(subject: Subject) -> bool:
    content = subject.content
    if "disclosure_label" in content:
        return bool((content.get("disclosure_label") or "").strip())
    first = next((b for b in subject.blocks if b.field == "body"), None)
    return _starts_with_label(content.get("summary", "")) or (
        first is not None and _starts_with_label(first.text)
    )


def _announcement(subject: Subject) -> str | None:
    """The words by which the page announces a product (claims.toml [announcement]), if any."""
    pattern = rules().announcement
    for block in subject.blocks:
        found = pattern.search(lowered(block.text))
        if found:
            return block.text[found.start() : found.end()]
    return None
