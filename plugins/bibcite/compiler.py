"""Builds the reference table of a .bib file: parse with pybtex, format every entry once with
the style, and make each entry's list item (the formatted reference and its links).

The only stage that needs pybtex; :mod:`bibcite.references` imports it only when no cached
table fits. Nothing here raises on bad input: problems are returned, as everywhere in the core.
"""

from __future__ import annotations

import functools
import json
import os
import pickle
import re
import select
import sys
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, quote_plus

from markdown.serializers import to_html_string
from pybtex.backends.plaintext import Backend as PlainTextBackend

from bibcite import cache
from bibcite.bibliography import BibEntry, read_entries
from bibcite.bibtext import read_text
from bibcite.formatting import FormattedReference, ReferenceFormatter
from bibcite.problems import Problem, Severity
from bibcite.references import Reference, ReferenceTable, write_table
from bibcite.style import decode_latex
from bibcite.syntax import escape_ampersands
from bibcite.versions import style_version

WEB_TYPES = frozenset({"online", "misc", "electronic", "www"})


#: Entries parsed at a time: pybtex's objects for a whole large file would take several times
#: the memory of the table made from them.
CHUNK_ENTRIES = 500


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
        refs.extend(_reference(entry, formatter, shown) for entry in chunk)
    formatting = tuple(formatter.take_problems())
    error = formatter.save()
    done = formatter.formatted_count - before
    return Compiled(tuple(refs), tuple(problems), formatting, digest, done, error)


def _reference(entry: BibEntry, formatter: ReferenceFormatter, shown: str) -> Reference:
    """One entry formatted (once: the formatter memoizes), as the table holds it."""
    ref = formatter.format(entry, shown)
    return Reference(entry.key, entry.index, entry.line, ref.text, reference_item(entry, ref))


def main(argv: list[str]) -> None:
    """The worker process of ``bibcite.references``: builds a table while that process converts
    pages, and streams it back. ``argv``: ``[json.dumps([path, shown, style, cache_dir])]``.

    Messages on stdout, each a 4-byte length then a pickle: ``("parsed", [(key, index, line)],
    problems, digest)`` once the file is parsed; ``("refs", [Reference, ...])`` as entries are
    formatted; ``("done", formatting_problems, formatted_count, cache_error)``. Entries are
    formatted in file order until a line of JSON on stdin gives the order the pages need them
    in (the caller then reads them as it writes the pages); the rest follow in file order.
    """
    path, shown, style, cache_dir = json.loads(argv[0])
    out = sys.stdout.buffer
    formatter = make_formatter(style, cache_dir)
    text, digest, problems = read_text(path, shown)
    entries: dict[str, BibEntry] = {}
    readable = text is not None
    if text is not None:
        for chunk in read_entries(text, shown, problems, CHUNK_ENTRIES):
            for entry in chunk:
                entry.__dict__.pop("entry", None)  # pybtex's objects: made again one at a time
                entries[entry.key] = entry
        del text
    parsed = [(e.key, e.index, e.line) for e in entries.values()]
    _send(out, ("parsed", parsed, problems, digest))
    if not readable or any(p.severity is Severity.ERROR for p in problems):
        entries = {}
    todo, order_read, batch = list(entries), False, []
    done: dict[str, Reference] = {}
    position = 0
    while position < len(todo):
        if not order_read and select.select([sys.stdin], [], [], 0)[0]:
            order_read = True
            wanted = [k for k in json.loads(sys.stdin.readline() or "[]") if k in entries]
            todo = [k for k in dict.fromkeys([*wanted, *todo]) if k not in done]
            position = 0
            continue
        entry = entries[todo[position]]
        position += 1
        done[entry.key] = _reference(entry, formatter, shown)
        batch.append(done[entry.key])
        entry.__dict__.pop("entry", None)
        if len(batch) >= 32:
            _send(out, ("refs", batch))
            batch = []
    _send(out, ("refs", batch))  # the last ones: the build can write its last pages meanwhile
    formatting = formatter.take_problems()
    error = formatter.save()
    if entries and cache_dir:  # the table, for the next build (written here, off the build)
        refs = tuple(sorted(done.values(), key=lambda r: r.index))
        table = ReferenceTable.of(shown, digest, refs, tuple(formatting))
        write_table(Path(cache_dir), table, problems, style)
    _send(out, ("done", formatting, formatter.formatted_count, error))
    out.flush()
    os._exit(0)  # no interpreter teardown: the parent is waiting, and nothing is left to do


def _send(out: BinaryIO, message: tuple[object, ...]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(data).to_bytes(4, "big") + data)
    out.flush()


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


def reference_item(entry: BibEntry, ref: FormattedReference) -> str:
    """The inner HTML of an entry's list item, the same on every page: the formatted reference
    and its links (PubMed and DOI, or the web page), escaped as Python-Markdown escapes."""
    li = etree.Element("li")
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
    html: str = to_html_string(escape_ampersands(li))
    return html[len("<li>") : -len("</li>")]
