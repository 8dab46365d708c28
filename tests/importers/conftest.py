"""Shared by the importer tests: the seed export (read from ../shared/, never copied here) and
helpers that run `import_posts` the way a person would."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from articles.models import Article

REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "seeds" / "clinic_blog_export.txt"

# A word from each seed post's title: enough to find the article, without copying the seed.
SEED_POSTS = {
    "intrathecal": "Intrathecal",
    "orthopedic": "Game Changer",
    "ms": "Progressive Multiple Sclerosis",
    "liver": "Liver Cirrhosis",
    "als": "for ALS",
    "back_pain": "Back Pain",
}


@pytest.fixture
def seed_path() -> Path:
    if not SEED.is_file():
        pytest.skip("the seed export is not in ../shared/ (CI has it)")
    return SEED


def run_import(*args: str, **options) -> str:
    out = StringIO()
    call_command("import_posts", *map(str, args), stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def run_import_json(*args: str, **options) -> dict:
    return json.loads(run_import(*args, json=True, **options))


@pytest.fixture
def seed_imported(db, seed_path) -> dict[str, Article]:
    """The seed imported once; its articles by the short names in SEED_POSTS."""
    run_import(seed_path)
    return {name: Article.objects.get(title__contains=words) for name, words in SEED_POSTS.items()}


def counts() -> dict[str, int]:
    """Rows an import may write, to show that a refused or dry-run import wrote none."""
    from django.contrib.auth import get_user_model
    from taggit.models import Tag

    from articles.audit.models import AuditEvent
    from articles.models import Citation, Image, Placement, Prompt, Revision, Topic
    from evidence.models import Source

    return {
        "articles": Article.objects.count(),
        "prompts": Prompt.objects.count(),
        "sources": Source.objects.count(),
        "citations": Citation.objects.count(),
        "placements": Placement.objects.count(),
        "revisions": Revision.objects.count(),
        "events": AuditEvent.objects.count(),
        "users": get_user_model().objects.count(),
        "topics": Topic.objects.count(),
        "tags": Tag.objects.count(),
        "images": Image.objects.count(),
    }
