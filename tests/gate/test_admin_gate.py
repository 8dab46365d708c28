"""The review screen: the gate's findings on the change page, the citation inline, and a reviewer's
override recorded from the page; query counts that do not grow with the citations."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import gate, workflow
from articles.models import GateOverride
from tests.gate.conftest import cited
from tests.test_admin import CHANGE_PAGE_BUDGET, CITATIONS_UNCHANGED, article_form_data, login, url
from tests.workflow_support import reload

CLAIM = "Losing weight reduces pain in most people with knee osteoarthritis."


def text(response) -> str:
    return unescape(response.content.decode())


def findings_on_page(response) -> list[tuple[str, str]]:
    return re.findall(r'data-code="([a-z-]+)" data-severity="([a-z]+)"', response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def get_page(django_assert_max_num_queries):
    def get(user, obj):
        client = login(user)
        with django_assert_max_num_queries(CHANGE_PAGE_BUDGET):
            return client.get(url(obj))

    return get


@pytest.fixture
def claimed(build, make_gate_source):
    return build(
        "Knee osteoarthritis",
        body=f"<p>{CLAIM}</p>" + cited("Ask your physiotherapist where to start."),
        sources=[make_gate_source(verification_status="unverified")],
    )


def test_the_writer_sees_blockers_with_location_and_message(get_page, uncited_article, writer):
    response = get_page(writer, uncited_article)
    assert findings_on_page(response) == [
        ("no-sources", "blocker"),
        ("unsupported-claim", "blocker"),
    ]
    html = text(response)
    assert "Publication gate: revision 1" in html and "2 blockers" in html
    assert "body, paragraph 1" in html
    assert "“Stem cell therapy cures back pain.” makes a cure" in html
    assert 'data-override="' not in html  # writers cannot override


def test_warnings_are_listed_apart(get_page, claimed, reviewer):
    response = get_page(reviewer, claimed)
    assert findings_on_page(response) == [
        ("unsupported-claim", "blocker"),
        ("unverified-source", "warning"),
    ]
    html = text(response)
    assert html.index("Blockers: fix these") < html.index("Warnings: for the reviewer to weigh")


def test_a_reviewer_overrides_a_claim_from_the_review_screen(get_page, claimed, reviewer):
    page = get_page(reviewer, claimed)
    form = re.search(
        r'<form method="post" action="([^"]+/override/)">(.*?)</form>', page.content.decode(), re.S
    )
    assert form is not None
    fields = dict(re.findall(r'name="(code|sentence)" value="([^"]*)"', form.group(2)))
    assert fields == {"code": "unsupported-claim", "sentence": CLAIM}

    response = login(reviewer).post(
        form.group(1), {**fields, "reason": "Standard advice in every guideline."}, follow=True
    )
    assert any("Your override is recorded" in m for m in messages_of(response))
    record = GateOverride.objects.get()
    assert (record.reviewer, record.sentence) == (reviewer, CLAIM)
    assert ("unsupported-claim", "info") in findings_on_page(response)
    assert "overridden by Rita Reviewer: Standard advice in every guideline." in text(response)
    audit = response.context["workflow"]["events"][0]
    assert audit["action"] == "override" and "Overrode unsupported-claim" in audit["detail"]


def test_an_override_posted_by_a_writer_is_refused(claimed, writer):
    response = login(writer).post(
        url(claimed, "override"),
        {"code": "unsupported-claim", "sentence": CLAIM, "reason": "Trust me."},
        follow=True,
    )
    assert any("Only a medical reviewer" in m for m in messages_of(response))
    assert not GateOverride.objects.exists()
    assert login(writer).get(url(claimed, "override")).status_code == 405


def test_a_reviewer_who_may_sign_sees_the_approve_stage(get_page, in_review, make_user):
    from articles.roles import Role

    bare = make_user("bo_reviewer", Role.REVIEWER)
    response = get_page(bare, in_review)
    assert findings_on_page(response) == [("missing-reviewer-credentials", "blocker")]


def test_the_citation_inline_shows_and_adds_citations(get_page, article, writer, make_gate_source):
    page = get_page(writer, article)
    html = text(page)
    assert 'name="citations-TOTAL_FORMS"' in html
    assert "Oliveira 2020: Low back pain in adults" in html  # the cited source's label
    new = make_gate_source(title="Exercise therapy for chronic low back pain")
    data = article_form_data(
        article,
        **{
            "citations-TOTAL_FORMS": "1",
            "citations-0-order": "2",
            "citations-0-key": "exercise-review",
            "citations-0-source": str(new.pk),
            "citations-0-attribution": "Smith et al.",
            "citations-0-supports": "Exercise helps.",
        },
    )
    response = login(writer).post(url(article), data)
    assert response.status_code == 302
    revision = reload(article).latest_revision
    assert revision.number == 2
    assert [(c["key"], c["source"]["id"]) for c in revision.content["citations"]] == [
        ("back-pain-guideline", article.citations.get(key="back-pain-guideline").source_id),
        ("exercise-review", new.pk),
    ]
    assert set(revision.cited_sources.values_list("pk", flat=True)) >= {new.pk}


def test_a_citation_key_a_marker_cannot_name_is_refused(article, writer, make_gate_source):
    data = article_form_data(
        article,
        **{
            "citations-TOTAL_FORMS": "1",
            "citations-0-order": "2",
            "citations-0-key": "not a key",
            "citations-0-source": str(make_gate_source().pk),
        },
    )
    response = login(writer).post(url(article), data)
    assert response.status_code == 200
    assert "Use letters, digits" in text(response)
    assert reload(article).latest_revision.number == 1


def test_reviewers_see_citations_read_only(get_page, in_review, reviewer):
    html = text(get_page(reviewer, in_review))
    assert "Oliveira 2020: Low back pain in adults" in html
    assert 'name="citations-0-key"' not in html  # shown, not editable


@pytest.mark.parametrize("who", ["writer", "reviewer", "editor"])
def test_change_page_queries_do_not_grow_with_citations_or_prompts(
    request, build, make_gate_source, make_prompt, who
):
    user = request.getfixturevalue(who)

    def count(n: int) -> int:
        sources = [make_gate_source() for _ in range(n)]
        body = "".join(f'<p>Claim {i}.<sup data-citation="s{i + 1}">1</sup></p>' for i in range(n))
        prompts = [make_prompt(f"Prompt {n}.{i}") for i in range(1 if n == 1 else 4)]
        article = build(f"Cites {n}", body=body, sources=sources, prompts=prompts)
        client = login(user)
        client.get(url(article))  # warm the content-type cache
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(article)).status_code == 200
        return len(queries)

    few, many = count(1), count(25)
    # A placed prompt costs two queries more than the pages in tests/test_admin.py: the gate reads
    # the prompts' approval state, and the placement inline its prompt choices (once for all rows).
    assert few == many <= CHANGE_PAGE_BUDGET + 2


def test_the_gate_panel_matches_the_gate(get_page, uncited_article, writer):
    response = get_page(writer, uncited_article)
    panel = response.context["gate"]
    expected = [f.as_dict() for f in gate.run(uncited_article)]
    assert [
        {k: f[k] for k in ("code", "severity", "message", "location")} for f in panel["blockers"]
    ] == expected


def test_saving_with_the_inline_unchanged_keeps_the_citations(article, writer):
    data = {**article_form_data(article, summary="Shorter."), **CITATIONS_UNCHANGED}
    assert login(writer).post(url(article), data).status_code == 302
    assert reload(article).latest_revision.content["citations"][0]["key"] == "back-pain-guideline"
    workflow.submit(reload(article), writer)  # still passes the gate


def test_the_prompt_change_page_shows_its_findings(get_page, make_prompt, writer):
    prompt = make_prompt(disclosure_label="", body="<p>Your FREE guide, posted today.</p>")
    response = get_page(writer, prompt)
    assert findings_on_page(response) == [
        ("missing-disclosure", "blocker"),
        ("unsupported-claim", "warning"),
    ]
    assert "disclosure label" in text(response)
