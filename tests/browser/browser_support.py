"""Helpers for the browser tests and the screenshot script: Chromium, the site model, watchers."""

from __future__ import annotations

import html.parser
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    Response,
    Route,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
SUB_PATH = "/calcinosis-cutis/"

Kind = Literal["hosted", "offline"]


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's chromium; Playwright's own browser download is never used."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@dataclass(frozen=True)
class Site:
    """One built output as a browser sees it."""

    kind: Kind
    root: Path  # folder holding index.html
    base_url: str  # http://127.0.0.1:PORT/calcinosis-cutis/ or file:///.../

    @property
    def home(self) -> str:
        """The front page (from file:// the folder URL would show a directory listing)."""
        return self.base_url + ("index.html" if self.kind == "offline" else "")

    def url_of(self, html_file: Path) -> str:
        rel = html_file.relative_to(self.root).as_posix()
        if self.kind == "hosted" and (rel == "index.html" or rel.endswith("/index.html")):
            rel = rel.removesuffix("index.html")
        return self.base_url + urllib.parse.quote(rel)

    def file_of(self, url: str) -> Path | None:
        """The file a URL inside the site serves, or None for a URL outside the site."""
        bare = urllib.parse.urldefrag(url).url.split("?", 1)[0]
        if not bare.startswith(self.base_url):
            return None
        rel = urllib.parse.unquote(bare[len(self.base_url) :])
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        return self.root / rel

    def page_url(self, url: str) -> str:
        """``url`` without query and fragment (search results add ``?h=term``)."""
        return urllib.parse.urldefrag(url).url.split("?", 1)[0]

    def html_files(self) -> list[Path]:
        return sorted(self.root.rglob("*.html"))

    def pages(self) -> list[str]:
        """URLs of every page (``404.html`` only exists in the hosted output)."""
        return [self.url_of(f) for f in self.html_files()]

    def allows(self, url: str) -> bool:
        """May the site load this URL? Only its own files (and in-memory schemes)."""
        if url.startswith(("data:", "blob:", "about:")):
            return True
        return url.startswith(self.base_url)

    def search_index(self) -> list[dict[str, str]]:
        """The search index's documents (the offline bundle has only its ``.js`` copy)."""
        folder = self.root / "search"
        if (folder / "search_index.json").is_file():
            data = json.loads((folder / "search_index.json").read_text("utf-8"))
        else:
            script = (folder / "search_index.js").read_text("utf-8")
            data = json.loads(script[script.index("{") : script.rindex("}") + 1])
        docs: list[dict[str, str]] = data["docs"]
        return docs

    def location_url(self, location: str) -> str:
        """URL of a search-index ``location`` (``subtypes/x/#h`` or ``subtypes/x.html#h``)."""
        return self.page_url(self.base_url + location)


class _Ids(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name == "id" or (tag == "a" and name == "name")):
                self.ids.add(value)


@cache
def ids_in(path: Path) -> frozenset[str]:
    """Every ``id`` (and ``<a name>``) in an HTML file."""
    parser = _Ids()
    parser.feed(path.read_text("utf-8"))
    return frozenset(parser.ids)


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def plain(text: str) -> str:
    """Tag-free, whitespace-collapsed, lower-cased text (for term matching)."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", text))).strip().lower()


@dataclass
class Watch:
    """Console errors, uncaught exceptions, failed loads and requests leaving the site."""

    site: Site
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    current: str = ""

    def attach(self, context: BrowserContext) -> None:
        def route(route: Route) -> None:
            url = route.request.url
            if self.site.allows(url):
                route.continue_()
            else:
                self.outside.append(f"{self.current}: {route.request.method} {url}")
                route.abort("blockedbyclient")

        context.route("**/*", route)
        context.on("request", self._on_request)
        context.on("requestfailed", self._on_failed)
        context.on("response", self._on_response)
        context.on("page", self.attach_page)

    def _on_request(self, request: Request) -> None:
        url = str(request.url)
        if not self.site.allows(url) and not any(url in o for o in self.outside):
            self.outside.append(f"{self.current}: {request.method} {url}")

    def _on_failed(self, request: Request) -> None:
        failure = request.failure or ""
        # Loads cut short by the next navigation are not the site's fault.
        if "ERR_ABORTED" not in failure and "blockedbyclient" not in failure.lower():
            self.failed.append(f"{self.current}: {request.url} ({failure})")

    def _on_response(self, response: Response) -> None:
        if response.status >= 400:
            self.failed.append(f"{self.current}: {response.url} (HTTP {response.status})")

    def attach_page(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.page_errors.append(f"{self.current}: {exc}"))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            self.console_errors.append(f"{self.current}: {message.text} ({where})")

    def clear(self) -> None:
        """Forget what was recorded so far (e.g. while scanning pages before the real check)."""
        for found in (self.console_errors, self.page_errors, self.outside, self.failed):
            found.clear()

    def problems(self) -> list[str]:
        return [
            *(f"console error: {e}" for e in self.console_errors),
            *(f"uncaught exception: {e}" for e in self.page_errors),
            *(f"request outside the site: {e}" for e in self.outside),
            *(f"failed request: {e}" for e in self.failed),
        ]


def open_page(page: Page, url: str, watch: Watch | None = None, settle: bool = True) -> None:
    """Go to ``url`` and wait until the page and material's search worker have loaded; with
    ``settle=False``, only until the page has loaded (its scripts have run): for tests of
    the page itself, which need no search and no quiet network."""
    if watch is not None:
        watch.current = url
    page.goto(url, wait_until="load")
    if not settle:
        return
    page.wait_for_load_state("networkidle")
    if url.startswith("http"):
        # Under file:// (iframe-worker shim) the "Initializing search" note only changes once a
        # query is typed, so this wait is for the hosted site only.
        wait_search_ready(page)


def wait_search_ready(page: Page, timeout_ms: float = 15000) -> None:
    """Material shows "Initializing search" until the worker has loaded the index."""
    page.wait_for_function(
        """() => {
            const meta = document.querySelector('.md-search-result__meta');
            return !meta || !/initializ/i.test(meta.textContent || '');
        }""",
        timeout=timeout_ms,
    )


def search(page: Page, term: str, timeout_ms: float = 15000) -> list[str]:
    """Type ``term`` into material's search box; return every result link (all pages)."""
    box = page.locator("input.md-search__input")
    box.click()
    # A query typed before the worker has loaded the index is dropped, so wait for it first.
    wait_search_ready(page, timeout_ms)
    box.fill("")
    box.press_sequentially(term, delay=20)  # material reads the query on keyup
    page.wait_for_function(
        """(term) => {
            const meta = document.querySelector('.md-search-result__meta');
            const input = document.querySelector('input.md-search__input');
            return meta && input && input.value === term
                && /\\d+ matching|no matching/i.test(meta.textContent);
        }""",
        arg=term,
        timeout=timeout_ms,
    )
    meta = page.locator(".md-search-result__meta").inner_text()
    match = re.search(r"(\d+) matching", meta)
    wanted = int(match.group(1)) if match else 0
    # Material renders results in batches as the result list is scrolled.
    for _ in range(50):
        shown = page.locator(".md-search-result__list > .md-search-result__item").count()
        if shown >= wanted:
            break
        page.locator(".md-search__scrollwrap").evaluate("e => { e.scrollTop = e.scrollHeight }")
        page.wait_for_timeout(150)
    links: list[str] = page.eval_on_selector_all(
        ".md-search-result__list a.md-search-result__link", "els => els.map(a => a.href)"
    )
    return links


def in_viewport(page: Page, selector: str, timeout_ms: float = 5000) -> bool:
    """Wait (smooth scrolling, instant navigation) until ``selector`` is inside the viewport."""
    try:
        page.wait_for_function(
            """sel => { const e = document.querySelector(sel); if (!e) return false;
                        const r = e.getBoundingClientRect();
                        return r.bottom > 0 && r.top < window.innerHeight && r.height > 0; }""",
            arg=selector,
            timeout=timeout_ms,
        )
    except PlaywrightTimeoutError:
        return False
    return True


def css_id(value: str) -> str:
    """A CSS selector for an element id (ids may contain characters CSS would misread)."""
    return '[id="' + value.replace("\\", "\\\\").replace('"', '\\"') + '"]'
