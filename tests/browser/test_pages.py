"""Every page: no console error, no request leaving the site, links resolve; the 404 page and
instant navigation under the sub-path. Accessibility (axe) is in test_accessibility.py."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, ConsoleMessage, Page, Route

from .browser_support import SUB_PATH, VIEWPORT, Site, Watch, ids_in, open_page

pytestmark = pytest.mark.browser

#: Every link target on the page, absolute, HTML and SVG (``href`` or ``xlink:href``) alike.
HREFS = """() => [...document.querySelectorAll('a')].map(a =>
    a.getAttribute('href') ?? a.getAttributeNS('http://www.w3.org/1999/xlink', 'href'))
  .filter(h => h !== null).map(h => new URL(h, document.baseURI).href)"""


def test_every_page_loads_cleanly(site: Site, page: Page, watch: Watch) -> None:
    pages = site.pages()
    assert len(pages) > 1
    for url in pages:
        open_page(page, url, watch)
        page.wait_for_load_state("networkidle")
    assert not watch.problems(), "\n".join(watch.problems())


def test_every_internal_link_and_anchor_resolves(site: Site, page: Page) -> None:
    broken: list[str] = []
    checked = 0
    for url in site.pages():
        open_page(page, url, settle=False)
        hrefs: list[str] = page.evaluate(HREFS)
        for href in hrefs:
            scheme = urllib.parse.urlsplit(href).scheme
            if scheme in ("mailto", "javascript", "tel"):
                continue
            target = site.file_of(href)
            if target is None:
                if site.kind == "hosted" and href.startswith(site.base_url.split(SUB_PATH)[0]):
                    broken.append(f"{url}: {href} escapes the sub-path {SUB_PATH}")
                elif scheme == "file":
                    broken.append(f"{url}: {href} points outside the bundle")
                continue  # a link to another site (PubMed, DOI): the reader's click
            checked += 1
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{url}: {href} -> no file {target.relative_to(site.root)}")
                continue
            fragment = urllib.parse.unquote(urllib.parse.urldefrag(href).fragment)
            if fragment and target.suffix == ".html" and fragment not in ids_in(target):
                broken.append(f"{url}: {href} -> no #{fragment} in {target.name}")
    assert checked, "no internal link found"
    assert not broken, "\n".join(sorted(set(broken)))


def test_hosted_404_page_works_under_the_sub_path(sites: dict[str, Site], browser: Browser) -> None:
    site = sites["hosted"]
    watch = Watch(site)
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    watch.attach(context)
    try:
        page = context.new_page()
        missing = site.base_url + "subtypes/no-such-page/"
        watch.current = missing
        response = page.goto(missing)
        assert response is not None and response.status == 404
        assert "404" in page.locator("article, .md-content").first.inner_text()
        sheets: int = page.evaluate(
            "() => [...document.styleSheets].filter(s => s.href && s.cssRules.length).length"
        )
        assert sheets >= 2, "404 page lost its stylesheets under the sub-path"
        home: str = page.eval_on_selector("a.md-header__button.md-logo", "a => a.href")
        assert home == site.base_url
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    problems = [p for p in watch.problems() if missing not in p.split(": ", 2)[-1]]
    assert not problems, problems


def test_hosted_instant_navigation_at_site_url(
    sites: dict[str, Site], browser: Browser, project_dir: Path
) -> None:
    """Clicking internal links swaps the page in place (navigation.instant) at the sub-path.

    Material only intercepts links listed in sitemap.xml, after swapping the sitemap URLs'
    protocol and host name (not the port) for the page's. On 127.0.0.1:PORT that never matches,
    so navigation falls back to normal page loads there; this test serves the hosted build at
    its real address, site_url (https://example.org/calcinosis-cutis/), from the files through
    Playwright's routing (no network).
    """
    site_url = load_site_url(project_dir)
    root = sites["hosted"].root
    errors: list[str] = []

    def from_files(route: Route) -> None:
        url = route.request.url
        rel = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
        prefix = urllib.parse.urlsplit(site_url).path
        file = root / rel[len(prefix) :] if rel.startswith(prefix) else None
        if file is not None and file.is_dir():
            file = file / "index.html"
        if file is None or not file.is_file():
            errors.append(f"missing: {url}")
            route.fulfill(status=404, path=root / "404.html")
        else:
            route.fulfill(path=file)

    def outside(route: Route) -> None:
        errors.append(f"outside: {route.request.url}")
        route.abort()

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text}")

    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    context.route("**/*", outside)
    context.route(site_url + "**", from_files)  # the later route wins for the site's URLs
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
        page.on("console", console)
        page.goto(site_url)
        page.wait_for_load_state("networkidle")
        page.evaluate("() => { window.__sameDocument = true; }")
        for target in ("treatment/", "subtypes/dystrophic/", ""):
            if target:
                link = page.locator(f"nav.md-nav--primary a.md-nav__link[href$='{target}']")
            else:
                link = page.locator("a.md-header__button.md-logo")
            link.first.click()
            page.wait_for_function("url => location.href === url", arg=site_url + target)
            page.wait_for_load_state("networkidle")
            assert page.evaluate("() => window.__sameDocument === true"), (
                f"{page.url}: full page load, instant navigation did not take over"
            )
            assert page.locator("article h1").first.inner_text().strip()
    finally:
        context.close()
    assert not errors, errors


def load_site_url(project_dir: Path) -> str:
    config = yaml.safe_load((project_dir / "mkdocs.yml").read_text("utf-8"))
    site_url: str = config["site_url"]
    return site_url
