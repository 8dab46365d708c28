"""Real-browser tests: Playwright driving Debian's chromium (never a downloaded browser).

Nothing a page asks for may leave this machine: every request is recorded on `page.requested`,
and one for another origin is aborted (a test that wants to see one, such as a DOI link, routes
it on the page first)."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from PIL import Image as Pillow

from articles import images, workflow
from articles.accounts import factors
from articles.models import Article, Citation, Placement, Prompt, Topic
from evidence.models import Source, SourceKind, VerificationStatus
from tests.conftest import CITATION_KEY, CITED_BODY, fixture_source, signed_by, totp_code

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = f"Debian's chromium is not at {CHROMIUM} (apt-get install chromium; .ci/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    # Playwright's sync API keeps an event loop on this thread; the ORM calls the tests make
    # between page actions are ordinary synchronous ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def same_origin(url: str, base: str) -> bool:
    return urlsplit(url)[:2] == urlsplit(base)[:2]


def _serve_media(route) -> None:
    """Uploaded images, as the production web server serves them (Django does not without
    DEBUG); from this test's MEDIA_ROOT."""
    name = urlsplit(route.request.url).path.removeprefix(settings.MEDIA_URL)
    path = Path(settings.MEDIA_ROOT) / name
    if path.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve()) and path.is_file():
        route.fulfill(path=str(path))
    else:
        route.fulfill(status=404)


def open_page(browser, base_url: str, **context_options):
    """A page on a new browser context that records console errors, uncaught exceptions and
    every request, serves media, and aborts requests that would leave this machine."""
    context = browser.new_context(base_url=base_url, **context_options)

    def local_only(route) -> None:
        # data: URLs never reach the network and are not routed; anything else must be ours.
        if same_origin(route.request.url, base_url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    context.route("**/*", local_only)
    context.route(f"{base_url}{settings.MEDIA_URL}**", _serve_media)
    page = context.new_page()
    page.console_errors = []
    page.requested = []

    def console(message) -> None:
        if message.type == "error":
            # "Failed to load resource" does not say which resource; the location does.
            where = message.location.get("url")
            page.console_errors.append(f"{message.text} [{where}]" if where else message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: page.console_errors.append(f"Uncaught: {error}"))
    page.on("request", lambda request: page.requested.append(request.url))
    return page


@pytest.fixture
def page(browser, live_server):
    page = open_page(browser, live_server.url)
    yield page
    page.context.close()


@pytest.fixture
def open_browser_page(browser, live_server):
    """`open_browser_page(**context_options)`: another page, for a phone-sized viewport or with
    JavaScript off; closed after the test."""
    contexts = []

    def make(**context_options):
        page = open_page(browser, live_server.url, **context_options)
        contexts.append(page.context)
        return page

    yield make
    for context in contexts:
        context.close()


def log_in(page, username: str, password: str) -> None:
    """Sign in through the form, with the code of the user's authenticator if they have one."""
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    user = get_user_model().objects.filter(username=username).first()
    if user is not None and factors.has_factor(user):
        page.get_by_label("Authenticator code").fill(totp_code(user))
    page.get_by_role("button", name="Log in").click()


# --- A small public site, made through the real workflow ------------------------------------------

KNEE_DOI = "10.5555/vetted.knee.2021"
KNEE_PMID = "34000001"
KNEE_BODY = (
    "<p>Knee pain is common in adults of every age, and most of it is not serious.</p>"
    "<h2>What helps</h2>"
    "<p>Gentle strengthening exercise eased knee pain in a randomized trial."
    '<sup data-citation="knee-trial">1</sup></p>'
    f"{CITED_BODY}"
    "<h2>When to see a doctor</h2>"
    "<p>See a doctor if your knee is hot, red or swollen, or if you cannot put weight on it.</p>"
)


@dataclass(frozen=True)
class ReaderSite:
    article: Article  # everything a page can show: hero, citations, tags, a prompt, two versions
    topic: Topic
    draft: Article  # never published

    def path(self, article: Article) -> str:
        return f"/articles/{article.slug}/"


def png(width: int = 1200, height: int = 800) -> bytes:
    buffer = io.BytesIO()
    Pillow.new("RGB", (width, height), (70, 120, 160)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def go_live(writer, reviewer, editor):
    """Submit, approve and publish content. Browser tests run outside a test transaction, so
    each step commits and its after-commit work (page cache, search index) runs as it would."""

    def publish(content):
        workflow.submit(content, writer)
        workflow.approve(content, reviewer, **signed_by(reviewer))
        workflow.publish(content, editor)
        content.refresh_from_db()
        return content

    return publish


def _knee_source() -> Source:
    return Source.objects.create(
        doi=KNEE_DOI,
        pmid=KNEE_PMID,
        title="Strengthening exercise for knee pain in adults",
        authors=[{"family": "Nguyen", "given": "T"}, {"family": "Okafor", "given": "A"}],
        journal="Vetted Test Journal",
        year=2021,
        kind=SourceKind.RANDOMIZED_TRIAL,
        verification_status=VerificationStatus.VERIFIED,
    )


def _knee_article(make_article, go_live, writer, topic: Topic, prompt: Prompt) -> Article:
    article = make_article(
        "Knee pain: what helps",
        slug="knee-pain",
        cited=False,
        body=KNEE_BODY,
        summary="Why knees hurt, what you can do at home, and when to see a doctor.",
        topic=topic,
        hero_image=images.store_image(png(), "knee.png")[0],
        hero_alt="A physiotherapist bending a patient's knee on a treatment table",
    )

    def cite_and_place() -> None:
        Citation.objects.create(article=article, source=_knee_source(), key="knee-trial", order=1)
        Citation.objects.create(article=article, source=fixture_source(), key=CITATION_KEY, order=2)
        Placement.objects.create(article=article, prompt=prompt, position=0)
        article.tags.add("knees", "exercise")

    workflow.save_revision(article, writer, base_revision=1, save_related=cite_and_place)
    go_live(article)
    article.summary = "Why knees hurt, what helps at home, and when to see a doctor."
    workflow.save_revision(
        article, writer, base_revision=2, change_note="Clarified when to see a doctor."
    )
    return go_live(article)


@pytest.fixture
def reader_site(make_article, make_prompt, go_live, writer) -> ReaderSite:
    """Topics, several published articles (one featured), an article with everything on it, and
    a draft."""
    joints = Topic.objects.create(
        name="Bones and joints", slug="joints", description="Back, knee and joint pain."
    )
    heart = Topic.objects.create(name="Heart and circulation", slug="heart")
    prompt = go_live(make_prompt())
    article = _knee_article(make_article, go_live, writer, joints, prompt)
    go_live(make_article("Living with back pain", topic=joints, featured=True))
    go_live(
        make_article(
            "Blood pressure basics",
            topic=heart,
            summary="What the two numbers mean.",
            body=f"<p>Blood pressure is the force of blood on artery walls.</p>{CITED_BODY}",
        )
    )
    go_live(make_article("Sleeping well with back pain", summary="Positions that may help."))
    draft = make_article(
        "Stem cells for back pain", cited=False, body="<p>A draft nobody has reviewed.</p>"
    )
    return ReaderSite(article=article, topic=joints, draft=draft)
