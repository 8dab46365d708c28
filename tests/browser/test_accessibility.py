"""WCAG 2.2 AA on the public pages, in Chromium: axe-core, plus what axe cannot judge alone
(heading outline, skip link, focus indicator, link names, reading without JavaScript).

axe-core comes with axe-playwright-python and is injected from the package, never downloaded."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import KNEE_DOI, same_origin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Best-practice rules about structure: the outline and landmarks a screen-reader user navigates by.
STRUCTURE_RULES = [
    "heading-order",
    "empty-heading",
    "page-has-heading-one",
    "landmark-one-main",
    "landmark-unique",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main",
    "landmark-banner-is-top-level",
    "landmark-contentinfo-is-top-level",
    "landmark-main-is-top-level",
    "region",
    "skip-link",
]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": WCAG_TAGS},
    "rules": {rule: {"enabled": True} for rule in STRUCTURE_RULES},
    "resultTypes": ["violations"],
}
# Link text that says nothing once it is read out of its sentence (a screen reader's link list).
MEANINGLESS = re.compile(r"(click )?here|read more|more|link|this page|go|page", re.IGNORECASE)

# Every public page a reader can land on: (path, status, what must be on it for the check to
# mean anything).
PAGES = {
    "home": lambda site: ("/", 200, ["#featured-heading", "#topics-heading", ".card-title a"]),
    "article": lambda site: (
        site.path(site.article),
        200,
        [
            ".hero img",
            "sup.citation a",
            f'#ref-1 a[href="https://doi.org/{KNEE_DOI}"]',
            "#ref-1 a[href^='https://pubmed.ncbi.nlm.nih.gov/']",
            ".prompt .prompt-label",
            ".versions li:nth-child(2)",
            ".filed a[href='/tags/knees/']",
        ],
    ),
    "topic": lambda site: (f"/topics/{site.topic.slug}/", 200, [".card-title a"]),
    "tag": lambda site: ("/tags/knees/", 200, [".card-title a"]),
    "search-form": lambda site: ("/search/", 200, ["#search-page-q"]),
    "search-hits": lambda site: ("/search/?q=knee+pain", 200, [".results mark"]),
    "search-no-hits": lambda site: ("/search/?q=zebra", 200, ["#browse-heading"]),
    "not-found": lambda site: (site.path(site.draft), 404, ["#not-found-q"]),
    "privacy": lambda site: ("/privacy/", 200, ["#reading"]),
    "editorial-policy": lambda site: ("/editorial-policy/", 200, ["#corrections"]),
}

HEADINGS_JS = """() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
  .filter(h => h.checkVisibility())
  .map(h => [Number(h.tagName[1]), h.textContent.trim().replace(/\\s+/g, ' ')])"""

# The accessible name as a screen reader computes it for this site's links: aria-labelledby,
# aria-label, else the text (visually hidden text included, hidden elements not, images by alt).
LINKS_JS = """() => {
  const clean = s => (s || '').replace(/\\s+/g, ' ').trim();
  const text = node => {
    if (node.nodeType === Node.TEXT_NODE) return node.textContent;
    if (node.nodeType !== Node.ELEMENT_NODE) return '';
    if (node.getAttribute('aria-hidden') === 'true' || !node.checkVisibility()) return '';
    if (node.hasAttribute('aria-label')) return ' ' + node.getAttribute('aria-label') + ' ';
    if (node.tagName === 'IMG') return ' ' + (node.getAttribute('alt') || '') + ' ';
    return [...node.childNodes].map(text).join('');
  };
  const byIds = ids => clean((ids || '').split(/\\s+/).filter(Boolean)
    .map(id => document.getElementById(id)?.textContent).join(' '));
  return [...document.querySelectorAll('a[href]')].filter(a => a.checkVisibility()).map(a => ({
    name: byIds(a.getAttribute('aria-labelledby')) || clean(text(a)) || clean(a.title),
    context: byIds(a.getAttribute('aria-describedby')),
    href: a.href,
    html: a.outerHTML.slice(0, 200),
  }));
}"""


def visit(page, site, name: str):
    path, status, present = PAGES[name](site)
    response = page.goto(path)
    assert response.status == status, f"{path} answered {response.status}, not {status}"
    for selector in present:
        expect(page.locator(selector).first).to_be_visible()
    return path


def axe_report(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"  - {target}: {node['failureSummary'] or ''}".replace("\n", " "))
    return "\n".join(lines)


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_wcag_22_aa_violations(page, reader_site, name):
    path = visit(page, reader_site, name)
    results = Axe().run(page, options=AXE_OPTIONS).response
    ran = {rule["id"] for kind in ("passes", "inapplicable", "incomplete", "violations")
           for rule in results[kind]}  # fmt: skip
    assert {"color-contrast", "target-size", *STRUCTURE_RULES} <= ran  # the rules really ran
    violations = results["violations"]
    assert not violations, f"axe-core on {path}:\n{axe_report(violations)}"


@pytest.mark.parametrize("name", PAGES)
def test_one_h1_and_headings_never_skip_a_level(page, reader_site, name):
    path = visit(page, reader_site, name)
    headings = page.evaluate(HEADINGS_JS)
    outline = "\n".join(f"h{level} {text}" for level, text in headings)
    assert [level for level, _ in headings].count(1) == 1, f"{path} needs one h1:\n{outline}"
    assert headings[0][0] == 1, f"{path} has headings before its h1:\n{outline}"
    jumps = [
        f"h{a} {text_a!r} -> h{b} {text_b!r}"
        for (a, text_a), (b, text_b) in zip(headings, headings[1:], strict=False)
        if b > a + 1
    ]
    assert not jumps, f"{path} skips heading levels: {jumps}"


@pytest.mark.parametrize("name", PAGES)
def test_every_link_names_where_it_goes(page, reader_site, name):
    path = visit(page, reader_site, name)
    links = page.evaluate(LINKS_JS)
    assert links
    unnamed = [link["html"] for link in links if not link["name"]]
    assert not unnamed, f"links on {path} without an accessible name: {unnamed}"
    vague = [link["name"] for link in links if MEANINGLESS.fullmatch(link["name"])]
    assert not vague, f"links on {path} whose text means nothing alone: {vague}"
    places = defaultdict(set)
    for link in links:
        places[(link["name"].casefold(), link["context"])].add(link["href"])
    ambiguous = {name: sorted(hrefs) for (name, _), hrefs in places.items() if len(hrefs) > 1}
    assert not ambiguous, f"links on {path} with one name and different targets: {ambiguous}"


@pytest.mark.parametrize("name", PAGES)
def test_no_console_errors_csp_violations_or_requests_elsewhere(
    page, reader_site, live_server, name
):
    path = visit(page, reader_site, name)
    page.wait_for_load_state("networkidle")
    errors = page.console_errors
    if PAGES[name](reader_site)[1] == 404:  # the browser reports the page's own status
        errors = [e for e in errors if not e.endswith(f"(Not Found) [{page.url}]")]
    assert errors == [], f"{path} logged errors (CSP violations are errors too)"
    elsewhere = [url for url in page.requested if not same_origin(url, live_server.url)]
    assert not elsewhere, f"{path} asked another origin for {elsewhere}"
    broken = page.evaluate(
        "() => [...document.images].filter(i => !i.complete || !i.naturalWidth).map(i => i.src)"
    )
    assert not broken, f"images on {path} that did not load: {broken}"


# --- Keyboard ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["home", "article", "not-found"])
def test_skip_link_is_first_appears_on_focus_and_moves_focus_to_main(page, reader_site, name):
    visit(page, reader_site, name)
    skip = page.locator("a.skip-link")
    expect(skip).not_to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("Skip to main content")
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")  # on into the content, past the header's links and search form
    assert page.evaluate("() => document.activeElement.closest('main') !== null")


# Marks the focused element and reads its focus indicator; null once focus has left the page or
# come round again.
FOCUS_STYLE_JS = """(step) => {
  const el = document.activeElement;
  if (!el || el === document.body || el.dataset.focusStep) return null;
  el.dataset.focusStep = step;
  const s = getComputedStyle(el);
  return {step, tag: el.tagName.toLowerCase(), text: (el.textContent || el.name || '').trim(),
          outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
          outlineWidth: parseFloat(s.outlineWidth) * (s.outlineStyle === 'none' ? 0 : 1),
          shadow: s.boxShadow};
}"""
UNFOCUSED_STYLE_JS = """() => Object.fromEntries(
  [...document.querySelectorAll('[data-focus-step]')].map(el => {
    const s = getComputedStyle(el);
    const outline = `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`;
    return [el.dataset.focusStep, {outline, shadow: s.boxShadow}];
  }))"""


def test_tab_shows_a_visible_focus_indicator_on_every_control(page, reader_site):
    visit(page, reader_site, "article")
    focused = []
    for step in range(200):
        page.keyboard.press("Tab")
        style = page.evaluate(FOCUS_STYLE_JS, str(step))
        if style is None:
            break
        focused.append(style)
    # The header and its search form, a citation marker, a reference, a tag and the footer.
    stops = {"Skip to main content", "q", "Search", "1", f"doi:{KNEE_DOI}", "knees", "Privacy"}
    assert stops <= {style["text"] for style in focused}
    page.evaluate("() => document.activeElement.blur()")
    unfocused = page.evaluate(UNFOCUSED_STYLE_JS)
    invisible = [
        f"<{s['tag']}> {s['text']!r}: {s['outline']}, box-shadow {s['shadow']}"
        for s in focused
        if not (s["outlineWidth"] >= 2 or s["shadow"] != "none")
        or (s["outline"], s["shadow"]) == tuple(unfocused[s["step"]].values())
    ]
    assert not invisible, f"focused without a visible indicator: {invisible}"


# --- Without JavaScript -----------------------------------------------------------------------


def test_article_reads_in_full_with_javascript_disabled(open_browser_page, reader_site):
    page = open_browser_page(java_script_enabled=False)
    response = page.goto(reader_site.path(reader_site.article))
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Knee pain: what helps")
    expect(page.locator(".prose")).to_contain_text("Gentle strengthening exercise eased knee pain")
    references = page.get_by_role("region", name="References")
    expect(references.get_by_role("listitem")).to_have_count(2)
    expect(references.get_by_role("link", name=f"doi:{KNEE_DOI}")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("physiotherapist"))).to_be_visible()
