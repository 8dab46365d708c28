"""The published article page links to the reader forms: "Report a problem with this page" and
each live prompt's button. The page is rendered once for everyone, so it carries links, never a
form or a CSRF token."""

from __future__ import annotations

import re
from html import unescape

from django.test import Client
from django.urls import reverse

from articles.models import PromptKind


def page_html(article) -> str:
    response = Client().get(article.get_absolute_url())
    assert response.status_code == 200
    return unescape(response.content.decode())


def link_named(html: str, name: str) -> str:
    found = re.findall(rf'<a[^>]*href="([^"]+)"[^>]*>{re.escape(name)}</a>', html)
    assert len(found) == 1, f"{name!r} is linked {len(found)} times"
    return found[0]


def test_report_a_problem_links_to_the_articles_report_form(published):
    href = link_named(page_html(published), "Report a problem with this page")
    assert href == reverse("readers:report_problem", args=[published.slug])
    form = Client().get(href)
    assert form.status_code == 200
    assert "Report a problem with this page" in form.content.decode()


def test_each_prompts_button_links_to_the_form_behind_it(
    placing, packet, newsletter_prompt, make_prompt, go_live
):
    consultation = go_live(
        make_prompt(
            "Consultation",
            kind=PromptKind.CONSULTATION,
            headline="Book a consultation",
            button_label="Ask for a consultation",
        )
    )
    article = placing(packet, consultation, newsletter_prompt)
    html = page_html(article)

    assert link_named(html, "Request the packet") == (
        f"{reverse('readers:request', args=[packet.pk])}?from={article.slug}"
    )
    assert link_named(html, "Ask for a consultation") == (
        f"{reverse('readers:request', args=[consultation.pk])}?from={article.slug}"
    )
    assert link_named(html, "Subscribe") == (
        f"{reverse('readers:newsletter')}?prompt={newsletter_prompt.pk}"
    )
    for href in re.findall(r'class="prompt-button" href="([^"]+)"', html):
        assert Client().get(href).status_code == 200


def test_the_article_page_carries_no_form_and_no_csrf_token(placing, packet):
    html = page_html(placing(packet))
    article_part = html[html.index('<article class="article">') :]
    assert "<form" not in article_part
    assert "csrfmiddlewaretoken" not in html
