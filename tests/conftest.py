"""Fixtures shared by the suite: one user per role, and content made through the real workflow."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from articles import workflow
from articles.models import Article, AuthorProfile, Prompt, PromptKind
from articles.roles import Role, grant

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    # The cache outlives a test's database transaction; counters in it must not leak across tests.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Approving re-checks the reviewer's password; the production hasher would dominate run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def make_user(db):
    def make(username: str, *roles: Role, credentials: str = "", staff: bool = True):
        user = get_user_model().objects.create_user(
            username, email=f"{username}@clinic.test", password=PASSWORD, is_staff=staff
        )
        AuthorProfile.objects.create(
            user=user, display_name=username.replace("_", " ").title(), credentials=credentials
        )
        grant(user, *roles)
        return user

    return make


@pytest.fixture
def writer(make_user):
    return make_user("wendy_writer", Role.WRITER, credentials="BSc, health journalism")


@pytest.fixture
def other_writer(make_user):
    return make_user("oscar_writer", Role.WRITER)


@pytest.fixture
def reviewer(make_user):
    return make_user("rita_reviewer", Role.REVIEWER, credentials="MD, neurology")


@pytest.fixture
def second_reviewer(make_user):
    return make_user("raj_reviewer", Role.REVIEWER, credentials="MD, hepatology")


@pytest.fixture
def editor(make_user):
    return make_user("eddie_editor", Role.EDITOR)


@pytest.fixture
def admin_user(make_user):
    return make_user("ada_admin", Role.ADMIN)


@pytest.fixture
def anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


@pytest.fixture
def make_article(writer):
    def make(title: str = "Living with back pain", owner=None, **fields) -> Article:
        owner = owner or writer
        slug = fields.pop("slug", None) or title.lower().replace(" ", "-")[:50]
        article = Article(
            title=title,
            slug=slug,
            summary=fields.pop("summary", "What helps, and when to see a doctor."),
            body=fields.pop("body", "<p>Most back pain gets better within six weeks.</p>"),
            owner=owner,
            **fields,
        )
        workflow.save_revision(article, owner)
        return article

    return make


@pytest.fixture
def article(make_article):
    return make_article()


@pytest.fixture
def in_review(article, writer):
    workflow.submit(article, writer)
    return article


@pytest.fixture
def approved(in_review, reviewer):
    workflow.approve(in_review, reviewer, password=PASSWORD)
    return in_review


@pytest.fixture
def published(approved, editor):
    workflow.publish(approved, editor)
    return approved


@pytest.fixture
def make_prompt(writer):
    def make(name: str = "Information packet", owner=None, **fields) -> Prompt:
        owner = owner or writer
        prompt = Prompt(
            name=name,
            kind=fields.pop("kind", PromptKind.INFORMATION_PACKET),
            headline=fields.pop("headline", "Request our information packet"),
            body=fields.pop("body", "<p>We will post you a short guide to our clinic.</p>"),
            button_label=fields.pop("button_label", "Request the packet"),
            disclosure_label=fields.pop("disclosure_label", "From our clinic"),
            owner=owner,
            **fields,
        )
        workflow.save_revision(prompt, owner)
        return prompt

    return make
