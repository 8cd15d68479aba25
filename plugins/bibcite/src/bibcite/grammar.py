"""The citation grammar, in one place: what a key is, what a citation is, and how one is read.

Pandoc's citation syntax (its manual's "Citation syntax"):

- a bracketed group, items separated by ``;``, each ``prefix -@key, locator suffix``:
  ``[see @a, pp. 33-35 and passim; also -@b, ch. 1]``;
- author-in-text, outside brackets: ``@a``, and ``@a [p. 33]`` with a locator;
- a key starts with a letter, digit or ``_`` and may hold ``:.#$%&-+?<>~/`` inside; trailing
  punctuation is not part of it; ``@{...}`` holds any key but ``}``.

Both the Markdown extension (:mod:`bibcite.syntax`) and the site's up-front scan of every page
(:mod:`bibcite.index`) use these patterns, so they find exactly the same citations. Every
pattern is linear: its alternatives start with different characters and nothing is nested
under a repeat that could match the same text two ways (a hostile page cannot blow it up).
"""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass, replace

#: Letters (any script), digits and ``_``; pandoc's internal punctuation; trailing punctuation
#: is not part of a key. (The run backtracks at most to its last letter, and a run never holds
#: an ``@``, so scanning stays linear.)
KEY = r"\w(?:[\w:.#$%&\-+?<>~/]*\w)?"
_KEY = rf"(?:{KEY}|\{{[^{{}}\n]*\}})"
#: An ``@`` that may start a citation: not inside a word, an e-mail address (``a.b+c@x``), a
#: path or URL (``x.org/@y``, ``?u=@y``), nor escaped (``\@``, or after an escaped ``\[``:
#: :mod:`bibcite.syntax` checks the latter itself, as Python-Markdown stashes escapes).
#: ``-`` before it suppresses the author.
START = r"(?<![\w.+%/=\\-])(?<!\\\[)-?@"
CITE_AT = rf"{START}(?P<key>{_KEY})"
_AT = re.compile(CITE_AT)
# Text in brackets, with bracket pairs inside that hold no `@` (`[see [x] @a]`), holding an `@`.
_PLAIN = r"(?:[^\[\]@\n]|\n(?![ \t]*\n)|\[[^\[\]@]*\])"
_ANY = r"(?:[^\[\]\n]|\n(?![ \t]*\n)|\[[^\[\]@]*\])"
#: A bracketed group as the inline pattern takes it (links were taken before it runs).
GROUP = rf"\[{_PLAIN}*+@{_ANY}*+\]"
#: Author-in-text: ``@key``, and a locator in brackets after one space (``@a [p. 33]``).
IN_TEXT = rf"{CITE_AT}(?:[ ]\[(?P<after>[^\[\]@\n]*)\](?!\())?"
#: The index's scan of a page's prose: links and inline HTML first (Markdown takes them before
#: citations), then groups, then author-in-text citations, leftmost first. Every alternative
#: starts with one of ``![<-@``; saying so first lets the regex engine skip other characters
#: instead of trying each alternative's lookbehinds at every one (BENCHMARKS.md: 4 times faster).
_LINK = r"!?\[[^\[\]\n]*\](?:\([^()\n]*\)|\[[^\[\]@\n]*\])|<[A-Za-z/!][^<>\n]*>"
SCAN = re.compile(
    rf"(?=[!\[<@-])(?:(?<!\\)(?P<skip>{_LINK})|(?<!\\)(?P<group>{GROUP})(?!\([^()\n]*\))|{IN_TEXT})"
)

#: Locator terms (pandoc's, as abbreviated in English), singular and plural.
_TERMS = (
    r"pp\.|p\.|pages?|chaps?\.|chs?\.|chapters?|figs?\.|figures?|secs?\.|sections?|"
    r"vols?\.|volumes?|paras?\.|paragraphs?|§§?"
)
_VALUE = r"[\w]+(?:[ ]?[-\u2013][ ]?\w+|,[ ]?\d\w*)*"
_LOCATOR = re.compile(rf"(?P<label>{_TERMS})[ ]?(?P<value>{_VALUE})(?P<suffix>.*)", re.S | re.I)
_PAGE = re.compile(r"(?P<value>\d+(?:[ ]?[-\u2013][ ]?\d+|,[ ]?\d+)*)(?![\w.])(?P<suffix>.*)", re.S)
_RANGE = re.compile(r"[ ]?-[ ]?")


@dataclass(frozen=True, slots=True)
class CitationItem:
    """One cited key, as written.

    locator: the recognised locator, as shown (``pp. 33–35``), or ``""``.
    prefix, suffix: the text before the key and after the locator (``see``, ``and passim``).
    suppress_author: written ``-@key``. author_in_text: written outside brackets, ``@key``.
    """

    key: str
    locator: str = ""
    prefix: str = ""
    suffix: str = ""
    suppress_author: bool = False
    author_in_text: bool = False

    @property
    def plain(self) -> bool:
        """Nothing but the key: such items may be merged into a range of numbers."""
        return not (self.locator or self.prefix or self.suffix)


def split_locator(text: str) -> tuple[str, str]:
    """The text after an item's comma as (locator, suffix): ``pp. 33-35 and passim`` gives
    ``("pp. 33–35", "and passim")``; a bare number is a page (``12`` gives ``p. 12``)."""
    text = " ".join(text.split())
    if m := _LOCATOR.match(text):
        label, value = m["label"], m["value"]
    elif m := _PAGE.match(text):
        value = m["value"]
        label = "pp." if re.search(r"[-\u2013,]", value) else "p."
    else:
        return "", text
    value = _RANGE.sub("\u2013", value)
    return f"{label} {value}", m["suffix"].strip()


# Markdown's escapes in a prefix or suffix (`\[x\]`) are shown as the characters they escape.
_BACKSLASH = re.compile(r"\\([\\`*_{}\[\]()>#+\-.!@])")


def _key(raw: str) -> str:
    return sys.intern(raw[1:-1] if raw.startswith("{") else raw)


def _one_line(raw: str) -> str:
    """A citation as messages show it: on one line."""
    return re.sub(r"\s*\n\s*", " ", raw)


def _parse_item(part: str, raw: str) -> CitationItem | str:
    """One ``;``-separated item of a group, or what is wrong with it."""
    if m := _KEY_ALONE.fullmatch(part):  # the common case: `@key`, nothing else
        return CitationItem(_key(m[1]))
    m = _AT.search(part)
    if m is None:
        return f"malformed citation '{_one_line(raw)}' (at '{' '.join(part.split())}')"
    prefix = _BACKSLASH.sub(r"\1", " ".join(part[: m.start()].split()))
    rest = part[m.end() :].strip()
    if rest and not rest.startswith(","):  # a locator needs its comma: `[@a p. 3]`
        return f"malformed citation '{_one_line(raw)}' (at '{' '.join(part.split())}')"
    locator, suffix = split_locator(_BACKSLASH.sub(r"\1", rest[1:])) if rest else ("", "")
    return CitationItem(_key(m["key"]), locator, prefix, suffix, m.group(0).startswith("-"))


_KEY_ALONE = re.compile(rf"\s*@({KEY})\s*")


#: A code span (it does not cross a blank line; the callers split there).
CODE_SPAN = re.compile(r"(?<!\\)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
#: What makes, splits or ends a citation, and look-alikes that do none of it: inside a code
#: span, ``@``, brackets and ``;`` are text (`[@`a`]` is malformed, `[see `;` @a]` is one item).
INERT_IN_CODE = str.maketrans("@[];", "\uff20\uff3b\uff3d\uff1b")
#: Back to the text as written, for what is shown and located.
AS_WRITTEN = str.maketrans("\uff20\uff3b\uff3d\uff1b", "@[];")


def inert_code_spans(text: str) -> str:
    """``text`` with its code spans' ``@``, brackets and ``;`` made inert (same length)."""
    if "`" not in text:
        return text
    return CODE_SPAN.sub(lambda span: span.group(0).translate(INERT_IN_CODE), text)


def written_code_spans(text: str) -> str:
    """``text`` with its code spans as written again (the inverse of :func:`inert_code_spans`)."""
    if "`" not in text:
        return text
    return CODE_SPAN.sub(lambda span: span.group(0).translate(AS_WRITTEN), text)


# Cached: the same few texts (`[@a]`) are cited on many pages, and parsed by the index, the
# page and its checks; the result is immutable.
@functools.lru_cache(maxsize=8192)
def parse_citation(raw: str) -> tuple[tuple[CitationItem, ...], str]:
    """Parse a citation as written: a group ``[see @a; @b, p. 3]`` or author-in-text ``@a`` /
    ``@a [p. 3]``. Returns the items, or ``()`` and what is wrong with it. A code span in it
    is text (a prefix may hold one; a key may not)."""
    inert = inert_code_spans(raw)
    items, error = _parse(inert)
    if inert == raw:
        return items, error
    written = tuple(
        replace(
            item,
            locator=item.locator.translate(AS_WRITTEN),
            prefix=item.prefix.translate(AS_WRITTEN),
            suffix=item.suffix.translate(AS_WRITTEN),
        )
        for item in items
    )
    return written, error.translate(AS_WRITTEN)


def _parse(raw: str) -> tuple[tuple[CitationItem, ...], str]:
    if not raw.startswith("["):
        m = re.fullmatch(IN_TEXT, raw)
        if m is None:
            return (), f"malformed citation '{_one_line(raw)}'"
        locator, suffix = split_locator(m["after"] or "")
        suppress = raw.startswith("-")
        return (CitationItem(_key(m["key"]), locator, "", suffix, suppress, True),), ""
    items: list[CitationItem] = []
    for part in _split_items(raw[1:-1]):
        if not part.strip() or part.strip() in ("@", "-@"):
            return (), f"empty citation item in '{_one_line(raw)}'"
        item = _parse_item(part, raw)
        if isinstance(item, str):
            return (), item
        items.append(item)
    return tuple(items), ""


def _split_items(body: str) -> list[str]:
    """``;``-separated items; a ``;`` inside a prefix's brackets does not separate."""
    if "[" not in body:
        return body.split(";")
    parts, depth, start = [], 0, 0
    for i, char in enumerate(body):
        depth += (char == "[") - (char == "]")
        if char == ";" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    return [*parts, body[start:]]


def find_citations(text: str) -> list[str]:
    """The citations in ``text`` (prose, code already left out) as the inline patterns take
    them, in order: groups and author-in-text, leaving out links and inline HTML. The site's
    index reads pages with it, and the extension the text Markdown keeps as text."""
    found = []
    for m in SCAN.finditer(text):
        raw = m.group(0)
        if m["skip"] or (m["group"] and not is_citation_group(raw)):
            continue
        # A link inside a group is its text to Markdown (taken before the group).
        found.append(_LINK_IN_GROUP.sub(r"\1", raw) if m["group"] and "](" in raw else raw)
    return found


_LINK_IN_GROUP = re.compile(r"\[([^\[\]\n]*)\]\([^()\n]*\)")
_BRACKET_OR_START = re.compile(rf"[\[\]]|{START}")


def is_citation_group(raw: str) -> bool:
    """A bracketed text holding an ``@`` is a citation group if some ``@`` starts a citation
    (``[mail a@b.org]`` is not one; ``[see @a]`` is). Brackets in a code span do not nest."""
    depth = 0
    for m in _BRACKET_OR_START.finditer(inert_code_spans(raw[1:-1])):
        if m.group(0) in "[]":
            depth += 1 if m.group(0) == "[" else -1
        elif depth == 0:
            return True
    return False
