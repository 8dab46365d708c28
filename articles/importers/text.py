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
writes the result. What this format shares with the WordPress importer (calls to action,
citations, kinds) is in `articles.importers.recognize`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext

from articles.importers.parsed import (
    TITLE_MAX,
    ParsedCitation,
    ParsedFile,
    ParsedPost,
    ParseError,
    PossiblePrompt,
    escape_text,
    import_key,
)
from articles.importers.recognize import (
    CITE,
    READING_LIST,
    SOURCE_LINE,
    Block,
    Node,
    PromptSpan,
    add_citation,
    classify,
    find_prompts,
    is_heading,
    is_title_pair,
    list_item,
    mark_numbered_references,
    place_marker,
    plain,
    prompt_kind,
    remember_prompt,
    same_work,
)
from evidence.parsing import parse_reference

# is_heading and prompt_kind are this format's rules too; callers have always found them here.
__all__ = ["is_heading", "parse_text", "prompt_kind", "split_blocks"]


# --- Blocks: runs of non-blank lines -----------------------------------------------------------


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


# --- Posts -------------------------------------------------------------------------------------


def _nodes_of(block: Block) -> list[Node]:
    """Paragraphs, lists and headings in one block. A block may hold an intro line and its list."""
    if block.single and is_heading(block.text) and not list_item(block.lines[0]):
        return [Node("h2", block.text, line=block.line)]
    nodes: list[Node] = []
    prose: list[str] = []
    for offset, line in enumerate(block.lines):
        item = list_item(line)
        if item is not None:
            if prose:
                nodes.append(Node("p", " ".join(prose), line=block.line))
                prose = []
            tag = "ol" if item.group("number") else "ul"
            if not nodes or nodes[-1].tag != tag:
                nodes.append(Node(tag, line=block.line + offset))
            nodes[-1].items.append(re.sub(r"\s+", " ", item.group("text")).strip())
        elif nodes and nodes[-1].tag in ("ol", "ul") and line[:1].isspace() and not prose:
            nodes[-1].items[-1] += " " + re.sub(r"\s+", " ", line).strip()  # a wrapped list item
        else:
            prose.append(re.sub(r"\s+", " ", line).strip())
    if prose:
        nodes.append(Node("p", " ".join(prose), line=block.line))
    return nodes


def _render(nodes: list[Node], markers: dict[str, str]) -> str:
    def text(value: str) -> str:
        out = escape_text(value)
        for key in markers:
            out = out.replace(
                CITE.format(key),
                f'<sup data-citation="{escape_text(key)}">{escape_text(key)}</sup>',
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

# --- The whole file ----------------------------------------------------------------------------


def _build_post(title: str, line: int, blocks: list[Block], errors: list[ParseError]) -> ParsedPost:
    post = ParsedPost(title=title, line=line)
    nodes: list[Node] = []
    reading_list = False
    numbered: dict[int, ParsedCitation] = {}  # a numbered reading list's items, by number
    for block in blocks:
        source = SOURCE_LINE.match(block.lines[0])
        if source is not None:
            text = " ".join([source.group("text").strip(), *(x.strip() for x in block.lines[1:])])
            if not text.strip():
                errors.append(
                    ParseError(block.line, gettext("An empty “Source:” line was ignored."))
                )
                continue
            add_citation(post, parse_reference(text), "source-line", block.line)
            continue
        for node in _nodes_of(block):
            if node.tag == "h2":
                reading_list = bool(READING_LIST.match(node.text))
            if reading_list and node.tag in ("ol", "ul"):
                # The reading list becomes the article's references (the page renders them from
                # its sources); its heading and the prose around it stay, as the clinic wrote it.
                for offset, item in enumerate(node.items):
                    reference = parse_reference(item)
                    add_citation(post, reference, "reading-list", node.line + offset)
                    if node.tag == "ol":
                        numbered[len(numbered) + 1] = next(
                            c for c in post.citations if same_work(reference, c.reference)
                        )
                continue
            if nodes and node.tag in ("ol", "ul") and nodes[-1].tag == node.tag:
                nodes[-1].items.extend(node.items)  # items separated by blank lines: one list
                continue
            nodes.append(node)
    for citation in post.citations:
        if citation.origin == "source-line":
            place_marker(nodes, citation)
    mark_numbered_references(nodes, numbered)
    body_text = " ".join(plain(n.text) or " ".join(map(plain, n.items)) for n in nodes)
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
    spans = _find_prompts(blocks, result)
    posts = _split_posts(blocks, spans, result)
    _build_posts(posts, result)
    result.errors.sort(key=lambda e: e.line)
    return result


def _find_prompts(blocks: list[Block], result: ParsedFile) -> dict[int, PromptSpan]:
    """Calls to action by the block they start at; repeated text that does not ask the reader to
    act goes to `result.possible_prompts`."""
    possible: list = []
    spans = find_prompts(blocks, possible)
    result.possible_prompts = [
        PossiblePrompt(
            span.headline,
            span.appearances,
            gettext("line %(line)s") % {"line": blocks[span.start].line},
        )
        for span in possible
    ]
    return spans


def _split_posts(
    blocks: list[Block], spans: dict[int, PromptSpan], result: ParsedFile
) -> list[_RawPost]:
    """The blocks of each post, from one title pair to the next, with the calls to action in
    it taken out (as prompts in `result`, placed in the post)."""
    posts: list[_RawPost] = []
    orphan_line: int | None = None
    i = 0
    while i < len(blocks):
        if (span := spans.get(i)) is not None:
            _place_prompt(span, blocks, posts, result)
            i = span.end
            continue
        if is_title_pair(blocks, i):
            posts.append(_RawPost(blocks[i].text, blocks[i].line))
            i += 2
            continue
        if posts:
            posts[-1].blocks.append(blocks[i])
        elif orphan_line is None:
            orphan_line = blocks[i].line
        i += 1
    if orphan_line is not None:
        result.errors.append(
            ParseError(
                orphan_line,
                gettext(
                    "Text before the first post title was not imported (a post starts with its "
                    "title, a blank line, and the title again)."
                ),
            )
        )
    return posts


def _place_prompt(
    span: PromptSpan, blocks: list[Block], posts: list[_RawPost], result: ParsedFile
) -> None:
    key = remember_prompt(result, span, blocks[span.start].line)
    if not posts:
        result.errors.append(
            ParseError(
                blocks[span.start].line,
                gettext(
                    "“%(headline)s” appears before the first post; it was imported as a prompt "
                    "but placed nowhere."
                )
                % {"headline": span.headline},
            )
        )
    elif key not in posts[-1].prompt_keys:
        posts[-1].prompt_keys.append(key)  # placed once, however often it repeats


def _build_posts(posts: list[_RawPost], result: ParsedFile) -> None:
    seen: dict[str, int] = {}  # import key -> line of the first post with it
    for raw in posts:
        if refusal := _refusal(raw, seen):
            result.errors.append(ParseError(raw.line, refusal))
            continue
        seen[import_key(raw.title)] = raw.line
        post = _build_post(raw.title, raw.line, raw.blocks, result.errors)
        post.prompt_keys = raw.prompt_keys
        result.posts.append(post)


def _refusal(raw: _RawPost, seen: dict[str, int]) -> str:
    """Why a post is left out, or "" if it is imported."""
    key = import_key(raw.title)
    if len(raw.title) > TITLE_MAX:
        return gettext(
            "The title is %(length)s characters long (at most %(limit)s); the post was not "
            "imported."
        ) % {"length": len(raw.title), "limit": TITLE_MAX}
    if key in seen:
        return gettext(
            "“%(title)s” appears again (first at line %(line)s); the second copy was not imported."
        ) % {"title": raw.title, "line": seen[key]}
    if all(SOURCE_LINE.match(block.lines[0]) for block in raw.blocks):
        return gettext("“%(title)s” has a title but no text; it was not imported.") % {
            "title": raw.title
        }
    return ""


@dataclass
class _RawPost:
    title: str
    line: int
    blocks: list[Block] = field(default_factory=list)
    prompt_keys: list[str] = field(default_factory=list)
