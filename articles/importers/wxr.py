"""Reading a WordPress export (WXR, "WordPress eXtended RSS", versions 1.0 to 1.2 as WordPress 4.x
to 6.x write them) into posts, without touching the database.

The file is streamed (`iterparse`), one `<item>` at a time, each cleared once read, so a large
export never sits in memory as a tree; what is kept per post is its blocks of HTML and text. It is
read to the end before anything is written, so a file cut short fails before the import starts.
XML is read with defusedxml: a file that declares entities (the "billion laughs" expansion) or
refers to an external one (`file:///etc/passwd`) is refused, never expanded or fetched.

What becomes what:

* items of type `post` and `page` become articles, whatever their status (`publish`, `draft`,
  `private`, `pending`, `future`); the status is kept for the report. Auto-drafts and trashed
  items are skipped and listed; attachments are the media the posts refer to; anything else
  (menu items, revisions, custom types) is counted in one line;
* `content:encoded` goes through `articles.importers.wordpress` (block comments, shortcodes,
  wpautop), then the same recognizers as the text importer (`articles.importers.recognize`):
  calls to action become prompts, `Source:` lines and reading lists become citations;
* categories and tags, the excerpt, the author, the dates and the address are kept for the
  loader. What is not imported is counted per post for the report: comments, the password of a
  password-protected post (the post is imported as a draft and flagged, so the gate blocks it
  until a reviewer has judged whether it may be public), the parent of a page, galleries, and
  audio, video and embeds (an embed's address is kept in the text as a link);
* two items with the same GUID are two posts when their post IDs differ (WordPress copies and
  some migration plugins repeat GUIDs): the second is keyed on GUID and post ID.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote
from xml.etree.ElementTree import Element as XmlElement
from xml.etree.ElementTree import ParseError as XmlParseError
from xml.parsers.expat import errors as expat_errors

from defusedxml import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import iterparse
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from articles.importers import wordpress
from articles.importers.parsed import (
    TITLE_MAX,
    ImportFailed,
    ParsedFile,
    ParsedPost,
    ParseError,
    PossiblePrompt,
    clean_title,
    slug_for,
)
from articles.importers.recognize import (
    CITE,
    READING_LIST,
    SOURCE_LINE,
    Block,
    Node,
    add_citation,
    classify,
    find_prompts,
    is_heading,
    place_marker,
    plain,
    remember_prompt,
)
from articles.limits import InputTooLarge, check_html
from evidence.parsing import parse_reference

WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/\d+\.\d+/$")
EXCERPT_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/\d+\.\d+/excerpt/$")
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"
ARTICLE_TYPES = ("post", "page")
SKIPPED_STATUSES = {
    "auto-draft": gettext_lazy("an empty auto-draft"),
    "trash": gettext_lazy("in the trash"),
}
SUMMARY_MAX = 500  # characters of an excerpt kept as the summary
TAG_MAX = 100  # taggit's Tag.name
_NO_DATE = "0000-00-00 00:00:00"
_TRUNCATED = {
    expat_errors.codes[name]
    for name in (
        expat_errors.XML_ERROR_NO_ELEMENTS,
        expat_errors.XML_ERROR_UNCLOSED_TOKEN,
        expat_errors.XML_ERROR_UNCLOSED_CDATA_SECTION,
        expat_errors.XML_ERROR_PARTIAL_CHAR,
    )
}
_WP_IMAGE_CLASS = re.compile(r"\bwp-image-(\d+)\b")
# Shortcodes that show media WordPress assembles on display; their images are not in the text.
_MEDIA_SHORTCODE = re.compile(r"(?<!\[)\[(gallery|video|audio|playlist)\b", re.IGNORECASE)
_GALLERY = re.compile(r"(?<!\[)\[gallery\b|<!--\s*wp:gallery\b", re.IGNORECASE)
# Elements that play or show something from elsewhere; their address is kept as a link.
_EMBEDDED = frozenset({"iframe", "video", "audio", "embed", "object"})
_BARE_URL = re.compile(r"^https?://\S+$")
_TAGS = re.compile(r"<[^>]+>")
UPLOADS = "/wp-content/uploads/"  # where WordPress keeps media, under the site's address
# Where an image's address stands in a body until the loader knows what it becomes.
IMAGE_TOKEN = "\ue010{}\ue011"


# --- What the reader produces ------------------------------------------------------------------


@dataclass
class WxrAuthor:
    login: str
    email: str = ""
    display_name: str = ""


@dataclass
class WxrAttachment:
    post_id: str
    url: str  # wp:attachment_url
    file: str  # _wp_attached_file: the path under wp-content/uploads
    alt: str  # _wp_attachment_image_alt


@dataclass
class ImageRef:
    """An <img> in a post body: its token in `body_html`, and how to find the file."""

    token: str
    url: str
    attachment_id: str = ""  # from the class WordPress gives it ("wp-image-45")


@dataclass
class WxrPost(ParsedPost):
    guid: str = ""
    wp_id: str = ""
    post_type: str = "post"
    status: str = ""
    author: str = ""  # the login in dc:creator
    slug: str = ""
    summary: str = ""
    topic: tuple[str, str] | None = None  # (name, slug) of its first real category
    tags: list[str] = field(default_factory=list)
    origin_url: str = ""
    date: datetime | None = None
    published_at: datetime | None = None  # only if WordPress published it
    thumbnail_id: str = ""
    images: list[ImageRef] = field(default_factory=list)
    blocks: list[wordpress.HtmlBlock] = field(default_factory=list)  # until assembled
    # What the export has that is not imported, for the report.
    comments: int = 0
    password_protected: bool = False
    parent_id: str = ""  # the parent page's post ID; Vetted's pages have no hierarchy
    galleries: int = 0
    media_left_out: list[str] = field(default_factory=list)  # "[video]", "[playlist]"
    embeds: list[str] = field(default_factory=list)  # addresses kept as links

    @property
    def import_key(self) -> str:
        return f"wxr:{self.guid}"[:500]

    @property
    def not_imported(self) -> dict[str, object]:
        """The report's per-post account of what was left out (added keys in the JSON)."""
        return {
            "comments_not_imported": self.comments,
            "password_protected": self.password_protected,
            "parent_page": self.parent_id,
            "galleries_not_imported": self.galleries,
            "media_not_imported": self.media_left_out,
            "embeds_kept_as_links": self.embeds,
        }

    @property
    def where(self) -> str:
        return gettext("item %(number)s (WordPress %(type)s %(id)s)") % {
            "number": self.line,
            "type": self.post_type,
            "id": self.wp_id,
        }

    @property
    def history(self) -> str:
        """The original status and date, for the revision's change summary and the report."""
        day = f"{self.date:%Y-%m-%d}" if self.date else ""
        status = {
            "publish": f"published {day}",
            "private": f"published privately {day}",
            "future": f"scheduled for {day}",
            "draft": "a draft",
            "pending": "pending review",
        }.get(self.status, self.status)
        return f"WordPress {self.post_type} {self.wp_id}, {status}".strip().rstrip(",")


@dataclass
class WxrFile(ParsedFile):
    authors: dict[str, WxrAuthor] = field(default_factory=dict)  # by login, lower case
    attachments: dict[str, WxrAttachment] = field(default_factory=dict)  # by post id
    attachment_urls: dict[str, str] = field(default_factory=dict)  # URL -> post id


# --- Reading the XML ---------------------------------------------------------------------------


class _Reader:
    """Streams the items of one export into a WxrFile."""

    def __init__(self, path: Path, progress: Callable[[int], None] | None) -> None:
        self.path = path
        self.progress = progress
        self.result = WxrFile()
        self.wp = ""  # "{namespace}" of wp: elements
        self.excerpt = ""
        self.version = ""
        self.items = 0
        self.ignored: Counter[str] = Counter()
        self.seen: dict[str, int] = {}  # import key -> item number
        self.items_seen: set[tuple[str, str]] = set()  # (GUID, post ID) of each post read

    def fail(self, reason: str) -> ImportFailed:
        return ImportFailed(f"{self.path}: {reason}")

    def read(self) -> WxrFile:
        namespaces: list[str] = []
        depth = 0
        channel: XmlElement | None = None
        try:
            for event, element in iterparse(
                str(self.path), events=("start-ns", "start", "end"), forbid_dtd=False
            ):
                if event == "start-ns":
                    namespaces.append(element[1])
                elif event == "start":
                    depth += 1
                    if depth > settings.IMPORT_MAX_DEPTH:
                        raise self.fail(
                            gettext(
                                "nests XML elements more than %(limit)s levels deep (the "
                                "IMPORT_MAX_DEPTH setting); a WordPress export needs about five."
                            )
                            % {"limit": settings.IMPORT_MAX_DEPTH}
                        )
                    if depth == 1:
                        self._check_root(element.tag, namespaces)
                    elif depth == 2 and element.tag == "channel":
                        channel = element
                else:
                    depth -= 1
                    if depth == 2 and channel is not None:
                        self._channel_child(element)
                        channel.clear()  # read: let it go, so memory stays flat
        except (EntitiesForbidden, ExternalReferenceForbidden) as error:
            raise self._refused(error) from None
        except DefusedXmlException as error:
            raise self.fail(
                gettext("uses an XML feature that is refused (%(error)s).") % {"error": error}
            ) from None
        except XmlParseError as error:
            raise self._not_xml(error, started=depth > 0 or bool(namespaces)) from None
        except OSError as error:
            raise self.fail(
                gettext("cannot be read (%(error)s).") % {"error": error.strerror or error}
            ) from None
        if channel is None:
            raise self.fail(gettext("is not a WordPress export (no <channel> in the <rss> root)."))
        if not self.version:
            raise self.fail(
                gettext("is not a WordPress export (no wp:wxr_version in the channel).")
            )
        if self.ignored:
            counts = ", ".join(f"{n} {kind}" for kind, n in sorted(self.ignored.items()))
            self.result.errors.append(
                ParseError(
                    self.items + 1,
                    gettext("Only posts and pages are imported; left out: %(counts)s.")
                    % {"counts": counts},
                    place=gettext("the export"),
                )
            )
        return self.result

    def _check_root(self, tag: str, namespaces: list[str]) -> None:
        if tag != "rss":
            name = tag.rsplit("}", 1)[-1]
            raise self.fail(
                gettext("is not a WordPress export (the root is <%(name)s>, not <rss>).")
                % {"name": name}
            )
        wp = [uri for uri in namespaces if WP_NAMESPACE.match(uri)]
        if not wp:
            raise self.fail(
                gettext(
                    "is not a WordPress export (an RSS feed without the wp: namespace); export it "
                    "from WordPress with Tools → Export."
                )
            )
        self.wp = "{" + wp[0] + "}"
        self.excerpt = next(
            ("{" + uri + "}" for uri in namespaces if EXCERPT_NAMESPACE.match(uri)), ""
        )

    def _refused(self, error: EntitiesForbidden | ExternalReferenceForbidden) -> ImportFailed:
        if error.sysid or error.pubid:
            return self.fail(
                gettext(
                    "refers to an external entity (%(entity)s), which is refused; nothing is "
                    "fetched."
                )
                % {"entity": error.sysid or error.pubid}
            )
        return self.fail(
            gettext("declares XML entities, which are refused (entity expansion attack).")
        )

    def _not_xml(self, error: XmlParseError, *, started: bool) -> ImportFailed:
        line, column = error.position
        reason = re.sub(r":\s*line \d+, column \d+$", "", str(error))
        if started and error.code in _TRUNCATED:
            return self.fail(
                gettext("ends before the export does (truncated at line %(line)s).")
                % {"line": line}
            )
        if error.code == expat_errors.codes[expat_errors.XML_ERROR_NO_ELEMENTS]:
            return self.fail(gettext("is empty."))
        return self.fail(
            gettext("is not XML (line %(line)s, column %(column)s: %(reason)s).")
            % {"line": line, "column": column, "reason": reason}
        )

    # --- The channel's children, one at a time ---

    def _text(self, element: XmlElement, tag: str) -> str:
        return (element.findtext(tag) or "").strip()

    def _channel_child(self, element: XmlElement) -> None:
        tag = element.tag
        if tag == f"{self.wp}wxr_version":
            self.version = (element.text or "").strip()
        elif tag == f"{self.wp}author":
            login = self._text(element, f"{self.wp}author_login")
            if login:
                self.result.authors[login.casefold()] = WxrAuthor(
                    login=login,
                    email=self._text(element, f"{self.wp}author_email"),
                    display_name=_plain_text(self._text(element, f"{self.wp}author_display_name")),
                )
        elif tag == "item":
            self.items += 1
            self._item(element)
            if self.progress is not None:
                self.progress(self.items)

    def _item(self, item: XmlElement) -> None:
        post_type = self._text(item, f"{self.wp}post_type") or "post"
        post_id = self._text(item, f"{self.wp}post_id")
        if post_type == "attachment":
            self._attachment(item, post_id, self._meta(item))
            return
        if post_type not in ARTICLE_TYPES:
            self.ignored[post_type] += 1
            return
        where = gettext("item %(number)s (WordPress %(type)s %(id)s)") % {
            "number": self.items,
            "type": post_type,
            "id": post_id or "?",
        }
        content = item.findtext(f"{CONTENT}encoded") or ""
        post = self._post(item, post_type, post_id, content, where)
        if post is None or not self._is_new(post, post_id, where):
            return
        self._dates(post, item)
        self._terms(post, item)
        self._body(post, content)
        self._left_out(post, where)
        self.result.posts.append(post)
        if len(self.result.posts) > settings.IMPORT_MAX_POSTS:  # stop reading: it is refused
            raise self.fail(
                gettext(
                    "has more than %(limit)s posts and pages; files of up to %(limit)s are "
                    "imported (the IMPORT_MAX_POSTS setting). Split the export (Tools → Export "
                    "can export by date or category)."
                )
                % {"limit": f"{settings.IMPORT_MAX_POSTS:,}"}
            )

    def _meta(self, item: XmlElement) -> dict[str, str]:
        return {
            self._text(entry, f"{self.wp}meta_key"): self._text(entry, f"{self.wp}meta_value")
            for entry in item.iterfind(f"{self.wp}postmeta")
        }

    def _post(
        self, item: XmlElement, post_type: str, post_id: str, content: str, where: str
    ) -> WxrPost | None:
        """The post or page an item is, or None (and the reason in the errors) if it is not
        imported at all."""
        wp = self.wp
        title = clean_title(_plain_text(self._text(item, "title")))
        status = self._text(item, f"{wp}status")
        guid = self._text(item, "guid") or self._text(item, "link") or post_id
        excerpt = item.findtext(f"{self.excerpt}encoded") if self.excerpt else ""
        if refusal := _refusal(title, status, guid, content, excerpt):
            self._error(refusal, where)
            return None
        return WxrPost(
            title=title or f"Untitled WordPress {post_type} {post_id}",
            line=self.items,
            guid=guid,
            wp_id=post_id,
            post_type=post_type,
            status=status,
            author=self._text(item, f"{DC}creator"),
            # WordPress keeps a Greek or Cyrillic slug percent-encoded; read it, transliterated.
            slug=slug_for(unquote(self._text(item, f"{wp}post_name")))[:80],
            summary=_summary(excerpt),
            origin_url=self._text(item, "link"),
            thumbnail_id=self._meta(item).get("_thumbnail_id", ""),
            comments=sum(1 for _ in item.iterfind(f"{wp}comment")),
            password_protected=bool(self._text(item, f"{wp}post_password")),
            parent_id=_parent(self._text(item, f"{wp}post_parent")),
        )

    def _is_new(self, post: WxrPost, post_id: str, where: str) -> bool:
        """True, and the post remembered, unless it is a second copy of a post read already or
        its title is too long (then the reason is in the errors)."""
        guid = post.guid
        if post.import_key in self.seen and (guid, post_id) not in self.items_seen:
            # A repeated GUID with another post ID is another post: keyed on both.
            post.guid = f"{guid}#{post_id}"
        if post.import_key in self.seen:
            self._error(
                gettext(
                    "“%(title)s” is item %(number)s again (the same GUID and post ID); the second "
                    "copy was not imported."
                )
                % {"title": post.title, "number": self.seen[post.import_key]},
                where,
            )
            return False
        if len(post.title) > TITLE_MAX:
            self._error(
                gettext(
                    "The title is %(length)s characters long (at most %(limit)s); the %(type)s "
                    "was not imported."
                )
                % {"length": len(post.title), "limit": TITLE_MAX, "type": post.post_type},
                where,
            )
            return False
        self.seen[post.import_key] = self.items
        self.items_seen.add((guid, post_id))
        return True

    def _body(self, post: WxrPost, content: str) -> None:
        """The post's blocks of HTML, and the galleries and players they leave out."""
        post.galleries = len(_GALLERY.findall(content))
        shown = sorted({name.lower() for name in _MEDIA_SHORTCODE.findall(content)} - {"gallery"})
        post.media_left_out = [f"[{name}]" for name in shown]
        post.blocks = wordpress.blocks(content, edit=lambda root: _edit(post, root))

    def _left_out(self, post: WxrPost, where: str) -> None:
        """One line in the report for each kind of thing this post had that is not imported."""
        said = {"title": post.title}
        if post.password_protected:
            message = gettext(
                "“%(title)s” was password-protected: imported as a draft without its password, "
                "flagged so that it is not published until a reviewer has decided it may be "
                "public."
            )
            self._error(message % said, where)
        if post.comments:
            message = ngettext(
                "“%(title)s”: %(count)s comment not imported (Vetted has no comments).",
                "“%(title)s”: %(count)s comments not imported (Vetted has no comments).",
                post.comments,
            )
            self._error(message % {**said, "count": post.comments}, where)
        if post.parent_id:
            message = gettext(
                "“%(title)s”: its parent page (WordPress page %(id)s) is not kept; Vetted's pages "
                "stand alone, so link them from each other if that matters."
            )
            self._error(message % {**said, "id": post.parent_id}, where)
        if post.galleries:
            message = ngettext(
                "“%(title)s”: a gallery left out; add those pictures to the article if they "
                "matter.",
                "“%(title)s”: %(count)s galleries left out; add those pictures to the article if "
                "they matter.",
                post.galleries,
            )
            self._error(message % {**said, "count": post.galleries}, where)
        if post.media_left_out:
            message = gettext(
                "“%(title)s”: %(media)s left out; add those videos or sounds as links if they "
                "matter."
            )
            self._error(message % {**said, "media": ", ".join(post.media_left_out)}, where)
        if post.embeds:
            shown = ", ".join(post.embeds[:3]) + (", …" if len(post.embeds) > 3 else "")
            message = gettext(
                "“%(title)s”: %(count)s embedded video, sound or page kept as a link (%(shown)s)."
            )
            self._error(message % {**said, "count": len(post.embeds), "shown": shown}, where)

    def _error(self, message: str, where: str) -> None:
        self.result.errors.append(ParseError(self.items, message, place=where))

    def _dates(self, post: WxrPost, item: XmlElement) -> None:
        gmt = self._text(item, f"{self.wp}post_date_gmt")
        local = self._text(item, f"{self.wp}post_date")
        post.date = _date(gmt, UTC) or _date(local, timezone.get_current_timezone())
        if post.status in ("publish", "private"):
            post.published_at = post.date

    def _terms(self, post: WxrPost, item: XmlElement) -> None:
        names: list[str] = []
        for term in item.iterfind("category"):
            label = _plain_text(term.text or "")
            domain, nicename = term.get("domain", ""), term.get("nicename", "")
            if not label or domain not in ("category", "post_tag"):
                continue  # post formats, custom taxonomies
            if domain == "category" and nicename == "uncategorized":
                continue
            if domain == "category" and post.topic is None:
                post.topic = (label, slug_for(unquote(nicename)) or slug_for(label))
                continue
            names.append(label[:TAG_MAX])
        post.tags = list({name.casefold(): name for name in names}.values())

    def _attachment(self, item: XmlElement, post_id: str, meta: dict[str, str]) -> None:
        url = self._text(item, f"{self.wp}attachment_url") or self._text(item, "guid")
        attachment = WxrAttachment(
            post_id=post_id,
            url=url,
            file=meta.get("_wp_attached_file", ""),
            alt=_plain_text(meta.get("_wp_attachment_image_alt", "")),
        )
        self.result.attachments[post_id] = attachment
        if url:
            self.result.attachment_urls[url] = post_id


def _refusal(title: str, status: str, guid: str, content: str, excerpt: str | None) -> str:
    """Why an item is not imported at all, or ""."""
    if status in SKIPPED_STATUSES:
        return gettext("“%(title)s” is %(status)s; not imported.") % {
            "title": title or gettext("untitled"),
            "status": SKIPPED_STATUSES[status],
        }
    if not guid:
        return gettext("It has no GUID, address or post ID to recognize it by; not imported.")
    try:  # before wordpress.parse_html, whose tree is walked by recursion
        check_html(content, "Its body")
        check_html(excerpt or "", "Its excerpt")
    except InputTooLarge as refusal:
        return gettext("“%(title)s”: %(refusal)s It was not imported.") % {
            "title": (title or gettext("untitled"))[:80],
            "refusal": refusal,
        }
    return ""


def _parent(post_parent: str) -> str:
    """The parent's post ID; "" for none ("0" is WordPress's none)."""
    return "" if post_parent.strip() in ("", "0") else post_parent.strip()


def _plain_text(value: str) -> str:
    """Titles and names: WordPress writes them HTML-escaped, in CDATA or not."""
    return " ".join(html.unescape(_TAGS.sub("", value)).split())


def _summary(excerpt: str | None) -> str:
    text = wordpress.text_of(wordpress.parse_html(excerpt or ""))
    if len(text) <= SUMMARY_MAX:
        return text
    return text[: SUMMARY_MAX - 1].rsplit(" ", 1)[0] + "…"


def _date(value: str, zone) -> datetime | None:
    if not value or value == _NO_DATE:
        return None
    try:
        naive = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return timezone.make_aware(naive, zone)


def _edit(post: WxrPost, root: wordpress.Element) -> None:
    _embeds(post, root)
    _forms(root)
    _media(post, root)


def _embed_url(element: wordpress.Element) -> str:
    for candidate in (element, *element.iter("source"), *element.iter("param")):
        for name in ("src", "data", "value", "data-src"):
            value = (candidate.get(name) or "").strip()
            if value.startswith(("http://", "https://", "//")):
                return "https:" + value if value.startswith("//") else value
    return ""


def _link(url: str) -> wordpress.Element:
    return wordpress.Element("a", [("href", url)], [url])


def _embeds(post: WxrPost, root: wordpress.Element) -> None:
    """Players and embeds become links to what they showed, so the address is not lost: an
    <iframe>, <video> or <audio> by its source, and a paragraph that is only an address (how
    WordPress writes an oEmbed: the address on its own line, or in an [embed] shortcode)."""

    def visit(node: wordpress.Element) -> None:
        for index, child in enumerate(node.children):
            if not isinstance(child, wordpress.Element):
                continue
            if child.tag in _EMBEDDED:
                url = _embed_url(child)
                if url:
                    post.embeds.append(url)
                    node.children[index] = _link(url)
                continue
            texts = [c for c in child.children if not (isinstance(c, str) and not c.strip())]
            if (
                child.tag in ("p", "div", "figure")
                and len(texts) == 1
                and isinstance(texts[0], str)
            ):
                url = texts[0].strip()
                if _BARE_URL.match(url):
                    post.embeds.append(url)
                    child.children = [_link(url)]
                    continue
            visit(child)

    visit(root)


def _forms(node: wordpress.Element) -> None:
    """A form is dropped with its content, but the block before it remembers there was one
    (`data-form`; the sanitizer drops the attribute): a form is what makes a repeated block a
    call to action."""
    previous: wordpress.Element | None = None
    for child in node.children:
        if not isinstance(child, wordpress.Element):
            continue
        if child.tag == "form":
            (previous or node).set("data-form", "1")
            continue
        _forms(child)
        previous = child


def _media(post: WxrPost, root: wordpress.Element) -> None:
    """Give the loader a token for each image address to replace. The old site's resized copies
    (srcset) and sizes go, and so do links around an image to its own file on the old site."""

    def links_to_upload(element: wordpress.Element) -> bool:
        href = element.get("href") or ""
        return element.tag == "a" and UPLOADS in href and any(element.iter("img"))

    wordpress.unwrap(root, links_to_upload)
    for image in root.iter("img"):
        found = _WP_IMAGE_CLASS.search(image.get("class") or "")
        token = IMAGE_TOKEN.format(len(post.images))
        post.images.append(ImageRef(token, image.get("src") or "", found.group(1) if found else ""))
        image.set("src", token)
        for size in ("srcset", "sizes", "width", "height"):  # the old site's sizes, not ours
            image.set(size, None)


# --- Posts: calls to action, citations, kind -----------------------------------------------------


def _lines(block: wordpress.HtmlBlock) -> list[str]:
    """The block as the text importer would have seen it: a list as indented bullet lines."""
    if block.is_list:
        return [f"  • {item}" for item in block.items] or [block.text]
    return [block.text]


def _find_prompts(result: WxrFile) -> None:
    """Calls to action across the whole file, as the text importer finds them: each post is
    preceded by its title twice, the way a text export separates posts."""
    blocks: list[Block] = []
    owners: list[tuple[int, int] | None] = []
    for p, post in enumerate(result.posts):
        blocks += [Block(post.line, [post.title]), Block(post.line, [post.title])]
        owners += [None, None]
        for b, block in enumerate(post.blocks):
            if block.text:  # an image alone or a rule is never part of a call to action
                blocks.append(Block(post.line, _lines(block), block.links))
                owners.append((p, b))
    taken: set[tuple[int, int]] = set()
    possible: list = []
    spans = find_prompts(blocks, possible)
    for span in possible:
        owner = owners[span.start]
        where = result.posts[owner[0]].where if owner else ""
        result.possible_prompts.append(PossiblePrompt(span.headline, span.appearances, where))
    for _start, span in sorted(spans.items()):
        covered = owners[span.start : span.end]
        if None in covered:
            continue  # it runs into the next post's title: not a call to action after all
        post = result.posts[covered[0][0]]
        key = remember_prompt(result, span, post.line)
        if key not in post.prompt_keys:
            post.prompt_keys.append(key)  # placed once, however often it repeats
        taken.update(covered)
    for p, post in enumerate(result.posts):
        post.blocks = [block for b, block in enumerate(post.blocks) if (p, b) not in taken]


def _with_links(text: str, links: list[str]) -> str:
    """A reference's text with the addresses its links hide ("Read the study" → the DOI)."""
    return " ".join([text, *(link for link in links if link not in text)]).strip()


def _build(post: WxrPost, errors: list[ParseError]) -> bool:
    """Citations, markers, kind and body of one post; False if nothing is left to import."""
    kept: list[wordpress.HtmlBlock] = []
    reading_list = False
    for block in post.blocks:
        source = SOURCE_LINE.match(block.text) if block.tag == "p" else None
        if source is not None:
            text = _with_links(source.group("text").strip(), block.links)
            if text:
                add_citation(post, parse_reference(text), "source-line", post.line)
            else:
                errors.append(
                    ParseError(
                        post.line, gettext("An empty “Source:” line was ignored."), post.where
                    )
                )
            continue
        if block.is_heading or (block.tag == "p" and is_heading(block.text)):
            reading_list = bool(READING_LIST.match(block.text))
        elif reading_list and block.is_list:
            for item, links in zip(block.items, block.item_links, strict=True):
                reference = parse_reference(_with_links(item, links))
                add_citation(post, reference, "reading-list", post.line)
            continue
        kept.append(block)
    post.blocks = []
    if not kept:
        errors.append(
            ParseError(
                post.line,
                gettext(
                    "“%(title)s” has no text once shortcodes and forms are removed; not imported."
                )
                % {"title": post.title},
                post.where,
            )
        )
        return False
    nodes = [
        Node(block.tag, items=list(block.items)) if block.is_list else Node(block.tag, block.text)
        for block in kept
    ]
    for citation in post.citations:
        if citation.origin == "source-line":
            place_marker(nodes, citation)
    body_text = " ".join(plain(n.text) or " ".join(map(plain, n.items)) for n in nodes)
    post.kind, post.kind_reason = classify(post.title, body_text, post.citations)
    post.body_html = "".join(_marked(block, node) for block, node in zip(kept, nodes, strict=True))
    return True


_PLACEHOLDER = re.compile(CITE.format("([^\x00]*)"))  # a marker place_marker put in


def _marked(block: wordpress.HtmlBlock, node: Node) -> str:
    """The block's HTML with the markers place_marker put in its text."""
    texts = [(None, node.text)] if not node.items else list(enumerate(node.items))
    markers = [
        (item, len(plain(value[: found.start()])), found.group(1))
        for item, value in texts
        for found in _PLACEHOLDER.finditer(value)
    ]
    return wordpress.with_markers(block, markers) if markers else block.html


def read_wxr(path: str | Path, *, progress: Callable[[int], None] | None = None) -> WxrFile:
    """Read a WordPress export into posts and prompts. Raises ImportFailed on a file that is not a
    whole, safe WordPress export; `progress` is told how many items have been read."""
    result = _Reader(Path(path), progress).read()
    _find_prompts(result)
    result.posts = [post for post in result.posts if _build(post, result.errors)]
    result.errors.sort(key=lambda error: error.line)
    return result
