"""The review screen of a submitted revision: findings marked in the text, each citation's source,
what changed since the last approval and since the live revision, and the decision, all through
the workflow engine; a fixed number of queries whatever the revisions and citations."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import review, workflow
from articles.gate import Finding, Severity
from articles.models import Citation, GateOverride, Placement, Signature, State
from evidence.models import Source, SourceKind, VerificationStatus
from tests.conftest import CITED_BODY, signed_by, totp_code
from tests.test_admin import login, reload, url

VAGUE = "Studies have shown that walking helps most people with back pain."
# Session, user, second factor and roles (4), the content (1), permissions (2), the revision (1),
# the revision history (1, from which the engine also answers who may approve), the signer's
# profile, factor and certification (3), the gate's sources (1), the compared revisions (1), the
# popovers' sources (1), the review comments (1; their replies make it 2 once there are any):
# the same for every article.
REVIEW_SCREEN_QUERIES = 16


def page_text(response) -> str:
    return unescape(response.content.decode())


def review_url(obj, number: int | None = None) -> str:
    return url(obj, "review", number or obj.latest_revision.number)


@pytest.fixture
def resubmitted(published, writer):
    """A published article, edited in one sentence and submitted again."""
    published.body = CITED_BODY + f"<p>{VAGUE}</p><p>Keep moving gently.</p>"
    workflow.save_revision(published, writer)
    workflow.submit(published, writer)
    return reload(published)


# --- The diff ---------------------------------------------------------------------------------


def test_one_changed_sentence_in_a_long_text_is_one_change_word_by_word():
    paragraphs = [f"Paragraph {n} says something about knees and backs." for n in range(300)]
    old = [review.TextBlock(f"body, paragraph {n}", t) for n, t in enumerate(paragraphs, 1)]
    edited = list(paragraphs)
    edited[120] = "Paragraph 120 says something new about knees and backs."
    new = [review.TextBlock(f"body, paragraph {n}", t) for n, t in enumerate(edited, 1)]

    diff = review.diff_blocks(old, new)

    assert diff.unchanged == 299
    [change] = diff.changes
    assert change.kind == "changed" and change.location == "body, paragraph 121"
    assert change.parts == [
        ("=", "Paragraph 120 says something"),
        ("+", " new"),
        ("=", " about knees and backs."),
    ]
    assert change.html == "Paragraph 120 says something<ins> new</ins> about knees and backs."
    assert (diff.words_added, diff.words_removed) == (1, 0)


def test_added_and_removed_blocks_are_called_out_and_escaped():
    old = [review.TextBlock("body, paragraph 1", "Keep <this>."), review.TextBlock("x", "Gone.")]
    new = [review.TextBlock("body, paragraph 1", "Keep <this>.")]
    [change] = review.diff_blocks(old, new).changes
    assert change.kind == "removed" and change.html == "<del>Gone.</del>"
    added = review.diff_blocks(new, old).changes[0]
    assert added.kind == "added" and added.html == "<ins>Gone.</ins>"


def test_the_rendered_text_shows_citation_markers_as_their_numbers():
    content = {
        "title": "T",
        "summary": "",
        "body": '<p>Walk.<sup data-citation="a">1</sup> Rest.<sup data-citation="b">2</sup></p>',
        "citations": [{"key": "b"}, {"key": "a"}],
    }
    assert [b.text for b in review.rendered_blocks(content)] == ["T", "Walk.[2] Rest.[1]"]


def test_citations_added_removed_and_changed_are_named():
    knee = {"id": 1, "title": "Knee trial", "authors": [{"family": "Ng"}], "year": 2020}
    hip = {"id": 2, "title": "Hip trial", "authors": [], "year": 2019}
    old = {"citations": [{"key": "k", "source": knee}, {"key": "h", "source": hip}]}
    new = {"citations": [{"key": "k", "source": {**knee, "year": 2021}}]}
    changes = review.citation_changes(old, new)
    assert [(c.kind, c.label) for c in changes] == [
        ("changed", "Ng 2021: Knee trial"),
        ("removed", "2019: Hip trial"),
    ]
    assert changes[0].detail == "The reference’s year changed."


def test_prompts_placed_removed_and_reapproved_are_named():
    old = {"prompts": [{"prompt": 1, "approved_hash": "a"}, {"prompt": 2, "approved_hash": "b"}]}
    new = {"prompts": [{"prompt": 1, "approved_hash": "c"}, {"prompt": 3, "approved_hash": "d"}]}
    names = {1: "Packet", 2: "Newsletter", 3: "Consultation"}
    assert [(c.kind, c.label) for c in review.prompt_changes(old, new, names)] == [
        ("changed", "Packet"),
        ("added", "Consultation"),
        ("removed", "Newsletter"),
    ]


# --- Findings in place ------------------------------------------------------------------------


def placed(excerpt: str, number: int = 1, location: str = "body, paragraph 1"):
    finding = Finding("unsupported-claim", Severity.BLOCKER, "m", location, excerpt=excerpt)
    return review.PlacedFinding(finding, number)


def test_a_sentence_across_inline_markup_and_entities_is_marked_in_each_text_piece():
    body = (
        '<p>Rest first. Ice <strong>cures</strong> knee pain &amp; swelling.<sup data-citation="k">'
        "1</sup> Then walk.</p>"
    )
    finding = placed("Ice cures knee pain & swelling.")
    marked = review.mark_findings(body, [finding])
    assert finding.anchor == "finding-1"
    assert marked == (
        '<p>Rest first. <mark class="vetted-finding vetted-finding-blocker" id="finding-1" '
        'tabindex="-1">Ice </mark><strong><mark class="vetted-finding vetted-finding-blocker">'
        'cures</mark></strong><mark class="vetted-finding vetted-finding-blocker"> knee pain '
        '&amp; swelling.</mark><sup data-citation="k">1</sup> Then walk.</p>'
    )


def test_findings_about_the_title_or_no_sentence_stay_in_the_list_only():
    title = placed("Cure", location="title")
    nowhere = placed("Not in the text at all.", 2)
    body = "<p>Cure. Walk.</p>"
    assert review.mark_findings(body, [title, nowhere]) == body
    assert (title.anchor, nowhere.anchor) == ("", "")


def test_two_findings_about_one_sentence_share_its_highlight():
    first, second = placed("Walk daily.", 1), placed("Walk daily.", 2)
    marked = review.mark_findings("<p>Walk daily.</p>", [first, second])
    assert marked.count("<mark") == 1 and first.anchor == second.anchor == "finding-1"


# --- The screen -------------------------------------------------------------------------------


def test_the_reviewer_sees_what_changed_since_the_approval_and_the_finding_in_place(
    resubmitted, reviewer
):
    response = login(reviewer).get(review_url(resubmitted))
    assert response.status_code == 200
    html = response.content.decode()
    text = page_text(response)
    # The finding, highlighted where it is and listed beside the text with its message.
    mark = re.search(r'<mark class="vetted-finding vetted-finding-warning" id="([^"]+)"', html)
    assert mark is not None and f'href="#{mark.group(1)}"' in html
    assert f"{VAGUE}</mark>" in text
    assert 'data-code="vague-source"' in html
    # What changed: only the two new paragraphs, against the approved (and live) revision 1.
    assert "Since the last approved revision (1)" in text
    assert "Since the live revision" not in text  # the live one is the approved one
    summary = " ".join(re.search(r"vetted-diff-summary\">(.*?)</p>", text, re.S).group(1).split())
    assert summary == "2 blocks changed (14 words added, 0 removed); 3 unchanged."
    assert f"<ins>{VAGUE}</ins>" in text
    # The citation opens its source: reference, verdict, evidence in plain words, links.
    assert 'popovertarget="source-1"' in html and '<div popover id="source-1"' in html
    assert "Matches the registry" in text and "clinical guideline" in text
    assert 'href="https://doi.org/10.5555/vetted.back-pain.2020"' in html
    # The decision panel: the statement signed, in readable type, and both decisions.
    assert "The statement you are signing" in text
    assert 'name="decision" value="approve"' in html
    assert 'name="decision" value="request_changes"' in html


def test_the_diff_against_the_live_revision_when_it_is_not_the_last_approved(
    published, writer, reviewer
):
    published.title = "Living with back pain, revised"
    workflow.save_revision(published, writer)
    workflow.submit(published, writer)
    workflow.approve(published, reviewer, **signed_by(reviewer))
    published = reload(published)
    published.summary = "What helps."
    workflow.save_revision(published, writer)
    workflow.submit(published, writer)
    text = page_text(login(reviewer).get(review_url(reload(published))))
    since_approval, since_live = text.split("Since the live revision (1), which readers see now")
    assert "Since the last approved revision (2)" in since_approval
    # Since the approval only the summary changed; since the live revision the title too.
    assert "<ins> pain, revised</ins>" not in since_approval
    assert "<del> pain</del><ins> pain, revised</ins>" in since_live
    assert "<ins> helps.</ins>" in since_approval and "<ins> helps.</ins>" in since_live


def test_the_reviewer_approves_and_signs_from_the_screen(resubmitted, reviewer):
    client = login(reviewer)
    page = client.get(review_url(resubmitted))
    html = page.content.decode()
    content_hash = re.search(r'name="approve-content_hash" value="([0-9a-f]+)"', html).group(1)
    response = client.post(
        review_url(resubmitted),
        {
            "decision": "approve",
            "shown_hash": resubmitted.latest_revision.content_hash,
            "approve-revision": resubmitted.latest_revision.number,
            "approve-content_hash": content_hash,
            "approve-username": reviewer.username,
            "approve-password": "correct horse battery staple",
            "approve-otp_token": totp_code(reviewer),
        },
    )
    assert response.status_code == 302 and response["Location"] == url(resubmitted)
    assert reload(resubmitted).state == State.APPROVED
    assert Signature.objects.filter(revision=resubmitted.latest_revision).count() == 1


def test_a_wrong_password_keeps_the_reviewer_on_the_screen_and_signs_nothing(resubmitted, reviewer):
    response = login(reviewer).post(
        review_url(resubmitted),
        {
            "decision": "approve",
            "shown_hash": resubmitted.latest_revision.content_hash,
            "approve-revision": resubmitted.latest_revision.number,
            "approve-content_hash": resubmitted.latest_revision.content_hash,
            "approve-username": reviewer.username,
            "approve-password": "wrong",
            "approve-otp_token": totp_code(reviewer),
        },
    )
    assert response.status_code == 200
    assert 'class="errornote" role="alert"' in response.content.decode()
    assert reload(resubmitted).state == State.IN_REVIEW


def test_requesting_changes_needs_a_comment(resubmitted, reviewer):
    client = login(reviewer)
    shown = resubmitted.latest_revision.content_hash
    empty = client.post(
        review_url(resubmitted),
        {"decision": "request_changes", "shown_hash": shown, "changes-comment": " "},
    )
    assert empty.status_code == 200
    assert "Say what needs to change" in page_text(empty)
    assert reload(resubmitted).state == State.IN_REVIEW

    done = client.post(
        review_url(resubmitted),
        {"decision": "request_changes", "shown_hash": shown, "changes-comment": "Cite it."},
    )
    assert done.status_code == 302
    assert reload(resubmitted).state == State.CHANGES_REQUESTED


def test_a_decision_on_content_that_changed_since_it_was_shown_does_nothing(resubmitted, reviewer):
    response = login(reviewer).post(
        review_url(resubmitted),
        {"decision": "request_changes", "shown_hash": "0" * 64, "changes-comment": "No."},
        follow=True,
    )
    assert "changed after you opened it" in page_text(response)
    assert reload(resubmitted).state == State.IN_REVIEW


@pytest.mark.parametrize("who", ["writer", "editor", "admin_user"])
def test_others_who_may_see_it_read_the_screen_but_get_no_decision(request, resubmitted, who):
    response = login(request.getfixturevalue(who)).get(review_url(resubmitted))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="decision"' not in html
    assert "There is no decision you can take on this revision now" in page_text(response)
    client = login(request.getfixturevalue(who))
    posted = client.post(
        review_url(resubmitted),
        {
            "decision": "request_changes",
            "shown_hash": resubmitted.latest_revision.content_hash,
            "changes-comment": "No.",
        },
    )
    assert posted.status_code == 302
    assert reload(resubmitted).state == State.IN_REVIEW
    # Told why, in the engine's words.
    assert "Only a medical reviewer may request changes." in page_text(
        client.get(posted["Location"])
    )


def test_another_writer_and_the_public_are_refused(resubmitted, other_writer, client):
    assert login(other_writer).get(review_url(resubmitted)).status_code == 403
    anonymous = client.get(review_url(resubmitted))
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


def test_an_older_revision_is_shown_but_cannot_be_decided(resubmitted, reviewer):
    response = login(reviewer).get(review_url(resubmitted, 1))
    text = page_text(response)
    assert "This is not the latest revision" in text
    assert 'name="decision"' not in response.content.decode()
    assert login(reviewer).get(review_url(resubmitted, 9)).status_code == 404


def test_the_change_page_links_to_the_review_screen_while_in_review(resubmitted, reviewer):
    html = login(reviewer).get(url(resubmitted)).content.decode()
    assert f'href="{review_url(resubmitted)}"' in html


def test_a_reviewer_overrides_a_claim_beside_the_text_and_returns_to_it(
    make_article, reviewer, writer
):
    claim = "Stem cells are proven to regenerate cartilage."
    article = make_article(body=CITED_BODY + f"<p>{claim}</p>")
    page = login(reviewer).get(review_url(article))
    html = page.content.decode()
    assert f"{claim}</mark>" in page_text(page)
    form = re.search(r'<form method="post" action="([^"]+/override/)"', html)
    assert form is not None
    response = login(reviewer).post(
        form.group(1),
        {
            "code": "unsupported-claim",
            "sentence": claim,
            "reason": "The clinic's own trial.",
            "return_to": "review",
        },
    )
    assert response["Location"] == review_url(article) + "#review-findings"
    assert GateOverride.objects.get().sentence == claim
    # The writer sees the finding but no override form.
    assert "/override/" not in login(writer).get(review_url(article)).content.decode()


# --- Query counts -----------------------------------------------------------------------------


def _queries(user, obj) -> int:
    client = login(user)
    client.get(review_url(obj))  # warm per-process caches (content types, formatter)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(review_url(obj)).status_code == 200
    return len(captured)


def _cite_another(article, n: int) -> None:
    source = Source.objects.create(
        doi=f"10.5555/review.{n}",
        title=f"Trial {n}",
        authors=[{"family": "Ng", "given": "A."}],
        journal="Test Journal",
        year=2020,
        kind=SourceKind.RANDOMIZED_TRIAL,
        verification_status=VerificationStatus.VERIFIED,
    )
    Citation.objects.create(article=article, source=source, key=f"k{n}", order=n + 2)
    article.body += f'<p>Trial {n} helped.<sup data-citation="k{n}">{n + 2}</sup></p>'


def test_the_screen_costs_the_same_queries_whatever_the_revisions_and_citations(
    resubmitted, make_article, writer, reviewer, editor
):
    small = _queries(reviewer, resubmitted)

    big = make_article("Knees", slug="knees")
    workflow.submit(big, writer)
    workflow.approve(big, reviewer, **signed_by(reviewer))
    workflow.publish(big, editor)
    for n in range(5):
        big = reload(big)
        _cite_another(big, n)
        workflow.save_revision(big, writer)
    workflow.submit(big, writer)
    big = reload(big)
    assert big.revisions.count() == 6 and len(big.latest_revision.content["citations"]) == 6
    assert _queries(reviewer, big) == small == REVIEW_SCREEN_QUERIES


def test_a_claim_in_the_title_is_marked_in_the_title(make_article, reviewer):
    article = make_article("Stem cell therapy cures back pain", slug="stem-cells")
    html = login(reviewer).get(review_url(article)).content.decode()
    assert re.search(
        r'class="vetted-review-title"><mark class="vetted-finding vetted-finding-blocker" '
        r'id="finding-\d+" tabindex="-1">Stem cell therapy cures back pain</mark>',
        html,
    )


def test_a_prompt_has_a_review_screen_too(make_prompt, writer, reviewer):
    prompt = make_prompt("Information packet")
    workflow.submit(prompt, writer)
    response = login(reviewer).get(review_url(prompt))
    assert response.status_code == 200
    assert prompt.latest_revision.content["headline"] in page_text(response)
    assert 'name="decision" value="approve"' in response.content.decode()


def test_a_blocker_found_since_submission_refuses_the_signature_on_the_screen(
    resubmitted, reviewer
):
    Source.objects.update(retracted=True, verification_status=VerificationStatus.RETRACTED)
    client = login(reviewer)
    page = client.get(review_url(resubmitted))
    assert 'data-code="retracted-source"' in page.content.decode()
    assert "Check this source" in page_text(page)
    response = client.post(
        review_url(resubmitted),
        {
            "decision": "approve",
            "shown_hash": resubmitted.latest_revision.content_hash,
            "approve-revision": resubmitted.latest_revision.number,
            "approve-content_hash": resubmitted.latest_revision.content_hash,
            "approve-username": reviewer.username,
            "approve-password": "correct horse battery staple",
            "approve-otp_token": totp_code(reviewer),
        },
    )
    assert response.status_code == 200
    assert "cannot be approved while the publication gate finds" in page_text(response)
    assert reload(resubmitted).state == State.IN_REVIEW
    assert not Signature.objects.filter(revision=resubmitted.latest_revision).exists()


def test_a_prompt_placed_and_a_source_cited_since_the_approval_are_called_out(
    published, make_prompt, writer, reviewer
):
    prompt = make_prompt("Information packet")
    workflow.submit(prompt, writer)
    workflow.approve(prompt, reviewer, **signed_by(reviewer))
    article = reload(published)
    _cite_another(article, 7)

    def place() -> None:
        Placement.objects.create(article=article, prompt=prompt, position=0)

    workflow.save_revision(article, writer, save_related=place)
    workflow.submit(article, writer)
    text = page_text(login(reviewer).get(review_url(reload(article))))
    assert "Prompt added: Information packet" in " ".join(text.split()).replace("</strong>", "")
    assert "Citation added: Ng 2020: Trial 7" in " ".join(text.split()).replace("</strong>", "")
