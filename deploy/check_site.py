"""The browser and HTTP half of deploy/check.sh: the production stack seen as a reader sees it.

Usage: check_site.py BASE_URL MEDIA_ORIGIN pages   (home and article page in Chromium)
       check_site.py BASE_URL MEDIA_ORIGIN sees TITLE [--absent]   (every worker's answer)

Requests carry X-Forwarded-Proto: https, as the TLS proxy in front of gunicorn sends it.
Exits non-zero with one line saying what is wrong."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import httpx

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
PROXY = {"X-Forwarded-Proto": "https"}
# Enough requests that both gunicorn workers answer several of them.
REPEAT = 24


class Failed(Exception):
    pass


def check_pages(base: str, media_origin: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_context(extra_http_headers=PROXY).new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            responses: dict[str, int] = {}
            page.on("response", lambda r: responses.__setitem__(r.url, r.status))

            page.goto(base + "/", wait_until="load")
            stylesheet = _stylesheet(page, base, responses)
            article = page.locator("main a[href^='/articles/']").first.get_attribute("href")
            if not article:
                raise Failed("the home page links to no article")
            page.goto(base + article, wait_until="load")
            _stylesheet(page, base, responses)
            hero = _hero(page, media_origin)
            if shots := os.environ.get("DEPLOY_CHECK_SCREENSHOTS"):
                page.screenshot(path=str(Path(shots) / "article.png"), full_page=False)
            if errors:
                raise Failed(f"the browser reported errors: {errors}")
            print(f"home and {article}: stylesheet {stylesheet}, hero image {hero}")
        finally:
            browser.close()


def _stylesheet(page, base: str, responses: dict[str, int]) -> str:
    href = page.locator("link[rel=stylesheet]").first.get_attribute("href") or ""
    if not re.fullmatch(r"/static/vetted/site\.[0-9a-f]{12}\.css", href):
        raise Failed(f"the stylesheet is not served under a hashed name: {href!r}")
    if responses.get(base + href) not in (200, 304):
        raise Failed(f"the stylesheet {href} answered {responses.get(base + href)}")
    applied = page.evaluate(
        "() => document.styleSheets.length && document.styleSheets[0].cssRules.length"
    )
    if not applied:
        raise Failed(f"the stylesheet {href} has no rules in the browser")
    headers = httpx.get(base + href, headers={**PROXY, "Accept-Encoding": "gzip"}).headers
    cache_control = headers.get("cache-control", "")
    if "max-age=315360000" not in cache_control or "immutable" not in cache_control:
        raise Failed(f"the stylesheet is not cached for long: {cache_control!r}")
    if headers.get("content-encoding") != "gzip":
        raise Failed("the stylesheet is not served compressed")
    return href


def _hero(page, media_origin: str) -> str:
    hero = page.locator("main picture img").first
    hero.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete", arg=hero.element_handle())
    loaded = hero.evaluate("img => ({src: img.currentSrc, width: img.naturalWidth})")
    if not loaded["src"].startswith(media_origin + "/"):
        raise Failed(f"the hero image is not from the S3 storage: {loaded['src']}")
    if not loaded["width"]:
        raise Failed(f"the hero image did not load: {loaded['src']}")
    return loaded["src"]


def check_sees(base: str, title: str, absent: bool) -> None:
    with httpx.Client(headers=PROXY, timeout=10) as client:
        for attempt in range(REPEAT):
            # A new connection each time, so the requests spread over the workers.
            response = client.get(base + "/", headers={"Connection": "close"})
            if response.status_code != 200:
                raise Failed(f"the home page answered {response.status_code}")
            if (title in response.text) == absent:
                state = "still shows" if absent else "does not show"
                raise Failed(f"request {attempt + 1}: the home page {state} “{title}”")
    print(f"{REPEAT} answers from the workers {'without' if absent else 'with'} “{title}”")


def main(argv: list[str]) -> int:
    base, media_origin, what, *rest = argv
    try:
        if what == "pages":
            check_pages(base, media_origin)
        else:
            check_sees(base, rest[0], absent="--absent" in rest)
    except Failed as failure:
        print(f"deploy check failed: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
