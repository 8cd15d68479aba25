"""Reader features in a real browser, on the hosted site and the offline bundle: "Cite this
page" and its copy button, the BibTeX and RIS downloads, the JSON-LD, and print."""

from __future__ import annotations

import datetime
import io
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page
from pybtex.database import parse_string
from pypdf import PdfReader

from .browser_support import Site, Watch, open_page

pytestmark = pytest.mark.browser

SUBTYPE = "subtypes/dystrophic"


def _url(site: Site, stem: str) -> str:
    suffix = ".html" if site.kind == "offline" else "/"
    return site.base_url + ("index.html" if stem == "" and site.kind == "offline" else
                            (stem + suffix if stem else ""))  # fmt: skip


def _page_keys(page: Page) -> list[str]:
    ids = page.eval_on_selector_all(
        "ol.references:not(.bibliography) > li", "items => items.map(li => li.id)"
    )
    return [i.removeprefix("ref-") for i in ids]


def test_copy_button_copies_the_citation_from_the_keyboard(
    site: Site, context: BrowserContext, page: Page, watch: Watch
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_page(page, _url(site, SUBTYPE), watch)
    button = page.locator(".cite-page-copy")
    assert button.is_visible()
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('.cite-page-status').textContent !== ''")
    assert page.locator(".cite-page-status").inner_text() == "Citation copied."
    copied = page.evaluate("navigator.clipboard.readText()")
    today = datetime.date.today()
    assert copied.startswith("The calcinosis cutis reference editors. Dystrophic calcinosis cutis.")
    assert "Available at: https://example.org/calcinosis-cutis/subtypes/dystrophic/." in copied
    assert copied.endswith(f"Accessed: {today.year} {today:%b} {today.day}.")
    assert watch.problems() == []


def _download(page: Page, selector: str, tmp_path: Path) -> str:
    with page.expect_download() as info:
        page.click(selector)
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return target.read_text(encoding="utf-8")


def test_a_page_s_references_download_as_bibtex_and_ris(
    site: Site, page: Page, watch: Watch, tmp_path: Path
) -> None:
    open_page(page, _url(site, SUBTYPE), watch)
    keys = _page_keys(page)
    bibtex = _download(page, ".references-export a[download$='.bib']", tmp_path)
    assert list(parse_string(bibtex, "bibtex").entries) == keys
    ris = _download(page, ".references-export a[download$='.ris']", tmp_path)
    assert ris.count("TY  - ") == ris.count("ER  - ") == len(keys)
    assert re.findall(r"^ID  - (.+?)\r?$", ris, re.M) == keys
    assert watch.problems() == []


def test_the_references_page_downloads_each_entry_and_the_whole(
    site: Site, page: Page, watch: Watch, tmp_path: Path
) -> None:
    open_page(page, _url(site, "references"), watch)
    every = page.eval_on_selector_all("ol.bibliography > li", "items => items.map(li => li.id)")
    whole = _download(page, "p.references-export a[download='bibliography.bib']", tmp_path)
    assert list(parse_string(whole, "bibtex").entries) == [i.removeprefix("ref-") for i in every]
    one = _download(page, f"#{every[0]} .reference-export a[download$='.ris']", tmp_path)
    assert one.startswith("TY  - ") and one.rstrip().endswith("ER  -")
    assert f"ID  - {every[0].removeprefix('ref-')}" in one
    assert watch.problems() == []


def test_json_ld_parses_and_cites_the_page_s_references(
    site: Site, page: Page, watch: Watch
) -> None:
    open_page(page, _url(site, SUBTYPE), watch)
    data = page.evaluate(
        "JSON.parse(document.querySelector('head script[type=\"application/ld+json\"]').text)"
    )
    assert data["@type"] == "MedicalWebPage"
    assert data["about"]["@type"] == "MedicalCondition"
    assert len(data["citation"]) == len(_page_keys(page))
    names = page.eval_on_selector_all(
        "head meta[name='citation_reference']", "metas => metas.length"
    )
    assert names == len(data["citation"])


def test_print_keeps_references_drops_navigation_and_shows_urls(
    site: Site, page: Page, watch: Watch
) -> None:
    open_page(page, _url(site, SUBTYPE), watch)
    nav_label = page.locator(".md-nav--primary .md-nav__link").first.inner_text().strip()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(page.pdf())).pages)
    flat = re.sub(r"\s+", "", text)
    assert "References" in text
    for key in _page_keys(page)[:3]:
        item = page.inner_text(f"#ref-{key} .reference-text")
        assert re.sub(r"\s+", "", item)[:40] in flat
    assert "https://pubmed.ncbi.nlm.nih.gov/" in flat
    assert "Copycitation" not in flat and "Downloadthesereferences" not in flat
    assert nav_label and f"\n{nav_label}\n" not in text.replace("\n\n", "\n")
    json.dumps(text)  # the PDF's text is text
