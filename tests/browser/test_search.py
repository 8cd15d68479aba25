"""Search lists every page that discusses a term, in the hosted site and from file://."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .browser_support import Site, Watch, open_page, plain, search

TERMS = ["diltiazem", "nadroparin", "Down syndrome", "Virchow"]

pytestmark = pytest.mark.browser


def pages_mentioning(site: Site, term: str) -> set[str]:
    """Pages whose indexed text (title or body, any section) contains ``term``."""
    needle = plain(term)
    found = set()
    for doc in site.search_index():
        if needle in plain(doc.get("title", "")) or needle in plain(doc.get("text", "")):
            found.add(site.location_url(doc["location"]))
    return found


@pytest.mark.parametrize("term", TERMS)
def test_search_lists_every_page_mentioning_term(
    site: Site, page: Page, watch: Watch, term: str
) -> None:
    expected = pages_mentioning(site, term)
    assert expected, f"no page of the {site.kind} build mentions {term!r}: content missing?"
    open_page(page, site.home, watch)
    listed = {site.page_url(link) for link in search(page, term)}
    missing = sorted(expected - listed)
    assert not missing, f"searching {term!r} ({site.kind}) does not list {missing}"
    assert not watch.problems(), watch.problems()
