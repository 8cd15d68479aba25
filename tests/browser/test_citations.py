"""Citations: tooltip on hover and on keyboard focus, link to the entry, backlink back."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page

from .browser_support import Site, Watch, css_id, in_viewport, open_page, plain

pytestmark = pytest.mark.browser

RANGE_LINK = re.compile(r">\d+–\d+</a>")
TOOLTIP = ".md-tooltip2--active[role=tooltip]"  # material content.tooltips


@dataclass(frozen=True)
class Citation:
    page_url: str
    cite_id: str  # id of the <span class="citation">
    href: str  # href attribute of the first link in it
    title: str  # its title attribute
    label: str  # its text: "1" or "3–5"


def citations_on(page: Page) -> list[Citation]:
    rows: list[list[str]] = page.eval_on_selector_all(
        "span.citation[id] a.citation-ref[title]",
        """els => els.map(a => [a.closest('span.citation').id, a.getAttribute('href'),
                                 a.getAttribute('title'), a.textContent])""",
    )
    return [Citation(page.url, *row) for row in rows]


_FIRST_CITATIONS: dict[str, list[Citation]] = {}


def first_citations(site: Site, page: Page) -> list[Citation]:
    """The first citation of every page that has one (one browser visit per page, once per
    output for the whole module)."""
    if site.base_url not in _FIRST_CITATIONS:
        _FIRST_CITATIONS[site.base_url] = _find_first_citations(site, page)
    return _FIRST_CITATIONS[site.base_url]


def _find_first_citations(site: Site, page: Page) -> list[Citation]:
    found = []
    for url in site.pages():
        file = site.file_of(url)
        if file is None or 'class="citation-ref"' not in file.read_text("utf-8"):
            continue
        open_page(page, url, settle=False)
        cites = citations_on(page)
        if cites:
            found.append(cites[0])
    return found


def tooltip_text(page: Page, target: Locator) -> str:
    """Text of the active material tooltip that ``target`` points to (aria-describedby)."""
    handle = target.element_handle()
    page.wait_for_function(
        """e => { const id = e.getAttribute('aria-describedby');
                  const tip = id && document.getElementById(id);
                  return !!tip && tip.classList.contains('md-tooltip2--active')
                         && tip.getBoundingClientRect().height > 0; }""",
        arg=handle,
        timeout=5000,
    )
    text: str = target.evaluate(
        "e => document.getElementById(e.getAttribute('aria-describedby')).innerText"
    )
    return text


def link(page: Page, cite: Citation) -> Locator:
    return page.locator(f"{css_id(cite.cite_id)} a.citation-ref").first


def tab_to(page: Page, target: Locator) -> None:
    """Give ``target`` keyboard focus with one Tab press, from a focus point placed just
    before it (as a reader tabbing through the text reaches it)."""
    page.mouse.move(0, 0)
    target.evaluate(
        """e => { const start = document.createElement('span');
                  start.tabIndex = -1;
                  e.before(start);
                  start.focus(); }"""
    )
    page.keyboard.press("Tab")
    assert target.evaluate("e => e === document.activeElement"), "Tab did not reach the link"


def test_site_has_citations(site: Site, page: Page) -> None:
    assert first_citations(site, page), f"no page of the {site.kind} build has a citation"


def test_tooltip_on_hover_and_keyboard_focus(site: Site, page: Page, watch: Watch) -> None:
    for cite in first_citations(site, page):
        open_page(page, cite.page_url, watch, settle=False)
        watch.clear()  # page-load errors are test_pages' business; count the interaction's
        target = link(page, cite)
        expected = plain(cite.title)

        target.hover()
        assert plain(tooltip_text(page, target)) == expected, f"hover tooltip on {cite.page_url}"

        page.mouse.move(0, 0)
        page.wait_for_selector(TOOLTIP, state="detached", timeout=5000)

        tab_to(page, target)
        assert plain(tooltip_text(page, target)) == expected, f"focus tooltip on {cite.page_url}"
        assert not watch.problems(), watch.problems()


def test_tooltip_text_is_the_reference(site: Site, page: Page) -> None:
    """A one-reference citation's tooltip is that reference's entry text and its labels."""
    for cite in first_citations(site, page):
        if not re.fullmatch(r"\d+", cite.label.strip()):
            continue
        entry_id = cite.href.rsplit("#", 1)[1]
        open_page(page, cite.page_url, settle=False)
        page.goto(page.url.split("#")[0] + "#" + entry_id)
        entry = page.locator(f"{css_id(entry_id)} .reference-text").inner_text()
        badges = page.locator(f"{css_id(entry_id)} .reference-badge").all_inner_texts()
        entry += "".join(f" [{badge}]" for badge in badges)  # the tooltip names them too
        assert plain(entry) == plain(cite.title), f"{cite.page_url} #{cite.cite_id}"


def test_range_tooltip_lists_one_reference_per_line(site: Site, page: Page) -> None:
    """A compressed range ("3–5") is one link whose tooltip shows each reference on a line."""
    checked = 0
    for url in site.pages():
        file = site.file_of(url)
        if file is None or not RANGE_LINK.search(file.read_text("utf-8")):
            continue
        open_page(page, url, settle=False)
        for cite in citations_on(page):
            m = re.fullmatch(r"(\d+)–(\d+)", cite.label.strip())
            if not m:
                continue
            count = int(m.group(2)) - int(m.group(1)) + 1
            title_lines = [line for line in cite.title.splitlines() if line.strip()]
            assert len(title_lines) == count, f"{url}: title of [{cite.label}] {cite.title!r}"
            target = page.locator(f"{css_id(cite.cite_id)} a.citation-ref", has_text=cite.label)
            target.first.hover()
            shown = [line for line in tooltip_text(page, target.first).splitlines() if line.strip()]
            assert len(shown) == count, (
                f"{url}: tooltip of [{cite.label}] shows {len(shown)} line(s), not {count}: "
                f"{shown!r}"
            )
            checked += 1
            break
    # The site cites consecutive references together (e.g. the three liver-transplant reports);
    # a build without any range means this behaviour went untested: fail rather than skip.
    assert checked, f"no compressed citation range found in the {site.kind} build"


def test_citation_link_lands_on_entry_and_backlink_returns(
    site: Site, page: Page, watch: Watch
) -> None:
    for cite in first_citations(site, page):
        open_page(page, cite.page_url, watch, settle=False)
        watch.clear()  # page-load errors are test_pages' business; count the interaction's
        entry_id = cite.href.rsplit("#", 1)[1]
        link(page, cite).click()
        page.wait_for_function("id => location.hash === '#' + id", arg=entry_id)
        entry = f"li{css_id(entry_id)}"
        assert page.locator(entry).count() == 1, f"{page.url}: no reference entry #{entry_id}"
        assert in_viewport(page, entry), f"{page.url}: entry #{entry_id} not scrolled into view"

        back = page.locator(f"{entry} .backlinks a[href$='#{cite.cite_id}']")
        assert back.count() == 1, f"{page.url}: #{entry_id} has no backlink to #{cite.cite_id}"
        back.click()
        page.wait_for_function("id => location.hash === '#' + id", arg=cite.cite_id)
        assert in_viewport(page, css_id(cite.cite_id)), f"{page.url}: citation not in view"
        assert not watch.problems(), watch.problems()
