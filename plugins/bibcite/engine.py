"""The citation engine: ties syntax, numbering and rendering together per page.

Engine-neutral: a site generator calls :meth:`CitationEngine.begin_page`, converts the page
with :class:`~bibcite.syntax.CitationExtension` (which calls :meth:`render_groups`), then
:meth:`end_page`; site-wide data ("cited on", uncited entries) comes from the collected
:class:`PageCitations` once every page is converted, never from the order pages were processed.

Rendering is late. While a page is converted, each citation group and the reference list become
placeholders (HTML comments), so the Markdown serializer, the search indexer and the theme
templates never handle the citations' HTML, which is several times the size of the prose around
it (tooltips, reference lists); the ids it will have are in :meth:`PageCitations.anchors`, for
anchor checks.
:meth:`finish_page` puts the rendered HTML in place in the page's final HTML, as plain string
substitution of placeholders only this engine writes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bibcite.numbering import Numbering, assign_numbers
from bibcite.problems import Problem
from bibcite.references import BibliographyKeys, Reference
from bibcite.render import (
    CitingPage,
    cite_id,
    ref_id,
    render_group,
    render_reference_list,
)
from bibcite.syntax import CitationGroup, RenderedCitations, locate, parse_citation

# Placeholders are HTML comments: nothing for a search indexer or a browser, and cheap to
# parse (an element per citation costs the search indexer more than all the rest of the plugin).
_LIST_PLACEHOLDER = "<!--bibcite:references-->"
_PLACEHOLDERS = re.compile(r"<!--bibcite:(?:citation:(\d+)|references)-->")


_ONE_SPOT: dict[int, tuple[int]] = {}
_NO_GROUPS: frozenset[int] = frozenset()


def _spots(spots: list[int]) -> tuple[int, ...]:
    """``spots`` as a tuple; most keys are cited once on a page, and those one-group tuples
    are shared (thousands of pages hold their citing spots until the bibliography is written)."""
    if len(spots) == 1:
        one = _ONE_SPOT.get(spots[0])
        if one is None:
            one = _ONE_SPOT[spots[0]] = (spots[0],)
        return one
    return tuple(spots)


@dataclass(frozen=True, slots=True)
class PageCitations:
    """What one page cites.

    page_id: the engine's id of the page (e.g. its source path in the docs dir).
    written: the page's citation groups as written (brackets included), in document order.
    in_link: the (1-based) indices of the groups that sit in link text.
    keys: the keys found in the bibliography, in order of first citation.
    spots: for each of those keys (same order), the indices of the groups citing it.

    Every page's citations are held from its conversion until it is written, so they are kept
    compact: a string per group, parsed again into :attr:`groups` when the page is rendered
    (a microsecond or two a group), rather than a record, a tuple and an item per key (five
    times the memory; 6 MB for 20 000 groups), and the citing spots in a tuple along ``keys``
    (a dict per page is four times its size).
    """

    page_id: str
    written: tuple[str, ...]
    in_link: frozenset[int]
    keys: tuple[str, ...]
    spots: tuple[tuple[int, ...], ...]

    @classmethod
    def of(
        cls, page_id: str, groups: Sequence[CitationGroup], known: Container[str]
    ) -> PageCitations:
        citing: dict[str, list[int]] = {}
        for g in groups:
            for item in g.items:
                if item.key in known:
                    spots = citing.setdefault(item.key, [])
                    if not spots or spots[-1] != g.index:
                        spots.append(g.index)
        return cls(
            page_id,
            tuple(g.raw for g in groups),
            frozenset(g.index for g in groups if g.in_link) or _NO_GROUPS,
            tuple(citing),
            tuple(_spots(v) for v in citing.values()),
        )

    @property
    def groups(self) -> tuple[CitationGroup, ...]:
        """The page's citation groups, parsed again from :attr:`written`."""
        out = []
        for index, raw in enumerate(self.written, start=1):
            items, error = parse_citation(raw)
            out.append(CitationGroup(index, raw, items, error, index in self.in_link))
        return tuple(out)

    def summary(self) -> PageCitations:
        """The same without the groups: what site-wide pages need of it (keys and citing
        spots), and all that is kept once the page itself is written."""
        return PageCitations(self.page_id, (), _NO_GROUPS, self.keys, self.spots)

    @property
    def citing(self) -> dict[str, tuple[int, ...]]:
        """For each cited key, the indices of the groups citing it."""
        return dict(zip(self.keys, self.spots, strict=True))

    def anchors(self) -> list[str]:
        """The ids the page's final HTML gets: each citation's and each listed entry's."""
        groups = range(1, len(self.written) + 1)
        return [cite_id(i) for i in groups] + [ref_id(k) for k in self.keys]


@dataclass
class _PageState:
    page_id: str
    path: str
    read_source: Callable[[], str]
    result: PageCitations | None = None
    problems: list[Problem] = field(default_factory=list)

    @functools.cached_property
    def source(self) -> str:
        """The page's source text: read only to locate a problem (most pages have none)."""
        return self.read_source()


class CitationEngine:
    """Renders citations against one bibliography. One instance per build."""

    def __init__(
        self,
        keys: BibliographyKeys,
        numbering: Numbering = Numbering.GLOBAL,
        references_title: str = "References",
    ) -> None:
        """``keys`` are all pages need while they are converted; the formatted entries
        (:class:`~bibcite.references.ReferenceTable`) are only needed by :meth:`finish_page`
        and the bibliography, so they may still be in the making meanwhile."""
        self.keys = keys
        self.numbering = numbering
        self.references_title = references_title
        self._page: _PageState | None = None

    # -- one page ------------------------------------------------------------------------
    def begin_page(self, page_id: str, path: str, source: str | Callable[[], str]) -> None:
        """``path`` is the file shown in messages; ``source`` its text (or a function reading
        it, called only if a problem needs locating), to locate citations."""
        read = source if callable(source) else lambda: source
        self._page = _PageState(page_id, path, read)

    def render_groups(self, groups: Sequence[CitationGroup]) -> RenderedCitations:
        page = self._page or _PageState("<page>", "<page>", lambda: "")
        page.problems.extend(self._problems(page, groups))
        page.result = PageCitations.of(page.page_id, groups, self.keys)
        elements = tuple(f"<!--bibcite:citation:{g.index}-->" for g in groups)
        references = _LIST_PLACEHOLDER if page.result.keys else None
        return RenderedCitations(elements, references, self.references_title)

    def finish_page(
        self,
        page: PageCitations,
        html: str,
        refs: Mapping[str, Reference],
        index: Mapping[str, int],
    ) -> str:
        """The page's final HTML: each placeholder replaced by its rendered citation group, the
        empty reference list by the list (see the module's docstring). ``refs``: the formatted
        entries (at least the page's); ``index``: every entry's position in the file."""
        if not page.written:
            return html
        numbers = assign_numbers(page.keys, index, self.numbering)
        rendered = [render_group(g, numbers, refs) for g in page.groups]
        listing = (
            [render_reference_list(list(numbers), numbers, refs, page.citing)] if numbers else []
        )

        def fill(m: re.Match[str]) -> str:
            if m.group(1) is None:  # the list: once
                return listing.pop() if listing else m.group(0)
            i = int(m.group(1)) - 1
            return rendered[i] if 0 <= i < len(rendered) else m.group(0)

        # One pass, one new string: a page's HTML is copied once, not once per kind.
        return _PLACEHOLDERS.sub(fill, html)

    def report_unrendered(self, raws: Sequence[str]) -> None:
        """Citations the Markdown engine kept as text (image text, raw HTML blocks): a warning
        each, so none is lost without a word."""
        page = self._page or _PageState("<page>", "<page>", lambda: "")
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
        result = page.result or PageCitations(page.page_id, (), _NO_GROUPS, (), ())
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
                if item.key in self.keys:
                    continue
                line, col = locate(page.source, g.raw, occurrence, fallback=item.key)
                import difflib  # only for a mistake (a warm, clean build never needs it)

                close = difflib.get_close_matches(item.key, self.keys.keys, n=1)
                guess = f"; did you mean '{close[0]}'?" if close else ""
                problems.append(
                    Problem(
                        page.path,
                        line,
                        col,
                        f"unknown citation key '{item.key}'{guess}",
                        f"Fix the key or add an entry '{item.key}' to {self.keys.path}",
                    )
                )
        return problems

    # -- the whole site ------------------------------------------------------------------


def uncited(keys: BibliographyKeys, pages: Iterable[PageCitations]) -> list[str]:
    """The keys of the entries no page cites, in file order."""
    cited = {key for p in pages for key in p.keys}
    return [key for key in keys.keys if key not in cited]


def citation_order(pages: Iterable[PageCitations]) -> list[str]:
    """Every cited key once, in the order the pages (in the order given) first cite them."""
    return list(dict.fromkeys(key for p in pages for key in p.keys))


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
    pages: Iterable[tuple[str, str, PageCitations]], keys: set[str] | frozenset[str] | None = None
) -> dict[str, list[CitingPage]]:
    """For each key (of ``keys``, if given), the pages citing it, in the order given: (title,
    url, page citations)."""
    out: dict[str, list[CitingPage]] = {}
    for title, url, page in pages:
        cited: Iterable[tuple[str, tuple[int, ...]]]
        if keys is None:
            cited = zip(page.keys, page.spots, strict=True)
        else:  # a bibliography page lists a slice of the entries: most of a page's are not in it
            found = keys.intersection(page.keys)
            cited = ((key, page.spots[page.keys.index(key)]) for key in found)
        for key, spots in cited:
            out.setdefault(key, []).append(CitingPage(title, url, spots))
    return out
