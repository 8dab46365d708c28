"""Fixtures for the publication gate's tests: sources and articles built directly (as an importer
or a writer would leave them), and the customer's seed export read at test time."""

from __future__ import annotations

import itertools
import re

import pytest
from django.utils.text import slugify

from articles import workflow
from articles.models import Article, ArticleKind, Citation, Placement, Prompt, PromptKind
from evidence.models import Source, VerificationStatus
from tests.conftest import signed_by
from tests.gate import seed as seed_module

_numbers = itertools.count(1)


@pytest.fixture
def make_gate_source(db):
    """A source with a unique DOI, verified, first author Smith, unless told otherwise."""

    def make(**fields) -> Source:
        n = next(_numbers)
        values = {
            "doi": f"10.5555/gate.{n}",
            "title": f"A randomized trial number {n}",
            "authors": [{"family": "Smith", "given": "J."}],
            "journal": "Test Journal",
            "year": 2021,
            "verification_status": VerificationStatus.VERIFIED,
            **fields,
        }
        return Source.objects.create(**values)

    return make


@pytest.fixture
def build(writer):
    """An article saved through the workflow with exactly these sources (keys s1, s2, … in
    order) and placed prompts."""

    def make(
        title: str = "Knee pain explained",
        *,
        body: str = "",
        summary: str = "",
        kind: str = ArticleKind.PATIENT_GUIDE,
        sources=(),
        prompts=(),
        keys=None,
        owner=None,
        **fields,
    ) -> Article:
        owner = owner or writer
        article = Article(
            title=title,
            slug=fields.pop("slug", None) or slugify(title)[:50] or "untitled",
            kind=kind,
            summary=summary,
            body=body,
            owner=owner,
            **fields,
        )
        keys = list(keys) if keys else [f"s{i}" for i in range(1, len(sources) + 1)]

        def related() -> None:
            for order, (key, source) in enumerate(zip(keys, sources, strict=True), start=1):
                Citation.objects.create(article=article, source=source, key=key, order=order)
            for position, prompt in enumerate(prompts):
                Placement.objects.create(article=article, prompt=prompt, position=position)

        workflow.save_revision(article, owner, save_related=related)
        return article

    return make


@pytest.fixture
def approved_prompt(make_prompt, writer, reviewer):
    """A prompt taken through review and approval."""

    def make(name: str = "Information packet", **fields) -> Prompt:
        prompt = make_prompt(name, **fields)
        workflow.submit(prompt, writer)
        workflow.approve(prompt, reviewer, **signed_by(reviewer))
        return prompt

    return make


def cited(text: str, key: str = "s1") -> str:
    """A paragraph whose sentence carries a citation marker."""
    return f'<p>{text}<sup data-citation="{key}">1</sup></p>'


def marked_where_named(body: str, family: str) -> str:
    """The Source: line's marker where the importer puts it: in the first paragraph that names
    the study ("… et al."), else the first paragraph."""
    paragraphs = list(re.finditer(r"<p>(.*?)</p>", body))
    named = [p for p in paragraphs if " et al" in p.group(1) or (family and family in p.group(1))]
    target = (named or paragraphs)[0]
    return f'{body[: target.end() - 4]}<sup data-citation="s1">1</sup>{body[target.end() - 4 :]}'


# --- The seed export ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def seed_export():
    if not seed_module.SEED.is_file():
        pytest.skip(seed_module.SKIP_REASON)
    return seed_module.load()


@pytest.fixture
def seed_article(seed_export, build, make_gate_source):
    """A seed post built as the importer shapes it: research summaries (a Source: line) cite that
    source; a post with a reading list cites each item as a title-only source; prompts are placed
    as given."""
    articles, _cta = seed_export

    def make(
        keyword: str,
        *,
        kind: str | None = None,
        verification: str = VerificationStatus.VERIFIED,
        details=None,
        prompts=(),
        extra_body: str = "",
    ) -> Article:
        post = seed_module.find(articles, keyword)
        sources = []
        if post.source is not None:
            sources.append(
                make_gate_source(
                    doi=post.source.doi,
                    url=post.source.url,
                    title=post.title,
                    authors=[{"family": post.source.family, "given": ""}],
                    year=post.source.year,
                    as_written=post.source.line,
                    verification_status=verification,
                    verification_details=details or [],
                )
            )
        for title in post.references:
            sources.append(
                make_gate_source(
                    doi="",
                    title=title,
                    authors=[],
                    year=None,
                    verification_status=VerificationStatus.UNVERIFIED,
                )
            )
        if kind is None:
            kind = ArticleKind.RESEARCH_SUMMARY if post.source else ArticleKind.PATIENT_GUIDE
        body = post.body_html(extra_body)
        if post.source is not None:
            body = marked_where_named(body, post.source.family)
        return build(
            post.title[:255],
            slug=slugify(keyword),
            kind=kind,
            body=body,
            sources=sources,
            prompts=prompts,
        )

    return make


@pytest.fixture
def seed_prompts(seed_export, make_prompt):
    """The export's calls to action as prompts (drafts, as an import leaves them): one per
    distinct heading, with the copy that follows it."""
    _articles, cta = seed_export

    def make(disclosure_label: str = "") -> list[Prompt]:
        prompts = []
        for heading in seed_module.cta_headings(cta):
            at = cta.index(heading)
            body = next(p for p in cta[at + 1 :] if p != heading)
            kind = (
                PromptKind.NEWSLETTER
                if "newsletter" in heading.casefold()
                else (PromptKind.INFORMATION_PACKET)
            )
            prompts.append(
                make_prompt(
                    heading,
                    kind=kind,
                    headline=heading,
                    body=f"<p>{body}</p>",
                    button_label="Send",
                    disclosure_label=disclosure_label,
                )
            )
        return prompts

    return make
