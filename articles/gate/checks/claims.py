"""`unsupported-claim`: claims about the treatment a page promotes (it works, it is safe, it is
approved, it beats the alternatives, it cures, reverses or regenerates, hype) with no citation
marker in the same sentence; absolute promises ("guaranteed results") in any sentence.

The phrases and how each category is judged are in `articles/gate/claims.toml`. One finding per
sentence and severity; a blocking finding that is not an absolute promise may be overridden by a
medical reviewer (`articles.workflow.override_finding`), keyed to the sentence's exact text.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext

from articles.gate.analysis import about_other_treatment, attributed, negated, quote
from articles.gate.core import Finding, Severity, Subject, check
from articles.gate.rules import ClaimCategory, lowered, rules

CODE = "unsupported-claim"


def claim_hits(text: str, about_health: bool = True) -> list[tuple[ClaimCategory, str]]:
    """The claim phrases in one sentence that are claims (not negated, not about another
    treatment, not a hedged possibility), each with its category, as written. Without
    `about_health` (its paragraph and the title say nothing of health), the categories that are
    only health claims are not looked for: "the reverse hierarchy test" is not a reversal."""
    r = rules()
    low = lowered(text)
    if not r.any_claim.search(low):
        return []
    hits = []
    hedged = None
    for category in r.categories:
        if category.health and not about_health:
            continue
        for match in category.pattern.finditer(text if category.case_sensitive else low):
            start = match.start()
            if negated(low, start):
                continue
            if category.hedged:
                if hedged is None:
                    hedged = bool(r.hedge.search(low))
                if hedged:
                    continue
            if not category.absolute and about_other_treatment(low, start):
                continue
            hits.append((category, text[start : match.end()]))
    return hits


def _phrases(hits: list[tuple[ClaimCategory, str]]) -> str:
    return ", ".join(dict.fromkeys(f"“{phrase}”" for _category, phrase in hits))


def _labels(hits: list[tuple[ClaimCategory, str]]) -> str:
    labels = list(dict.fromkeys(category.label for category, _phrase in hits))
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def about_health(subject: Subject) -> list[bool]:
    """For each block: does it, or the page's title, speak of health ([health] in claims.toml)?"""
    health = rules().health
    title = health.search(lowered(str(subject.content.get("title") or "")))
    return [bool(title or health.search(lowered(block.text))) for block in subject.blocks]


@check
def unsupported_claim(subject: Subject) -> Iterator[Finding]:
    reports_study = attributed(subject)
    health = about_health(subject)
    for b, block in enumerate(subject.blocks):
        for s, sentence in enumerate(block.sentences):
            hits = claim_hits(sentence.text, health[b])
            if not hits:
                continue
            absolute = [h for h in hits if h[0].absolute]
            to_review = [h for h in hits if h[0].needs_review]
            supported = sentence.cited or (b, s) in reports_study
            needs_citation = [
                h
                for h in hits
                if h[0].severity == Severity.BLOCKER and h[0].citation_supports and not supported
            ]
            to_weigh = [h for h in hits if h[0].severity == Severity.WARNING]
            where = quote(sentence.text)
            if absolute:
                yield Finding(
                    CODE,
                    Severity.BLOCKER,
                    gettext(
                        "%(where)s makes %(labels)s (%(phrases)s). No study can "
                        "support that, so a citation does not make it acceptable: reword the "
                        "sentence to say what the evidence shows."
                    )
                    % {"where": where, "labels": _labels(absolute), "phrases": _phrases(absolute)},
                    block.location,
                    excerpt=sentence.text,
                )
            elif to_review:
                yield Finding(
                    CODE,
                    Severity.BLOCKER,
                    gettext(
                        "%(where)s makes %(labels)s (%(phrases)s). A testimonial, "
                        "an endorsement or a label of proof is not evidence, cited or not: say "
                        "what the study found instead, or a medical reviewer may override it with "
                        "a reason."
                    )
                    % {
                        "where": where,
                        "labels": _labels(to_review),
                        "phrases": _phrases(to_review),
                    },
                    block.location,
                    excerpt=sentence.text,
                    overridable=True,
                )
            elif needs_citation:
                yield Finding(
                    CODE,
                    Severity.BLOCKER,
                    gettext(
                        "%(where)s makes %(labels)s (%(phrases)s) "
                        "without a citation. Mark this sentence with the citation of the study "
                        "that supports it, soften it to what the evidence shows, or remove it."
                    )
                    % {
                        "where": where,
                        "labels": _labels(needs_citation),
                        "phrases": _phrases(needs_citation),
                    },
                    block.location,
                    excerpt=sentence.text,
                    overridable=True,
                )
            if to_weigh:
                yield Finding(
                    CODE,
                    Severity.WARNING,
                    gettext(
                        "%(where)s makes %(labels)s (%(phrases)s). Check that it "
                        "is true and fair to a patient; it does not block publication."
                    )
                    % {"where": where, "labels": _labels(to_weigh), "phrases": _phrases(to_weigh)},
                    block.location,
                    excerpt=sentence.text,
                )
