"""`missing-alt-text`: images a screen-reader user would miss."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext

from articles.gate.core import Finding, Severity, Subject, check


@check
def missing_alt_text(subject: Subject) -> Iterator[Finding]:
    image = subject.content.get("image")
    if image and not image.get("decorative") and not (image.get("alt") or "").strip():
        yield Finding(
            "missing-alt-text",
            Severity.BLOCKER,
            gettext(
                "The hero image has no alt text. Describe what it shows for readers who cannot see "
                "it, or tick “decorative image” if it adds nothing they would miss."
            ),
            "hero image",
        )
    number = 0
    for block in subject.blocks:
        for alt in block.images:
            number += 1
            if alt is None or not alt.strip():
                yield Finding(
                    "missing-alt-text",
                    Severity.BLOCKER,
                    gettext(
                        "Image %(number)s in the %(field)s (%(location)s) has no alt text. "
                        "Describe what it shows, or remove it if it adds nothing."
                    )
                    % {"number": number, "field": block.field, "location": block.location},
                    f"{block.field}, image {number}",
                )
