"""`articles.importers.text`: the plain-text export format, on exports written for the tests."""

from __future__ import annotations

import pytest

from articles.importers.text import is_heading, parse_text, prompt_kind
from articles.models import ArticleKind, PromptKind

from .samples import EXPORT, KNEE_GUIDE, PROMOTIONAL, SLEEP_SUMMARY, WALKING_SUMMARY


@pytest.fixture(scope="module")
def parsed():
    return parse_text(EXPORT)


def post(parsed, words: str):
    return next(p for p in parsed.posts if words in p.title)


def test_posts_start_with_a_title_repeated_after_a_blank_line(parsed):
    assert [(p.title, p.line) for p in parsed.posts] == [
        ("Knee Pain After Running: What Helps", 1),
        ("Walking Programmes After Knee Surgery: New Trial Results", 29),
        ("Sleep After Spinal Surgery", 67),
        ("Regenerative Therapy for Tennis Elbow: A Breakthrough", 77),
    ]
    assert parsed.errors == []


def test_body_is_clean_html_with_headings_paragraphs_and_lists(parsed):
    body = post(parsed, "Knee Pain").body_html
    assert body.startswith("<p>Runners often feel a dull ache")
    assert "<h2>Common Causes</h2>" in body
    assert "<h2>When Should You See a Clinician?</h2>" in body  # a question is a heading too
    assert (
        "<ul><li>Increasing distance too quickly</li><li>Worn-out shoes</li>"
        "<li>Weak hip muscles</li></ul>"
    ) in body
    assert "<p>Three things come up again and again:</p>" in body
    assert "Knee Pain After Running" not in body  # the title is not repeated in the body


def test_numbered_items_make_an_ordered_list_and_wrapped_items_join():
    text = (
        "Steps\n\nSteps\n\nDo these in order:\n\n  1. Warm up for five minutes\n"
        "     before you start.\n  2. Walk briskly.\n\n  3. Stretch afterwards.\n"
    )
    body = parse_text(text).posts[0].body_html
    assert body == (
        "<p>Do these in order:</p><ol><li>Warm up for five minutes before you start.</li>"
        "<li>Walk briskly.</li><li>Stretch afterwards.</li></ol>"
    )


def test_text_is_escaped_not_trusted():
    body = (
        parse_text("A & B\n\nA & B\n\nUse <script>alert(1)</script> & rest.\n").posts[0].body_html
    )
    assert body == "<p>Use &lt;script&gt;alert(1)&lt;/script&gt; &amp; rest.</p>"


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("Understanding Knee Pain", True),
        ("Why Does Your Knee Hurt?", True),
        ("Solving Your Pain: Treatment Options", True),
        ("This sentence ends with a full stop.", False),
        ("Three things come up again and again:", False),
        ("Thanks for your interest!", False),
        (
            "According to Okafor et al. walking helps in several ways, including at least these",
            False,
        ),
        ("lowercase start is a fragment", False),
    ],
)
def test_heading_rule(line, heading):
    assert is_heading(line) is heading


# --- Calls to action -------------------------------------------------------------------------


def test_each_distinct_call_to_action_is_one_prompt_however_often_it_appears(parsed):
    prompts = {p.headline: p for p in parsed.prompts.values()}
    assert set(prompts) == {
        "Request Information Packet",
        "Visit Our Clinic",
        "Subscribe To Our Newsletter",
    }
    packet = prompts["Request Information Packet"]
    assert packet.kind == PromptKind.INFORMATION_PACKET
    assert packet.lines == [19, 55, 61]
    assert packet.body == "Our free packet explains how we assess running injuries at the clinic!"
    assert packet.confirmation == "Thanks for your interest!"
    assert packet.button_label == "Request Information Packet"
    assert prompts["Subscribe To Our Newsletter"].kind == PromptKind.NEWSLETTER
    assert (
        prompts["Subscribe To Our Newsletter"].confirmation == "You have Successfully Subscribed!"
    )


def test_a_block_that_repeats_is_a_prompt_even_without_a_known_headline(parsed):
    clinic = next(p for p in parsed.prompts.values() if p.headline == "Visit Our Clinic")
    assert clinic.kind == PromptKind.CONSULTATION
    assert clinic.lines == [25, 43]


def test_a_newsletter_form_repeating_its_headline_is_not_a_post(parsed):
    assert not any("Newsletter" in p.title for p in parsed.posts)


def test_prompts_are_never_body_text_and_are_placed_once_where_they_appeared(parsed):
    for p in parsed.posts:
        for words in ("Information Packet", "Thanks for your interest", "Newsletter",
                      "Visit Our Clinic", "Successfully Subscribed"):  # fmt: skip
            assert words not in p.body_html, (p.title, words)
    walking = post(parsed, "Walking")
    assert walking.prompt_keys == [
        "text-prompt:visit our clinic",
        "text-prompt:subscribe to our newsletter",
        "text-prompt:request information packet",  # twice in the text, once on the page
    ]
    assert post(parsed, "Sleep").prompt_keys == []


def test_a_post_about_the_newsletter_is_a_post_not_the_form():
    text = (
        "Subscribe To Our Newsletter Today\n\nSubscribe To Our Newsletter Today\n\n"
        "Each month we send one short guide.\n\nWhat Is Inside\n\n"
        "A recipe, an exercise and a question answered by our nurse.\n\n"
        "Knee Basics\n\nKnee Basics\n\nText.\n"
    )
    result = parse_text(text)
    assert [p.title for p in result.posts] == ["Subscribe To Our Newsletter Today", "Knee Basics"]
    assert result.prompts == {}


def test_the_same_headline_over_a_different_text_is_a_different_prompt():
    text = (
        "One\n\nOne\n\nText.\n\nRequest Information Packet\n\nWe post it to you!\n\n"
        "Two\n\nTwo\n\nText.\n\nRequest Information Packet\n\nWe email it to you!\n"
    )
    prompts = list(parse_text(text).prompts.values())
    assert [p.body for p in prompts] == ["We post it to you!", "We email it to you!"]
    assert len({p.key for p in prompts}) == 2


def test_prompt_kind_from_headline_then_text():
    assert prompt_kind("Request Information Packet") == PromptKind.INFORMATION_PACKET
    assert prompt_kind("Book Your Free Consultation") == PromptKind.CONSULTATION
    assert prompt_kind("Join Us", "Sign up to our mailing list") == PromptKind.NEWSLETTER
    assert prompt_kind("Visit Our Clinic", "Open daily.") is None


# --- Sources, citations and markers ----------------------------------------------------------


def test_a_source_line_becomes_citation_1_with_a_marker_where_the_text_names_the_study(parsed):
    walking = post(parsed, "Walking")
    [citation] = walking.citations
    assert citation.key == "1" and citation.origin == "source-line"
    assert citation.reference.doi == "10.1186/s12891-020-0000-0"
    assert citation.attribution == "Okafor et al."
    assert citation.supports.startswith("In a new trial, Okafor et al. randomised 200 patients")
    assert 'Okafor et al.<sup data-citation="1">1</sup> randomised' in walking.body_html
    assert walking.body_html.count("data-citation") == 1  # the first mention only
    assert "Source:" not in walking.body_html


def test_a_study_credited_to_other_authors_keeps_the_texts_attribution(parsed):
    sleep = post(parsed, "Sleep")
    [citation] = sleep.citations
    assert [a["family"] for a in citation.reference.authors] == ["Haddad", "Tanaka"]
    assert citation.attribution == "Lee et al."  # what the text says; the gate compares
    assert sleep.body_html.startswith('<p>Lee et al.<sup data-citation="1">1</sup> followed')


def test_possessive_attribution_gets_the_marker_after_the_possessive():
    text = (
        "T\n\nT\n\nIntro.\n\nGarcia et al’s trial was small.\n\n"
        "Source: Garcia, M., Ito, K., Berg, L. et al. A trial. J Q 1, 2 (2020). doi:10.5555/q.1\n"
    )
    assert (
        'Garcia et al’s<sup data-citation="1">1</sup> trial' in parse_text(text).posts[0].body_html
    )


def test_no_named_study_no_marker():
    text = "T\n\nT\n\nThe authors found things.\n\nSource: Garcia, M. A trial. J Q 1, 2 (2020).\n"
    [citation] = parse_text(text).posts[0].citations
    assert citation.attribution == "" and citation.supports == ""
    assert "data-citation" not in parse_text(text).posts[0].body_html


def test_reading_list_items_become_title_only_references_and_leave_the_body(parsed):
    promo = post(parsed, "Tennis Elbow")
    assert [(c.key, c.origin, c.reference.title) for c in promo.citations] == [
        ("1", "reading-list", "Tendon healing and injections"),
        ("2", "reading-list", "Elbow pain in athletes"),
    ]
    assert all(not c.reference.doi and not c.reference.url for c in promo.citations)
    assert "<ol>" not in promo.body_html
    # The heading and the prose around the list stay, as the clinic wrote them.
    assert "<h2>References and Further Reading</h2><p>Start with these:</p>" in promo.body_html


def test_the_same_reference_twice_in_a_post_is_cited_once():
    text = (
        "T\n\nT\n\nKim et al. looked.\n\n"
        "Source: Kim, A., Lo, B., Ma, C. et al. A study. J Q 1, 2 (2020). doi:10.5555/q.1\n\n"
        "Source: Kim A, Lo B, Ma C. A study. J Q. 2020;1:2. https://doi.org/10.5555/q.1\n"
    )
    assert len(parse_text(text).posts[0].citations) == 1


# --- What kind of article ---------------------------------------------------------------------


def test_kind_heuristic(parsed):
    assert post(parsed, "Walking").kind == ArticleKind.RESEARCH_SUMMARY
    assert post(parsed, "Sleep").kind == ArticleKind.RESEARCH_SUMMARY
    assert post(parsed, "Tennis Elbow").kind == ArticleKind.PROMOTIONAL
    assert post(parsed, "Knee Pain").kind == ArticleKind.PATIENT_GUIDE
    assert all(p.kind_reason for p in parsed.posts)


def test_praise_without_a_treatment_in_the_title_is_still_a_guide():
    text = "Back Care Basics\n\nBack Care Basics\n\nA remarkable, revolutionary stem cell idea.\n"
    assert parse_text(text).posts[0].kind == ArticleKind.PATIENT_GUIDE


def test_a_source_line_that_names_no_study_does_not_make_a_summary():
    text = "Stem Cell Facts\n\nStem Cell Facts\n\nSome facts.\n\nSource: our clinic's website\n"
    assert parse_text(text).posts[0].kind == ArticleKind.PATIENT_GUIDE


# --- Malformed posts and odd files ------------------------------------------------------------


def test_malformed_posts_are_reported_with_their_line_and_the_rest_is_read():
    text = (
        "Intro text that belongs to no post.\n\n"
        "Empty Post\n\nEmpty Post\n\n"
        + KNEE_GUIDE
        + "\nKnee Pain After Running: What Helps\n\nKnee Pain After Running: What Helps\n\n"
        "A second copy.\n\n" + ("Long " * 60 + "\n\n") * 2 + "Body.\n"
    )
    result = parse_text(text)
    assert [p.title for p in result.posts] == ["Knee Pain After Running: What Helps"]
    assert [(e.line, e.message.split(" ")[0]) for e in result.errors] == [
        (1, "Text"),
        (3, "“Empty"),
        (35, "“Knee"),
        (41, "The"),
    ]
    assert "appears again (first at line 7)" in result.errors[2].message
    assert result.errors[0].where == "line 1"


def test_windows_line_endings_and_a_byte_order_mark_are_read_the_same():
    assert parse_text("\ufeff" + SLEEP_SUMMARY.replace("\n", "\r\n")).posts[0].body_html == (
        parse_text(SLEEP_SUMMARY).posts[0].body_html
    )


def test_a_file_without_a_title_pair_has_no_posts():
    result = parse_text("Just a paragraph.\n\nAnd another one.\n")
    assert result.posts == []
    assert result.errors[0].line == 1


def test_parsing_is_deterministic():
    assert parse_text(WALKING_SUMMARY + "\n" + PROMOTIONAL) == parse_text(
        WALKING_SUMMARY + "\n" + PROMOTIONAL
    )
