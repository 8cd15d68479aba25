"""The citation engine: ties syntax, numbering, formatting and rendering together per page.

Engine-neutral: a site generator calls :meth:`CitationEngine.begin_page`, converts the page
with :class:`~bibcite.syntax.CitationExtension` (which calls :meth:`render_groups`), then
:meth:`end_page`; site-wide data ("cited on", uncited entries) comes from the collected
:class:`PageCitations` once every page is converted, never from the order pages were processed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bibcite.bibliography import Bibliography
from bibcite.formatting import FormattedReference, ReferenceFormatter
from bibcite.numbering import Numbering, assign_numbers
from bibcite.problems import Problem
from bibcite.render import (
    CitingPage,
    render_bibliography,
    render_group,
    render_reference_list,
    to_html,
)
from bibcite.syntax import CitationGroup, RenderedCitations, locate


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
        bibliography: Bibliography,
        formatter: ReferenceFormatter,
        numbering: Numbering = Numbering.GLOBAL,
        references_title: str = "References",
    ) -> None:
        self.bibliography = bibliography
        self.formatter = formatter
        self.numbering = numbering
        self.references_title = references_title
        self._global_index = {e.key: e.index for e in bibliography.entries}
        self._page: _PageState | None = None

    def reference(self, key: str) -> FormattedReference:
        return self.formatter.format(self.bibliography[key], self.bibliography.path)

    # -- one page ------------------------------------------------------------------------
    def begin_page(self, page_id: str, path: str, source: str) -> None:
        """``path`` is the file shown in messages; ``source`` its text, to locate citations."""
        self._page = _PageState(page_id, path, source)

    def render_groups(self, groups: Sequence[CitationGroup]) -> RenderedCitations:
        page = self._page or _PageState("<page>", "<page>", "")
        keys = [item.key for g in groups for item in g.items]
        numbers = assign_numbers(keys, self._global_index, self.numbering)
        refs = {key: self.reference(key) for key in numbers}
        page.problems.extend(self._problems(page, groups))
        elements = tuple(render_group(g, numbers, refs) for g in groups)
        page.result = PageCitations(page.page_id, tuple(groups), numbers)
        references = None
        if numbers:
            entries = [self.bibliography[k] for k in numbers]
            backlinks = {key: page.result.groups_citing(key) for key in numbers}
            references = render_reference_list(entries, numbers, refs, backlinks)
        return RenderedCitations(elements, references, self.references_title)

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
                        f"Fix the key or add an entry '{item.key}' to {self.bibliography.path}",
                    )
                )
        return problems

    # -- the whole site ------------------------------------------------------------------
    def render_bibliography(self, cited_on: Mapping[str, Sequence[CitingPage]]) -> str:
        entries = self.bibliography.entries
        refs = {e.key: self.reference(e.key) for e in entries}
        return to_html(render_bibliography(entries, refs, cited_on))

    def uncited(self, pages: Iterable[PageCitations]) -> list[str]:
        cited = {key for p in pages for key in p.numbers}
        return [e.key for e in self.bibliography.entries if e.key not in cited]


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
