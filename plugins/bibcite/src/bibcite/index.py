"""Stage 3a: the site's citations, read from every page's Markdown before any page is rendered.

Numbers, "cited on" lists, unknown keys and uncited entries are site-wide: they must not depend
on the order pages are rendered in, on a dirty build converting only some pages, or on an
engine keeping rendered pages from an earlier build (Zensical does). So they come from this
index of the sources. The scan finds the groups Python-Markdown's inline pattern will find
(:mod:`bibcite.syntax`), leaving out code blocks, code spans, escapes and HTML comments; each
rendered page is checked against it (:func:`bibcite.extension`), so a disagreement is reported,
never silently wrong.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bibcite.grammar import find_citations, inert_code_spans, written_code_spans
from bibcite.syntax import BIBLIOGRAPHY_MARKER, LINK_DEFINITION, parse_citation

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_TITLE_META = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.MULTILINE)
_H1 = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
#: A fence's opening line as Python-Markdown's fenced code and pymdownx.superfences accept it:
#: a language, ``{attributes}`` or ``key="value"`` options, nothing else (```` ```@1 ```` is text).
_FENCE = re.compile(
    r"^[ \t]*(`{3,}|~{3,})[ \t]*(?:\.?[\w#.+-]+(?=[ \t]|$))?(?:[ \t]*\{[^\n]*\}|"
    r"(?:[ \t]*[A-Za-z]\w*(?:=(?:\"[^\"]*\"|'[^']*'))?(?=[ \t]|$))*)[ \t]*$"
)
#: A line that closes a fence: the same fence alone (four backticks do not close three).
_FENCE_END = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*$")
_CONTAINER = re.compile(r"^[ ]{0,3}(?:[-*+][ \t]|\d+[.)][ \t]|!!!|\?\?\?|===|\[\^[^\]]+\]:|:[ \t])")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_QUOTE = re.compile(r"^[ ]{0,3}(?:>[ ]?)+")
# Python-Markdown leaves a raw HTML block alone (as text) unless it asks for markdown="1".
_HTML_BLOCK = re.compile(
    r"^<(?:address|article|aside|blockquote|details|div|dl|fieldset|figure|footer|form|header|"
    r"nav|ol|p|pre|section|table|ul)\b(?![^>]*\bmarkdown=)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class PageRecord:
    """What one page cites, as its source says.

    path: the page's source, relative to the docs folder (``guide/a.md``).
    title: its front matter ``title``, else its first ``# `` heading, else its file name.
    groups: its citation groups as written (brackets included), in document order; the n-th
    group gets the id ``cite-n`` on the rendered page.
    has_bibliography: it holds the marker of the whole bibliography.
    cites: each key cited, in order of first citation, with the (1-based) groups citing it.
    malformed: some group is not a well-formed citation.
    """

    path: str
    title: str
    groups: tuple[str, ...]
    has_bibliography: bool
    cites: tuple[tuple[str, tuple[int, ...]], ...]
    malformed: bool


def parse_groups(groups: Iterable[str]) -> tuple[tuple[tuple[str, tuple[int, ...]], ...], bool]:
    """A page's ``cites`` and ``malformed``, from its groups (kept in the cache with them, so
    an unchanged page's groups are not parsed again)."""
    out: dict[str, list[int]] = {}
    malformed = False
    for index, raw in enumerate(groups, start=1):
        items, error = parse_citation(raw)
        malformed = malformed or bool(error)
        for item in items:
            spots = out.setdefault(item.key, [])
            if not spots or spots[-1] != index:
                spots.append(index)
    return tuple((key, tuple(spots)) for key, spots in out.items()), malformed


def scan_page(path: str, text: str) -> PageRecord:
    """Read a page's title and citation groups from its Markdown (front matter included)."""
    body = text
    title = ""
    if front := _FRONT_MATTER.match(text):
        body = text[front.end() :]
        if meta := _TITLE_META.search(front.group(0)):
            title = meta.group(1).strip("'\"")
    prose = _prose(body)
    if not title:
        heading = _H1.search(prose)
        title = heading.group(1) if heading else _stem(path)
    groups = tuple(written_code_spans(raw) for raw in find_citations(prose))
    marker = re.search(rf"^{re.escape(BIBLIOGRAPHY_MARKER)}[ \t]*$", prose, re.MULTILINE)
    return PageRecord(path, title, groups, marker is not None, *parse_groups(groups))


def _stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1].removesuffix(".md")
    return name.replace("-", " ").replace("_", " ").capitalize()


def _prose(text: str) -> str:
    """``text`` without fenced and indented code, HTML comments, link reference definitions
    and code spans."""
    kept: list[str] = []
    fence: str | None = None
    in_container = in_html = False
    previous_blank = True
    lines = text.split("\n")
    closers = _fence_ends(lines)
    for number, line in enumerate(lines):
        line = _QUOTE.sub("", line)  # a quote's text is prose like any other
        blank = not line.strip()
        if in_html or (previous_blank and _HTML_BLOCK.match(line)):
            in_html = not blank
            kept.append("")
        elif fence is not None:
            if (end := _FENCE_END.match(line)) and end.group(1) == fence:
                fence = None
            kept.append("")
        elif (m := _FENCE.match(line)) and _closed(closers.get(m.group(1), []), number):
            fence = m.group(1)  # a fence that is closed further down: an unclosed one is text
            kept.append("")
        elif blank:
            kept.append(line)
        elif line.startswith(("    ", "\t")) and previous_blank and not in_container:
            kept.append("")  # an indented code block
        elif LINK_DEFINITION.match(line):
            kept.append("")  # a link reference definition: Markdown keeps none of it as text
        else:
            if not line.startswith((" ", "\t")):
                in_container = bool(_CONTAINER.match(line))
            elif _CONTAINER.match(line):
                in_container = True
            kept.append(line)
        previous_blank = blank
    joined = _COMMENT.sub("", "\n".join(kept))
    # Code spans do not cross a blank line. Each stays in the text as written, inert (so
    # `[@`a`]` is a malformed group, as Markdown reads it, and `` `@a` `` is none).
    return "\n\n".join(inert_code_spans(part) for part in joined.split("\n\n"))


def _fence_ends(lines: list[str]) -> dict[str, list[int]]:
    """The numbers of the lines that could close each fence (``"```"``: [3, 9])."""
    ends: dict[str, list[int]] = {}
    for number, line in enumerate(lines):
        if m := _FENCE_END.match(_QUOTE.sub("", line)):
            ends.setdefault(m.group(1), []).append(number)
    return ends


def _closed(ends: list[int], opening: int) -> bool:
    """Some line after ``opening`` closes its fence (a search: a page of unclosed fences of
    every length stays linear)."""
    return bisect.bisect_right(ends, opening) < len(ends)


@dataclass(frozen=True, slots=True)
class CitingPage:
    """A page citing an entry, for the bibliography's "cited on" lists.

    path: its source, relative to the docs folder. title: its title.
    groups: the (1-based) indices of its citation groups that cite the entry.
    """

    path: str
    title: str
    groups: tuple[int, ...]


@dataclass(frozen=True)
class SiteIndex:
    """Every page's citations. pages: by source path, in sorted path order."""

    pages: Mapping[str, PageRecord]

    def cited_on(self) -> dict[str, list[CitingPage]]:
        """For each cited key, the pages citing it, in path order."""
        out: dict[str, list[CitingPage]] = {}
        for record in self.pages.values():
            for key, groups in record.cites:
                out.setdefault(key, []).append(CitingPage(record.path, record.title, groups))
        return out

    def cited_keys(self) -> set[str]:
        return {key for record in self.pages.values() for key, _ in record.cites}


def make_index(records: Iterable[PageRecord]) -> SiteIndex:
    return SiteIndex({r.path: r for r in sorted(records, key=lambda r: r.path)})
