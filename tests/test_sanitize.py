"""clean_html: the XSS corpus in tests/data/xss_vectors.txt, the content patients should see
unchanged, and the save path that must run it.

The safety checks parse the output with html.parser, which decodes character references the way
a browser does, and look at every tag and attribute; substring checks are only a second net.
"""

from __future__ import annotations

import random
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from articles import workflow
from articles.sanitize import ALLOWED_TAGS, DROPPED_WITH_CONTENT, clean_html

VECTORS_FILE = Path(__file__).parent / "data" / "xss_vectors.txt"
PLACEHOLDERS = {
    "{TAB}": "\t",
    "{NL}": "\n",
    "{CR}": "\r",
    "{FF}": "\f",
    "{NUL}": "\0",
    "{SOH}": "\x01",
}

# What the product spec allows, written out here rather than imported, so that widening the
# sanitizer's allow-list is a deliberate change to this file too.
PERMITTED_TAGS = frozenset(
    {
        "h2", "h3", "h4", "h5", "h6", "p", "br", "hr",
        "ul", "ol", "li", "dl", "dt", "dd",
        "strong", "em", "b", "i", "u", "s", "sub", "sup", "small", "mark", "abbr", "q", "cite",
        "code", "blockquote", "a", "span",
        "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
        "figure", "figcaption", "img",
    }
)  # fmt: skip
PERMITTED_ATTRIBUTES = {
    "a": {"href", "title", "rel", "data-citation"},
    "sup": {"data-citation"},
    "span": {"data-citation"},
    "img": {"src", "alt", "width", "height"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start", "type"},
    "abbr": {"title"},
}
LINK_SCHEMES = {"http", "https", "mailto", "tel"}
FORBIDDEN_MARKUP = (
    "<script", "<style", "<svg", "<math", "<iframe", "<frame", "<object", "<embed", "<applet",
    "<form", "<input", "<button", "<textarea", "<select", "<base", "<meta", "<link",
    "<template", "<noscript", "<h1", "<!--", "<![cdata[",
)  # fmt: skip
CITATION_KEY = re.compile(r"[A-Za-z0-9:_-]{1,64}")
SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
URL_EDGES = "".join(map(chr, range(0x21)))  # what browsers trim from both ends of a URL


def load_vectors() -> list:
    params = []
    text = VECTORS_FILE.read_text(encoding="utf-8")
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        for placeholder, character in PLACEHOLDERS.items():
            line = line.replace(placeholder, character)
        params.append(pytest.param(line, id=f"line{number}"))
    return params


VECTORS = load_vectors()


class _Markup(HTMLParser):
    """Every tag with its attributes (values decoded as a browser decodes them), plus anything
    that is not a tag or text: comments, doctypes, processing instructions."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.end_tags: list[str] = []
        self.other: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        self.end_tags.append(tag)

    def handle_comment(self, data):
        self.other.append(f"comment {data!r}")

    def handle_decl(self, decl):
        self.other.append(f"declaration {decl!r}")

    def handle_pi(self, data):
        self.other.append(f"processing instruction {data!r}")

    def unknown_decl(self, data):
        self.other.append(f"declaration {data!r}")


def as_browser_reads(url: str) -> str:
    """Browsers drop tabs and newlines anywhere in a URL and trim controls and spaces at the
    ends; for http(s) they read a backslash as a slash."""
    return re.sub(r"[\t\n\r]", "", url).strip(URL_EDGES)


def leaves_site(href: str) -> bool:
    url = as_browser_reads(href).replace("\\", "/")
    return url.startswith("//") or bool(re.match(r"(?i)https?:", url))


def assert_link_safe(href: str) -> None:
    scheme = SCHEME.match(as_browser_reads(href))
    assert scheme is None or scheme[1].lower() in LINK_SCHEMES, f"href {href!r}"
    assert not re.match(r"(?i)(java|vb|live)script:|data:", as_browser_reads(href))


def assert_own_media(src: str) -> None:
    parts = urlsplit(src)
    assert not parts.scheme and not parts.netloc, f"src {src!r} is not relative"
    assert src.startswith("/media/"), f"src {src!r} is outside /media/"
    assert not {".", ".."} & set(unquote(parts.path).split("/")), f"src {src!r} climbs out"
    assert not re.search(r"[\x00-\x20\\]", src), f"src {src!r} has spaces or backslashes"


def assert_safe(html: str) -> None:
    """No executable construct anywhere in `html`, judged tag by tag and attribute by attribute."""
    lowered = html.lower()
    for marker in FORBIDDEN_MARKUP:
        assert marker not in lowered, f"{marker!r} in {html!r}"

    markup = _Markup(html)
    assert not markup.other, markup.other
    assert set(markup.end_tags) <= PERMITTED_TAGS, markup.end_tags
    for tag, attrs in markup.tags:
        assert tag in PERMITTED_TAGS, f"<{tag}> in {html!r}"
        names = [name for name, _ in attrs]
        assert len(names) == len(set(names)), f"duplicate attributes on <{tag}>: {names}"
        for name, value in attrs:
            assert not name.startswith("on"), f"event handler {name} on <{tag}>"
            assert name in PERMITTED_ATTRIBUTES.get(tag, set()), f"{name}= on <{tag}>"
            assert value is not None, f"{name} on <{tag}> has no value"
            if name == "href":
                assert_link_safe(value)
            elif name == "src":
                assert_own_media(value)
            elif name == "data-citation":
                assert CITATION_KEY.fullmatch(value), f"citation key {value!r}"
            elif name == "rel":
                assert value == "noopener nofollow", f"rel={value!r}"
        if tag == "a":
            href = dict(attrs).get("href") or ""
            rel = dict(attrs).get("rel")
            expected = "noopener nofollow" if leaves_site(href) else None
            assert rel == expected, f"<a href={href!r}> has rel={rel!r}"


# --- the corpus ---------------------------------------------------------------------------------


def test_corpus_is_wide():
    assert len(VECTORS) >= 300


@pytest.mark.parametrize("vector", VECTORS)
def test_vector_is_neutralised(vector):
    assert_safe(clean_html(vector))


@pytest.mark.parametrize("vector", VECTORS)
def test_vector_is_idempotent(vector):
    once = clean_html(vector)
    assert clean_html(once) == once


def test_checker_catches_what_it_should():
    """The safety check itself must fail on the constructs it exists to find."""
    unsafe = [
        "<script>alert(1)</script>",
        '<img src="/media/a.png" onerror="alert(1)">',
        '<a href="&#x6A;avascript:alert(1)">x</a>',
        '<a href="java&#9;script:alert(1)">x</a>',
        '<a href="//evil.example/">x</a>',
        '<a href="/x" rel="noopener nofollow">x</a>',
        '<img src="/media/%2e%2e/admin/">',
        '<img src="//evil.example/a.png">',
        '<p style="color:red">x</p>',
        '<sup data-citation="a b">1</sup>',
        "<!-- x -->",
    ]
    for html in unsafe:
        with pytest.raises(AssertionError):
            assert_safe(html)


# --- elements that go with their content --------------------------------------------------------


@pytest.mark.parametrize(
    "element",
    [
        "script", "style", "svg", "math", "iframe", "object", "applet", "template", "noscript",
        "textarea", "select", "button", "title", "xmp", "noembed", "noframes", "form",
    ],
)  # fmt: skip
def test_dangerous_element_goes_with_its_content(element):
    # <q> rather than <b>: inside svg and math, <b> would end the foreign element (in browsers
    # too), so its text would no longer be that element's content.
    html = f"<p>before</p><{element}>SECRET <q>quoted</q> text</{element}><p>after</p>"
    out = clean_html(html)
    assert "SECRET" not in out
    assert "quoted" not in out
    assert out == "<p>before</p><p>after</p>"


@pytest.mark.parametrize(
    "html",
    [
        "<svg><foreignObject><p>SECRET</p></foreignObject></svg>",
        "<svg><desc><b>SECRET</b></desc></svg>",
        "<svg><title>SECRET</title></svg>",
        "<math><mtext><p>SECRET</p></mtext></math>",
        "<math><mi><b>SECRET</b></mi></math>",
        '<math><annotation-xml encoding="text/html"><p>SECRET</p></annotation-xml></math>',
        "<svg><foreignObject><svg><foreignObject><p>SECRET</p></foreignObject></svg></foreignObject></svg>",
    ],
)
def test_html_inside_svg_and_mathml_goes_with_them(html):
    assert clean_html(f"<p>a</p>{html}<p>b</p>") == "<p>a</p><p>b</p>"


def test_nested_dangerous_elements_go_with_their_content():
    html = "<p>a</p><svg><svg><script>x</script></svg>SVG TEXT<math>MATH</math></svg><p>b</p>"
    assert clean_html(html) == "<p>a</p><p>b</p>"


def test_plaintext_swallows_the_rest():
    assert clean_html("<p>before</p><plaintext><p>SECRET</p>") == "<p>before</p>"


# --- what patients should see unchanged -----------------------------------------------------------

DOI = "https://doi.org/10.1136/bmj.j4248"
ARTICLE = f"""\
<h2>What is sciatica?</h2>
<p>Sciatica is pain that travels along the <em>sciatic nerve</em>, from the lower back down \
one leg.<sup data-citation="nice-ng59">1</sup></p>
<h3>Common symptoms</h3>
<ul>
<li>Pain in the buttock or the back of the leg</li>
<li>Numbness or <strong>tingling</strong> in the foot</li>
</ul>
<h3>What you can do</h3>
<ol start="1" type="1">
<li>Keep moving: gentle walking helps more than bed rest.\
<sup data-citation="bmj-2017-j4248">2</sup></li>
<li>Take paracetamol or ibuprofen for up to 2&nbsp;weeks.</li>
</ol>
<figure><img src="/media/articles/2025/01/sciatic-nerve.png" alt="The sciatic nerve runs from \
the lower back to the foot" width="640" height="480"><figcaption>The path of the sciatic nerve \
through the leg.</figcaption></figure>
<table><caption>When to get help</caption>\
<thead><tr><th scope="col">Symptom</th><th scope="col">What to do</th></tr></thead>\
<tbody><tr><td>Numbness around your bottom or genitals</td><td><b>Call 999</b></td></tr>\
<tr><td colspan="2">Most sciatica settles within 4 to 6 weeks.</td></tr></tbody></table>
<blockquote><p>&ldquo;Staying active is the single most useful thing you can do.&rdquo;</p>\
</blockquote>
<h4>Sources</h4>
<p>Read the <a href="{DOI}">review in the BMJ</a>, our guide to \
<a href="/articles/back-pain/">back pain</a>, or <a href="#sources">the source list</a>. \
Questions? <a href="mailto:nurse@clinic.example">Email a nurse</a> or call \
<a href="tel:+441234567890">01234 567890</a>.</p>
<p>Doses: 5&nbsp;mg &lt; 10&nbsp;mg &amp; &ge; 1 tablet. <abbr title="National Institute for \
Health and Care Excellence">NICE</abbr> &copy; 2025 &ndash; café, naïve, 坐骨神经痛.</p>
<h5>Small print</h5><h6>Smaller print</h6><p>H<sub>2</sub>O, x<sup>2</sup><br>next line</p>"""


def test_realistic_article_survives_unchanged():
    expected = ARTICLE.replace(f'<a href="{DOI}">', f'<a href="{DOI}" rel="noopener nofollow">')
    assert clean_html(ARTICLE) == expected
    assert_safe(expected)


def test_citation_markers_survive():
    html = (
        '<p>Claim.<sup data-citation="smith-2020">1</sup> '
        '<a href="#ref-1" data-citation="doi:10_1000_182">[2]</a> '
        '<span data-citation="NICE_NG59">NICE</span></p>'
    )
    assert clean_html(html) == html


def test_citation_key_written_with_character_references_is_stored_decoded():
    out = clean_html('<sup data-citation="smith&#45;2020">1</sup>')
    assert out == '<sup data-citation="smith-2020">1</sup>'


@pytest.mark.parametrize("key", ["&lt;script&gt;", "a b", "a&quot;b", "x" * 65, "", "key\n", "a/b"])
def test_bad_citation_key_is_dropped_but_marker_stays(key):
    assert clean_html(f'<sup data-citation="{key}">1</sup>') == "<sup>1</sup>"


@pytest.mark.parametrize(
    "src",
    [
        "/media/a.png",
        "/media/articles/2025/01/x-ray_1.jpg",
        "/media/caf%C3%A9.png",
        "/media/a.png?v=2",
        "/media/..a/b..png",
    ],
)
def test_own_media_images_survive(src):
    html = f'<img src="{src}" alt="x">'
    assert clean_html(html) == html


@pytest.mark.parametrize(
    "html",
    [
        ARTICLE,
        "",
        "plain text, no markup",
        "<p>unclosed paragraph<p>another",
        "<ul><li>one<li>two<ul><li>nested</li></ul></li></ul>",
        "<table><tr><td>no tbody</td></tr></table>",
        "<p>a &amp;amp; b &amp;lt; c &#169; &#xA9; &nbsp;&euro; 5 > 3</p>",
        "<p>br variants<br/><br></br></p>",
        "<p><b><i>misnested</b></i></p>",
        "<div><p>div is not allowed</p></div><section>nor section</section>",
        "<h1>Page title</h1><p>body</p>",
        '<a href="https://example.org/?a=1&b=2&amp;c=3">query</a>',
        "<dl><dt>Term</dt><dd>Definition</dd></dl><hr><q>quote</q> <cite>Cite</cite>",
        "<p>Text with\ttab and\r\nCRLF and trailing spaces   </p>",
    ],
)
def test_ordinary_content_is_idempotent(html):
    once = clean_html(html)
    assert clean_html(once) == once
    assert_safe(once)


@pytest.mark.parametrize(
    "html",
    [
        # A table fosters the inner link out of it and into the outer link.
        '<a href="/x"><table><a href="/y">x</a></table></a>',
        # Misnested <i> leaves one heading inside another.
        "<h2>x<i><sup><h2> </i></ol>",
        '<li><table>&amp;<p></h2><li><dl><h1><p href="https://e.example/"></ol>',
        "<table><font><math></tr><template>x<dd><s><dd>",
    ],
)
def test_trees_that_read_back_differently_are_settled(html):
    once = clean_html(html)
    assert clean_html(once) == once
    assert_safe(once)


def test_random_tag_soup_is_safe_and_idempotent():
    """Seeded fuzz: misnested, unclosed and foreign markup in every order the seed gives."""
    rng = random.Random(20250101)
    tags = [
        "p", "div", "h1", "h2", "h3", "a", "b", "i", "s", "sup", "span", "em", "small", "code",
        "table", "caption", "tr", "td", "th", "li", "ul", "ol", "dl", "dt", "dd", "figure",
        "img", "blockquote", "section", "marquee", "font", "nobr", "form", "button", "select",
        "option", "svg", "math", "mtext", "foreignObject", "noscript", "template", "style",
    ]  # fmt: skip
    attributes = [
        "", ' href="/x"', ' href="https://e.example/"', ' href="javascript:alert(1)"',
        ' data-citation="k"', ' src="/media/a.png"', " src=x onerror=alert(1)", " onclick=x",
    ]  # fmt: skip
    texts = ["x", " ", "&amp;", "<!--c-->", "\n", "<", "&lt;script&gt;"]
    for _ in range(1500):
        parts = []
        for _ in range(rng.randint(1, 14)):
            tag, roll = rng.choice(tags), rng.random()
            if roll < 0.5:
                parts.append(f"<{tag}{rng.choice(attributes)}>")
            elif roll < 0.8:
                parts.append(f"</{tag}>")
            else:
                parts.append(rng.choice(texts))
        html = "".join(parts)
        once = clean_html(html)
        assert clean_html(once) == once, html
        assert_safe(once)


def test_allow_list_is_the_spec():
    assert ALLOWED_TAGS <= PERMITTED_TAGS
    assert "h1" not in ALLOWED_TAGS


def test_raw_text_elements_are_dropped_not_stripped():
    # bleach strips a tag before the parser sees it; a stripped <style> would not switch the
    # parser to raw text, and its CSS would be kept as page text.
    raw_text = {"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript"}
    rcdata = {"textarea", "title"}
    assert raw_text | rcdata | {"plaintext"} <= DROPPED_WITH_CONTENT


# --- links --------------------------------------------------------------------------------------


def _attrs_of_first_link(html: str) -> dict[str, str | None]:
    tags = [attrs for tag, attrs in _Markup(html).tags if tag == "a"]
    assert tags, html
    return dict(tags[0])


def test_outside_link_gets_exactly_noopener_nofollow():
    out = clean_html(f'<a href="{DOI}">BMJ</a>')
    assert _attrs_of_first_link(out) == {"href": DOI, "rel": "noopener nofollow"}
    assert out.count("rel=") == 1


@pytest.mark.parametrize(
    "rel", ["opener", "nofollow", "noopener nofollow opener", "", "noreferrer external"]
)
def test_writer_supplied_rel_is_replaced_on_outside_link(rel):
    out = clean_html(f'<a href="https://example.org/" rel="{rel}">x</a>')
    assert _attrs_of_first_link(out)["rel"] == "noopener nofollow"


@pytest.mark.parametrize(
    "href",
    [
        "/articles/x/",
        "articles/x/",
        "#sources",
        "?page=2",
        "mailto:nurse@clinic.example",
        "tel:+441234567890",
    ],
)
def test_internal_and_non_web_links_get_no_rel(href):
    out = clean_html(f'<a href="{href}" rel="opener">x</a>')
    assert _attrs_of_first_link(out) == {"href": href}


@pytest.mark.parametrize(
    "href",
    [
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "https:evil.example",
        "https&#58;//evil.example/",
        "HTTP://EVIL.EXAMPLE/",
        " https://evil.example/",
        "\t//evil.example/",
    ],
)
def test_links_that_leave_the_site_in_disguise_get_rel(href):
    out = clean_html(f'<a href="{href}">x</a>')
    assert _attrs_of_first_link(out)["rel"] == "noopener nofollow"


def test_link_without_href_loses_rel():
    assert clean_html('<a rel="opener">x</a>') == "<a>x</a>"


# --- headings and empty input -------------------------------------------------------------------


def test_h1_is_reduced_to_its_text():
    out = clean_html("<h1>Living with back pain</h1><h2>Overview</h2>")
    assert out == "Living with back pain<h2>Overview</h2>"


@pytest.mark.parametrize("html", ["", "   ", "\n\t\n", "<!-- only a comment -->"])
def test_empty_input_gives_empty_string(html):
    assert clean_html(html) == ""


# --- the save path ------------------------------------------------------------------------------

MALICIOUS_BODY = (
    "<p>Most back pain gets better within six weeks.</p>"
    "<script>alert(document.cookie)</script>"
    '<img src="x" onerror="alert(1)">'
    '<p onclick="alert(2)">Rest <a href="java&#x09;script:alert(3)">briefly</a>, '
    '<a href="https://example.org/" rel="opener">then move</a>.</p>'
    "<svg onload=alert(4)><text>svg</text></svg>"
)
CLEAN_BODY = (
    "<p>Most back pain gets better within six weeks.</p>"
    "<img><p>Rest <a>briefly</a>, "
    '<a href="https://example.org/" rel="noopener nofollow">then move</a>.</p>'
)


def test_clean_body_of_the_save_path_example():
    assert clean_html(MALICIOUS_BODY) == CLEAN_BODY


def test_article_save_stores_clean_body_and_revision(make_article):
    article = make_article(body=MALICIOUS_BODY)
    article.refresh_from_db()
    assert article.body == CLEAN_BODY
    assert article.latest_revision.content["body"] == CLEAN_BODY
    assert article.latest_revision.matches_content()


def test_article_edit_stores_clean_body_and_revision(make_article, writer):
    article = make_article()
    article.body = MALICIOUS_BODY
    workflow.save_revision(article, writer)
    article.refresh_from_db()
    assert article.body == CLEAN_BODY
    assert article.latest_revision.number == 2
    assert article.latest_revision.content["body"] == CLEAN_BODY


def test_prompt_save_stores_clean_body_and_revision(make_prompt):
    prompt = make_prompt(body=MALICIOUS_BODY)
    prompt.refresh_from_db()
    assert prompt.body == CLEAN_BODY
    assert prompt.latest_revision.content["body"] == CLEAN_BODY
