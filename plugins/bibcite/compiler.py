"""Builds the reference table of a .bib file: parse with pybtex, format every entry once with
the style, and make each entry's list item (the formatted reference and its links).

The only stage that needs pybtex; :mod:`bibcite.references` imports it only when no cached
table fits. Nothing here raises on bad input: problems are returned, as everywhere in the core.
"""

from __future__ import annotations

import functools
import os
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

from pybtex.backends.plaintext import Backend as PlainTextBackend

from bibcite import cache
from bibcite.bibliography import CHUNK_ENTRIES, BibEntry, read_entries
from bibcite.bibtext import read_text
from bibcite.formatting import (
    FormattedReference,
    ReferenceFormatter,
    escape_attribute,
    escape_text,
)
from bibcite.problems import Problem, Severity
from bibcite.references import Reference, ReferenceTable
from bibcite.style import decode_latex
from bibcite.versions import style_version

WEB_TYPES = frozenset({"online", "misc", "electronic", "www"})


def make_formatter(style: str, cache_dir: str | os.PathLike[str] | None) -> ReferenceFormatter:
    """The formatter, with the on-disk cache of formatted entries if there is a cache dir."""
    disk = cache.load(Path(cache_dir), style, style_version(style)) if cache_dir else None
    return ReferenceFormatter(style, disk)


@dataclass(frozen=True)
class Compiled:
    """What :func:`compile_table` made (plain data: it may cross a process boundary).

    references: the table's rows, in file order (empty if the file cannot be rendered).
    problems: those of the .bib file (an ERROR means no table).
    formatting: those of formatting its entries (undecodable LaTeX...).
    digest: hash of the file's bytes. formatted: entries actually run through the style.
    cache_error: why the per-entry cache could not be saved, or None.
    """

    references: tuple[Reference, ...]
    problems: tuple[Problem, ...]
    formatting: tuple[Problem, ...]
    digest: str
    formatted: int
    cache_error: str | None = None

    def table(self, path: str) -> ReferenceTable | None:
        if any(p.severity is Severity.ERROR for p in self.problems):
            return None
        return ReferenceTable.of(path, self.digest, self.references, self.formatting)


def compile_table(
    path: str | os.PathLike[str],
    shown: str,
    formatter: ReferenceFormatter,
    chunk_entries: int = CHUNK_ENTRIES,
) -> Compiled:
    """Parse the .bib file ``chunk_entries`` entries at a time and format each entry as it
    comes (so pybtex's objects for one piece at a time are alive), then save the formatter's
    per-entry cache."""
    text, digest, problems = read_text(path, shown)
    if text is None:
        return Compiled((), tuple(problems), (), digest, 0)
    before = formatter.formatted_count
    refs: list[Reference] = []
    for chunk in read_entries(text, shown, problems, chunk_entries):
        refs.extend(reference(entry, formatter, shown) for entry in chunk)
    formatting = tuple(formatter.take_problems())
    error = formatter.save()
    done = formatter.formatted_count - before
    return Compiled(tuple(refs), tuple(problems), formatting, digest, done, error)


def reference(entry: BibEntry, formatter: ReferenceFormatter, shown: str) -> Reference:
    """One entry formatted (once: the formatter memoizes), as the table holds it."""
    ref = formatter.format(entry, shown)
    return Reference(entry.key, entry.index, entry.line, ref.text, reference_item(entry, ref))


# -- an entry's list item ---------------------------------------------------------------------


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


def _markup(ref: FormattedReference) -> str:
    """The formatted reference's HTML, checked: it is escaped XHTML, as Python-Markdown's
    serializer writes it (:class:`bibcite.formatting.FormattedReference`); anything that does
    not parse is shown as its plain text rather than inserted raw."""
    try:
        etree.fromstring(f"<span>{ref.html}</span>")
    except etree.ParseError:
        return escape_text(ref.text)
    return ref.html


def web_url(entry: BibEntry) -> str | None:
    """The ``url`` of a web source (``@online``/``@misc``), if it is an http(s) address."""
    url = entry.fields.get("url", "").strip()
    return url if re.match(r"(?i)https?://[^\s\"'<>]+$", url) else None


def reference_item(entry: BibEntry, ref: FormattedReference) -> str:
    """The inner HTML of an entry's list item, the same on every page: the formatted reference
    and its links (PubMed and DOI, or the web page), escaped as Python-Markdown escapes."""
    parts = [f'<span class="reference-text">{_markup(ref)}</span>']
    web = web_url(entry) if entry.type in WEB_TYPES else None
    if web:  # a web page is not in PubMed: link the page itself
        links = [("reference-web", web, "Online")]
    else:
        links = [("reference-pubmed", pubmed_url(entry), "PubMed")]
        doi = doi_url(entry)
        if doi:
            links.append(("reference-doi", doi, "DOI"))
    for cls, href, text in links:
        parts.append(f'<a class="{cls}" href="{escape_attribute(href)}" rel="noopener">{text}</a>')
    return " ".join(parts) + " "
