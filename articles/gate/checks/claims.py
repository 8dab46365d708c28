"""`unsupported-claim`: claims about the treatment a page promotes (it works, it is safe, it is
approved, it beats the alternatives, it cures, reverses or regenerates, hype) with no citation
marker in the same sentence; absolute promises ("guaranteed results") in any sentence.

The phrases and how each category is judged are in `articles/gate/claims.toml`. One finding per
sentence and severity; a blocking finding that is not an absolute promise may be overridden by a
medical reviewer (`articles.workflow.override_finding`), keyed to the sentence's exact text.
"""

from __future__ import annotations

from collections.abc import Iterator

from articles.gate.analysis import about_other_treatment, attributed, negated, quote
from articles.gate.core import Finding, Severity, Subject, check
from articles.gate.rules import ClaimCategory, lowered, rules

CODE = "unsupported-claim"


def claim_hits(text: str) -> list[tuple[ClaimCategory, str]]:
    """The claim phrases in one sentence that are claims (not negated, not about another
    treatment, not a hedged possibility), each with its category, as written."""
    r = rules()
    low = lowered(text)
    if not r.any_claim.search(low):
        return []
    hits = []
    hedged = None
    for category in r.categories:
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


@check
def unsupported_claim(subject: Subject) -> Iterator[Finding]:
    reports_study = attributed(subject)
    for b, block in enumerate(subject.blocks):
        for s, sentence in enumerate(block.sentences):
            hits = claim_hits(sentence.text)
            if not hits:
                continue
            absolute = [h for h in hits if h[0].absolute]
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
                    f"{where} makes {_labels(absolute)} ({_phrases(absolute)}). No study can "
                    "support that, so a citation does not make it acceptable: reword the "
                    "sentence to say what the evidence shows.",
                    block.location,
                    excerpt=sentence.text,
                )
            elif needs_citation:
                yield Finding(
                    CODE,
                    Severity.BLOCKER,
                    f"{where} makes {_labels(needs_citation)} ({_phrases(needs_citation)}) "
                    "without a citation. Mark this sentence with the citation of the study that "
                    "supports it, soften it to what the evidence shows, or remove it.",
                    block.location,
                    excerpt=sentence.text,
                    overridable=True,
                )
            if to_weigh:
                yield Finding(
                    CODE,
                    Severity.WARNING,
                    f"{where} makes {_labels(to_weigh)} ({_phrases(to_weigh)}). Check that it "
                    "is true and fair to a patient; it does not block publication.",
                    block.location,
                    excerpt=sentence.text,
                )
