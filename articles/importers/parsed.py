"""What both importers produce: posts, calls to action, citations and the problems met on the
way. Pure data; `articles.importers.load` writes it."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

from anyascii import anyascii
from django.utils.text import slugify
from django.utils.translation import gettext

from articles.models.content import ArticleKind
from evidence.parsing import ParsedReference

TITLE_MAX = 255  # Article.title


# --- What the parser produces ------------------------------------------------------------------


class ImportFailed(Exception):
    """The import cannot go ahead; nothing was written. The message is one line."""


@dataclass
class ParseError:
    """Something in the file that was not imported, and why."""

    line: int  # for a WordPress export, the item's number: errors are listed in file order
    message: str
    place: str = ""  # where to find it, when that is not a line ("item 12 (WordPress post 40)")

    @property
    def where(self) -> str:
        return self.place or gettext("line %(line)s") % {"line": self.line}


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
        return "".join(f"<p>{escape_text(p)}</p>" for p in self.body.split("\n\n") if p)

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

    @property
    def where(self) -> str:
        return gettext("line %(line)s") % {"line": self.line}


@dataclass
class PossiblePrompt:
    """Text that repeats like a call to action but does not ask the reader to act: it was kept in
    the body, and the report asks a person to look."""

    headline: str
    appearances: int
    where: str  # where it first appears

    @property
    def message(self) -> str:
        return gettext(
            "Possible call to action: “%(headline)s” appears %(appearances)s times but offers "
            "nothing, so it was kept in the text. If it is a call to action, make it a prompt."
        ) % {"headline": self.headline, "appearances": self.appearances}


@dataclass
class ParsedFile:
    posts: list[ParsedPost] = field(default_factory=list)
    prompts: dict[str, ParsedPrompt] = field(default_factory=dict)
    errors: list[ParseError] = field(default_factory=list)
    possible_prompts: list[PossiblePrompt] = field(default_factory=list)


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


def escape_text(text: str) -> str:
    return html.escape(text, quote=False)


# Characters that change how text is shown without being text: C0/C1 controls and the
# bidirectional marks, embeddings, overrides and isolates (a title can be made to read backwards).
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_title(title: str) -> str:
    """A title without control or bidirectional formatting characters, spaces collapsed."""
    return " ".join(_INVISIBLE.sub("", title).split())


def slug_for(text: str) -> str:
    """A readable ASCII slug for any script: "Άσκηση για το γόνατο" → "askisi-gia-to-gonato",
    "Боль в спине" → "bol-v-spine" (transliterated by anyascii, then Django's slugify)."""
    return slugify(anyascii(clean_title(text)))
