"""The record of a formatted entry, as pages use it (made by :mod:`bibcite.formatting`, kept in
the cache, rendered by :mod:`bibcite.render`): a module of its own, so that a build whose
bibliography comes from the cache never imports pybtex."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
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
