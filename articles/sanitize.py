"""The one HTML sanitizer. Every path that stores HTML calls `clean_html`.

It runs when HTML is written, never when it is read: published revisions are frozen, so what was
clean when stored stays clean.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import bleach
from bleach.html5lib_shim import Filter
from django.conf import settings

ALLOWED_TAGS = frozenset(
    {
        "h2", "h3", "h4", "h5", "h6", "p", "br", "hr",
        "ul", "ol", "li", "dl", "dt", "dd",
        "strong", "em", "b", "i", "u", "s", "sub", "sup", "small", "mark", "abbr", "q", "cite",
        "code", "blockquote", "a", "span",
        "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
        "figure", "figcaption", "img",
    }
)  # fmt: skip

# Elements removed together with everything inside them. Stripping only their tags would leave
# script source or SVG text on the page.
DROPPED_WITH_CONTENT = frozenset(
    {
        "script", "style", "template", "noscript", "iframe", "frame", "frameset", "object",
        "embed", "applet", "svg", "math", "textarea", "select", "button", "title", "xmp",
        "noembed", "noframes", "plaintext", "head", "meta", "link", "base", "form", "input",
    }
)  # fmt: skip

ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel"})

_CITATION_KEY = re.compile(r"^[A-Za-z0-9:_-]{1,64}$")
_NUMBER = re.compile(r"^[0-9]{1,3}$")


def _own_media(url: str) -> bool:
    parts = urlsplit(url)
    return (
        not parts.scheme
        and not parts.netloc
        and parts.path.startswith(settings.MEDIA_URL)
        and ".." not in parts.path
        and "\\" not in url
    )


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name == "data-citation":
        return tag in {"sup", "a", "span"} and bool(_CITATION_KEY.match(value))
    if tag == "a":
        return name in {"href", "title"}
    if tag == "img":
        if name == "src":
            return _own_media(value)
        if name in {"width", "height"}:
            return bool(_NUMBER.match(value))
        return name == "alt"
    if tag in {"th", "td"}:
        if name in {"colspan", "rowspan"}:
            return bool(_NUMBER.match(value))
        return tag == "th" and name == "scope" and value in {"row", "col", "rowgroup", "colgroup"}
    if tag == "ol":
        return (name == "start" and bool(_NUMBER.match(value))) or (
            name == "type" and value in {"1", "a", "A", "i", "I"}
        )
    if tag == "abbr":
        return name == "title"
    return False


def _is_outside_link(href: str) -> bool:
    parts = urlsplit(href.strip())
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


class _DropDangerousContent(Filter):
    """Removes the elements in DROPPED_WITH_CONTENT and all that is inside them."""

    def __iter__(self):
        depth = 0
        for token in super().__iter__():
            kind, name = token["type"], token.get("name")
            if kind == "StartTag" and name in DROPPED_WITH_CONTENT:
                depth += 1
                continue
            if kind == "EndTag" and name in DROPPED_WITH_CONTENT:
                depth = max(depth - 1, 0)
                continue
            if kind == "EmptyTag" and name in DROPPED_WITH_CONTENT:
                continue
            if depth == 0:
                yield token


class _OutsideLinks(Filter):
    """Outside links get rel="noopener nofollow"; our own links get no rel at all."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] == "StartTag" and token["name"] == "a":
                attrs = {k: v for k, v in token["data"].items() if k != (None, "rel")}
                if _is_outside_link(attrs.get((None, "href"), "")):
                    attrs[(None, "rel")] = "noopener nofollow"
                token["data"] = attrs
            yield token


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS | DROPPED_WITH_CONTENT,
    attributes=_allowed_attribute,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[_DropDangerousContent, _OutsideLinks],
)


def clean_html(html: str) -> str:
    """Return `html` reduced to what patient content may contain. Idempotent."""
    if not html:
        return ""
    return _cleaner.clean(html).strip()
