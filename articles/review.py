"""What the review screen shows about one revision, besides the decision itself (which is the
workflow engine's): the body with the gate's findings marked where they are, each citation's
source as the reviewer needs it, and what changed since the last approved and the live revision.

Everything here reads frozen revision content; the only queries are the cited sources' live
verdicts and the names of placed prompts (one each, whatever the number of citations or
revisions), so the screen's cost does not grow with the content.

The diff compares the *rendered text* (what a reader reads: citation markers as their numbers),
block by block first and word by word inside changed blocks: two 10,000-word revisions that
differ in one sentence cost one paragraph's word diff (bench/diff.py)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime
from html import escape, unescape
from typing import Any

from articles import citations
from articles.gate import Finding
from articles.text import MARK_CLOSE, MARK_OPEN, field_label, html_blocks, text_block
from evidence.models import VerificationStatus, first_author_name

# --- The rendered text, block by block -------------------------------------------------------

_MARK = re.compile(f"{MARK_OPEN}([^{MARK_CLOSE}]*){MARK_CLOSE}")


@dataclass(frozen=True)
class TextBlock:
    location: str  # "title", "body, paragraph 3"
    text: str  # as read: spaces collapsed, each citation marker as "[n]"


def rendered_blocks(content: dict[str, Any]) -> list[TextBlock]:
    """The revision's reader-visible text in reading order, as the diff compares it."""
    numbers = {c["key"]: n for n, c in enumerate(content.get("citations") or [], start=1)}
    if "headline" in content:  # a prompt
        blocks = [
            text_block("headline", content.get("headline", "")),
            *html_blocks("body", content.get("body", "")),
            text_block("button label", content.get("button_label", "")),
        ]
    else:
        blocks = [
            text_block("title", content.get("title", "")),
            text_block("summary", content.get("summary", "")),
            *html_blocks("body", content.get("body", "")),
        ]
    found = []
    for block in blocks:
        text = _MARK.sub(lambda m: f"[{numbers.get(m.group(1), '?')}]", block.raw)
        text = " ".join(text.split())
        if text:
            found.append(TextBlock(block.location, text))
    return found


# --- The word-level diff ---------------------------------------------------------------------

_TOKEN = re.compile(r"\s*\S+")

SAME, ADDED, REMOVED = "=", "+", "-"


@dataclass(frozen=True)
class BlockChange:
    kind: str  # "added", "removed" or "changed"
    location: str  # where it is in the newer revision (in the older one when removed)
    parts: list[tuple[str, str]]  # (SAME | ADDED | REMOVED, text), in reading order

    @property
    def html(self) -> str:
        """The block with removed words struck through and added words marked, escaped."""
        tags = {ADDED: "ins", REMOVED: "del"}
        out = []
        for op, text in self.parts:
            if op == SAME:
                out.append(escape(text))
            else:
                out.append(f"<{tags[op]}>{escape(text)}</{tags[op]}>")
        return "".join(out)


@dataclass(frozen=True)
class TextDiff:
    changes: list[BlockChange]
    unchanged: int  # blocks that are the same in both

    @property
    def words_added(self) -> int:
        return self._count(ADDED)

    @property
    def words_removed(self) -> int:
        return self._count(REMOVED)

    def _count(self, op: str) -> int:
        return sum(len(text.split()) for c in self.changes for o, text in c.parts if o == op)


def diff_blocks(old: list[TextBlock], new: list[TextBlock]) -> TextDiff:
    """Blocks matched as wholes first, then word by word inside the blocks that differ."""
    matcher = difflib.SequenceMatcher(
        None, [b.text for b in old], [b.text for b in new], autojunk=False
    )
    changes: list[BlockChange] = []
    unchanged = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            unchanged += i2 - i1
            continue
        before, after = old[i1:i2], new[j1:j2]
        # Blocks replaced one for one are compared word by word; the rest are added or removed.
        for k in range(max(len(before), len(after))):
            if k < len(before) and k < len(after):
                changes.append(
                    BlockChange(
                        "changed", after[k].location, diff_words(before[k].text, after[k].text)
                    )
                )
            elif k < len(after):
                changes.append(BlockChange("added", after[k].location, [(ADDED, after[k].text)]))
            else:
                changes.append(
                    BlockChange("removed", before[k].location, [(REMOVED, before[k].text)])
                )
    return TextDiff(changes, unchanged)


def diff_words(old: str, new: str) -> list[tuple[str, str]]:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    parts: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append((SAME, "".join(b[j1:j2])))
            continue
        if i2 > i1:
            parts.append((REMOVED, "".join(a[i1:i2])))
        if j2 > j1:
            parts.append((ADDED, "".join(b[j1:j2])))
    return parts


# --- Citations and prompts added, removed or changed ----------------------------------------


@dataclass(frozen=True)
class ItemChange:
    kind: str  # "added", "removed", "changed"
    what: str  # "citation" or "prompt"
    label: str
    detail: str = ""


def source_label(snapshot: dict[str, Any]) -> str:
    first = first_author_name(snapshot.get("authors") or [])
    who = f"{first} {snapshot.get('year') or ''}".strip()
    title = (snapshot.get("title") or "untitled").strip()
    if len(title) > 90:
        title = title[:89] + "…"
    return f"{who}: {title}" if who else title


def citation_changes(old: dict[str, Any], new: dict[str, Any]) -> list[ItemChange]:
    """Sources cited in one revision and not the other, and sources whose reference changed."""
    before = {c["source"]["id"]: c["source"] for c in old.get("citations") or []}
    after = {c["source"]["id"]: c["source"] for c in new.get("citations") or []}
    found = []
    for source_id, snapshot in after.items():
        if source_id not in before:
            found.append(ItemChange("added", "citation", source_label(snapshot)))
        elif before[source_id] != snapshot:
            fields = sorted(
                k.replace("_", " ")
                for k in set(snapshot) | set(before[source_id])
                if snapshot.get(k) != before[source_id].get(k)
            )
            found.append(
                ItemChange(
                    "changed",
                    "citation",
                    source_label(snapshot),
                    f"The reference’s {', '.join(fields)} changed.",
                )
            )
    for source_id, snapshot in before.items():
        if source_id not in after:
            found.append(ItemChange("removed", "citation", source_label(snapshot)))
    return found


def prompt_changes(
    old: dict[str, Any], new: dict[str, Any], names: dict[int, str]
) -> list[ItemChange]:
    """Prompts placed in one revision and not the other, and prompts re-approved in between."""
    before = {p["prompt"]: p.get("approved_hash") for p in old.get("prompts") or []}
    after = {p["prompt"]: p.get("approved_hash") for p in new.get("prompts") or []}
    found = []
    for prompt_id, approved in after.items():
        label = names.get(prompt_id, f"Prompt {prompt_id}")
        if prompt_id not in before:
            found.append(ItemChange("added", "prompt", label))
        elif before[prompt_id] != approved:
            found.append(
                ItemChange("changed", "prompt", label, "A different approved version is placed.")
            )
    for prompt_id in before:
        if prompt_id not in after:
            label = names.get(prompt_id, f"Prompt {prompt_id}")
            found.append(ItemChange("removed", "prompt", label))
    return found


def placed_prompt_ids(*contents: dict[str, Any]) -> set[int]:
    return {p["prompt"] for content in contents for p in content.get("prompts") or []}


@dataclass(frozen=True)
class Comparison:
    """What changed from `base` (an earlier revision) to the revision under review."""

    title: str  # "Since the last approved revision (3)"
    text: TextDiff
    items: list[ItemChange]

    @property
    def nothing_changed(self) -> bool:
        return not self.text.changes and not self.items


def compare(
    base_content: dict[str, Any],
    content: dict[str, Any],
    *,
    title: str,
    prompt_names: dict[int, str],
) -> Comparison:
    return Comparison(
        title=title,
        text=diff_blocks(rendered_blocks(base_content), rendered_blocks(content)),
        items=[
            *citation_changes(base_content, content),
            *prompt_changes(base_content, content, prompt_names),
        ],
    )


# --- Findings in place -----------------------------------------------------------------------

_HTML_TOKEN = re.compile(r"(<[^>]*>)")
_UNIT = re.compile(r"&#?\w+;|.", re.DOTALL)
_MARKER_OPEN = re.compile(r"<sup\b[^>]*\bdata-citation=")
# Tags that end a block of text: a sentence never runs across them.
_BLOCK_TAG = re.compile(r"</?(?:p|li|h[1-6]|blockquote|td|th|dt|dd|figcaption|caption|br)\b")


@dataclass
class PlacedFinding:
    finding: Finding
    number: int  # 1, 2, 3… in reading order of the list beside the text
    anchor: str = ""  # the id of its highlight in the body, "" when it is not in the body text
    override: dict[str, str] | None = None  # the override form's values, when allowed
    span: tuple[int, int] | None = None  # where its sentence is in its field's text
    field: str = ""  # the field it is highlighted in

    @property
    def severity(self) -> str:
        return str(self.finding.severity)


@dataclass
class _Stream:
    """The body's text as the gate reads it (markers left out, spaces collapsed), each
    character pointing back to (token index, start, end) in the HTML."""

    text: list[str] = field(default_factory=list)
    where: list[tuple[int, int, int] | None] = field(default_factory=list)

    def add(self, chars: str, at: tuple[int, int, int] | None) -> None:
        for char in chars:
            if char.isspace():
                if not self.text or self.text[-1] == " ":
                    continue
                char = " "
            self.text.append(char)
            self.where.append(at)


def mark_findings(body_html: str, findings: list[PlacedFinding], field: str = "body") -> str:
    """The HTML of `field` with the sentence each finding about it is wrapped in a <mark>, whose
    id is the finding's anchor (set here). Findings about another field, or about no single
    sentence, are left for the list beside the text. Bodies were sanitized when stored (and a
    one-line field is passed escaped), so the markup is regular; only text between tags is
    wrapped, so the result stays well formed."""
    tokens = _HTML_TOKEN.split(body_html)
    stream = _Stream()
    in_marker = False
    for index, token in enumerate(tokens):
        if index % 2:  # a tag
            if _MARKER_OPEN.match(token):
                in_marker = True
            elif in_marker and token.startswith("</sup"):
                in_marker = False
            elif _BLOCK_TAG.match(token):
                stream.add(" ", None)
            continue
        if in_marker:
            continue
        for unit in _UNIT.finditer(token):
            stream.add(unescape(unit.group(0)), (index, unit.start(), unit.end()))
    text = "".join(stream.text)

    # token index -> (start, end, anchor, severity) of each highlight piece in that token
    wraps: dict[int, list[tuple[int, int, str, str]]] = {}
    label = field_label(field)  # as the findings' locations name it
    for placed in findings:
        excerpt = placed.finding.excerpt
        if not excerpt or placed.anchor or placed.finding.location.split(",")[0] != label:
            continue
        start = text.find(excerpt)
        end = start + len(excerpt)
        if start < 0:
            continue
        same = next((p for p in findings if p.span == (start, end) and p.field == field), None)
        if same is not None:  # two findings about one sentence: one highlight
            placed.anchor = same.anchor
            continue
        mine = [p.span for p in findings if p.span and p.field == field]
        if any(low < end and start < high for low, high in mine):
            continue  # overlaps another highlight: listed beside the text only
        placed.anchor = f"finding-{placed.number}"
        placed.span, placed.field = (start, end), field
        first = True
        for token_index, (low, high) in _by_token(stream.where[start:end]).items():
            anchor = placed.anchor if first else ""
            wraps.setdefault(token_index, []).append((low, high, anchor, placed.severity))
            first = False
    for token_index, spans in wraps.items():
        token = tokens[token_index]
        for start, end, anchor, severity in sorted(spans, reverse=True):
            ident = f' id="{anchor}" tabindex="-1"' if anchor else ""
            token = (
                f'{token[:start]}<mark class="vetted-finding vetted-finding-{severity}"{ident}>'
                f"{token[start:end]}</mark>{token[end:]}"
            )
        tokens[token_index] = token
    return "".join(tokens)


def _by_token(where: list[tuple[int, int, int] | None]) -> dict[int, tuple[int, int]]:
    spans: dict[int, tuple[int, int]] = {}
    for at in where:
        if at is None:
            continue
        index, start, end = at
        low, high = spans.get(index, (start, end))
        spans[index] = (min(low, start), max(high, end))
    return spans


# --- Citations as the reviewer opens them ----------------------------------------------------


@dataclass(frozen=True)
class CitedSource:
    number: int
    label: str  # "Oliveira 2020: Low back pain in adults…"
    reference_html: str  # the AMA entry, escaped and cleaned (articles.rendering.Reference)
    doi_url: str
    pubmed_url: str
    url: str
    evidence: str  # the kind of evidence in plain words
    status: str  # the registry check, for people
    checked_at: datetime | None
    retracted: bool
    retraction_notice: str
    problem: bool  # not matching the registry, retracted, not found


def status_words(source) -> str:
    if source is None:
        return "This source is no longer in the library."
    return str(VerificationStatus(source.verification_status).label)


def body_with_source_buttons(body_html: str, content: dict[str, Any]) -> str:
    """Each citation marker as a button that opens its source (`popovertarget`: no script), so
    a keyboard user reaches every source from the sentence that cites it."""
    return citations.numbered_markers(
        body_html,
        content,
        lambda number: (
            f'<sup class="citation"><button type="button" class="vetted-cite" '
            f'popovertarget="source-{number}" aria-label="Source of reference {number}">'
            f"{number}</button></sup>"
        ),
    )
