"""Stage 5: HTML for citations, reference lists and the site-wide bibliography.

Pure functions of immutable records, returning HTML strings (a page's citations are rendered
thousands of times in a large site: strings, not element trees). Every value that comes from
the page is escaped here exactly as Python-Markdown's serializer escapes text and attributes
(the golden files hold the same bytes as when these were elements); the formatted entries'
HTML comes escaped from :mod:`bibcite.formatting`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence

from bibcite.escaping import escape_attribute, escape_text, title_attribute
from bibcite.export import FORMATS, data_url, export_texts
from bibcite.index import CitingPage
from bibcite.numbering import compress, format_run
from bibcite.reference import Reference
from bibcite.syntax import CitationGroup, CitationItem

BACKLINK = "\u21a9"  # ↩
# Citations and links are not prose: Material's search leaves out what carries this.
_EXCLUDED = ' data-search-exclude=""'


def ref_id(key: str) -> str:
    """The id of an entry in a reference list, escaped for an attribute (pandoc's keys may hold
    ``&<>``)."""
    return escape_attribute(f"ref-{key}")


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


def _tooltip(keys: Sequence[str], numbers: Mapping[str, int], refs: Mapping[str, Reference]) -> str:
    if len(keys) == 1:
        return title_attribute(refs[keys[0]].text)
    return title_attribute("\n".join(f"{numbers[k]}. {refs[k].text}" for k in keys))


def render_group(
    group: CitationGroup,
    numbers: Mapping[str, int],
    refs: Mapping[str, Reference],
) -> str:
    """``[1, 3–5]``: each number or range links to the first entry it stands for, and its
    ``title`` (a tooltip in mkdocs-material) holds the full references. Prefixes, locators and
    suffixes stay in written order (``[see 3, pp. 33–35; also 5]``); author-in-text gives the
    short author form and the number (``Reiter et al. [1]``). Unknown keys render as ``?key``
    and malformed groups as written, so a mistake is visible, never dropped."""
    cid = cite_id(group.index)
    if group.error:
        shown = escape_text(group.raw)
        return f'<span class="citation citation-error" id="{cid}"{_EXCLUDED}>{shown}</span>'
    items = group.items
    if len(items) == 1 and not group.in_link and items[0].plain:
        key = items[0].key  # the common case, [@key], without the general machinery
        if key in numbers and not items[0].author_in_text:
            return (
                f'<span class="citation" id="{cid}"{_EXCLUDED}>[<a class="citation-ref" '
                f'href="#{ref_id(key)}" title="{title_attribute(refs[key].text)}">'
                f"{numbers[key]}</a>]</span>"
            )
    link = _Linker(numbers, refs, group.in_link)
    if items[0].author_in_text:
        body = _in_text(items[0], link)
    elif all(item.plain for item in items):
        body = f"[{_plain_run(items, link)}]"
    else:
        body = f"[{_decorated(items, link)}]"
    return f'<span class="citation" id="{cid}"{_EXCLUDED}>{body}</span>'


class _Linker:
    """Numbers as links to their entries (as tooltips only inside link text)."""

    def __init__(
        self, numbers: Mapping[str, int], refs: Mapping[str, Reference], in_link: bool
    ) -> None:
        self.numbers, self.refs, self.in_link = numbers, refs, in_link

    def __call__(self, keys: Sequence[str], text: str) -> str:
        title = _tooltip(keys, self.numbers, self.refs)
        if self.in_link:  # no link inside link text
            return f'<span class="citation-ref" title="{title}">{text}</span>'
        return f'<a class="citation-ref" href="#{ref_id(keys[0])}" title="{title}">{text}</a>'

    def one(self, key: str) -> str:
        if key not in self.numbers:
            return _unknown(key)
        return self([key], str(self.numbers[key]))


def _plain_run(items: Sequence[CitationItem], link: _Linker) -> str:
    """Keys alone: sorted numbers, runs compressed (``1, 3–5``), unknown keys after them."""
    numbers = link.numbers
    by_number = {numbers[i.key]: i.key for i in items if i.key in numbers}
    parts = [
        link([by_number[n] for n in range(lo, hi + 1)], format_run((lo, hi)))
        for lo, hi in compress(by_number)
    ]
    unknown = dict.fromkeys(i.key for i in items if i.key not in numbers)
    return ", ".join([*parts, *(_unknown(key) for key in unknown)])


def _decorated(items: Sequence[CitationItem], link: _Linker) -> str:
    """Items in written order, ``;``-separated, each with its prefix, locator and suffix;
    neighbouring keys without any are compressed together (and only they)."""
    parts: list[str] = []
    run: list[CitationItem] = []
    for item in items:
        if item.plain:
            run.append(item)
            continue
        if run:
            parts.append(_plain_run(run, link))
            run = []
        parts.append(_with_affixes(item, link.one(item.key)))
    if run:
        parts.append(_plain_run(run, link))
    return "; ".join(parts)


def _with_affixes(item: CitationItem, number: str) -> str:
    """``see 3, pp. 33–35 and passim``: the item's texts escaped around its number."""
    before = f"{escape_text(item.prefix)} " if item.prefix else ""
    after = f", {item.locator}" if item.locator else ""
    if item.suffix:  # `p. 3, table 1` / `p. 3 and passim`; without a locator, after a comma
        glue = ("" if item.suffix[0] in ",;:." else " ") if item.locator else ", "
        after += f"{glue}{item.suffix}"
    return f"{before}{number}{escape_text(after)}"


def _in_text(item: CitationItem, link: _Linker) -> str:
    """``Reiter et al. [1, p. 33]``; an unknown key is shown as written (``@key``)."""
    if item.key not in link.numbers:
        return _unknown(item.key, shown=f"@{item.key}")
    number = _with_affixes(item, link.one(item.key))
    short = "" if item.suppress_author else link.refs[item.key].short_author
    return f"{escape_text(short)} [{number}]" if short else f"[{number}]"


def _unknown(key: str, shown: str = "") -> str:
    title = f"Unknown reference: {escape_attribute(key)}"
    text = escape_text(shown or f"?{key}")
    return f'<span class="citation-unknown" title="{title}">{text}</span>'


def _backlinks(groups: Sequence[int]) -> str:
    if len(groups) == 1:
        return (
            '<span class="backlinks"><a aria-label="Back to the citation" class="backlink" '
            f'href="#{cite_id(groups[0])}">{BACKLINK}</a></span>'
        )
    links = " ".join(
        f'<a aria-label="Back to citation {label}" class="backlink" href="#{cite_id(g)}">'
        f"{label}</a>"
        for label, g in ((backlink_label(i), g) for i, g in enumerate(groups))
    )
    return f'<span class="backlinks">{BACKLINK} {links}</span>'


def render_reference_list(
    keys: Sequence[str],
    numbers: Mapping[str, int],
    refs: Mapping[str, Reference],
    backlinks: Mapping[str, Sequence[int]],
    export_name: str | None = None,
) -> str:
    """The page's References: cited entries by number, each with backlinks to its citations;
    with ``export_name``, followed by links to download them (``export_name.bib`` …)."""
    # Left out of the search index: a search finds the pages that discuss a term, not every
    # page citing a paper with it in the title (the References page indexes every entry).
    items = [
        f'<li id="{ref_id(key)}" value="{numbers[key]}">{refs[key].item}'
        f"{_backlinks(backlinks.get(key, ()))}</li>\n"
        for key in sorted(keys, key=numbers.__getitem__)
    ]
    listing = f'<ol class="references" data-search-exclude="">\n{"".join(items)}</ol>'
    if export_name is None:
        return listing
    cited = [refs[key] for key in sorted(keys, key=numbers.__getitem__)]
    links = export_links(cited, export_name, "these references")
    return (
        f'{listing}\n<p class="references-export"{_EXCLUDED}>Download these references: {links}</p>'
    )


def export_links(refs: Sequence[Reference], name: str, what: str) -> str:
    """Links that download ``refs`` as BibTeX and as RIS (files ``name.bib``, ``name.ris``);
    ``what`` completes each link's accessible name ("Download <what> as RIS")."""
    texts = export_texts([r.bibtex for r in refs], [r.csl for r in refs])
    return " ".join(
        f'<a class="reference-download" download="{escape_attribute(name)}.{suffix}" '
        f'href="{escape_attribute(data_url(texts[suffix], media_type))}" '
        f'aria-label="Download {escape_attribute(what)} as {label}">{label}</a>'
        for label, suffix, media_type in FORMATS
    )


def _download_line(label: str, links: str) -> str:
    return f'<p class="references-export"{_EXCLUDED}>{label}: {links}</p>'


def file_stem(text: str) -> str:
    """A file name made of ``text``: letters, digits, ``.``, ``_`` and ``-`` only."""
    return re.sub(r"[^\w.-]+", "-", text).strip("-.") or "references"


def bibliography_parts(
    refs: Sequence[Reference],
    cited_on: Mapping[str, Sequence[CitingPage]],
    url_of: Callable[[str], str],
    export: bool = False,
) -> Iterator[str]:
    """Every entry in file order, numbered by position, with "Cited on:" links to each spot:
    the HTML list in pieces, for the caller to write to the page's file or join into the page
    (a bibliography can be megabytes: no intermediate copy of it). With ``export``, each entry
    and the whole list can be downloaded as BibTeX and RIS."""
    # Out of the search index: Zensical's refuses a page of thousands of references, and under
    # MkDocs the index gets their text in one paragraph instead (bibcite.extension).
    if export:
        links = export_links(refs, "bibliography", "the whole bibliography")
        yield _download_line("Download the whole bibliography", links) + "\n"
    yield '<ol class="references bibliography" data-search-exclude="">\n'
    for ref in refs:
        pages = cited_on.get(ref.key, ())
        spots = "".join(
            _cited_on_page(page, url_of(page.path), last=n == len(pages) - 1)
            for n, page in enumerate(pages)
        )
        where = f"Cited on: {spots}" if pages else "Not cited on any page."
        download = ""
        if export:
            links = export_links([ref], file_stem(ref.key), f"reference {ref.index}")
            download = f'<div class="reference-export"{_EXCLUDED}>Download: {links}</div>'
        yield (
            f'<li id="{ref_id(ref.key)}" value="{ref.index}">{ref.item}'
            f'<div class="cited-on" data-search-exclude="">{where}</div>{download}</li>\n'
        )
    yield "</ol>"


def _cited_on_page(page: CitingPage, href: str, last: bool) -> str:
    end = "." if last else "; "
    title = escape_text(page.title)
    url = escape_attribute(href)
    if len(page.groups) == 1:
        return f'<a class="cited-on-page" href="{url}#{cite_id(page.groups[0])}">{title}</a>{end}'
    spots = ", ".join(
        f'<a class="cited-on-spot" href="{url}#{cite_id(g)}" '
        f'aria-label="{escape_attribute(page.title)}, citation {label}">{label}</a>'
        for label, g in ((backlink_label(i), g) for i, g in enumerate(page.groups))
    )
    return f'<span class="cited-on-page">{title}</span> ({spots}){end}'
