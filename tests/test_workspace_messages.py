"""Words on the staff screens are for the person reading them: a refused step is one sentence that
points at the findings, a step the gate would refuse is not offered as if it would work, nobody is
told to run a command, and what blocks a page can be reached from it."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from articles import background, workflow
from articles.models import Article, Placement
from evidence.models import Source, VerificationStatus
from tests.conftest import log_in_verified


def login(user) -> Client:
    client = Client()
    log_in_verified(client, user)
    return client


def change_url(content) -> str:
    return f"/admin/articles/{content._meta.model_name}/{content.pk}/change/"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def buttons(html: str) -> dict[str, bool]:
    """Each workflow button on the page, and whether it is enabled."""
    found = {}
    for tag in re.findall(r"<button[^>]*data-transition=[^>]*>", html):
        name = re.search(r'data-transition="([^"]+)"', tag).group(1)
        found[name] = " disabled" not in tag
    return found


def test_submit_is_shown_disabled_with_the_reason_while_blockers_stand(uncited_article, writer):
    html = login(writer).get(change_url(uncited_article)).content.decode()
    assert buttons(html) == {"submit": False}
    assert "Fix the 2 blockers listed under “Publication gate” first." in unescape(html)


def test_submit_is_offered_when_the_gate_passes(article, writer):
    assert buttons(login(writer).get(change_url(article)).content.decode()) == {"submit": True}


def test_a_refused_submit_is_one_sentence_pointing_at_the_findings(uncited_article, writer):
    # Posted from a page opened before the blockers appeared, say.
    response = login(writer).post(
        f"/admin/articles/article/{uncited_article.pk}/transition/submit/", follow=True
    )
    [message] = messages_of(response)
    assert message.startswith("“Stem cells for back pain” was not submitted for review: 2 blockers")
    assert f'href="{change_url(uncited_article)}#vetted-gate-heading"' in message
    assert len(re.sub(r"<[^>]+>", "", message)) < 150
    # The findings themselves are in the panel, not in the message.
    assert "Mark this sentence" not in message
    assert 'id="vetted-gate-heading"' in response.content.decode()
    assert Article.objects.get(pk=uncited_article.pk).state == "draft"


@pytest.mark.parametrize("who", ["writer", "reviewer"])
def test_no_screen_tells_a_writer_or_reviewer_to_run_a_command(request, article, who):
    Source.objects.update(verification_status=VerificationStatus.UNVERIFIED)
    if who == "reviewer":
        workflow.submit(article, request.getfixturevalue("writer"))
    html = login(request.getfixturevalue(who)).get(change_url(article)).content.decode()
    assert 'data-code="unverified-source"' in html
    assert "manage.py" not in html
    assert "Check sources now" in html


def test_a_blocking_prompt_links_to_its_page_and_says_who_can_change_it(
    make_article, make_prompt, writer, other_writer
):
    prompt = make_prompt("Newsletter sign-up", owner=other_writer)
    article = make_article()
    Placement.objects.create(article=article, prompt=prompt)
    workflow.save_revision(article, writer, base_revision=1)
    html = unescape(login(writer).get(change_url(article)).content.decode())
    assert 'data-code="unapproved-prompt"' in html
    assert f'<a href="{change_url(prompt)}">Open the prompt “Newsletter sign-up”</a>' in html
    assert "Ask its writer, Oscar Writer, or an editor to change it." in html
    # The link works for this writer: they may read the prompt they placed, not change it.
    page = login(writer).get(change_url(prompt))
    assert page.status_code == 200
    assert 'name="headline"' not in page.content.decode()
    # Its own writer is not told to ask someone else.
    other = unescape(login(other_writer).get(change_url(article)).content.decode())
    assert "to change it." not in other


@pytest.mark.django_db(transaction=True)
def test_check_sources_now_asks_the_registries_off_the_request(article, writer):
    source = Source.objects.get()
    Source.objects.update(verification_status=VerificationStatus.UNVERIFIED)
    client = login(writer)
    response = client.post(f"/admin/articles/article/{article.pk}/check-sources/", follow=True)
    assert messages_of(response) == [
        "Checking 1 source against Crossref and PubMed. Reload this page in a minute to see "
        "what they say."
    ]
    background.wait()
    source.refresh_from_db()
    # The test registries are unreachable by design (nothing leaves the machine): the verdict is
    # recorded, so the warning now says why the source is not verified.
    assert source.verification_status == VerificationStatus.UNREACHABLE
    html = client.get(change_url(article)).content.decode()
    assert "Check sources now" in html  # still unverified, so it may be tried again


def test_another_writer_cannot_check_someone_elses_sources(article, other_writer):
    response = login(other_writer).post(f"/admin/articles/article/{article.pk}/check-sources/")
    assert response.status_code == 403
