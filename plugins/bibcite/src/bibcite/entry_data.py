"""Stage 4, beside formatting: each entry as data for readers to take away, made once per
entry and kept in the cache (:mod:`bibcite.export` writes the downloads from it).

BibTeX is written by pybtex from the entry as parsed, so it parses back to the same entry; an
entry that inherits through ``crossref`` is written with the inherited fields and persons in
it, so that it stands alone. CSL-JSON is the Citation Style Language's data format (the one
Zotero and pandoc read): plain text, LaTeX decoded; RIS and a page's metadata are made from it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from pybtex.backends.plaintext import Backend as PlainTextBackend
from pybtex.database import BibliographyData, Entry
from pybtex.database.output.bibtex import Writer

from bibcite.bibliography import BibEntry
from bibcite.latex import decode_latex

_PLAIN = PlainTextBackend()

#: BibTeX entry type → CSL type.
_TYPES: Mapping[str, str] = {
    "article": "article-journal",
    "book": "book",
    "inbook": "chapter",
    "incollection": "chapter",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "techreport": "report",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def standalone_entry(entry: BibEntry) -> Entry:
    """The pybtex entry with what it inherits through ``crossref`` copied in (and no
    ``crossref``), so that it parses alone."""
    own = entry.entry
    parent_key = own.fields.get("crossref")
    parent = None
    if parent_key and entry.database is not None:
        parent = entry.database.entries.get(str(parent_key))
    if parent is None:
        return own
    fields = {k: v for k, v in parent.fields.items() if k.lower() != "crossref"}
    fields.update((k, v) for k, v in own.fields.items() if k.lower() != "crossref")
    persons = {role: list(people) for role, people in parent.persons.items()}
    persons.update((role, list(people)) for role, people in own.persons.items())
    return Entry(own.type, fields=fields, persons=persons)


class _SourceWriter(Writer):  # type: ignore[misc]
    """pybtex's BibTeX writer, writing each value as it was parsed: a parsed value is BibTeX
    text already, and encoding it again as LaTeX (``_`` as ``\\_``, ``&`` as ``\\&``) would not
    parse back to the same value."""

    def _encode(self, text: str) -> str:
        return text


def entry_bibtex(entry: BibEntry) -> str:
    """The entry as a BibTeX record (pybtex's writer)."""
    stream = io.StringIO()
    _SourceWriter(encoding="UTF-8").write_stream(
        BibliographyData({entry.key: standalone_entry(entry)}), stream
    )
    return stream.getvalue()


def _plain(value: object) -> str:
    text, issues = decode_latex(str(value))
    if issues:
        return re.sub(r"[{}\\]", "", str(value))
    return re.sub(r"\s+", " ", str(text.render(_PLAIN))).strip()


def _name(person: Any) -> dict[str, str]:
    family = " ".join([*person.prelast_names, *person.last_names])
    given = " ".join([*person.first_names, *person.middle_names])
    name = {"family": _plain(family)}
    if given:
        name["given"] = _plain(given)
    return name


def _date_parts(fields: Mapping[str, Any]) -> list[int]:
    year = re.search(r"\d{4}", str(fields.get("year", "")))
    if not year:
        return []
    parts = [int(year.group())]
    month = str(fields.get("month", "")).strip().lower()[:3]
    if month in _MONTHS:
        parts.append(_MONTHS.index(month) + 1)
    elif month.isdigit() and 1 <= int(month) <= 12:
        parts.append(int(month))
    day = str(fields.get("day", "")).strip()
    if len(parts) == 2 and day.isdigit():
        parts.append(int(day))
    return parts


def entry_csl(entry: BibEntry) -> dict[str, Any]:
    """The entry as a CSL-JSON item (plain text, LaTeX decoded)."""
    whole = standalone_entry(entry)
    fields = whole.fields
    csl_type = _TYPES.get(whole.type.lower(), "document")
    item: dict[str, Any] = {"id": entry.key, "type": csl_type}
    for csl_name, names in (
        ("title", ("title",)),
        ("container-title", ("journal", "booktitle", "organization", "publisher")),
        ("volume", ("volume",)),
        ("issue", ("number",)),
        ("page", ("pages",)),
        ("DOI", ("doi",)),
        ("PMID", ("pmid",)),
        ("URL", ("url",)),
    ):
        value = next((fields[n] for n in names if str(fields.get(n, "")).strip()), None)
        if value is not None:
            item[csl_name] = _plain(value)
    authors = [_name(p) for p in whole.persons.get("author", ()) if str(p) != "others"]
    if authors:
        item["author"] = authors
    parts = _date_parts(fields)
    if parts:
        item["issued"] = {"date-parts": [parts]}
    return item
