"""What both importers recognize in a post, whatever the file looked like: headings and list
items, calls to action (and the opt-in forms a site's template pasted in), citations and the study
a text names, and what kind of article a post is.

The text is seen as blocks: one paragraph, heading or list each, as plain text. The text importer
makes them from runs of lines, the WordPress importer from HTML elements; both then ask the same
questions here, so the same post gets the same prompts, citations and findings from either.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from articles.importers.parsed import (
    ParsedCitation,
    ParsedFile,
    ParsedPost,
    ParsedPrompt,
    normalize,
    prompt_import_key,
)
from articles.models.content import ArticleKind, PromptKind
from evidence.parsing import ParsedReference

HEADING_MAX_CHARS = 80
HEADING_MAX_WORDS = 12
PROMPT_BODY_MAX_CHARS = 400  # a call to action is a sentence or two, never an article section
CONFIRMATION_MAX_CHARS = 80


# --- Blocks ------------------------------------------------------------------------------------


@dataclass
class Block:
    """A paragraph, heading or list as plain text: a run of non-blank lines in a text export."""

    line: int  # 1-based number of its first line (the WordPress importer counts blocks instead)
    lines: list[str]
    links: list[str] = field(default_factory=list)  # where its links point (WordPress only)

    @property
    def text(self) -> str:
        # Runs of spaces ("relief.  The first") are typing, not meaning; HTML collapses them too.
        return re.sub(r"\s+", " ", " ".join(self.lines)).strip()

    @property
    def key(self) -> str:
        return normalize(self.text)

    @property
    def single(self) -> bool:
        return len(self.lines) == 1


_LIST_ITEM = re.compile(
    r"^(?P<indent>\s*)(?:(?P<number>\d{1,3})[.)]|(?P<bullet>[•◦▪‣·*–-]))\s+(?P<text>\S.*)$"
)
SOURCE_LINE = re.compile(r"^\s*Sources?\s*:\s*(?P<text>.*)$", re.IGNORECASE)
READING_LIST = re.compile(
    r"^(?:references?|sources|bibliography|further reading|references and further reading|"
    r"references & further reading|sources and further reading)$",
    re.IGNORECASE,
)


def list_item(line: str) -> re.Match | None:
    """A list item: indented with a number or bullet, or (bullets only) flush left."""
    match = _LIST_ITEM.match(line)
    if match is None:
        return None
    if match.group("number") and not match.group("indent"):
        return None  # "2023. A year of…" flush left is a sentence, not an item
    return match


def is_heading(text: str) -> bool:
    """A short line without closing punctuation: "Understanding ALS and MSC Therapy".

    A question ("Why Does Your Back Hurt?") is a heading too; a line that runs on without a full
    stop but is long ("According to Smith et al. stem cell therapy offers…, including") is not."""
    text = text.strip()
    if not text or len(text) > HEADING_MAX_CHARS or len(text.split()) > HEADING_MAX_WORDS:
        return False
    if text[-1] in ".,;:!…":
        return False
    return text[0].isupper() or text[0].isdigit() or text[0] in "\"“'‘"


def is_title_pair(blocks: list[Block], i: int) -> bool:
    if i + 1 >= len(blocks):
        return False
    first, second = blocks[i], blocks[i + 1]
    return (
        first.single
        and second.single
        and first.key == second.key
        and not list_item(first.lines[0])
        and not SOURCE_LINE.match(first.lines[0])
    )


def _is_confirmation(block: Block) -> bool:
    return block.single and block.text.endswith("!") and len(block.text) <= CONFIRMATION_MAX_CHARS


# --- Calls to action ---------------------------------------------------------------------------

# A known call to action: an imperative headline about a packet, a newsletter or a consultation.
_CALL_VERB = (
    r"^(?:request|get|download|order|claim|subscribe|sign up|join|book|schedule|call|contact)\b"
)
_KIND_WORDS = (
    (PromptKind.INFORMATION_PACKET, re.compile(r"\b(?:information|info)\s+(?:packet|pack|kit)\b")),
    (PromptKind.NEWSLETTER, re.compile(r"\b(?:newsletter|mailing list|subscribe)\b")),
    (PromptKind.CONSULTATION, re.compile(r"\b(?:consultation|appointment)\b")),
)


def prompt_kind(headline: str, body: str = "") -> str | None:
    """The kind of call to action a headline (then its text) names, or None."""
    for text in (normalize(headline), normalize(body)):
        for kind, words in _KIND_WORDS:
            if words.search(text):
                return kind
    return None


# What makes repeated text a call to action rather than a section two pages share: an offer, a
# phone number, a form or a link to book or sign up, or one of the prompts the brief names.
_OFFER = re.compile(
    r"\b(?:free|offer|discount|\d+\s?% off|limited time|special price|no obligation|"
    r"call (?:us|now|today)|contact us|sign up|register|book (?:now|today|online|your|an?)|"
    r"schedule (?:your|an?)|request (?:your|an?|more)|get (?:your|started))\b"
)
_PHONE = re.compile(r"(?:\+?\d{1,3}[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b")
_ACTION_LINK = re.compile(
    r"^(?:tel:|mailto:)|book|appointment|schedule|sign-?up|subscribe|register|contact|"
    r"consult|newsletter|calendly|request",
    re.IGNORECASE,
)
FORM_MARK = "#form"  # in a block's links where a form followed it (WordPress)


def looks_like_call_to_action(headline: str, body: list[str], links: list[str]) -> bool:
    """Whether repeated text asks the reader to act, the way a clinic's prompt does. Repetition
    alone proves nothing: a post and a page often share whole sections."""
    text = normalize(" ".join([headline, *body]))
    return bool(
        prompt_kind(headline, " ".join(body))
        or _OFFER.search(text)
        or _PHONE.search(text)
        or re.search(_CALL_VERB, normalize(headline))
        or any(link == FORM_MARK or _ACTION_LINK.search(link) for link in links)
    )


@dataclass
class PromptSpan:
    start: int  # block index of the headline
    end: int  # block index after the last block
    headline: str
    body: list[str]
    confirmation: str
    kind: str
    appearances: int = 1  # how often the same text repeats (repeated spans)


def _body_block_ok(block: Block) -> bool:
    return (
        not is_heading(block.text)
        and not list_item(block.lines[0])
        and not SOURCE_LINE.match(block.lines[0])
        and len(block.text) <= PROMPT_BODY_MAX_CHARS
    )


def _known_prompt_at(blocks: list[Block], i: int, depth: int = 0) -> PromptSpan | None:
    """A call to action whose headline says what it is, even if it appears only once."""
    head = blocks[i]
    if not head.single or not (is_heading(head.text) or head.text.endswith("!")):
        return None
    if not re.search(_CALL_VERB, normalize(head.text)) or not prompt_kind(head.text):
        return None
    j = i + 1
    repeated = j < len(blocks) and blocks[j].key == head.key
    if repeated:
        j += 1  # the newsletter form repeats its headline, like a post title
    body: list[str] = []
    while j < len(blocks) and len(body) < 2 and _body_block_ok(blocks[j]):
        if _is_confirmation(blocks[j]) and body:
            break
        body.append(blocks[j].text)
        j += 1
    if not body:
        return None
    confirmation = ""
    if j < len(blocks) and _is_confirmation(blocks[j]):
        confirmation = blocks[j].text
        j += 1
    if repeated and not (
        j >= len(blocks)
        or is_title_pair(blocks, j)
        or (depth < 3 and _known_prompt_at(blocks, j, depth + 1) is not None)
    ):
        # A repeated headline with more text after the form's few lines is a post about the
        # packet or the newsletter ("Request an Information Packet: What's Inside"), not the form.
        return None
    return PromptSpan(i, j, head.text, body, confirmation, prompt_kind(head.text, " ".join(body)))


def _repeated_prompts(blocks: list[Block], taken: set[int]) -> list[PromptSpan]:
    """Any other headline-led block that appears more than once, word for word.

    A clinic's template pastes the same block after every post; an author never writes the same
    heading and paragraph twice. The repeat is the part the occurrences share, up to three
    blocks after the headline."""
    candidates: dict[tuple[str, str], list[int]] = {}
    for i, block in enumerate(blocks):
        if i in taken or i + 1 >= len(blocks) or i + 1 in taken:
            continue
        if not block.single or not is_heading(block.text) or is_title_pair(blocks, i):
            continue
        if i > 0 and is_title_pair(blocks, i - 1):
            continue  # the second line of a title
        if not _body_block_ok(blocks[i + 1]):
            continue
        candidates.setdefault((block.key, blocks[i + 1].key), []).append(i)
    spans: list[PromptSpan] = []
    for starts in candidates.values():
        if len(starts) < 2:
            continue
        length = 1
        while length < 3 and all(
            s + length + 1 < len(blocks)
            and s + length + 1 not in taken
            and _body_block_ok(blocks[s + length + 1])
            and blocks[s + length + 1].key == blocks[starts[0] + length + 1].key
            for s in starts
        ):
            length += 1
        for s in starts:
            parts = [b.text for b in blocks[s + 1 : s + 1 + length]]
            confirmation = ""
            if len(parts) > 1 and _is_confirmation(blocks[s + length]):
                confirmation = parts.pop()
            kind = prompt_kind(blocks[s].text, " ".join(parts)) or PromptKind.CONSULTATION
            span = PromptSpan(s, s + 1 + length, blocks[s].text, parts, confirmation, kind)
            span.appearances = len(starts)
            spans.append(span)
    return spans


def _asks_to_act(blocks: list[Block], span: PromptSpan) -> bool:
    links = [link for block in blocks[span.start : span.end] for link in block.links]
    return looks_like_call_to_action(span.headline, span.body, links)


def find_prompts(
    blocks: list[Block], possible: list[PromptSpan] | None = None
) -> dict[int, PromptSpan]:
    """Every call-to-action occurrence, by the block index where it starts. Repeated text that
    does not look like one stays in the body; its first occurrence is added to `possible`, for
    the report's "possible call to action"."""
    spans: dict[int, PromptSpan] = {}
    taken: set[int] = set()
    i = 0
    while i < len(blocks):
        span = _known_prompt_at(blocks, i)
        if span is None:
            i += 1
            continue
        spans[i] = span
        taken.update(range(span.start, span.end))
        i = span.end
    noted: set[str] = set()
    for span in _repeated_prompts(blocks, taken):
        if taken.intersection(range(span.start, span.end)):
            continue
        if not _asks_to_act(blocks, span):
            if possible is not None and normalize(span.headline) not in noted:
                noted.add(normalize(span.headline))
                possible.append(span)
            continue
        spans[span.start] = span
        taken.update(range(span.start, span.end))
    return spans


def remember_prompt(result: ParsedFile, span: PromptSpan, line: int) -> str:
    """The key of the prompt this occurrence is; the first occurrence defines it."""
    body = "\n\n".join(span.body)
    key = prompt_import_key(span.headline)
    existing = result.prompts.get(key)
    suffix = 2
    # The same headline over a different text is a different call to action.
    while existing is not None and normalize(existing.body) != normalize(body):
        key = f"{prompt_import_key(span.headline)}#{suffix}"
        existing = result.prompts.get(key)
        suffix += 1
    if existing is None:
        existing = result.prompts[key] = ParsedPrompt(
            key=key,
            kind=span.kind,
            headline=span.headline,
            body=body,
            confirmation=span.confirmation,
        )
    existing.lines.append(line)
    return key


# --- Citations -------------------------------------------------------------------------------


@dataclass
class Node:
    """One piece of a post's body, before it becomes HTML."""

    tag: str  # "p", "h2", "ol", "ul"
    text: str = ""
    items: list[str] = field(default_factory=list)
    line: int = 0


CITE = "\x00{}\x00"  # a placeholder for a citation marker, replaced after escaping


_NAME_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’-]+"
_ANY_ET_AL = re.compile(rf"((?:{_NAME_WORD}\s+){{0,2}}{_NAME_WORD})\s+et\s+al\b\.?(?:[’']s\b)?")
_SENTENCE_STARTERS = frozenset(
    {
        "A", "An", "The", "In", "As", "According", "Then", "This", "These", "Recently", "However",
        "Additionally", "Also", "And", "But", "When", "While", "Although", "Moreover",
        "Furthermore", "Here", "Our",
    }
)  # fmt: skip


def _attribution_pattern(ref: ParsedReference) -> re.Pattern | None:
    if not ref.authors:
        return None
    first = re.escape(ref.first_author_family)
    if len(ref.authors) == 1 and not ref.authors_truncated:
        return re.compile(rf"\b{first}\b(?:\s*\(\d{{4}}\))?(?:[’']s\b)?")
    if len(ref.authors) == 2 and not ref.authors_truncated:
        second = re.escape(ref.authors[1]["family"])
        return re.compile(rf"\b{first}\s+(?:and|&)\s+{second}\b(?:[’']s\b)?")
    return re.compile(rf"\b{first}\s+et\s+al\b\.?(?:[’']s\b)?")


def _named(match: re.Match) -> str:
    words = match.group(1).split()
    while len(words) > 1 and words[0] in _SENTENCE_STARTERS:
        words.pop(0)
    return " ".join(words)


def _attribution_label(ref: ParsedReference, matched: str) -> str:
    if len(ref.authors) == 2 and not ref.authors_truncated:
        return f"{ref.first_author_family} and {ref.authors[1]['family']}"
    if len(ref.authors) == 1 and not ref.authors_truncated:
        return ref.first_author_family
    return f"{ref.first_author_family} et al."


def place_marker(nodes: list[Node], citation: ParsedCitation) -> None:
    """Put the citation's marker where the text first names the study, and record how it names
    it. If the text names the study after someone else ("Lu et al." citing Zhao's paper), the
    marker goes there all the same: that is the claim the citation has to stand behind, and the
    gate's attribution check is what tells the writer the names differ."""
    ref = citation.reference
    texts: list[tuple[Node, int | None]] = []
    for node in nodes:
        if node.tag == "p":
            texts.append((node, None))
        elif node.tag in ("ol", "ul"):
            texts.extend((node, index) for index in range(len(node.items)))

    def get(node: Node, index: int | None) -> str:
        return node.text if index is None else node.items[index]

    def put(node: Node, index: int | None, value: str) -> None:
        if index is None:
            node.text = value
        else:
            node.items[index] = value

    found = None
    pattern = _attribution_pattern(ref)
    if pattern is not None:
        for node, index in texts:
            if match := pattern.search(get(node, index)):
                found = (node, index, match, _attribution_label(ref, match.group(0)))
                break
    if found is None:
        # The study is named after someone else: the name the text uses most often.
        names: Counter[str] = Counter()
        first_match: dict[str, tuple] = {}
        for node, index in texts:
            for match in _ANY_ET_AL.finditer(get(node, index)):
                name = _named(match)
                names[name] += 1
                first_match.setdefault(name, (node, index, match))
        if names:
            name = names.most_common(1)[0][0]
            node, index, match = first_match[name]
            found = (node, index, match, f"{name} et al.")
    if found is None:
        return  # nothing in the text names the study; the writer places the marker
    node, index, match, label = found
    value = get(node, index)
    citation.attribution = label
    citation.supports = plain(value)
    put(node, index, value[: match.end()] + CITE.format(citation.key) + value[match.end() :])


_NUMBERED_REFERENCE = re.compile(r"\s?\[(\d{1,3})\]")


def mark_numbered_references(nodes: list[Node], numbered: dict[int, ParsedCitation]) -> None:
    """ "[2]" in the text, naming item 2 of the post's numbered reading list, becomes that item's
    citation marker; a number naming no item stays as written (the gate reports it)."""

    def mark(value: str) -> str:
        def marker(match: re.Match) -> str:
            citation = numbered.get(int(match.group(1)))
            if citation is None:
                return match.group(0)
            if not citation.supports:
                citation.supports = plain(value)
            return CITE.format(citation.key)

        return _NUMBERED_REFERENCE.sub(marker, value) if "[" in value else value

    for node in nodes:
        node.text = mark(node.text)
        node.items = [mark(item) for item in node.items]


def plain(value: str) -> str:
    return re.sub("\x00[^\x00]*\x00", "", value)


def same_work(a: ParsedReference, b: ParsedReference) -> bool:
    for name in ("doi", "pmid", "pmcid"):
        if getattr(a, name) and getattr(a, name) == getattr(b, name):
            return True
    return normalize(a.as_written) == normalize(b.as_written)


def add_citation(post: ParsedPost, reference: ParsedReference, origin: str, line: int) -> None:
    """Cite a reference once per post, however often the post lists it."""
    if any(same_work(reference, c.reference) for c in post.citations):
        return
    # Keys are "1", "2", … in the order the post cites: its Source: lines, then its reading list.
    post.citations.append(
        ParsedCitation(
            key=str(len(post.citations) + 1), reference=reference, origin=origin, line=line
        )
    )


# --- What kind of article a post is ------------------------------------------------------------

_TREATMENT_WORDS = re.compile(
    r"\b(?:stem cells?|regenerative|mesenchymal|mscs?|prp|platelet[- ]rich|exosomes?)\b", re.I
)
_PROMOTIONAL_WORDS = re.compile(
    r"\b(?:game[- ]changer|revolution(?:ary|i[sz]ing|i[sz]e)|breakthrough|miracle|"
    r"cutting[- ]edge|remarkable|transform(?:s|ing|ative)?|exciting possibilities|"
    r"life[- ]changing|groundbreaking)\b",
    re.I,
)


def classify(title: str, body_text: str, citations: list[ParsedCitation]) -> tuple[str, str]:
    """(kind, why) for a post. The order of the rules is the heuristic:

    1. A research summary reports one study: its `Source:` line names a published work (an
       identifier, or authors and a title). That is decisive, whatever the tone.
    2. A promotional page sells the clinic's treatment: the title names the treatment (stem cells,
       regenerative medicine, MSCs, PRP, exosomes) and the text praises it in marketing words
       ("game changer", "revolutionary", "remarkable", "transform"…) at least twice. Naming a
       treatment alone is not enough (a guide lists treatments); praise alone is not enough.
    3. Anything else is a patient guide.
    The writer can change the kind; the reason is shown in the import report."""
    studies = [c for c in citations if c.origin == "source-line" and c.reference.is_study]
    if studies:
        return ArticleKind.RESEARCH_SUMMARY, "its Source: line names a published study"
    praise = {normalize(m.group(0)) for m in _PROMOTIONAL_WORDS.finditer(f"{title} {body_text}")}
    if _TREATMENT_WORDS.search(title) and len(praise) >= 2:
        words = ", ".join(sorted(praise)[:3])
        return ArticleKind.PROMOTIONAL, f"the title names a treatment and the text says {words}"
    return ArticleKind.PATIENT_GUIDE, "no study source and no promotional language"
