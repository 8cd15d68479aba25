"""The record of a formatted entry, as pages use it (made by :mod:`bibcite.formatting`, kept in
the cache, rendered by :mod:`bibcite.render`), and the table of a build's entries read from the
cache: a module of its own, so that a build whose bibliography comes from the cache never
imports pybtex."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bibcite.escaping import escape_text
from bibcite.store import Store


@dataclass(frozen=True)
class Reference:
    """One entry, ready for pages.

    key: the citation key. index: its global number (position among all entries).
    path, line: where the entry is (its .bib file as the user knows it, and the line).
    text: the formatted reference as plain text (tooltips, search).
    item: the inner HTML of its list item: the formatted reference and its links (PubMed and
    DOI, or the web page), every value escaped. The same on every page that lists it.
    short_author: the style's short author form for author-in-text citations (``Reiter et
    al.``, ``Weinel and Callen``, ``Smith``), plain text; ``""`` when the entry has no names.
    bibtex: the entry as a standalone BibTeX record; csl: the entry as a CSL-JSON item (a JSON
    object). Both ``""`` unless the site exports references (:mod:`bibcite.export`).
    """

    key: str
    index: int
    path: str
    line: int
    text: str
    item: str
    short_author: str = ""
    bibtex: str = ""
    csl: str = ""


@dataclass(frozen=True)
class Place:
    """Where an entry is, without its formatted text: what a build holds for every entry.

    key, index, path, line: as in :class:`Reference`. stored: the key of its formatted text
    (text, item, short author, BibTeX, CSL-JSON, problems) in the cache.
    """

    key: str
    index: int
    path: str
    line: int
    stored: str


class References(Mapping[str, Reference]):
    """Every entry of a build by key, in bibliography order: the places in memory, the formatted
    text read from the cache for the keys a page cites (:meth:`some`) or in batches (iterating
    :meth:`in_order`), so that a build never holds every formatted entry (BENCHMARKS.md).

    ``kept``: formatted rows by stored key that the cache could not keep (it failed to write);
    read from here first. A row found in neither is shown as its key, and :attr:`failure` says
    why, for the extension to report.
    """

    def __init__(
        self, places: Iterable[Place], store: Store, kept: Mapping[str, list[Any]] | None = None
    ) -> None:
        self._places = {p.key: p for p in places}
        self._store = store
        self._kept = kept or {}
        self.failure = ""

    def __getitem__(self, key: str) -> Reference:
        return self.some([key])[key]

    def __contains__(self, key: object) -> bool:
        return key in self._places

    def __iter__(self) -> Iterator[str]:
        return iter(self._places)

    def __len__(self) -> int:
        return len(self._places)

    def place(self, key: str) -> Place:
        return self._places[key]

    def places(self) -> Iterable[Place]:
        return self._places.values()

    def some(self, keys: Iterable[str]) -> dict[str, Reference]:
        """The entries of ``keys`` (each at most once); a key with no entry raises KeyError."""
        wanted = [self._places[key] for key in dict.fromkeys(keys)]
        rows = {p.stored: self._kept[p.stored] for p in wanted if p.stored in self._kept}
        rows.update(self._store.get_many(p.stored for p in wanted if p.stored not in rows))
        found: dict[str, Reference] = {}
        for p in wanted:
            row = rows.get(p.stored)
            if row is None:
                self.failure = self.failure or (
                    f"the formatted entry '{p.key}' is missing from the cache"
                    + (f" ({self._store.error})" if self._store.error else "")
                )
                row = [p.key, escape_text(p.key), "", "", ""]
            text, item, short, bibtex, csl = row[:5]
            found[p.key] = Reference(p.key, p.index, p.path, p.line, text, item, short, bibtex,
                                     csl)  # fmt: skip
        return found

    def in_order(self) -> Iterable[Reference]:
        """Every entry in bibliography order, read in batches; can be iterated again."""
        return _InOrder(self)


class _InOrder:
    def __init__(self, refs: References) -> None:
        self._refs = refs

    def __iter__(self) -> Iterator[Reference]:
        keys = list(self._refs)
        for start in range(0, len(keys), _BATCH):
            yield from self._refs.some(keys[start : start + _BATCH]).values()


#: Entries read from the cache at once for the bibliography: SQLite's limit on parameters.
_BATCH = 500
