"""`articles.importers.wordpress`: post HTML as WordPress saved it, made into blocks: block
comments, shortcodes, [caption], wpautop, layout wrappers, and citation markers placed in HTML."""

from __future__ import annotations

from articles.importers.wordpress import (
    HtmlBlock,
    autop,
    blocks,
    expand_shortcodes,
    strip_block_comments,
    with_markers,
)
from articles.sanitize import clean_html


def tags_and_texts(content: str) -> list[tuple[str, str]]:
    return [(block.tag, block.text) for block in blocks(content)]


# --- wpautop -----------------------------------------------------------------------------------


def test_blank_lines_make_paragraphs_and_single_line_breaks_make_br():
    html = autop("First line\nsecond line\n\nNext paragraph.")
    assert html == "<p>First line<br />\nsecond line</p>\n<p>Next paragraph.</p>"


def test_no_br_inside_lists_tables_and_preformatted_text():
    content = (
        "Intro\n\n<ul>\n<li>one</li>\n<li>two\nstill two</li>\n</ul>\n\n"
        "<table>\n<tr><td>a\nb</td></tr>\n</table>\n\n<pre>line 1\nline 2</pre>"
    )
    html = autop(content)
    assert "<br" not in html
    assert "<pre>line 1\nline 2</pre>" in html
    assert html.startswith("<p>Intro</p>")


def test_block_elements_are_never_wrapped_in_paragraphs():
    html = autop("<h2>Heading</h2>\nText under it.\n<blockquote>Quoted</blockquote>")
    assert "<p><h2>" not in html and "<h2>Heading</h2>" in html
    assert "<p>Text under it.</p>" in html
    assert "<blockquote><p>Quoted</p></blockquote>" in html


def test_block_editor_content_is_not_run_through_wpautop():
    content = "<!-- wp:paragraph -->\n<p>One\ntwo</p>\n<!-- /wp:paragraph -->"
    [block] = blocks(content)
    assert (block.tag, block.html) == ("p", "<p>One\ntwo</p>")


# --- Block comments and shortcodes -------------------------------------------------------------


def test_block_comments_and_more_tags_are_removed():
    content = (
        '<!-- wp:heading {"level":3} -->\n<h3>Title</h3>\n<!-- /wp:heading -->\n'
        "<!--more-->\n<!-- wp:separator /-->"
    )
    assert strip_block_comments(content).split() == ["<h3>Title</h3>"]


def test_caption_becomes_a_figure_with_its_caption():
    content = (
        '[caption id="attachment_45" align="aligncenter" width="600"]<img class="wp-image-45" '
        'src="/x.jpg" alt="A knee brace" /> A hinged brace.[/caption]'
    )
    [block] = blocks(content)
    assert block.tag == "figure"
    assert block.text == "A hinged brace."
    assert block.html.startswith("<figure><img")
    assert block.html.endswith("<figcaption>A hinged brace.</figcaption></figure>")


def test_old_caption_attribute_is_the_caption_when_there_is_no_text():
    content = '[caption id="" caption="Warm-up stretches"]<img src="/x.jpg" alt="" />[/caption]'
    assert "<figcaption>Warm-up stretches</figcaption>" in expand_shortcodes(content)


def test_unknown_enclosing_shortcodes_keep_their_text_and_others_go():
    content = (
        '[su_note note_color="#fff"]See a doctor if it swells.[/su_note] '
        '[contact-form-7 id="5" title="Contact"] [gallery ids="1,2"] [et_pb_divider /]'
    )
    assert expand_shortcodes(content).split() == ["See", "a", "doctor", "if", "it", "swells."]


def test_brackets_that_are_not_shortcodes_stay():
    content = "Pain [sic] was rated 7 [1] on a scale [citation needed]; write [[gallery]] for one."
    assert expand_shortcodes(content) == (
        "Pain [sic] was rated 7 [1] on a scale [citation needed]; write [gallery] for one."
    )


# --- Blocks ------------------------------------------------------------------------------------


def test_layout_wrappers_open_up_and_forms_go_with_their_buttons():
    content = (
        '<div class="optin"><div class="header"><h2>Subscribe To Our Newsletter</h2>'
        "<p>Join our mailing list.</p></div><form><input type=email>"
        "<button>Subscribe!</button></form>"
        '<span class="ok">You have Successfully Subscribed!</span></div>'
    )
    assert tags_and_texts(content) == [
        ("h2", "Subscribe To Our Newsletter"),
        ("p", "Join our mailing list."),
        ("p", "You have Successfully Subscribed!"),
    ]


def test_empty_spacer_paragraphs_are_dropped_but_images_alone_are_kept():
    content = '<p>&nbsp;</p>\n<p><img src="/a.png" alt="A"></p>\n<hr>\n<p>Text</p>'
    assert [block.tag for block in blocks(content)] == ["p", "hr", "p"]


def test_h1_in_a_body_becomes_h2_and_lists_keep_their_items():
    content = "<h1>Big</h1><ol><li>First <em>step</em></li><li>Second</li></ol>"
    heading, items = blocks(content)
    assert (heading.tag, heading.html) == ("h2", "<h2>Big</h2>")
    assert items.items == ["First step", "Second"]


def test_scripts_and_event_handlers_never_reach_the_stored_body():
    content = '<script>track()</script><p onclick="steal()">Hello <b>there</b></p>'
    html = clean_html("".join(block.html for block in blocks(content)))
    assert html == "<p>Hello <b>there</b></p>"


# --- Citation markers in HTML ------------------------------------------------------------------


def test_markers_go_after_the_named_text_even_across_inline_markup():
    [block] = blocks("<p>In a trial, <em>Okafor</em> et al. found fewer falls.</p>")
    offset = len("In a trial, Okafor et al.")
    assert with_markers(block, [(None, offset, "1")]) == (
        '<p>In a trial, <em>Okafor</em> et al.<sup data-citation="1">1</sup> found fewer falls.</p>'
    )


def test_two_markers_in_one_paragraph_and_one_in_a_list_item():
    paragraph = HtmlBlock("p", "<p>Lee et al. and  Haddad et al. agree.</p>", "")
    marked = with_markers(
        paragraph,
        [(None, len("Lee et al."), "1"), (None, len("Lee et al. and Haddad et al."), "2")],
    )
    assert marked == (
        '<p>Lee et al.<sup data-citation="1">1</sup> and  Haddad et al.'
        '<sup data-citation="2">2</sup> agree.</p>'
    )
    items = HtmlBlock("ul", "<ul><li>One</li><li>Two by Lee et al. here</li></ul>", "")
    assert with_markers(items, [(1, len("Two by Lee et al."), "3")]) == (
        '<ul><li>One</li><li>Two by Lee et al.<sup data-citation="3">3</sup> here</li></ul>'
    )
