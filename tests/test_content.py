"""What a revision freezes and hashes, and which images an article may carry."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from PIL import Image

from articles import workflow
from articles.images import store_image
from articles.models import Article, Placement
from articles.models.revisions import content_hash
from tests.conftest import signed_by


def stored_image(colour: str = "steelblue"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, format="PNG")
    return store_image(buffer.getvalue(), "hero.png")[0]


def test_hash_is_stable_for_equal_content_and_ignores_key_order():
    assert content_hash({"title": "A", "body": "<p>b</p>"}) == content_hash(
        {"body": "<p>b</p>", "title": "A"}
    )


@pytest.mark.parametrize(
    "field, value",
    [("title", "Back pain: a new title"), ("summary", "A new summary."),
     ("body", "<p>A changed sentence.</p>"), ("kind", "research_summary")],
)  # fmt: skip
def test_every_reader_visible_change_changes_the_hash(article, writer, field, value):
    before = article.latest_revision.content_hash
    setattr(article, field, value)
    workflow.save_revision(article, writer, base_revision=1)
    assert article.latest_revision.content_hash != before


def test_saving_unchanged_content_gives_the_same_hash(article, writer):
    before = article.latest_revision.content_hash
    workflow.save_revision(article, writer, base_revision=1)
    assert article.latest_revision.number == 2
    assert article.latest_revision.content_hash == before


def test_image_and_its_alt_text_are_part_of_the_hash(article, writer):
    article.hero_image = stored_image()
    article.hero_alt = "A physiotherapist guiding a patient's stretch"
    workflow.save_revision(article, writer, base_revision=1)
    with_alt = article.latest_revision
    assert with_alt.content["image"] == {
        **article.hero_image.snapshot(),
        "alt": "A physiotherapist guiding a patient's stretch",
        "decorative": False,
    }
    article.hero_alt = "Physiotherapy"
    workflow.save_revision(article, writer, base_revision=2)
    assert article.latest_revision.content_hash != with_alt.content_hash
    article.hero_image = stored_image("darkred")
    workflow.save_revision(article, writer, base_revision=3)
    assert article.latest_revision.content["image"]["id"] == article.hero_image.pk
    assert article.latest_revision.content_hash != with_alt.content_hash


def test_placed_prompt_enters_the_hash_with_its_approved_hash(
    article, writer, reviewer, editor, make_prompt
):
    prompt = make_prompt()
    Placement.objects.create(article=article, prompt=prompt)
    workflow.save_revision(article, writer, base_revision=1)
    assert article.latest_revision.content["prompts"] == [
        {"prompt": prompt.pk, "approved_hash": None}
    ]
    workflow.submit(prompt, writer)
    workflow.approve(prompt, reviewer, **signed_by(reviewer))
    workflow.save_revision(article, writer, base_revision=2)
    assert article.latest_revision.content["prompts"] == [
        {"prompt": prompt.pk, "approved_hash": prompt.latest_revision.content_hash}
    ]


def test_a_prompt_is_placed_at_most_once_per_article(article, make_prompt):
    prompt = make_prompt()
    Placement.objects.create(article=article, prompt=prompt)
    with pytest.raises(IntegrityError), transaction.atomic():
        Placement.objects.create(article=article, prompt=prompt, position=5)


def test_stored_body_is_sanitized_on_every_save(writer):
    article = Article(title="t", slug="t", owner=writer,
                      body='<p onclick="steal()">Hi<script>alert(1)</script></p>')  # fmt: skip
    workflow.save_revision(article, writer)
    article.refresh_from_db()
    assert article.body == "<p>Hi</p>"
    assert article.latest_revision.content["body"] == "<p>Hi</p>"


def test_alt_text_required_unless_decorative(writer):
    article = Article(title="t", slug="t", owner=writer, hero_image=stored_image())
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "Describe the image" in str(error.value.message_dict["hero_alt"])
    article.hero_decorative = True
    article.full_clean()
