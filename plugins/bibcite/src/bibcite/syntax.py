"""Stage 2: the citation syntax, as a Python-Markdown extension.

Pandoc's citations (:mod:`bibcite.grammar`): groups ``[see @a, p. 3; -@b]`` and author-in-text
``@a`` / ``@a [p. 3]`` are recognised by two inline patterns that Python-Markdown runs after code
spans, backslash escapes, links, autolinks and inline HTML (higher priorities). So code spans,
fenced code, ``\\[@escaped]``, ``\\@``, e-mail addresses and links are never taken for
citations, by construction rather than by a regex over raw Markdown.

The inline pattern only leaves a placeholder per citation group, in Python-Markdown's stash of
raw HTML. Once the whole page is parsed, a tree processor hands every group, in document order,
to a :class:`CitationHandler` (numbering and rendering live elsewhere) and puts what it returns
in the stash in place of the placeholder.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from markdown import Markdown
from markdown.blockprocessors import BlockProcessor, ReferenceProcessor
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from bibcite.grammar import (
    GROUP,
    IN_TEXT,
    KEY,
    CitationItem,
    find_citations,
    is_citation_group,
    parse_citation,
)

__all__ = ["KEY", "CitationGroup", "CitationItem", "parse_citation", "register_syntax"]

# Bracketed groups starting with `@`, for a host extension that reads its own sources.
CITATION_PATTERN = r"\[(@[^\[\]]*)\](?!\()"
# What a group is in the stash until it is rendered (an HTML comment: nothing in a TOC label).
_MARKER = "<!--bibcite-->"
# After inline patterns (the "inline" tree processor, 20), before attr_list (8) and toc (5),
# so the References heading gets a permalink and a TOC entry.
TREE_PRIORITY = 12
# Below code spans (190), escapes (180), links and references (170-125), autolinks (120, 110)
# and inline HTML (90), so all of those are taken first; above entities and emphasis.
INLINE_PRIORITY = 85
FILL_PRIORITY = 4  # after toc (5)


@dataclass(frozen=True, slots=True)
class CitationGroup:
    """One bracketed citation as written, e.g. ``[@a; @b, p. 3]``.

    index: 1-based position among the page's groups, in document order.
    raw: the text as written, brackets included (used to locate it in the source).
    items: the keys cited, in written order (empty if the group is malformed).
    error: why the group could not be parsed, or ``""``.
    in_link: the group sits inside link text, so it must not contain links itself.
    """

    index: int
    raw: str
    items: tuple[CitationItem, ...]
    error: str = ""
    in_link: bool = False


class CitationHandler(Protocol):
    """Renders one page's citations (numbering and rendering are not this module's job)."""

    references_title: str

    def render_groups(self, groups: Sequence[CitationGroup]) -> list[str]:
        """The HTML of each group, in the order given."""

    def reference_list(self) -> str | None:
        """The HTML of the page's reference list (after :meth:`render_groups`), or None."""

    def bibliography(self) -> str:
        """The HTML of the whole bibliography."""

    def report_unrendered(self, raws: Sequence[str]) -> None:
        """Citations Markdown kept as text (image text, raw HTML blocks)."""


#: Block markers, each alone in a paragraph: where the page's reference list goes (it goes at
#: the end without one), and where the whole bibliography goes.
REFERENCES_MARKER = "::references::"
BIBLIOGRAPHY_MARKER = "::bibliography::"
_MARKER_CLASS = "bibcite-marker"


_STASHED = re.compile(r"\x02wzxhzdk:(\d+)\x03")
_NOT_PROSE = re.compile(r"<(code|pre|script|style)\b.*?</\1\s*>|<!--.*?-->", re.DOTALL | re.I)


def unrendered_citations(root: etree.Element, raw_html: Sequence[object] = ()) -> list[str]:
    """Citations Markdown kept away from the inline patterns, in document order: in image text
    (``alt``) and in raw HTML blocks without ``markdown="1"`` (their text, not their tags);
    code is left out.

    Runs after inline processing and before ``unescape``, so an escaped ``\\[@`` is still a
    placeholder here and never taken for a citation."""
    found: list[str] = []
    if not any(isinstance(b, str) and "@" in b for b in raw_html) and not any(
        "@" in (el.get("alt") or "") for el in root.iter()
    ):
        return found  # the common case, without walking the tree in Python

    def walk(el: etree.Element) -> None:
        for child in el:
            if child.tag in ("code", "pre"):
                scan(child.tail)
                continue
            found.extend(_citations_in(child.get("alt", "")))
            scan(child.text)
            walk(child)
            scan(child.tail)

    def scan(text: str | None) -> None:
        if not text:
            return
        for m in _STASHED.finditer(text):
            index = int(m.group(1))
            block = raw_html[index] if index < len(raw_html) else ""
            if isinstance(block, str):
                found.extend(_citations_in(_NOT_PROSE.sub("", block)))

    scan(root.text)
    walk(root)
    return found


def _citations_in(text: str) -> list[str]:
    """Groups and author-in-text citations in text Markdown kept as it is (escapes as written)."""
    return find_citations(_ESCAPED.sub(lambda m: "\\" + chr(int(m[1])), text))


class _CitationInline(InlineProcessor):
    """Takes each group as a raw-HTML placeholder in Python-Markdown's stash (text to every later
    processor, and nothing in a table-of-contents label), noting its text and whether it sits
    in link text; :class:`_CitationTree` renders them once the page is parsed."""

    def __init__(self, pattern: str, md: Markdown) -> None:
        super().__init__(pattern, md)
        self.found: dict[int, tuple[str, bool]] = {}  # stash index: (raw, in link text)
        self._inline_stage: Treeprocessor | None = None

    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str
    ) -> tuple[str | None, int | None, int | None]:
        # The tags around the text being processed, as Python-Markdown's inline stage tracks them
        # (its tree processor, looked up once, not per citation).
        if self._inline_stage is None:
            self._inline_stage = self.md.treeprocessors["inline"]
        in_link = "a" in getattr(self._inline_stage, "ancestors", ())
        raw = self._as_written(m.group(0))
        if raw.startswith("[") and not is_citation_group(raw):
            return None, None, None  # `[mail a@b.org]`: no `@` in it starts a citation
        if not raw.startswith("[") and (in_link or self._not_a_start(data, m.start())):
            # `[@a](url)`: the author wrote a link, `@a` is its text; `\\[@a]`: literal text;
            # `@a@b`: the second `@` is inside a word
            return None, None, None
        placeholder = self.md.htmlStash.store(_MARKER)
        self.found[self.md.htmlStash.html_counter - 1] = (raw, in_link)
        return placeholder, m.start(0), m.end(0)

    def _as_written(self, text: str) -> str:
        """``text`` with what earlier patterns stashed put back as written: an escape as
        ``\\[`` (so the grammar sees it as the site's index does), a code span in its
        backticks (so `````[@`a`]````` is a malformed group, never a citation of ``a``)."""
        if "\x02" not in text:
            return text
        stashed = getattr(self._inline_stage, "stashed_nodes", {})

        def source(m: re.Match[str]) -> str:
            node = stashed.get(m[1])
            if isinstance(node, str) and (escape := _ESCAPED.fullmatch(node)):
                return "\\" + chr(int(escape[1]))
            if isinstance(node, etree.Element) and node.tag == "code":
                return _code_span(node.text or "")
            return self.unescape(m[0])

        return _INLINE_ANY.sub(source, text)

    def _not_a_start(self, data: str, start: int) -> bool:
        """What is just before the ``@`` is stashed by an earlier pattern, which the grammar's
        look-behind cannot see: ``\\[`` (an escape), or a citation ending in a key's character
        (``@a@b``: the second ``@`` is inside a word, as the site's index sees it)."""
        m = _INLINE_STASHED.search(data, max(0, start - 20), start)
        if m is None:
            return False
        node = getattr(self._inline_stage, "stashed_nodes", {}).get(m[1])
        if node == "\x0291\x03":
            return True
        spot = _STASHED.fullmatch(node) if isinstance(node, str) else None
        raw = self.found[int(spot[1])][0] if spot and int(spot[1]) in self.found else ""
        return bool(raw) and _IN_WORD.match(raw[-1]) is not None


def _code_span(code: str) -> str:
    """``code`` as a code span: in one more backtick than its longest run."""
    fence = "`" * (max((len(run) for run in re.findall("`+", code)), default=0) + 1)
    padding = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{fence}{padding}{code}{padding}{fence}"


_INLINE_ANY = re.compile(r"\x02klzzwxh:(\d+)\x03")
_ESCAPED = re.compile(r"\x02(\d+)\x03")
_INLINE_STASHED = re.compile(r"\x02klzzwxh:(\d+)\x03\Z")
_IN_WORD = re.compile(r"[\w.+%/=\\-]")  # what keeps an `@` after it from starting a citation


class _MarkerProcessor(BlockProcessor):
    """A paragraph that is exactly a marker becomes an empty ``div`` for the tree processor."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return block.strip() in (REFERENCES_MARKER, BIBLIOGRAPHY_MARKER)

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        marker = blocks.pop(0).strip().strip(":")
        etree.SubElement(parent, "div", {"class": _MARKER_CLASS, "data-marker": marker})


class _CitationTree(Treeprocessor):
    """Renders the page's citations, its reference list and any bibliography.

    Runs before the table of contents, so the References heading gets an entry and a
    permalink; the citations' HTML replaces their placeholders only after the table of
    contents is built (:class:`_CitationFill`), so a citation in a heading stays out of its
    TOC label.
    """

    def __init__(self, md: Markdown, handler: CitationHandler, inline: _CitationInline) -> None:
        super().__init__(md)
        self.handler = handler
        self.inline = inline
        self.pending: list[tuple[int, str]] = []  # stash index: HTML, after the TOC

    def run(self, root: etree.Element) -> None:
        found = dict(self.inline.found)
        self.inline.found.clear()  # shared with the author-in-text pattern
        spots = self._in_document_order(root, found)
        groups = []
        for index, spot in enumerate(spots, start=1):
            raw, in_link = found[spot]
            items, error = parse_citation(raw)
            groups.append(CitationGroup(index, raw, items, error, in_link))
        self.pending = list(zip(spots, self.handler.render_groups(groups), strict=True))
        self.handler.report_unrendered(unrendered_citations(root, self.md.htmlStash.rawHtmlBlocks))
        markers = {
            m.get("data-marker"): m for m in root.iter("div") if m.get("class") == _MARKER_CLASS
        }
        if (here := markers.get("bibliography")) is not None:
            self._fill(here, self.handler.bibliography())
        listing = self.handler.reference_list()
        here = markers.get("references")
        if listing is None:
            if here is not None:
                self._fill(here, "")
            return
        if here is None:
            here = etree.SubElement(root, "div")
        # Out of the search index: a search finds the pages that discuss a term, so the
        # section would be an empty "References" hit on every page.
        here.clear()
        here.tag = "h2"
        here.attrib.update({"id": "references", "data-search-exclude": ""})
        here.text = self.handler.references_title
        here.tail = "\n" + self.md.htmlStash.store(listing)

    def _fill(self, marker: etree.Element, html: str) -> None:
        """The marker's ``div`` replaced by ``html`` (a paragraph holding only a placeholder)."""
        marker.clear()
        marker.tag = "p"
        marker.text = self.md.htmlStash.store(html)

    @staticmethod
    def _in_document_order(root: etree.Element, found: dict[int, tuple[str, bool]]) -> list[int]:
        """The stash indices of the page's groups in document order (Python-Markdown's inline
        processing visits elements in another order)."""
        if not found:
            return []
        text = "".join(root.itertext())  # every text and tail, in document order
        return [i for m in _STASHED.finditer(text) if (i := int(m[1])) in found]


class _CitationFill(Treeprocessor):
    """Puts each rendered element in the stash (after the table of contents is built)."""

    def __init__(self, md: Markdown, tree: _CitationTree) -> None:
        super().__init__(md)
        self.tree = tree

    def run(self, root: etree.Element) -> None:
        for spot, html in self.tree.pending:
            self.md.htmlStash.rawHtmlBlocks[spot] = html
        self.tree.pending = []


#: A line that starts a link reference definition, as :class:`_ReferenceProcessor` reads one
#: (for the index's scan, which reads line by line): its URL and title are no citation.
LINK_DEFINITION = re.compile(
    r"^[ ]{0,3}\[(?![^\]\n]*@)[^\[\]]*\]:[ ]*\S+[ ]*(?:([\"']).*\1[ ]*|\(.*\)[ ]*)?$"
)


class _ReferenceProcessor(ReferenceProcessor):
    """Python-Markdown's link reference definitions, except where the label starts with ``@``:
    that is a citation, and a paragraph such as ``[@a; @b]: found`` would otherwise be taken for
    the definition of a link ``@a; @b`` to ``found`` and vanish without a word."""

    RE = re.compile(
        ReferenceProcessor.RE.pattern.replace(r"^[ ]{0,3}\[(", r"^[ ]{0,3}\[(?![^\]\n]*@)(", 1),
        re.MULTILINE,
    )


def register_syntax(md: Markdown, handler: CitationHandler) -> None:
    """Add the citation syntax to ``md``; ``handler`` renders each page's citations."""
    if "@" not in md.ESCAPED_CHARS:  # `\@` writes an `@` that starts no citation
        md.ESCAPED_CHARS = [*md.ESCAPED_CHARS, "@"]
    inline = _CitationInline(GROUP, md)
    md.inlinePatterns.register(inline, "bibcite", INLINE_PRIORITY)
    # Author-in-text, after the groups (an `@` inside one is already in the stash); both
    # patterns note what they find in the same table.
    in_text = _CitationInline(IN_TEXT, md)
    in_text.found = inline.found
    md.inlinePatterns.register(in_text, "bibcite_in_text", INLINE_PRIORITY - 1)
    md.parser.blockprocessors.register(_ReferenceProcessor(md.parser), "reference", 15)
    md.parser.blockprocessors.register(_MarkerProcessor(md.parser), "bibcite_marker", 16)
    tree = _CitationTree(md, handler, inline)
    md.treeprocessors.register(tree, "bibcite", TREE_PRIORITY)
    md.treeprocessors.register(_CitationFill(md, tree), "bibcite_fill", FILL_PRIORITY)


def locate(source: str, raw: str, occurrence: int, fallback: str = "") -> tuple[int, int]:
    """1-based (line, col) of the ``occurrence``-th (0-based) ``raw`` in ``source``.

    Python-Markdown keeps no positions, so a citation is found again in the source text.
    Occurrences escaped with a backslash are skipped. If ``raw`` is not in the source (e.g. a
    citation generated from structured data), the first ``fallback`` word is looked for.
    Returns (0, 0) when nothing is found.
    """
    # A group over several lines may have lost the quote or list indentation of its source lines.
    pattern = r"[ \t]*\n[\s>]*".join(re.escape(part) for part in re.split(r"[ \t]*\n\s*", raw))
    if not raw.startswith("["):  # author-in-text `@a`: not the `@a` of `[@a]`, `@ab` or `x@a`
        pattern = rf"(?<![\w.+%/=\\\[-]){pattern}(?![\w:.#$%&\-+?<>~/]*\w)"
    positions = [
        m.start()
        for m in re.finditer(pattern, source)
        if m.start() == 0 or source[m.start() - 1] != "\\"
    ]
    if positions:
        pos = positions[min(occurrence, len(positions) - 1)]
    elif fallback and (m := re.search(rf"(?<![\w:.\-]){re.escape(fallback)}(?![\w\-])", source)):
        pos = m.start()
    else:
        return 0, 0
    line = source.count("\n", 0, pos) + 1
    return line, pos - (source.rfind("\n", 0, pos) + 1) + 1
