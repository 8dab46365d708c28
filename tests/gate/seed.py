"""Reading the customer's seed export at test time, the way an importer would shape it.

The project never copies the seed's text into its own files: this module only knows the export's
layout (a title line written twice, blank-line paragraphs, indented numbered or bulleted list
items, a `Source:` line, call-to-action blocks at the end) and finds articles by a keyword of
their title.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seeds" / "clinic_blog_export.txt"
SKIP_REASON = "the seed export is not in ../shared/ (CI has it)"

_LIST_ITEM = re.compile(r"^\s+(?:\d+\.|•)\s*(.*)$")
_DOI = re.compile(r"10\.\d{4,9}/[^\s\"“”<>]+")
_URL = re.compile(r"https?://\S+")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_INITIALS = re.compile(r"^(?:[A-Z]\.?){1,3}$|^(?:[A-Z]\.)+[A-Z]?\.?$")
# A line the export repeats at least this often is call-to-action copy, not a post's prose.
CTA_REPEATS = 3


@dataclass
class SeedSource:
    line: str  # the Source: line as written
    family: str  # first author's family name
    doi: str
    url: str
    year: int | None


@dataclass
class SeedArticle:
    title: str
    paragraphs: list[str]  # as written, list items keep their indentation
    source: SeedSource | None = None
    references: list[str] = field(default_factory=list)  # "References" list items (titles only)

    def text_paragraphs(self) -> list[str]:
        return [p for p in self.paragraphs if p.strip()]

    def body_html(self, extra: str = "") -> str:
        """The post as the importer would store it: headings, paragraphs, lists."""
        out: list[str] = []
        in_list = False
        for paragraph in self.paragraphs:
            item = _LIST_ITEM.match(paragraph)
            if item:
                if not in_list:
                    out.append("<ul>")
                    in_list = True
                out.append(f"<li>{html.escape(item.group(1).strip())}</li>")
                continue
            if in_list:
                out.append("</ul>")
                in_list = False
            text = paragraph.strip()
            if is_heading(text):
                out.append(f"<h2>{html.escape(text)}</h2>")
            else:
                out.append(f"<p>{html.escape(text)}</p>")
        if in_list:
            out.append("</ul>")
        return "".join(out) + extra


def is_heading(text: str) -> bool:
    return len(text) < 90 and not re.search(r"[.!?:;,)”\"]$", text)


def first_author_family(line: str) -> str:
    authors = line.removeprefix("Source:").strip()
    parts = [p.strip() for p in authors.split(",")]
    first = parts[0]
    second = parts[1] if len(parts) > 1 else ""
    if _INITIALS.match(second.split(" ")[0] if second else ""):
        return first  # "Mesa Bedoya, L.E., …" / "Zhao, Y., …"
    words = first.split()
    if len(words) > 1 and _INITIALS.match(words[-1]):
        return " ".join(words[:-1])  # "Smith JA, …"
    return words[-1]  # "Panayiota Petrou, …"


def parse_source(line: str) -> SeedSource:
    doi = _DOI.search(line)
    url = _URL.search(line)
    year = _YEAR.search(line)
    return SeedSource(
        line=line,
        family=first_author_family(line),
        doi=doi.group(0).rstrip(".") if doi else "",
        url=url.group(0).rstrip(".") if url else "",
        year=int(year.group(0)) if year else None,
    )


def load() -> tuple[list[SeedArticle], list[str]]:
    """The posts, and the call-to-action paragraphs that follow them."""
    lines = [line.rstrip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    paragraphs = [line for line in lines if line.strip()]
    stripped = [p.strip() for p in paragraphs]
    doubled = [i for i in range(len(stripped) - 1) if stripped[i] == stripped[i + 1]]
    # The call-to-action section starts at the last doubled heading before the first line the
    # export repeats over and over ("Subscribe…" twice, then "Request…" a dozen times).
    counts = Counter(stripped)
    repeated = next((i for i, p in enumerate(stripped) if counts[p] >= CTA_REPEATS), len(stripped))
    cta_start = max((i for i in doubled if i < repeated), default=len(stripped))
    if repeated == len(stripped):
        cta_start = len(stripped)
    articles: list[SeedArticle] = []
    i = 0
    while i < cta_start:
        if i in doubled:
            articles.append(SeedArticle(title=stripped[i], paragraphs=[]))
            i += 2
            continue
        if articles:
            current = articles[-1]
            if stripped[i].startswith("Source:"):
                current.source = parse_source(stripped[i])
            else:
                current.paragraphs.append(paragraphs[i])
        i += 1
    for article in articles:
        _split_references(article)
    return articles, stripped[cta_start:]


def cta_headings(cta: list[str]) -> list[str]:
    """The distinct headings of the call-to-action section, in order."""
    return list(dict.fromkeys(p for p in cta if is_heading(p)))


def _split_references(article: SeedArticle) -> None:
    """A "References…" heading followed by list items with titles only: those items are the
    reference list, not the body."""
    for index, paragraph in enumerate(article.paragraphs):
        if paragraph.strip().startswith("References") and is_heading(paragraph.strip()):
            kept = article.paragraphs[:index]
            for rest in article.paragraphs[index + 1 :]:
                item = _LIST_ITEM.match(rest)
                if item:
                    article.references.append(item.group(1).strip().rstrip(":"))
                else:
                    kept.append(rest)
            article.paragraphs = kept
            return


def find(articles: list[SeedArticle], keyword: str) -> SeedArticle:
    matches = [a for a in articles if keyword.casefold() in a.title.casefold()]
    assert len(matches) == 1, f"expected one seed article about {keyword!r}, found {len(matches)}"
    return matches[0]
