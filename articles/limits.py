"""Limits on the HTML that reaches the sanitizer, checked in linear time before it runs.

html5lib (under bleach) is quadratic in how deeply elements nest: 20,000 nested `<blockquote>`
took 19 s, and unclosed formatting elements with distinct attributes (`<p><b title=1>x</p>`…)
are reopened in every later paragraph, so 20 KB became 3.5 MB of output and a minute of work.
`check_html` refuses such input first: its length against `HTML_MAX_CHARS`, the depth the parser
would build against `HTML_MAX_DEPTH`, and how many elements it would make against the length of
the input. Both are estimated by one pass over the tags that follows the parser's main habits
(void elements, `</p>` and `</li>` left out, end tags that close what is inside them, formatting
elements reopened after a block closes); where it is unsure it counts more, not less."""

from __future__ import annotations

import re
from collections import Counter

from django.conf import settings
from django.utils.translation import gettext


class InputTooLarge(ValueError):
    """Input over one of the limits. The message is one line, for the person who sent it."""


VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
     "param", "source", "track", "wbr"}
)  # fmt: skip
# Their content is text, not markup, up to their end tag.
RAW_TEXT = frozenset(
    {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"}
)
# Formatting elements: the parser reopens them when a block they were left open in closes.
FORMATTING = frozenset(
    {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt",
     "u"}
)  # fmt: skip
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_CLOSES_P = frozenset(
    {"address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div",
     "dl", "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "hr",
     "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "ul", "li", "dd",
     "dt"} | _HEADINGS
)  # fmt: skip
# A start tag of the key closes an open element of the values (`<li>` ends the previous `<li>`).
_IMPLIED_END = {
    "li": frozenset({"li"}),
    "dt": frozenset({"dt", "dd"}),
    "dd": frozenset({"dt", "dd"}),
    "td": frozenset({"td", "th"}),
    "th": frozenset({"td", "th"}),
    "tr": frozenset({"tr", "td", "th"}),
    "thead": frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}),
    "tbody": frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}),
    "tfoot": frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}),
    "option": frozenset({"option"}),
    **{h: _HEADINGS for h in _HEADINGS},
}
_NOAHS_ARK = 3  # the parser keeps at most three identical formatting elements to reopen
_MARKUP = re.compile(r"<(?:(/?)([A-Za-z][^\s/>]*)|!--|[!?/])")
_SPACES = re.compile(r"\s+")
_P = frozenset({"p"})
# Each element of the input takes at least three characters ("<b>"); making more elements than
# the input has characters means the parser is reopening formatting elements over and over.
_ELEMENTS_PER_CHAR = 1


def max_chars() -> int:
    return settings.HTML_MAX_CHARS


def max_depth() -> int:
    return settings.HTML_MAX_DEPTH


def check_html(html: str, what: str = "The body") -> None:
    """Raise InputTooLarge if `html` is longer or nests deeper than the settings allow."""
    html = html or ""
    if len(html) > max_chars():
        raise InputTooLarge(
            gettext("%(what)s is %(count)s characters long; at most %(max_chars)s are allowed.")
            % {"what": what, "count": f"{len(html):,}", "max_chars": f"{max_chars():,}"}
        )
    depth, elements = measure(html, max_depth())
    if depth > max_depth():
        raise InputTooLarge(
            gettext(
                "%(what)s nests elements (quotes, lists, tables, sections) more than %(max_depth)s "
                "levels deep; flatten its structure."
            )
            % {"what": what, "max_depth": max_depth()}
        )
    if elements > len(html) * _ELEMENTS_PER_CHAR + max_depth():
        raise InputTooLarge(
            gettext(
                "%(what)s leaves formatting (bold, italic, links) open across many paragraphs, "
                "which would repeat it in each of them; close each formatting tag where it ends."
            )
            % {"what": what}
        )


class _Open:
    """The elements open at a point of the document, as the parser would hold them."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.keys: list[str] = []  # the start tag as written, for formatting elements
        self.count: Counter[str] = Counter()
        self.reopened: Counter[str] = Counter()  # formatting elements waiting to be reopened
        self.waiting = 0  # sum(reopened.values())
        self.created = 0  # elements the parser makes, the reopened ones included

    @property
    def depth(self) -> int:
        return len(self.stack) + self.waiting

    def push(self, name: str, key: str) -> None:
        self.stack.append(name)
        self.keys.append(key)
        self.count[name] += 1
        self.created += 1 + self.waiting  # what is waiting is reopened inside it

    def pop(self) -> None:
        name, key = self.stack.pop(), self.keys.pop()
        self.count[name] -= 1
        if name in FORMATTING and self.reopened[key] < _NOAHS_ARK:
            self.reopened[key] += 1  # closed by a block: reopened in the next one
            self.waiting += 1

    def close(self, name: str) -> None:
        """An end tag: everything open inside the element closes with it."""
        if self.count[name] <= 0:
            for key in self.reopened:
                if key.startswith(f"{name} "):
                    self.reopened[key] -= 1
                    self.waiting -= 1
                    if not self.reopened[key]:
                        del self.reopened[key]
                    break
            return
        if name in FORMATTING and self.stack[-1] != name:
            # Misnested (`<b><div></b>`): the parser moves the formatting element and the
            # blocks inside it stay open.
            index = len(self.stack) - 1 - self.stack[::-1].index(name)
            del self.stack[index], self.keys[index]
            self.count[name] -= 1
            return
        while self.stack:
            if self.stack[-1] == name:
                self.stack.pop()
                self.keys.pop()
                self.count[name] -= 1
                return
            self.pop()

    def end_implied(self, names: frozenset[str]) -> None:
        """A start tag that ends an open element of `names`, if only formatting elements are
        open inside it."""
        index = len(self.stack) - 1
        while index >= 0:
            name = self.stack[index]
            if name in names:  # `<tr>` ends the open cell, then the open row
                while len(self.stack) > index:
                    self.pop()
            elif name not in FORMATTING:
                return
            index -= 1


def measure(html: str, limit: int) -> tuple[int, int]:
    """(depth, elements): how deeply a browser's parser would nest the elements of `html` and how
    many it would make (upper estimates). Counting stops once the depth exceeds `limit`, so the
    cost is linear in the length of `html`."""
    open_ = _Open()
    deepest = 0
    position = 0
    while (found := _MARKUP.search(html, position)) is not None:
        name = found.group(2)
        if name is None:  # a comment, doctype or processing instruction
            marker = "-->" if html.startswith("<!--", found.start()) else ">"
            end = html.find(marker, found.end())
            if end < 0:
                break
            position = end + len(marker)
            continue
        end = html.find(">", found.end())
        if end < 0:
            break  # a tag cut off at the end is dropped by the parser
        position = end + 1
        name = name.lower()
        if found.group(1):
            open_.close(name)
            continue
        if name in VOID:
            continue
        if html[end - 1] == "/" and open_.count["svg"] > 0:
            continue  # self-closing inside SVG
        if name in _CLOSES_P:
            open_.end_implied(_P)
        if name in _IMPLIED_END:
            open_.end_implied(_IMPLIED_END[name])
        key = name + " " + _SPACES.sub(" ", html[found.end() : end]).strip()
        open_.push(name, key)
        deepest = max(deepest, open_.depth)
        if deepest > limit:
            break
        if name == "plaintext":
            break  # everything after it is text
        if name in RAW_TEXT:
            close = re.compile(rf"</{re.escape(name)}[\s/>]", re.IGNORECASE).search(html, position)
            if close is None:
                break
            position = close.start()
    return deepest, open_.created
