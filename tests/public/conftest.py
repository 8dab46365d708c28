"""Helpers for the public site's tests: content taken through the real workflow to the public."""

from __future__ import annotations

import pytest

from articles import workflow
from articles.models import Citation, Placement
from articles.public import cache as page_cache
from evidence.models import Source, SourceKind, VerificationStatus
from tests.conftest import signed_by


@pytest.fixture(autouse=True)
def _page_cache_healthy():
    """Each test starts with the page cache considered reachable, and no copies of pages kept
    by an earlier test."""
    page_cache._Health.retry_at = None
    page_cache._Health.bump_pending = False
    page_cache._copies.clear()
    yield
    page_cache._Health.retry_at = None
    page_cache._Health.bump_pending = False
    page_cache._copies.clear()


@pytest.fixture
def page_cache_off(settings):
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def go_live(writer, reviewer, editor, django_capture_on_commit_callbacks):
    """Submit, approve and publish content (an article or a prompt) as the public would get it:
    with the after-commit work (page cache invalidation) done."""

    def publish(content, owner=None):
        with django_capture_on_commit_callbacks(execute=True):
            workflow.submit(content, owner or writer)
            workflow.approve(content, reviewer, **signed_by(reviewer))
            workflow.publish(content, editor)
        content.refresh_from_db()
        return content

    return publish


@pytest.fixture
def take_down(editor, django_capture_on_commit_callbacks):
    def unpublish(content, reason: str = "Checked again"):
        with django_capture_on_commit_callbacks(execute=True):
            workflow.unpublish(content, editor, reason=reason)

    return unpublish


@pytest.fixture
def revise(writer):
    """Save a new revision of live content with a note for reviewers (`change_summary`) and one
    for readers (`change_note`); it goes back to draft."""

    def save(content, change_summary: str = "", owner=None, change_note: str = "", **fields):
        for name, value in fields.items():
            setattr(content, name, value)
        return workflow.save_revision(
            content,
            owner or writer,
            base_revision=content.latest_revision.number,
            change_summary=change_summary,
            change_note=change_note,
        )

    return save


@pytest.fixture
def file_under(writer):
    """Give an article's working copy a topic and add tags, and save a revision: both are frozen
    into it, so the public page shows them once that revision is published."""

    def save(article, *tags: str, topic=None, change_summary: str = ""):
        if topic is not None:
            article.topic = topic
        return workflow.save_revision(
            article,
            writer,
            base_revision=article.latest_revision.number,
            change_summary=change_summary,
            save_related=lambda: article.tags.add(*tags),
        )

    return save


def make_sources(count: int, kind: str = SourceKind.RANDOMIZED_TRIAL) -> list[Source]:
    return Source.objects.bulk_create(
        Source(
            doi=f"10.5555/vetted.public.{n}",
            pmid=str(30000000 + n),
            title=f"Trial number {n} of a treatment for back pain",
            authors=[{"family": f"Author{n}", "given": "A"}],
            journal="Vetted Test Journal",
            year=2019,
            kind=kind,
            verification_status=VerificationStatus.VERIFIED,
        )
        for n in range(count)
    )


def cited_body(count: int) -> str:
    return "".join(
        f'<p>Finding number {n} was seen in a trial.<sup data-citation="c{n}">{n + 1}</sup></p>'
        for n in range(count)
    )


@pytest.fixture
def make_cited_article(make_article, writer):
    """A draft article citing `count` verified sources, each marked in its own paragraph."""

    def make(title: str, count: int, **fields):
        article = make_article(title, cited=False, body=cited_body(count), **fields)
        sources = make_sources(count)

        def cite() -> None:
            Citation.objects.bulk_create(
                Citation(article=article, source=source, key=f"c{n}", order=n)
                for n, source in enumerate(sources)
            )

        workflow.save_revision(
            article, writer, base_revision=article.latest_revision.number, save_related=cite
        )
        return article

    return make


@pytest.fixture
def place(writer):
    """Place prompts in an article's working copy and save a revision."""

    def save(article, *prompts):
        def placements() -> None:
            for position, prompt in enumerate(prompts):
                Placement.objects.create(article=article, prompt=prompt, position=position)

        workflow.save_revision(
            article, writer, base_revision=article.latest_revision.number, save_related=placements
        )

    return save
