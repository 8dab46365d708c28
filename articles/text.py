"""Stored HTML as text: blocks, sentences, citation markers and words.

The gate's checks read a revision through it, search indexes a body through it and the public
page compares copy with it; it imports nothing of the project, so none of them reaches into
another for it.

Bodies are stored through `articles.sanitize.clean_html`, so their markup is regular (quoted
attributes, closed tags); a small tokenizer is enough and much faster than a full parser, which
matters on 10,000-word articles. A citation marker is any allowed element with a
`data-citation="KEY"` attribute (`<sup data-citation="KEY">1</sup>`); its own text (the "1") is not
part of the sentence, and a marker placed just after a sentence's full stop belongs to that
sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from html import unescape

from django.utils.translation import gettext, gettext_noop

BLOCK_TAGS = frozenset(
    {"p", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "td", "th", "dt", "dd", "figcaption",
     "caption"}
)  # fmt: skip
HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
LIST_TAGS = frozenset({"ul", "ol"})

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s[^>]*)?)/?>")
_ATTR = re.compile(r'([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*"([^"]*)"')

# A marker inside text: U+E000 KEY U+E001 (private-use characters never typed by writers).
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
_MARK = re.compile(f"{MARK_OPEN}([^{MARK_CLOSE}]*){MARK_CLOSE}")
# A marker written after the full stop belongs to the sentence before it: move it inside.
_MARK_AFTER_STOP = re.compile(
    rf"([.!?][\"”’')\]]*)(\s*)({MARK_OPEN}[^{MARK_CLOSE}]*{MARK_CLOSE}"
    rf"(?:\s*{MARK_OPEN}[^{MARK_CLOSE}]*{MARK_CLOSE})*)"
)

# Sentence ends: . ! ? (and a closing quote or bracket) followed by space and a capital, digit or
# opening quote. The terminator is captured (re.split keeps it) rather than looked behind for, so
# the engine scans for the punctuation instead of testing every position. Abbreviations and
# initials are joined back afterwards, judged on the last few characters only.
_SENTENCE_END = re.compile(r"([.!?][\"”’')\]]?)\s+(?=[\"“‘(\[]?[A-Z0-9À-ÖØ-Þ])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:al|e\.g|i\.e|etc|dr|drs|mr|mrs|ms|prof|vs|fig|figs|no|nos|approx|st|jr|sr|inc|ltd|"
    r"co|ca|cf|vol|pp|ed|eds|dept|univ|mt)|(?-i:\b[A-Z]))\.[\"”’')\]]?$",
    re.IGNORECASE,
)
_TAIL = 8  # long enough for "approx." after a space


@dataclass
class Sentence:
    text: str  # plain text, markers removed, spaces collapsed: what overrides are keyed by
    keys: tuple[str, ...]  # citation keys marked in this sentence

    @property
    def cited(self) -> bool:
        return bool(self.keys)


# The fields a location names ("body, paragraph 3"), marked for the translators; the code keeps
# comparing the English names.
_FIELDS = (
    gettext_noop("title"),
    gettext_noop("summary"),
    gettext_noop("body"),
    gettext_noop("headline"),
    gettext_noop("button label"),
)


def field_label(field_name: str) -> str:
    """A field's name as a location says it, in the reader's language."""
    return gettext(field_name)


@dataclass
class Block:
    field: str  # "title", "summary", "body", "headline", ...
    kind: str  # "paragraph", "heading", "item" (a list item), "text" (a one-line field)
    number: int  # paragraph or heading number within the field, from 1
    raw: str  # text with markers in place
    images: list[str | None] = field(default_factory=list)  # alt text of each <img>, None if absent

    @property
    def location(self) -> str:
        if self.kind == "text":
            return field_label(self.field)
        said = {"field": field_label(self.field), "number": self.number}
        if self.kind == "heading":
            # Translators: keep the field first, then a comma: the review screen reads it back.
            return gettext("%(field)s, heading %(number)s") % said
        # Translators: keep the field first, then a comma: the review screen reads it back.
        return gettext("%(field)s, paragraph %(number)s") % said

    @cached_property
    def text(self) -> str:
        return " ".join(_MARK.sub("", self.raw).split())

    @cached_property
    def keys(self) -> tuple[str, ...]:
        return tuple(_MARK.findall(self.raw))

    @cached_property
    def sentences(self) -> list[Sentence]:
        return split_sentences(self.raw)


def _marker_first(match: re.Match) -> str:
    return match.group(3) + match.group(1) + match.group(2)


def split_sentences(raw: str) -> list[Sentence]:
    """Sentences of one block of text, each with the citation keys marked in it."""
    raw = " ".join(raw.split())
    if not raw:
        return []
    if MARK_OPEN in raw:
        raw = _MARK_AFTER_STOP.sub(_marker_first, raw)
    parts = _SENTENCE_END.split(raw)  # text, terminator, text, terminator, …, text
    merged: list[str] = []
    join = False
    for i in range(0, len(parts), 2):
        piece = parts[i] + (parts[i + 1] if i + 1 < len(parts) else "")
        if join:
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
        join = i + 1 < len(parts) and bool(_ABBREVIATION.search(merged[-1][-_TAIL:]))
    sentences = []
    for piece in merged:
        keys = tuple(_MARK.findall(piece)) if MARK_OPEN in piece else ()
        text = " ".join(_MARK.sub("", piece).split()) if keys else piece.strip()
        if text:
            sentences.append(Sentence(text, keys))
    return sentences


def text_block(field_name: str, value: str) -> Block:
    """A one-line field (title, summary, headline…) as a block."""
    return Block(field_name, "text", 1, value or "")


def html_blocks(field_name: str, html: str) -> list[Block]:
    """The text blocks of a stored (sanitized) HTML field, in reading order."""
    blocks: list[Block] = []
    counters = {"paragraph": 0, "heading": 0}
    parts: list[str] = []
    images: list[str | None] = []
    kind = "paragraph"
    skip_until: list[str] = []  # the tag whose end closes a citation marker's own text
    pos = 0

    def flush() -> None:
        nonlocal parts, images, kind
        raw = "".join(parts)
        if raw.strip() or images:
            counter = "heading" if kind == "heading" else "paragraph"
            counters[counter] += 1
            blocks.append(Block(field_name, kind, counters[counter], raw, images))
        parts, images, kind = [], [], "paragraph"

    html = html or ""
    for match in _TAG.finditer(html):
        if not skip_until and match.start() > pos:
            parts.append(unescape(html[pos : match.start()]))
        pos = match.end()
        closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
        if skip_until:
            if closing and name == skip_until[-1]:
                skip_until.pop()
            elif not closing and name == skip_until[-1]:
                skip_until.append(name)
            continue
        if name in BLOCK_TAGS or name in LIST_TAGS:
            flush()
            if not closing and name in BLOCK_TAGS:
                kind = (
                    "heading" if name in HEADING_TAGS else "item" if name == "li" else "paragraph"
                )
            continue
        if closing:
            continue
        if name == "br":
            parts.append(" ")
        elif name == "img":
            attributes = dict(_ATTR.findall(attrs))
            alt = attributes.get("alt")
            images.append(unescape(alt) if alt is not None else None)
        elif "data-citation" in attrs:
            key = dict(_ATTR.findall(attrs)).get("data-citation")
            if key is not None:
                parts.append(f"{MARK_OPEN}{unescape(key)}{MARK_CLOSE}")
                if not match.group(0).endswith("/>"):
                    skip_until.append(name)
    if not skip_until and pos < len(html):
        parts.append(unescape(html[pos:]))
    flush()
    return blocks


_WORD = re.compile(r"[^\W\d_]+(?:[’'-][^\W\d_]+)*")


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def normalize(text: str) -> str:
    """Casefolded words only: for comparing copy ("Request Information Packet!" ~ "request
    information packet")."""
    return " ".join(_WORD.findall(text.casefold()))
