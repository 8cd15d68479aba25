"""Stage 5: HTML for citations, reference lists and the site-wide bibliography.

Pure functions of immutable records; every value that comes from the .bib or the page is
escaped here (etree escapes attributes and text; HTML strings go through ``html.escape``).
"""

from __future__ import annotations

import copy
import functools
import re
import xml.etree.ElementTree as etree
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

from pybtex.backends.plaintext import Backend as PlainTextBackend

from bibcite.bibliography import BibEntry
from bibcite.formatting import FormattedReference
from bibcite.numbering import compress, format_run
from bibcite.style import decode_latex
from bibcite.syntax import CitationGroup

BACKLINK = "\u21a9"  # ↩
WEB_TYPES = frozenset({"online", "misc", "electronic", "www"})


def ref_id(key: str) -> str:
    """The id of an entry in a reference list (keys hold only letters, digits and _-:.)."""
    return f"ref-{key}"


def cite_id(group_index: int) -> str:
    """The id of a citation group on its page; backlinks point to it."""
    return f"cite-{group_index}"


def backlink_label(i: int) -> str:
    """a, b, …, z, aa, ab, …"""
    label = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        label = chr(ord("a") + r) + label
    return label


def pubmed_url(entry: BibEntry) -> str:
    """The PubMed record where the PMID is known, else a PubMed search for the title."""
    pmid = (entry.pmid or "").strip()
    if re.fullmatch(r"\d{1,9}", pmid):
        return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    return f"https://pubmed.ncbi.nlm.nih.gov/?term={quote_plus(_plain_title(entry.title))}"


_PLAIN = PlainTextBackend()


@functools.cache  # bounded by the bibliography
def _plain_title(title: str) -> str:
    # A backend instance, not render_as("text"): pybtex looks a backend up by name through
    # importlib.metadata on every call (85 % of a 200-page build, see BENCHMARKS.md).
    text, issues = decode_latex(title)
    if issues:  # undecodable LaTeX is reported by the formatter; search the bare title
        return re.sub(r"[{}\\]", "", title)
    return str(text.render(_PLAIN))


def doi_url(entry: BibEntry) -> str | None:
    """https://doi.org/<doi>, or None. Only a DOI-shaped value becomes a link."""
    doi = (entry.doi or "").strip()
    doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", "", doi, flags=re.IGNORECASE)
    if not re.fullmatch(r"10\.\d{4,9}/\S+", doi):
        return None
    # < and > (old SICI DOIs have them) are not URL characters: percent-encoded like " and &.
    return "https://doi.org/" + quote(doi, safe="/:;()._-")


def tooltip_text(text: str) -> str:
    """Plain text made safe for a ``title`` attribute that mkdocs-material's tooltips
    (``content.tooltips``) insert as HTML (``innerHTML``): ``<`` and an ``&`` that could start a
    character reference are escaped, so .bib text like ``<img onerror=...>`` stays text. Nothing
    else changes, so the browser's own tooltip (no JavaScript) still reads as the text."""
    return re.sub(r"&(?=[A-Za-z0-9#])", "&amp;", text).replace("<", "&lt;")


def _tooltip(
    keys: Sequence[str], numbers: Mapping[str, int], refs: Mapping[str, FormattedReference]
) -> str:
    if len(keys) == 1:
        return tooltip_text(refs[keys[0]].text)
    return tooltip_text("\n".join(f"{numbers[k]}. {refs[k].text}" for k in keys))


def render_group(
    group: CitationGroup,
    numbers: Mapping[str, int],
    refs: Mapping[str, FormattedReference],
) -> etree.Element:
    """``[1, 3–5]``: each number or range links to the first entry it stands for, and its
    ``title`` (a tooltip in mkdocs-material) holds the full references. Unknown keys render as
    ``?key`` and malformed groups as written, so a mistake is visible, never dropped."""
    span = etree.Element("span", {"class": "citation", "id": cite_id(group.index)})
    if group.error:
        span.set("class", "citation citation-error")
        span.text = group.raw
        return span
    link_tag = "span" if group.in_link else "a"  # no link inside link text

    def number(keys: Sequence[str], text: str) -> etree.Element:
        attrs = {"class": "citation-ref", "title": _tooltip(keys, numbers, refs)}
        if link_tag == "a":
            attrs["href"] = "#" + ref_id(keys[0])
        el = etree.Element(link_tag, attrs)
        el.text = text
        return el

    parts: list[etree.Element] = []
    if any(item.locator for item in group.items):
        separator = "; "
        for item in group.items:
            if item.key in numbers:
                el = number([item.key], str(numbers[item.key]))
            else:
                el = _unknown(item.key)
            el.tail = f", {item.locator}" if item.locator else None
            parts.append(el)
    else:
        separator = ", "
        by_number = {numbers[i.key]: i.key for i in group.items if i.key in numbers}
        for lo, hi in compress(by_number):
            keys = [by_number[n] for n in range(lo, hi + 1)]
            parts.append(number(keys, format_run((lo, hi))))
        seen = set()
        for item in group.items:
            if item.key not in numbers and item.key not in seen:
                seen.add(item.key)
                parts.append(_unknown(item.key))
    span.text = "["
    for i, el in enumerate(parts):
        el.tail = (el.tail or "") + (separator if i < len(parts) - 1 else "]")
        span.append(el)
    return span


def _unknown(key: str) -> etree.Element:
    el = etree.Element("span", {"class": "citation-unknown", "title": f"Unknown reference: {key}"})
    el.text = f"?{key}"
    return el


def _markup(ref: FormattedReference) -> etree.Element:
    """The formatted reference as elements. The formatter's HTML is escaped XHTML; anything
    that does not parse is shown as its plain text rather than inserted raw."""
    try:
        span = etree.fromstring(f'<span class="reference-text">{ref.html}</span>')
    except etree.ParseError:
        span = etree.Element("span", {"class": "reference-text"})
        span.text = ref.text
    return span


def _link(parent: etree.Element, cls: str, href: str, text: str, **attrs: str) -> etree.Element:
    a = etree.SubElement(parent, "a", {"class": cls, "href": href, **attrs})
    a.text = text
    return a


def web_url(entry: BibEntry) -> str | None:
    """The ``url`` of a web source (``@online``/``@misc``), if it is an http(s) address."""
    url = entry.fields.get("url", "").strip()
    return url if re.match(r"(?i)https?://[^\s\"'<>]+$", url) else None


def _item(entry: BibEntry, number: int, ref: FormattedReference) -> etree.Element:
    li = copy.deepcopy(_item_template(entry, ref))
    li.set("value", str(number))
    return li


@functools.cache
def _item_template(entry: BibEntry, ref: FormattedReference) -> etree.Element:
    """An entry's list item without its number: made once per entry and build, then copied
    (an entry is listed on every page citing it; parsing its markup each time was costly)."""
    li = etree.Element("li", {"id": ref_id(entry.key)})
    li.append(_markup(ref))
    li[0].tail = " "
    web = web_url(entry) if entry.type in WEB_TYPES else None
    if web:  # a web page is not in PubMed: link the page itself
        links = [("reference-web", web, "Online")]
    else:
        links = [("reference-pubmed", pubmed_url(entry), "PubMed")]
        doi = doi_url(entry)
        if doi:
            links.append(("reference-doi", doi, "DOI"))
    for cls, href, text in links:
        _link(li, cls, href, text, rel="noopener").tail = " "
    return li


def render_reference_list(
    entries: Sequence[BibEntry],
    numbers: Mapping[str, int],
    refs: Mapping[str, FormattedReference],
    backlinks: Mapping[str, Sequence[int]],
) -> etree.Element:
    """The page's References: cited entries by number, each with backlinks to its citations."""
    # Left out of the search index: a search finds the pages that discuss a term, not every
    # page citing a paper with it in the title (the References page indexes every entry).
    ol = etree.Element("ol", {"class": "references", "data-search-exclude": ""})
    for entry in sorted(entries, key=lambda e: numbers[e.key]):
        li = _item(entry, numbers[entry.key], refs[entry.key])
        back = etree.SubElement(li, "span", {"class": "backlinks"})
        groups = backlinks.get(entry.key, ())
        if len(groups) == 1:
            _link(
                back,
                "backlink",
                f"#{cite_id(groups[0])}",
                BACKLINK,
                **{"aria-label": "Back to the citation"},
            )
        else:
            back.text = BACKLINK + " "
            for i, g in enumerate(groups):
                label = backlink_label(i)
                a = _link(
                    back,
                    "backlink",
                    f"#{cite_id(g)}",
                    label,
                    **{"aria-label": f"Back to citation {label}"},
                )
                a.tail = " " if i < len(groups) - 1 else None
        ol.append(li)
    _newlines(ol)
    return ol


def _newlines(ol: etree.Element) -> None:
    ol.text = "\n"
    for li in ol:
        li.tail = "\n"


@dataclass(frozen=True)
class CitingPage:
    """A page that cites an entry, seen from the bibliography page.

    title: the page's title. url: its URL relative to the bibliography page.
    groups: the indices of the citation groups on that page that cite the entry.
    """

    title: str
    url: str
    groups: tuple[int, ...]


def render_bibliography(
    entries: Sequence[BibEntry],
    refs: Mapping[str, FormattedReference],
    cited_on: Mapping[str, Sequence[CitingPage]],
) -> etree.Element:
    """Every entry in file order, numbered by position, with "Cited on:" links to each spot."""
    ol = etree.Element("ol", {"class": "references bibliography"})
    for entry in entries:
        li = _item(entry, entry.index, refs[entry.key])
        div = etree.SubElement(li, "div", {"class": "cited-on"})
        pages = cited_on.get(entry.key, ())
        div.text = "Cited on: " if pages else "Not cited on any page."
        for n, page in enumerate(pages):
            _cited_on_page(div, page, last=n == len(pages) - 1)
        ol.append(li)
    _newlines(ol)
    return ol


def _cited_on_page(div: etree.Element, page: CitingPage, last: bool) -> None:
    end = "." if last else "; "
    if len(page.groups) == 1:
        a = _link(div, "cited-on-page", f"{page.url}#{cite_id(page.groups[0])}", page.title)
        a.tail = end
        return
    title = etree.SubElement(div, "span", {"class": "cited-on-page"})
    title.text = page.title
    title.tail = " ("
    for i, g in enumerate(page.groups):
        label = backlink_label(i)
        a = _link(
            div,
            "cited-on-spot",
            f"{page.url}#{cite_id(g)}",
            label,
            **{"aria-label": f"{page.title}, citation {label}"},
        )
        a.tail = ", " if i < len(page.groups) - 1 else ")" + end


def to_html(el: etree.Element) -> str:
    """Serialize rendered elements (for engines that take HTML strings)."""
    return etree.tostring(el, encoding="unicode", method="html")
