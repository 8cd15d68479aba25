"""Hostile .bib data renders as inert text everywhere it appears.

``tests/fixtures/sites/hostile`` cites entries whose fields hold ``<script>``, attribute
break-outs (``"><img src=x onerror=...>``) and ``javascript:`` URLs in ``url``, ``doi``,
``howpublished`` and ``pmid``. After a real strict build, every output file is parsed as a browser
would (``html.parser``): no element, attribute or URL from the .bib may appear, and the hostile
text must still be there as text (escaped, not dropped). ``tests/browser/test_escaping.py`` runs
the same pages in Chromium.
"""

from __future__ import annotations

import html.parser
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bibcite.escaping import tooltip_text
from bibcite.reference import Reference
from bibcite.render import render_group
from bibcite.syntax import CitationGroup, CitationItem

from support import Build, build, copy_site

#: What the .bib's fields inject, as a browser would see it once parsed, if they were not escaped.
INJECTED_TAGS = {"img", "b"}  # the theme itself has <script> and <svg>, checked separately
MARKER = "pwned"  # every payload touches window.__pwned
TITLE = '<script>window.__pwned = 1; alert(1)</script> and "><img src=x onerror="window.__pwned=2">'
JOURNAL = "J <b onmouseover=\"window.__pwned=3\">Bold</b> & 'Quotes'"
HOSTILE_DOI = "https://doi.org/10.1000/x%22%3E%3Cscript%3Ewindow.__pwned%3D9%3C/script%3E"


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


@dataclass
class Parsed(html.parser.HTMLParser):
    """Every element with its attributes (entities decoded, as a browser does), and the text."""

    elements: list[Element] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._stack: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(el)
        if tag not in {"img", "meta", "link", "br", "hr", "input", "path", "use"}:
            self._stack.append(el)

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            if self._stack.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        if self._stack:
            self._stack[-1].text += data

    @property
    def text(self) -> str:
        return "".join(self.texts)


def parse(markup: str) -> Parsed:
    parsed = Parsed()
    parsed.feed(markup)
    parsed.close()
    return parsed


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Build:
    result = build(copy_site("hostile", tmp_path_factory.mktemp("hostile")))
    assert result.returncode == 0, result.output
    assert "Traceback" not in result.output
    return result


def html_files(site: Build) -> list[Path]:
    return sorted(site.site.rglob("*.html"))


def assert_inert(parsed: Parsed, where: str) -> None:
    """Nothing in the markup came from the .bib as markup."""
    for el in parsed.elements:
        handlers = [a for a in el.attrs if a.startswith("on")]
        assert not handlers, f"{where}: <{el.tag}> has event handler {handlers}"
        for name in ("href", "src", "action", "formaction", "xlink:href"):
            value = el.attrs.get(name, "").strip().lower()
            assert not value.startswith(("javascript:", "data:text")), f"{where}: {name}={value}"
        assert el.tag not in INJECTED_TAGS or MARKER not in str(el.attrs), f"{where}: <{el.tag}>"
        if el.tag == "script":
            assert MARKER not in el.text and "alert(" not in el.text, f"{where}: {el.text[:80]}"
        if el.tag == "svg":
            assert "onload" not in el.attrs, where


def test_no_page_has_injected_markup(site: Build) -> None:
    files = html_files(site)
    assert len(files) >= 4
    for path in files:
        assert_inert(parse(path.read_text(encoding="utf-8")), str(path.relative_to(site.site)))


@pytest.mark.parametrize("page", ["other/index.html", "references/index.html"])
def test_reference_lists_show_the_hostile_text_as_text(site: Build, page: str) -> None:
    parsed = parse(site.article(page))
    refs = [el.text for el in parsed.elements if el.attrs.get("class") == "reference-text"]
    hostile = next(t for t in refs if "Bold" in t)
    assert TITLE in hostile  # every character kept, shown as text
    assert JOURNAL in hostile
    assert "<script>alert(1)</script> M" in hostile  # an author "name"
    web = next(t for t in refs if "hostile link" in t)
    assert "javascript:window.__pwned=7" in web  # shown, never linked
    assert '"><svg onload="window.__pwned=8">' in web
    # entities in the .bib are text too: shown as written, never decoded into markup
    entity = next(t for t in refs if "Entities" in t)
    assert '&lt;img src=x onerror="window.__pwned=11"&gt;' in entity
    assert "J &amp; Entities" in entity


@pytest.mark.parametrize("page", ["other/index.html", "references/index.html"])
def test_urls_from_the_bib_are_checked_or_encoded(site: Build, page: str) -> None:
    parsed = parse(site.article(page))
    hrefs = [el.attrs["href"] for el in parsed.elements if "href" in el.attrs]
    assert HOSTILE_DOI in hrefs  # a DOI-shaped value: linked, every unsafe character encoded
    for href in hrefs:
        assert re.fullmatch(r"(?:https://|#|\.\./)[^\s\"'<>]*", href), href
        assert "javascript" not in href.lower()
    # pmid = {1"><img ...>} is not a PMID: the PubMed link searches the title instead
    assert "https://pubmed.ncbi.nlm.nih.gov/?term=DOI+that+breaks+out" in hrefs


def test_tooltips_hold_the_hostile_text_as_text(site: Build) -> None:
    """mkdocs-material's tooltips insert the ``title`` as HTML (innerHTML): parsed as HTML, each
    title must give back the reference text, with no element at all."""
    parsed = parse(site.article("other/index.html"))
    titles = [
        el.attrs["title"] for el in parsed.elements if el.attrs.get("class") == "citation-ref"
    ]
    as_html = [parse(t) for t in titles]
    for title, inner in zip(titles, as_html, strict=True):
        assert inner.elements == [], f"the tooltip would create elements: {title}"
    assert any(TITLE in inner.text for inner in as_html)
    assert any(JOURNAL in inner.text for inner in as_html)
    assert any("Available at: javascript:window.__pwned=7" in inner.text for inner in as_html)
    assert any('&lt;img src=x onerror="window.__pwned=11"&gt;' in i.text for i in as_html)
    raw = site.article("other/index.html")
    assert "<script>window" not in raw


def test_tooltip_text_escapes_only_what_html_would_read() -> None:
    assert tooltip_text("Arthritis & Rheumatism. 2001;3(2):1-2.") == (
        "Arthritis & Rheumatism. 2001;3(2):1-2."
    )
    assert tooltip_text("a<b &amp; &#60; c>d") == "a&lt;b &amp;amp; &amp;#60; c>d"
    assert parse(tooltip_text(TITLE)).text == TITLE


def test_search_index_holds_text_only(site: Build) -> None:
    index = json.loads((site.site / "search" / "search_index.json").read_text(encoding="utf-8"))
    texts = [doc["text"] for doc in index["docs"]] + [doc["title"] for doc in index["docs"]]
    hostile = [t for t in texts if MARKER in t]
    assert hostile, "the hostile entries are missing from the search index"
    for text in hostile:
        parsed = parse(text)  # material shows search results as HTML: parse them as such
        assert_inert(parsed, "search_index.json")
        assert not [el for el in parsed.elements if el.tag in {"script", "img", "svg", "b"}]
    assert any(TITLE in parse(t).text for t in hostile)


def test_meta_tags_and_feeds_hold_no_bib_data(site: Build) -> None:
    for path in html_files(site):
        parsed = parse(path.read_text(encoding="utf-8"))
        for el in parsed.elements:
            if el.tag in {"meta", "link", "title"}:
                assert MARKER not in str(el.attrs) + el.text, f"{path}: <{el.tag}> {el.attrs}"
    for path in site.site.rglob("*.xml"):
        assert MARKER not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text",
    [
        "Plain text, nothing to escape.",
        "Arthritis & Rheumatism.",
        "Entities as text: &lt;img src=x onerror=window.__pwned=12&gt;",
        "A numeric one: &#60;b&#62;bold&#60;/b&#62;",
        "Greater than only: a > b",
        'A quote only: "x',
        "A tag only: <b>b</b>",
    ],
)
@pytest.mark.parametrize("keys", [("a",), ("a", "b", "c")], ids=["one key", "a range"])
def test_each_tooltip_is_the_text_once_parsed(text: str, keys: tuple[str, ...]) -> None:
    """Every tooltip, on the one-key fast path and the general path alike: the ``title``
    attribute, read by the browser and then inserted as HTML by mkdocs-material, gives back the
    reference text and no element."""
    refs = {k: Reference(k, n, "t.bib", n, text, "") for n, k in enumerate(keys, start=1)}
    group = CitationGroup(1, "[@...]", tuple(CitationItem(k) for k in keys))
    rendered = parse(render_group(group, {k: refs[k].index for k in keys}, refs))
    (title,) = [el.attrs["title"] for el in rendered.elements if "title" in el.attrs]
    inner = parse(title)
    assert inner.elements == []
    expected = text if len(keys) == 1 else "\n".join(f"{n}. {text}" for n in (1, 2, 3))
    assert inner.text == expected
