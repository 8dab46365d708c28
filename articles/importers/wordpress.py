"""WordPress post HTML as the site showed it, made into blocks the importers can read.

`content:encoded` in an export is what the editor saved, not what the site served: the classic
editor saves paragraphs as blank lines (WordPress adds the <p> and <br> on display, `wpautop`),
the block editor wraps every block in `<!-- wp:… -->` comments, and plugins leave shortcodes
(`[caption]…[/caption]`, `[contact-form-7 id="5"]`, `[su_note]…[/su_note]`). `blocks()` does what
WordPress does on display, then splits the result into top-level blocks (paragraphs, headings,
lists, figures, tables) with their plain text. Layout wrappers (`<div>`, `<section>`) are opened
up, as the sanitizer would strip them anyway; forms, scripts and embeds are dropped with their
content. Everything here is pure; `articles.sanitize.clean_html` still runs on what is stored.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

# WordPress's own list of block-level elements (wpautop's $allblocks).
_ALL_BLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|"
    r"area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|"
    r"header|footer|nav|figure|figcaption|details|menu|summary)"
)
_BLOCK_OPEN = re.compile(rf"(<{_ALL_BLOCKS}[\s/>])", re.IGNORECASE)
_BLOCK_CLOSE = re.compile(rf"(</{_ALL_BLOCKS}>)", re.IGNORECASE)
_BLOCK_TAG = rf"</?{_ALL_BLOCKS}[^>]*>"
# Inside these a line break is the source's layout, never a <br>.
_NO_BREAKS = frozenset({"pre", "ul", "ol", "dl", "table", "script", "style", "select", "figure"})

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"}
)  # fmt: skip
# Removed with everything inside: the sanitizer drops them too, and their text (a form's button,
# an embed's fallback) is not part of the article.
DROPPED = frozenset(
    {"script", "style", "template", "noscript", "iframe", "object", "embed", "video", "audio",
     "canvas", "svg", "math", "form", "input", "button", "select", "textarea", "label", "head",
     "title", "meta", "link"}
)  # fmt: skip
# Layout wrappers: their children are the blocks.
CONTAINERS = frozenset(
    {"div", "section", "article", "header", "footer", "aside", "main", "nav", "center", "hgroup"}
)
BLOCKS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "blockquote", "pre",
     "figure", "hr", "address", "details", "fieldset"}
)  # fmt: skip
# Inside a paragraph these start a new line of text, not a new word.
_TEXT_BREAKS = BLOCKS | CONTAINERS | {"br", "li", "dt", "dd", "tr", "td", "th", "figcaption"}


# --- Before the HTML: block comments, shortcodes, paragraphs ------------------------------------

_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:[^>]*?-->")
_MORE = re.compile(r"<!--\s*(?:more|nextpage|noteaser)\b.*?-->", re.DOTALL)


def has_blocks(content: str) -> bool:
    """True if the block editor saved it (WordPress then skips wpautop)."""
    return "<!-- wp:" in content


def strip_block_comments(content: str) -> str:
    return _MORE.sub("", _BLOCK_COMMENT.sub("", content))


_CAPTION = re.compile(
    r"\[(?P<name>caption|wp_caption)(?P<attrs>[^\]]*)\](?P<inner>.*?)\[/(?P=name)\]",
    re.DOTALL | re.IGNORECASE,
)
_CAPTION_IMAGE = re.compile(
    r"^\s*(?P<image>(?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(?P<text>.*)$",
    re.DOTALL | re.IGNORECASE,
)
_LEADING_BREAKS = re.compile(r"^(?:\s|<br\s*/?>)+", re.IGNORECASE)
_CAPTION_ATTR = re.compile(r"""\bcaption\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_SHORTCODE = re.compile(
    r"\[(?P<escaped>\[?)(?P<close>/?)(?P<name>[A-Za-z][\w-]*)"
    r"(?P<attrs>(?:\s[^\]]*)?)(?P<slash>/?)\](?P<escaped_end>\]?)"
)
_SHORTCODE_CLOSE = re.compile(r"\[/([A-Za-z][\w-]*)\]")
# Shortcodes WordPress and its common plugins register whose names look like words. Anything else
# must look like a shortcode (attributes, an underscore or hyphen, or a closing tag) to be taken
# for one, so "[sic]" and "[1]" stay as the author wrote them.
KNOWN_SHORTCODES = frozenset(
    {"caption", "gallery", "embed", "video", "audio", "playlist", "gravityform", "wpforms", "optin"}
)


def _figure(match: re.Match) -> str:
    inner = match.group("inner")
    found = _CAPTION_IMAGE.match(inner)
    if found is None:
        return inner
    text = _LEADING_BREAKS.sub("", found.group("text")).strip()
    if not text and (attribute := _CAPTION_ATTR.search(match.group("attrs"))):
        text = attribute.group(1) or attribute.group(2) or ""
    caption = f"<figcaption>{text}</figcaption>" if text else ""
    return f"<figure>{found.group('image')}{caption}</figure>"


def expand_shortcodes(content: str) -> str:
    """[caption] becomes a figure with its caption; any other shortcode goes, keeping the text it
    encloses ([su_note]Text[/su_note] is "Text"); [[name]] is WordPress's escape for "[name]"."""
    content = _CAPTION.sub(_figure, content)
    enclosing = {name.lower() for name in _SHORTCODE_CLOSE.findall(content)}

    def replace(match: re.Match) -> str:
        name = match.group("name").lower()
        if match.group("escaped") and match.group("escaped_end"):
            return match.group(0)[1:-1]
        looks_like_one = (
            name in enclosing
            or name in KNOWN_SHORTCODES
            or "=" in match.group("attrs")
            or "_" in name
            or "-" in name
            or bool(match.group("slash"))
        )
        if not looks_like_one:
            return match.group(0)
        return match.group("escaped") + match.group("escaped_end")

    return _SHORTCODE.sub(replace, content)


_PRE = re.compile(r"<pre\b.*?</pre>", re.DOTALL | re.IGNORECASE)
_PRE_PLACEHOLDER = re.compile(r"<pre wp-pre-tag-(\d+)></pre>")
_TAG_OR_NEWLINE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>|(?<!<br />)[ \t]*\n")
_NEWLINE_IN_TAG = re.compile(r"<[^>]*\n[^>]*>")


def autop(content: str) -> str:
    """WordPress's wpautop: text separated by blank lines becomes paragraphs and a single line
    break a <br>, except around and inside block elements (a list, a table or preformatted text
    keeps its line breaks as layout)."""
    if not content.strip():
        return ""
    kept: list[str] = []

    def keep(match: re.Match) -> str:
        kept.append(match.group(0))
        return f"<pre wp-pre-tag-{len(kept) - 1}></pre>"

    text = content.replace("\r\n", "\n").replace("\r", "\n")
    text = _PRE.sub(keep, text + "\n")
    text = _NEWLINE_IN_TAG.sub(lambda m: m.group(0).replace("\n", " "), text)
    text = re.sub(r"<br\s*/?>\s*<br\s*/?>", "\n\n", text, flags=re.IGNORECASE)
    text = _BLOCK_OPEN.sub(r"\n\n\1", text)
    text = _BLOCK_CLOSE.sub(r"\1\n\n", text)
    text = re.sub(r"<hr\s*/?>", "<hr />\n\n", text, flags=re.IGNORECASE)
    pieces = re.split(r"\n\s*\n", text)
    text = "".join(f"<p>{piece.strip(chr(10))}</p>\n" for piece in pieces if piece.strip())
    text = re.sub(r"<p>\s*</p>", "", text)
    text = re.sub(r"<p>([^<]+)</(div|address|form)>", r"<p>\1</p></\2>", text)
    text = re.sub(rf"<p>\s*({_BLOCK_TAG})\s*</p>", r"\1", text, flags=re.IGNORECASE)
    text = re.sub(r"<p>(<li.+?)</p>", r"\1", text)
    text = re.sub(r"<p><blockquote([^>]*)>", r"<blockquote\1><p>", text, flags=re.IGNORECASE)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = re.sub(rf"<p>\s*({_BLOCK_TAG})", r"\1", text, flags=re.IGNORECASE)
    text = re.sub(rf"({_BLOCK_TAG})\s*</p>", r"\1", text, flags=re.IGNORECASE)
    text = _line_breaks(text)
    text = re.sub(rf"({_BLOCK_TAG})\s*<br />", r"\1", text, flags=re.IGNORECASE)
    text = re.sub(
        r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", r"\1", text, flags=re.I
    )
    return _PRE_PLACEHOLDER.sub(lambda m: kept[int(m.group(1))], text).strip()


def _line_breaks(text: str) -> str:
    """A <br /> for each line break outside the elements that keep their own layout."""
    depth = 0
    out: list[str] = []
    last = 0
    for match in _TAG_OR_NEWLINE.finditer(text):
        out.append(text[last : match.start()])
        last = match.end()
        name = (match.group(2) or "").lower()
        if name:
            if name in _NO_BREAKS and not match.group(0).endswith("/>"):
                depth = max(depth + (-1 if match.group(1) else 1), 0)
            out.append(match.group(0))
        elif depth:
            out.append("\n")
        else:
            out.append("<br />\n")
    out.append(text[last:])
    return "".join(out)


# --- A small HTML tree ------------------------------------------------------------------------


@dataclass
class Element:
    tag: str
    attrs: list[tuple[str, str | None]] = field(default_factory=list)
    children: list[Element | str] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        return next((value for key, value in self.attrs if key == name), None)

    def set(self, name: str, value: str | None) -> None:
        """Set an attribute, or remove it with None."""
        self.attrs = [(key, v) for key, v in self.attrs if key != name]
        if value is not None:
            self.attrs.append((name, value))

    def iter(self, tag: str) -> Iterator[Element]:
        """Every element named `tag` below this one, in document order."""
        for child in self.children:
            if isinstance(child, Element):
                if child.tag == tag:
                    yield child
                yield from child.iter(tag)


def unwrap(node: Element, should: Callable[[Element], bool]) -> None:
    """Replace each element below `node` for which `should` is true by its children."""
    children: list[Element | str] = []
    for child in node.children:
        if isinstance(child, Element):
            unwrap(child, should)
            if should(child):
                children.extend(child.children)
                continue
        children.append(child)
    node.children = children


# Opening one of these ends an open paragraph, as in an HTML parser.
_CLOSES_P = BLOCKS | CONTAINERS | {"li", "figcaption"}


class _TreeBuilder(HTMLParser):
    """Tolerant enough for what editors save: unclosed <p> and <li>, stray end tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root")
        self.stack = [self.root]

    def _close(self, tag: str, stop: frozenset[str] = frozenset()) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            name = self.stack[depth].tag
            if name == tag:
                del self.stack[depth:]
                return
            if name in stop:
                return

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CLOSES_P:
            self._close("p", stop=frozenset({"blockquote", "li", "td", "th", "div", "figure"}))
        if tag == "li":
            self._close("li", stop=frozenset({"ul", "ol"}))
        element = Element(tag, attrs)
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        self._close(tag)

    def handle_data(self, data: str) -> None:
        children = self.stack[-1].children
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)


def parse_html(content: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(content)
    builder.close()
    return builder.root


def serialize(node: Element | str) -> str:
    if isinstance(node, str):
        return html.escape(node, quote=False)
    attrs = "".join(
        f' {name}="{html.escape(value, quote=True)}"' if value is not None else f" {name}"
        for name, value in node.attrs
    )
    inner = "".join(serialize(child) for child in node.children)
    if node.tag == "#root":
        return inner
    if node.tag in VOID:
        return f"<{node.tag}{attrs}>"
    return f"<{node.tag}{attrs}>{inner}</{node.tag}>"


def _pieces(node: Element) -> Iterator[tuple[str, tuple[Element, int] | None]]:
    """The text under `node` in reading order, each piece with where it lives (None: a space that
    stands for a line break or a block boundary)."""
    for index, child in enumerate(node.children):
        if isinstance(child, str):
            yield child, (node, index)
        elif child.tag in DROPPED:
            continue
        elif child.tag in _TEXT_BREAKS:
            yield " ", None
            yield from _pieces(child)
            yield " ", None
        else:
            yield from _pieces(child)


def text_of(node: Element) -> str:
    """Plain text, spaces collapsed: what a reader reads (an image's alt text is not included)."""
    return " ".join("".join(piece for piece, _ in _pieces(node)).split())


def insert_after(node: Element, offset: int, new: Element) -> bool:
    """Put `new` right after the first `offset` characters of text_of(node)."""
    count, in_space = 0, True
    for piece, where in _pieces(node):
        for position, char in enumerate(piece):
            if char.isspace():
                if not in_space:
                    count, in_space = count + 1, True
                continue
            count, in_space = count + 1, False
            if count == offset and where is not None:
                parent, index = where
                parent.children[index : index + 1] = [
                    piece[: position + 1],
                    new,
                    piece[position + 1 :],
                ]
                return True
    return False


# --- Blocks -----------------------------------------------------------------------------------


@dataclass
class HtmlBlock:
    """One top-level block of a post: its HTML and what the recognizers read."""

    tag: str  # "p", "h2", "ul", "figure", …
    html: str
    text: str  # plain text ("" for an image alone or a rule)
    items: list[str] = field(default_factory=list)  # a list's items, as plain text
    links: list[str] = field(default_factory=list)  # addresses its links point to
    item_links: list[list[str]] = field(default_factory=list)  # each item's, for a list

    @property
    def is_list(self) -> bool:
        return self.tag in ("ul", "ol")

    @property
    def is_heading(self) -> bool:
        return self.tag in ("h2", "h3", "h4", "h5", "h6")


def _block(element: Element) -> HtmlBlock:
    if element.tag == "h1":
        element.tag = "h2"  # the article's title is the page's only h1
    items = _items(element) if element.tag in ("ul", "ol") else []
    return HtmlBlock(
        element.tag,
        serialize(element),
        text_of(element),
        [text_of(item) for item in items],
        _links(element),
        [_links(item) for item in items],
    )


def _items(element: Element) -> list[Element]:
    return [li for li in element.children if isinstance(li, Element) and li.tag == "li"]


FORM_MARK = "#form"  # in a block's links: a form followed it (see wxr._forms)


def _links(element: Element) -> list[str]:
    found = [href for a in element.iter("a") if (href := a.get("href"))]
    return found + [FORM_MARK] if element.get("data-form") else found


def _has_content(element: Element) -> bool:
    return bool(text_of(element)) or any(element.iter("img")) or element.tag == "hr"


def flatten(root: Element) -> list[HtmlBlock]:
    """The blocks of a tree: wrappers opened up, loose inline content made into paragraphs,
    dropped elements and empty paragraphs (`<p>&nbsp;</p>`, a common spacer) left out."""
    blocks: list[HtmlBlock] = []
    run = Element("p")

    def end_run() -> None:
        nonlocal run
        if _has_content(run):
            blocks.append(_block(run))
        run = Element("p")

    def visit(container: Element) -> None:
        for child in container.children:
            if isinstance(child, str):
                run.children.append(child)
            elif child.tag in DROPPED:
                continue
            elif child.tag in CONTAINERS:
                end_run()
                visit(child)
                end_run()
            elif child.tag in BLOCKS or child.tag == "li":
                end_run()
                if child.tag == "li":  # an item outside any list: a paragraph
                    child.tag = "p"
                if _has_content(child):
                    blocks.append(_block(child))
            else:
                run.children.append(child)

    visit(root)
    end_run()
    return blocks


def blocks(content: str, edit: Callable[[Element], None] | None = None) -> list[HtmlBlock]:
    """A post's `content:encoded` as the site showed it, in blocks. `edit` may change the tree
    (image addresses, say) before the blocks are written out."""
    block_editor = has_blocks(content)
    content = strip_block_comments(content)
    if not block_editor:
        content = autop(content)
    # After wpautop, as WordPress runs them: a [caption] is text to wpautop, not a block.
    root = parse_html(expand_shortcodes(content))
    if edit is not None:
        edit(root)
    return flatten(root)


def with_markers(block: HtmlBlock, markers: list[tuple[int | None, int, str]]) -> str:
    """The block's HTML with citation markers: each (item, offset, key) puts
    <sup data-citation="KEY">KEY</sup> after the first `offset` characters of the block's text
    (of list item `item`, for a list)."""
    root = parse_html(block.html)
    element = next(child for child in root.children if isinstance(child, Element))
    # Last first: a marker's own text would move the offsets of those after it.
    for item, offset, key in sorted(markers, key=lambda m: (m[0] or 0, m[1]), reverse=True):
        target = element if item is None else _items(element)[item]
        insert_after(target, offset, Element("sup", [("data-citation", key)], [key]))
    return serialize(root)
