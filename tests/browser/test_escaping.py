"""Hostile .bib data stays inert in a real browser: pages, tooltips and search results.

Builds ``tests/fixtures/sites/hostile`` (fields holding ``<script>``, ``"><img onerror=...>``,
``javascript:`` URLs; ``tests/test_hostile_bib.py`` checks the same in the files), serves it,
and drives Debian's Chromium over every page: hovering each citation (material's tooltips build
their own DOM from the ``title``), opening the reference lists, and searching for the hostile text
(material renders search results as HTML). Every payload would set ``window.__pwned`` or open a
dialog; neither may happen, no element with an event handler may appear in the live DOM, and the
console stays free of errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page

from calcinosis_site.serve import serve

from .browser_support import SUB_PATH, VIEWPORT, Site, Watch, open_page, search
from support import build, copy_site

pytestmark = pytest.mark.browser

PAGES = ["", "other/", "references/"]
# Words lunr indexes in the hostile entries (material shows each hit with its text, as HTML).
TERMS = ["hostile", "Entities", "Trudy", "javascript", "onerror"]
# Elements a payload would add to the live DOM, or attributes it would set.
INJECTED = (
    "img[src='x'], [onerror], [onload]:not(body), [onmouseover], "
    "a[href^='javascript:' i], iframe, object, embed"
)
LIVE_STATE = f"""() => ({{
    pwned: window.__pwned === undefined ? null : String(window.__pwned),
    injected: Array.from(document.querySelectorAll("{INJECTED}"), e => e.outerHTML.slice(0, 99)),
}})"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    result = build(copy_site("hostile", tmp_path_factory.mktemp("hostile")))
    assert result.returncode == 0, result.output
    with serve(result.site, SUB_PATH) as served:
        yield Site("hosted", result.site, served.base_url)


@pytest.fixture
def watched(browser: Browser, hostile: Site) -> Iterator[tuple[Page, Watch, list[str]]]:
    """A page of a fresh context, its watcher, and the dialogs it tried to open."""
    watch = Watch(hostile)
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    watch.attach(context)
    page = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page, watch, dialogs
    context.close()


def assert_clean(page: Page, watch: Watch, dialogs: list[str], where: str) -> None:
    state = page.evaluate(LIVE_STATE)
    assert state["pwned"] is None, f"{where}: window.__pwned = {state['pwned']}"
    assert not state["injected"], f"{where}: injected elements {state['injected']}"
    assert not dialogs, f"{where}: dialogs {dialogs}"
    assert not watch.problems(), f"{where}: {watch.problems()}"


@pytest.mark.parametrize("path", PAGES)
def test_pages_and_tooltips_run_no_injected_code(
    hostile: Site, watched: tuple[Page, Watch, list[str]], path: str
) -> None:
    page, watch, dialogs = watched
    open_page(page, hostile.base_url + path, watch)
    assert_clean(page, watch, dialogs, path or "home")
    refs = page.locator(".citation-ref")
    for i in range(refs.count()):
        refs.nth(i).hover()
        page.wait_for_timeout(150)  # material shows the tooltip after a short delay
    for link in page.locator(".reference-text").all():
        link.hover()
    page.mouse.move(0, 0)
    assert_clean(page, watch, dialogs, f"{path or 'home'} after hovering every citation")
    texts = page.locator(".reference-text").all_inner_texts()
    assert any("<script>window.__pwned = 1" in t for t in texts) or path == "", texts


def test_tooltip_shows_the_hostile_title_as_text(
    hostile: Site, watched: tuple[Page, Watch, list[str]]
) -> None:
    page, watch, dialogs = watched
    open_page(page, hostile.base_url + "other/", watch)
    page.locator("a.citation-ref[href='#ref-xss2020script']").first.hover()
    tooltip = page.locator(".md-tooltip2, .md-tooltip, [role='tooltip']").filter(has_text="pwned")
    tooltip.first.wait_for(state="visible", timeout=5000)
    assert "<script>window.__pwned = 1; alert(1)</script>" in tooltip.first.inner_text()
    assert_clean(page, watch, dialogs, "tooltip")


@pytest.mark.parametrize("term", TERMS)
def test_search_results_run_no_injected_code(
    hostile: Site, watched: tuple[Page, Watch, list[str]], term: str
) -> None:
    page, watch, dialogs = watched
    open_page(page, hostile.base_url, watch)
    results = search(page, term)
    assert results, f"searching {term!r} finds nothing: the hostile entries were dropped"
    page.locator(".md-search-result__item").first.hover()
    assert_clean(page, watch, dialogs, f"search {term!r}")
    shown = page.locator(".md-search-result").inner_text()
    if term == "onerror":
        assert "<img src=x onerror" in shown  # the payload is shown as text


def test_the_fixture_really_is_hostile() -> None:
    """Guards the test: the payloads are in the fixture (a cleaned fixture would pass vacuously)."""
    bib = (Path(__file__).parents[1] / "fixtures" / "sites" / "hostile" / "refs.bib").read_text()
    for payload in ("<script>window.__pwned", "onerror=", "javascript:", 'doi = {10.1000/x"><'):
        assert payload in bib
