"""`unsupported-claim`: claims about the treatment a page promotes (it works, it is safe, it is
approved, it beats the alternatives, it cures, reverses or regenerates, hype) with no citation
marker in the same sentence; absolute promises ("guaranteed results") in any sentence.

The phrases and how each category is judged are in `articles/gate/claims.toml`. One finding per
sentence and severity; a blocking finding that is not an absolute promise may be overridden by a
medical reviewer (`articles.workflow.override_finding`), keyed to the sentence's exact text.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext_lazy

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


# What each kind of claim found in a sentence asks of the writer (where, labels and phrases are
# filled in per sentence).
_NO_STUDY_SUPPORTS = gettext_lazy(
    "%(where)s makes %(labels)s (%(phrases)s). No study can "
    "support that, so a citation does not make it acceptable: reword the "
    "sentence to say what the evidence shows."
)
_NOT_EVIDENCE = gettext_lazy(
    "%(where)s makes %(labels)s (%(phrases)s). A testimonial, "
    "an endorsement or a label of proof is not evidence, cited or not: say "
    "what the study found instead, or a medical reviewer may override it with "
    "a reason."
)
_NEEDS_CITATION = gettext_lazy(
    "%(where)s makes %(labels)s (%(phrases)s) "
    "without a citation. Mark this sentence with the citation of the study "
    "that supports it, soften it to what the evidence shows, or remove it."
)
_TO_WEIGH = gettext_lazy(
    "%(where)s makes %(labels)s (%(phrases)s). Check that it "
    "is true and fair to a patient; it does not block publication."
)


@check
def unsupported_claim(subject: Subject) -> Iterator[Finding]:
    reports_study = attributed(subject)
    health = about_health(subject)
    for b, block in enumerate(subject.blocks):
        for s, sentence in enumerate(block.sentences):
            if hits := claim_hits(sentence.text, health[b]):
                supported = sentence.cited or (b, s) in reports_study
                yield from _sentence_findings(sentence.text, hits, supported, block.location)


def _sentence_findings(text: str, hits: list, supported: bool, location: str) -> Iterator[Finding]:
    """At most one blocker for a sentence, for the most serious kind of claim in it (one no study
    can support, one that is not evidence, one without its citation), then a warning for the
    claims a reviewer should weigh."""
    absolute = [h for h in hits if h[0].absolute]
    to_review = [h for h in hits if h[0].needs_review]
    needs_citation = [
        h
        for h in hits
        if h[0].severity == Severity.BLOCKER and h[0].citation_supports and not supported
    ]
    to_weigh = [h for h in hits if h[0].severity == Severity.WARNING]
    if absolute:
        yield _finding(Severity.BLOCKER, _NO_STUDY_SUPPORTS, absolute, text, location)
    elif to_review:
        yield _finding(Severity.BLOCKER, _NOT_EVIDENCE, to_review, text, location, overridable=True)
    elif needs_citation:
        yield _finding(
            Severity.BLOCKER, _NEEDS_CITATION, needs_citation, text, location, overridable=True
        )
    if to_weigh:
        yield _finding(Severity.WARNING, _TO_WEIGH, to_weigh, text, location)


def _finding(
    severity: Severity,
    message: str,
    found: list,
    text: str,
    location: str,
    overridable: bool = False,
) -> Finding:
    words = {"where": quote(text), "labels": _labels(found), "phrases": _phrases(found)}
    return Finding(CODE, severity, message % words, location, excerpt=text, overridable=overridable)
