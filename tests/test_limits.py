"""Bodies the sanitizer's parser would take quadratic time over are refused before it runs: too
long, nested too deeply, or formatting left open to be repeated in every paragraph. The admin
form names the field; nothing is saved."""

from __future__ import annotations

import pytest

from articles import sanitize
from articles.audit.models import AuditEvent
from articles.limits import InputTooLarge, check_html, measure
from articles.models import Article, Revision

from .test_admin import article_form_data, login, reload, url

NESTED_QUOTES = "<blockquote>" * 20_000 + "x" + "</blockquote>" * 20_000  # 500 KB


@pytest.fixture
def parser_never_runs(monkeypatch):
    def fail(html):
        pytest.fail("the sanitizer's parser ran on input over the limits")

    monkeypatch.setattr(sanitize._cleaner, "clean", fail)


def test_a_500_kb_body_of_nested_quotes_is_refused_by_its_size(parser_never_runs):
    with pytest.raises(InputTooLarge) as refused:
        sanitize.clean_html(NESTED_QUOTES)
    assert str(refused.value) == (
        "The body is 500,001 characters long; at most 200,000 are allowed."
    )


def test_nested_quotes_within_the_size_are_refused_by_their_depth(parser_never_runs, settings):
    settings.HTML_MAX_CHARS = 1_000_000
    with pytest.raises(InputTooLarge) as refused:
        sanitize.clean_html(NESTED_QUOTES)
    assert str(refused.value) == (
        "The body nests elements (quotes, lists, tables, sections) more than 100 levels deep; "
        "flatten its structure."
    )


def test_formatting_left_open_to_repeat_in_every_paragraph_is_refused(parser_never_runs):
    # html5lib reopens each unclosed <b> (distinct attributes) in every later paragraph: 20 KB
    # of this became 3.5 MB and a minute of parsing. Each run stays under the depth limit.
    run = "".join(f'<p><b title="{n}">x</p>' for n in range(90)) + "</b>" * 90
    body = run * 40
    assert measure(body, 100)[0] <= 100
    with pytest.raises(InputTooLarge, match="leaves formatting .* open across many paragraphs"):
        sanitize.clean_html(body)


@pytest.mark.parametrize(
    ("html", "depth"),
    [
        ("<p>One <b>two</b> <a href='/x'>three</a></p>" * 200, 2),
        ("<p>Unclosed paragraphs" * 2000, 1),
        ("<ul>" + "<li>Unclosed items" * 2000 + "</ul>", 2),
        ("<table>" + "<tr><td>a<td>b" * 500 + "</table>", 3),
        ("<p>a<br>b<br/>c<img src=x><hr></p>" * 500, 1),
        ("<script>" + "<div>" * 1000 + "</script><p>x</p>", 1),
        ("<!--" + "<div>" * 1000 + "--><p>x</p>", 1),
        ("<svg>" + "<path d='M0 0'/>" * 1000 + "</svg>", 1),
        ("<p><b>Bold left open" * 1000, 5),
        ("<ul><li>a<ul><li>b<ul><li>c</li></ul></li></ul></li></ul>", 6),
    ],
    ids=[
        "flat",
        "unclosed-p",
        "unclosed-li",
        "table-without-end-tags",
        "void",
        "script-text",
        "comment",
        "svg-self-closing",
        "bold-left-open",
        "nested-lists",
    ],
)
def test_ordinary_markup_is_measured_as_the_parser_nests_it(html, depth):
    assert measure(html, 100)[0] == depth
    check_html(html)  # not refused


def test_the_admin_form_names_the_body_and_saves_nothing(article, writer):
    before = (Revision.objects.count(), AuditEvent.objects.count(), article.body)

    response = login(writer).post(url(article), article_form_data(article, body=NESTED_QUOTES))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["body"] == [
        "The body is 500,001 characters long; at most 200,000 are allowed."
    ]
    assert (Revision.objects.count(), AuditEvent.objects.count(), reload(article).body) == before
    assert Article.objects.count() == 1
