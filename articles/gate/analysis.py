"""Reading sentences for the claim and source checks: which sentences of a research summary
report its study, whether a phrase is negated, whether it is about another treatment."""

from __future__ import annotations

import re
import unicodedata

from articles.gate.core import Subject
from articles.gate.rules import lowered, rules

RESEARCH_SUMMARY = "research_summary"

# Where a clause starts, looking back from a phrase: punctuation, or a conjunction that opens a new
# statement ("…is risky, but stem cells are safe"; "while liver transplantation is effective").
_CLAUSE_BREAK = re.compile(
    r"[,;:()\[\]—–]|\s-\s|\b(?:and|but|or|while|whereas|although|though|however|yet|so)\b"
)
_WINDOW_WORD = re.compile(r"[^\W_][\w'’-]*")
# A lead-in paragraph that introduces a list: "…key findings and recommendations, including:".
_LEAD_IN = re.compile(r"(?::|\b(?:including|include|includes|following|such as))\s*$", re.I)


def clause_before(text: str, start: int) -> str:
    """The part of the clause that precedes position `start` (`text` lower-cased)."""
    before = text[:start]
    breaks = [match.end() for match in _CLAUSE_BREAK.finditer(before)]
    return before[breaks[-1] :] if breaks else before


def negated(low: str, start: int) -> bool:
    """A negation word stands just before `start` in its clause (`low` is lower-cased)."""
    r = rules()
    words = _WINDOW_WORD.findall(clause_before(low, start).replace("’", "'"))
    return any(word in r.negation_words for word in words[-r.negation_window :])


def about_other_treatment(low: str, start: int) -> bool:
    """The clause before `start` is about another treatment (`low` is lower-cased)."""
    r = rules()
    clause = clause_before(low, start)
    if r.other_nouns.search(clause):
        return True
    words = _WINDOW_WORD.findall(clause)
    return bool(words) and words[-1] in r.other_qualifiers


def attributed(subject: Subject) -> frozenset[tuple[int, int]]:
    """(block index, sentence index) of each sentence that reports the summarized study, in a
    research summary; empty for every other kind of content. See claims.toml [research_summary]."""
    cached = subject.__dict__.get("_attributed")
    if cached is not None:
        return cached
    result: set[tuple[int, int]] = set()
    if subject.article_kind == RESEARCH_SUMMARY:
        cue = rules().attribution
        lead_in = False  # the paragraph before this list introduced it and reported the study
        for b, block in enumerate(subject.blocks):
            if block.kind == "heading":
                lead_in = False
                continue
            carry = block.kind == "item" and lead_in
            for s, sentence in enumerate(block.sentences):
                if carry or cue.search(lowered(sentence.text)):
                    carry = True
                    result.add((b, s))
            if block.kind != "item":
                lead_in = carry and bool(_LEAD_IN.search(block.text))
    subject.__dict__["_attributed"] = frozenset(result)
    return subject.__dict__["_attributed"]


def fold(name: str) -> str:
    """A name compared without accents, case or punctuation: “López-Quiceno” ~ “lopez quiceno”."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.split(r"[\s.’'‐-]+", plain.casefold())).strip()


def quote(sentence: str, limit: int = 110) -> str:
    text = sentence.strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return f"“{text}”"
