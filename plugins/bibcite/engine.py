"""The citation engine: ties syntax, numbering and rendering together per page.

Engine-neutral: a site generator calls :meth:`CitationEngine.begin_page`, converts the page
with :class:`~bibcite.syntax.CitationExtension` (which calls :meth:`render_groups`), then
:meth:`end_page`; site-wide data ("cited on", uncited entries) comes from the collected
:class:`PageCitations` once every page is converted, never from the order pages were processed.

Rendering is late. While a page is converted, each citation group becomes an empty placeholder
element (with its final id, for anchor checks) and the reference list an empty ``<ol>``: so the
Markdown serializer, the search indexer and the theme templates never handle the citations'
HTML, which is several times the size of the prose around it (tooltips, reference lists).
:meth:`finish_page` puts the rendered HTML in place in the page's final HTML, as plain string
substitution of placeholders only this engine writes.
"""

from __future__ import annotations

import difflib
import re
import xml.etree.ElementTree as etree
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bibcite.numbering import Numbering, assign_numbers
from bibcite.problems import Problem
from bibcite.references import ReferenceTable
from bibcite.render import (
    REFERENCE_LIST_PLACEHOLDER,
    CitingPage,
    cite_id,
    render_bibliography,
    render_group,
    render_reference_list,
    search_text,
)
from bibcite.syntax import CitationGroup, RenderedCitations, locate

# A group's placeholder as Python-Markdown serializes it (attributes sorted): an empty citation.
_PLACEHOLDER = re.compile(r'<span class="citation" id="cite-(\d+)"></span>')


@dataclass(frozen=True)
class PageCitations:
    """What one page cites.

    page_id: the engine's id of the page (e.g. its source path in the docs dir).
    groups: the page's citation groups in document order.
    numbers: the number each resolved key got on this page.
    """

    page_id: str
    groups: tuple[CitationGroup, ...]
    numbers: Mapping[str, int]

    def groups_citing(self, key: str) -> tuple[int, ...]:
        return tuple(g.index for g in self.groups if any(i.key == key for i in g.items))


@dataclass
class _PageState:
    page_id: str
    path: str
    source: str
    result: PageCitations | None = None
    problems: list[Problem] = field(default_factory=list)


class CitationEngine:
    """Renders citations against one bibliography. One instance per build."""

    def __init__(
        self,
        references: ReferenceTable,
        numbering: Numbering = Numbering.GLOBAL,
        references_title: str = "References",
    ) -> None:
        self.references = references
        self.numbering = numbering
        self.references_title = references_title
        self._global_index = {r.key: r.index for r in references}
        self._page: _PageState | None = None

    # -- one page ------------------------------------------------------------------------
    def begin_page(self, page_id: str, path: str, source: str) -> None:
        """``path`` is the file shown in messages; ``source`` its text, to locate citations."""
        self._page = _PageState(page_id, path, source)

    def render_groups(self, groups: Sequence[CitationGroup]) -> RenderedCitations:
        page = self._page or _PageState("<page>", "<page>", "")
        keys = [item.key for g in groups for item in g.items]
        numbers = assign_numbers(keys, self._global_index, self.numbering)
        page.problems.extend(self._problems(page, groups))
        page.result = PageCitations(page.page_id, tuple(groups), numbers)
        elements = tuple(
            etree.Element("span", {"class": "citation", "id": cite_id(g.index)}) for g in groups
        )
        references = None
        if numbers:
            references = etree.Element("ol", {"class": "references", "data-search-exclude": ""})
        return RenderedCitations(elements, references, self.references_title)

    def finish_page(self, page: PageCitations, html: str) -> str:
        """The page's final HTML: each placeholder replaced by its rendered citation group, the
        empty reference list by the list (see the module's docstring)."""
        if not page.groups:
            return html
        refs = self.references.by_key
        rendered = [render_group(g, page.numbers, refs) for g in page.groups]

        def group(m: re.Match[str]) -> str:
            i = int(m.group(1)) - 1
            return rendered[i] if i < len(rendered) else m.group(0)

        html = _PLACEHOLDER.sub(group, html)
        if page.numbers:
            backlinks = {key: page.groups_citing(key) for key in page.numbers}
            listing = render_reference_list(list(page.numbers), page.numbers, refs, backlinks)
            html = html.replace(REFERENCE_LIST_PLACEHOLDER, listing, 1)
        return html

    def report_unrendered(self, raws: Sequence[str]) -> None:
        """Citations the Markdown engine kept as text (image text, raw HTML blocks): a warning
        each, so none is lost without a word."""
        page = self._page or _PageState("<page>", "<page>", "")
        seen: dict[str, int] = {}
        for raw in raws:
            occurrence = seen.get(raw, 0)
            seen[raw] = occurrence + 1
            line, col = _locate_unrendered(page.source, raw, occurrence)
            page.problems.append(
                Problem(
                    page.path,
                    line,
                    col,
                    f"citation '{' '.join(raw.split())}' is not rendered: it is in image text or "
                    "in a raw HTML block",
                    'Move it into the text, or add markdown="1" to the HTML block; '
                    "escape a literal bracket as \\[@",
                )
            )

    def end_page(self) -> tuple[PageCitations, list[Problem]]:
        page, self._page = self._page, None
        if page is None:
            raise RuntimeError("end_page() without begin_page()")
        result = page.result or PageCitations(page.page_id, (), {})
        return result, page.problems

    def _problems(self, page: _PageState, groups: Sequence[CitationGroup]) -> list[Problem]:
        problems = []
        seen: dict[str, int] = {}
        for g in groups:
            occurrence = seen.get(g.raw, 0)
            seen[g.raw] = occurrence + 1
            if g.error:
                line, col = locate(page.source, g.raw, occurrence)
                problems.append(
                    Problem(
                        page.path,
                        line,
                        col,
                        g.error,
                        "Write citations as [@key], [@a; @b] or [@key, p. 3]; "
                        "escape a literal bracket as \\[@",
                    )
                )
                continue
            for item in g.items:
                if item.key in self._global_index:
                    continue
                line, col = locate(page.source, g.raw, occurrence, fallback=item.key)
                close = difflib.get_close_matches(item.key, self._global_index, n=1)
                guess = f"; did you mean '{close[0]}'?" if close else ""
                problems.append(
                    Problem(
                        page.path,
                        line,
                        col,
                        f"unknown citation key '{item.key}'{guess}",
                        f"Fix the key or add an entry '{item.key}' to {self.references.path}",
                    )
                )
        return problems

    # -- the whole site ------------------------------------------------------------------
    def render_bibliography(self, cited_on: Mapping[str, Sequence[CitingPage]]) -> str:
        """Every entry, with the spots that cite it (for the bibliography page's final HTML)."""
        return render_bibliography(self.references.references, cited_on)

    def bibliography_search_text(self) -> str:
        """What the bibliography page holds while a search index is built (see
        :func:`~bibcite.render.search_text`); :meth:`render_bibliography` replaces it."""
        return search_text(self.references.references)

    def uncited(self, pages: Iterable[PageCitations]) -> list[str]:
        cited = {key for p in pages for key in p.numbers}
        return [r.key for r in self.references if r.key not in cited]


def _locate_unrendered(source: str, raw: str, occurrence: int) -> tuple[int, int]:
    """Where an unrendered group is: preferably an occurrence inside ``![...]`` or on a line
    starting with ``<`` (image text, HTML block), else any occurrence."""
    pattern = re.compile(re.escape(raw))
    spots = [
        m.start()
        for m in pattern.finditer(source)
        if re.search(
            r"!\[[^\]\n]*$|^\s*<", source[source.rfind("\n", 0, m.start()) + 1 : m.start()]
        )
        or "<" in source[max(0, source.rfind("\n\n", 0, m.start())) : m.start()]
    ]
    if not spots:
        return locate(source, raw, occurrence)
    pos = spots[min(occurrence, len(spots) - 1)]
    return source.count("\n", 0, pos) + 1, pos - (source.rfind("\n", 0, pos) + 1) + 1


def cited_on(
    pages: Iterable[tuple[str, str, PageCitations]],
) -> dict[str, list[CitingPage]]:
    """For each key, the pages citing it, in the order given: (title, url, page citations)."""
    out: dict[str, list[CitingPage]] = {}
    for title, url, page in pages:
        for key in page.numbers:
            out.setdefault(key, []).append(CitingPage(title, url, page.groups_citing(key)))
    return out
