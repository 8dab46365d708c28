"""Reading a plain-text blog export (the format of `seeds/clinic_blog_export.txt`) into posts.

The format, as clinics' copy-paste exports have it:

* a post starts with its title on a line, a blank line, and the same title again;
* paragraphs are separated by blank lines; a short line without closing punctuation is a heading;
* list items are indented and start with a number ("1.") or a bullet ("•");
* a `Source:` line cites the study a research summary is about;
* a "References and Further Reading" heading starts a reading list;
* calls to action ("Request Information Packet" + text + "Thanks for your interest!") are pasted
  in wherever the site's template showed them, often many times over.

Everything here is pure: text in, `ParsedFile` out, no database. `articles.importers.load`
writes the result.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from articles.models.content import ArticleKind, PromptKind
from evidence.parsing import ParsedReference, parse_reference

TITLE_MAX = 255  # Article.title
HEADING_MAX_CHARS = 80
HEADING_MAX_WORDS = 12
PROMPT_BODY_MAX_CHARS = 400  # a call to action is a sentence or two, never an article section
CONFIRMATION_MAX_CHARS = 80


# --- What the parser produces ------------------------------------------------------------------


@dataclass
class ParseError:
    """Something in the file that was not imported, and why."""

    line: int
    message: str

    @property
    def where(self) -> str:
        return f"line {self.line}"


@dataclass
class ParsedCitation:
    key: str  # what the body's marker names: <sup data-citation="KEY">
    reference: ParsedReference
    origin: str  # "source-line" or "reading-list"
    line: int
    attribution: str = ""  # how the body names the work ("Lu et al.")
    supports: str = ""  # the paragraph the marker stands in, as plain text


@dataclass
class ParsedPrompt:
    """One distinct call to action, however many times it was pasted in."""

    key: str  # import key: the same call to action in a later export updates the same prompt
    kind: str
    headline: str
    body: str  # plain text, paragraphs separated by blank lines
    confirmation: str  # "Thanks for your interest!": shown after sending, kept for the report
    lines: list[int] = field(default_factory=list)  # every place it appeared

    @property
    def body_html(self) -> str:
        return "".join(f"<p>{_escape(p)}</p>" for p in self.body.split("\n\n") if p)

    @property
    def button_label(self) -> str:
        # The export keeps no button text; the headline is the call to action the clinic wrote
        # ("Request Information Packet"), so it is the label until a writer changes it.
        return self.headline[:80]


@dataclass
class ParsedPost:
    title: str
    line: int
    kind: str = ArticleKind.PATIENT_GUIDE
    kind_reason: str = ""
    body_html: str = ""
    citations: list[ParsedCitation] = field(default_factory=list)
    prompt_keys: list[str] = field(default_factory=list)  # in order of first appearance

    @property
    def import_key(self) -> str:
        return import_key(self.title)


@dataclass
class ParsedFile:
    posts: list[ParsedPost] = field(default_factory=list)
    prompts: dict[str, ParsedPrompt] = field(default_factory=dict)
    errors: list[ParseError] = field(default_factory=list)


# --- Normalizing -------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """Compare text as a reader would: curly and straight quotes, case and spacing aside."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-"}))
    return re.sub(r"\s+", " ", text).strip().casefold()


def import_key(title: str) -> str:
    return f"text:{normalize(title)}"[:500]


def prompt_import_key(headline: str) -> str:
    return f"text-prompt:{normalize(headline)}"[:500]


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


# --- Blocks: runs of non-blank lines -----------------------------------------------------------


@dataclass
class Block:
    line: int  # 1-based number of its first line
    lines: list[str]

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


def split_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    current: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append(Block(start, current))
            current = []
    if current:
        blocks.append(Block(start, current))
    return blocks


_LIST_ITEM = re.compile(
    r"^(?P<indent>\s*)(?:(?P<number>\d{1,3})[.)]|(?P<bullet>[•◦▪‣·*–-]))\s+(?P<text>\S.*)$"
)
_SOURCE_LINE = re.compile(r"^\s*Sources?\s*:\s*(?P<text>.*)$", re.IGNORECASE)
_READING_LIST = re.compile(
    r"^(?:references?|sources|bibliography|further reading|references and further reading|"
    r"references & further reading|sources and further reading)$",
    re.IGNORECASE,
)


def _list_item(line: str) -> re.Match | None:
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


def _is_title_pair(blocks: list[Block], i: int) -> bool:
    if i + 1 >= len(blocks):
        return False
    first, second = blocks[i], blocks[i + 1]
    return (
        first.single
        and second.single
        and first.key == second.key
        and not _list_item(first.lines[0])
        and not _SOURCE_LINE.match(first.lines[0])
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


@dataclass
class _Span:
    start: int  # block index of the headline
    end: int  # block index after the last block
    headline: str
    body: list[str]
    confirmation: str
    kind: str


def _body_block_ok(block: Block) -> bool:
    return (
        not is_heading(block.text)
        and not _list_item(block.lines[0])
        and not _SOURCE_LINE.match(block.lines[0])
        and len(block.text) <= PROMPT_BODY_MAX_CHARS
    )


def _known_prompt_at(blocks: list[Block], i: int, depth: int = 0) -> _Span | None:
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
        or _is_title_pair(blocks, j)
        or (depth < 3 and _known_prompt_at(blocks, j, depth + 1) is not None)
    ):
        # A repeated headline with more text after the form's few lines is a post about the
        # packet or the newsletter ("Request an Information Packet: What's Inside"), not the form.
        return None
    return _Span(i, j, head.text, body, confirmation, prompt_kind(head.text, " ".join(body)))


def _repeated_prompts(blocks: list[Block], taken: set[int]) -> list[_Span]:
    """Any other headline-led block that appears more than once, word for word.

    A clinic's template pastes the same block after every post; an author never writes the same
    heading and paragraph twice. The repeat is the part the occurrences share, up to three
    blocks after the headline."""
    candidates: dict[tuple[str, str], list[int]] = {}
    for i, block in enumerate(blocks):
        if i in taken or i + 1 >= len(blocks) or i + 1 in taken:
            continue
        if not block.single or not is_heading(block.text) or _is_title_pair(blocks, i):
            continue
        if i > 0 and _is_title_pair(blocks, i - 1):
            continue  # the second line of a title
        if not _body_block_ok(blocks[i + 1]):
            continue
        candidates.setdefault((block.key, blocks[i + 1].key), []).append(i)
    spans: list[_Span] = []
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
            spans.append(_Span(s, s + 1 + length, blocks[s].text, parts, confirmation, kind))
    return spans


def find_prompts(blocks: list[Block]) -> dict[int, _Span]:
    """Every call-to-action occurrence, by the block index where it starts."""
    spans: dict[int, _Span] = {}
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
    for span in _repeated_prompts(blocks, taken):
        if not taken.intersection(range(span.start, span.end)):
            spans[span.start] = span
            taken.update(range(span.start, span.end))
    return spans


# --- Posts -------------------------------------------------------------------------------------


@dataclass
class _Node:
    """One piece of a post's body, before it becomes HTML."""

    tag: str  # "p", "h2", "ol", "ul"
    text: str = ""
    items: list[str] = field(default_factory=list)
    line: int = 0


_CITE = "\x00{}\x00"  # a placeholder for a citation marker, replaced after escaping


def _nodes_of(block: Block) -> list[_Node]:
    """Paragraphs, lists and headings in one block. A block may hold an intro line and its list."""
    if block.single and is_heading(block.text) and not _list_item(block.lines[0]):
        return [_Node("h2", block.text, line=block.line)]
    nodes: list[_Node] = []
    prose: list[str] = []
    for offset, line in enumerate(block.lines):
        item = _list_item(line)
        if item is not None:
            if prose:
                nodes.append(_Node("p", " ".join(prose), line=block.line))
                prose = []
            tag = "ol" if item.group("number") else "ul"
            if not nodes or nodes[-1].tag != tag:
                nodes.append(_Node(tag, line=block.line + offset))
            nodes[-1].items.append(re.sub(r"\s+", " ", item.group("text")).strip())
        elif nodes and nodes[-1].tag in ("ol", "ul") and line[:1].isspace() and not prose:
            nodes[-1].items[-1] += " " + re.sub(r"\s+", " ", line).strip()  # a wrapped list item
        else:
            prose.append(re.sub(r"\s+", " ", line).strip())
    if prose:
        nodes.append(_Node("p", " ".join(prose), line=block.line))
    return nodes


def _render(nodes: list[_Node], markers: dict[str, str]) -> str:
    def text(value: str) -> str:
        out = _escape(value)
        for key in markers:
            out = out.replace(
                _CITE.format(key), f'<sup data-citation="{_escape(key)}">{_escape(key)}</sup>'
            )
        return out

    parts = []
    for node in nodes:
        if node.tag in ("ol", "ul"):
            items = "".join(f"<li>{text(item)}</li>" for item in node.items)
            parts.append(f"<{node.tag}>{items}</{node.tag}>")
        else:
            parts.append(f"<{node.tag}>{text(node.text)}</{node.tag}>")
    return "".join(parts)


# "Mesa Bedoya et al." / "Lu et al.’s" / "Mesa Bedoya et al’s": the way a summary names its study.
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


def _place_marker(nodes: list[_Node], citation: ParsedCitation) -> None:
    """Put the citation's marker where the text first names the study, and record how it names
    it. If the text names the study after someone else ("Lu et al." citing Zhao's paper), the
    marker goes there all the same: that is the claim the citation has to stand behind, and the
    gate's attribution check is what tells the writer the names differ."""
    ref = citation.reference
    texts: list[tuple[_Node, int | None]] = []
    for node in nodes:
        if node.tag == "p":
            texts.append((node, None))
        elif node.tag in ("ol", "ul"):
            texts.extend((node, index) for index in range(len(node.items)))

    def get(node: _Node, index: int | None) -> str:
        return node.text if index is None else node.items[index]

    def put(node: _Node, index: int | None, value: str) -> None:
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
    citation.supports = _plain(value)
    put(node, index, value[: match.end()] + _CITE.format(citation.key) + value[match.end() :])


def _plain(value: str) -> str:
    return re.sub("\x00[^\x00]*\x00", "", value)


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


# --- The whole file ----------------------------------------------------------------------------


def _same_work(a: ParsedReference, b: ParsedReference) -> bool:
    for name in ("doi", "pmid", "pmcid"):
        if getattr(a, name) and getattr(a, name) == getattr(b, name):
            return True
    return normalize(a.as_written) == normalize(b.as_written)


def _add_citation(post: ParsedPost, reference: ParsedReference, origin: str, line: int) -> None:
    """Cite a reference once per post, however often the post lists it."""
    if any(_same_work(reference, c.reference) for c in post.citations):
        return
    # Keys are "1", "2", … in the order the post cites: its Source: lines, then its reading list.
    post.citations.append(
        ParsedCitation(
            key=str(len(post.citations) + 1), reference=reference, origin=origin, line=line
        )
    )


def _build_post(title: str, line: int, blocks: list[Block], errors: list[ParseError]) -> ParsedPost:
    post = ParsedPost(title=title, line=line)
    nodes: list[_Node] = []
    reading_list = False
    for block in blocks:
        source = _SOURCE_LINE.match(block.lines[0])
        if source is not None:
            text = " ".join([source.group("text").strip(), *(x.strip() for x in block.lines[1:])])
            if not text.strip():
                errors.append(ParseError(block.line, "An empty “Source:” line was ignored."))
                continue
            _add_citation(post, parse_reference(text), "source-line", block.line)
            continue
        for node in _nodes_of(block):
            if node.tag == "h2":
                reading_list = bool(_READING_LIST.match(node.text))
            if reading_list and node.tag in ("ol", "ul"):
                # The reading list becomes the article's references (the page renders them from
                # its sources); its heading and the prose around it stay, as the clinic wrote it.
                for offset, item in enumerate(node.items):
                    _add_citation(post, parse_reference(item), "reading-list", node.line + offset)
                continue
            if nodes and node.tag in ("ol", "ul") and nodes[-1].tag == node.tag:
                nodes[-1].items.extend(node.items)  # items separated by blank lines: one list
                continue
            nodes.append(node)
    for citation in post.citations:
        if citation.origin == "source-line":
            _place_marker(nodes, citation)
    body_text = " ".join(_plain(n.text) or " ".join(map(_plain, n.items)) for n in nodes)
    post.kind, post.kind_reason = classify(title, body_text, post.citations)
    post.body_html = _render(nodes, {c.key: c.key for c in post.citations})
    return post


def parse_text(text: str) -> ParsedFile:
    """Split an export into posts and calls to action. Never raises on content: a post that
    cannot be read is left out and described in `errors` with its line number."""
    result = ParsedFile()
    # NUL is the citation placeholder's delimiter, and never text.
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    blocks = split_blocks(text)
    spans = find_prompts(blocks)
    posts: list[_RawPost] = []
    orphan_line: int | None = None

    def error(line: int, message: str) -> None:
        result.errors.append(ParseError(line, message))

    i = 0
    while i < len(blocks):
        if (span := spans.get(i)) is not None:
            key = _remember_prompt(result, span, blocks[span.start].line)
            if not posts:
                error(
                    blocks[i].line,
                    f"“{span.headline}” appears before the first post; it was imported as a "
                    "prompt but placed nowhere.",
                )
            elif key not in posts[-1].prompt_keys:
                posts[-1].prompt_keys.append(key)  # placed once, however often it repeats
            i = span.end
            continue
        if _is_title_pair(blocks, i):
            posts.append(_RawPost(blocks[i].text, blocks[i].line))
            i += 2
            continue
        if posts:
            posts[-1].blocks.append(blocks[i])
        elif orphan_line is None:
            orphan_line = blocks[i].line
        i += 1
    if orphan_line is not None:
        error(
            orphan_line,
            "Text before the first post title was not imported (a post starts with its title, "
            "a blank line, and the title again).",
        )

    seen: dict[str, int] = {}
    for raw in posts:
        key = import_key(raw.title)
        if len(raw.title) > TITLE_MAX:
            error(
                raw.line,
                f"The title is {len(raw.title)} characters long (at most {TITLE_MAX}); "
                "the post was not imported.",
            )
        elif key in seen:
            error(
                raw.line,
                f"“{raw.title}” appears again (first at line {seen[key]}); the second copy was "
                "not imported.",
            )
        elif all(_SOURCE_LINE.match(block.lines[0]) for block in raw.blocks):
            error(raw.line, f"“{raw.title}” has a title but no text; it was not imported.")
        else:
            seen[key] = raw.line
            post = _build_post(raw.title, raw.line, raw.blocks, result.errors)
            post.prompt_keys = raw.prompt_keys
            result.posts.append(post)
    result.errors.sort(key=lambda e: e.line)
    return result


@dataclass
class _RawPost:
    title: str
    line: int
    blocks: list[Block] = field(default_factory=list)
    prompt_keys: list[str] = field(default_factory=list)


def _remember_prompt(result: ParsedFile, span: _Span, line: int) -> str:
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
