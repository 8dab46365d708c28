"""Publishing articles with chosen words, through the real workflow."""

from __future__ import annotations

import pytest

from articles import workflow
from articles.models import Article
from tests.conftest import CITED_BODY, signed_by


def approve(article: Article, writer, reviewer) -> None:
    workflow.submit(article, writer)
    workflow.approve(article, reviewer, **signed_by(reviewer))


@pytest.fixture
def publish(make_article, writer, reviewer, editor):
    """An article published with `text` as its first paragraph (the cited sentence follows, so
    it passes the publication gate), or with the given `body`."""

    def make(title: str, text: str = "", **fields) -> Article:
        fields.setdefault("body", f"<p>{text}</p>{CITED_BODY}")
        article = make_article(title, **fields)
        approve(article, writer, reviewer)
        workflow.publish(article, editor)
        return article

    return make
