"""BibTeX source text, without pybtex: reading the file, line numbers, the top level of the
file (entries, and text outside them) and the scan of entry keys.

What a build needs before (or without) parsing the entries: ``bibcite.references`` scans the
keys here while a worker process parses, and a build whose table is cached never imports pybtex.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bibcite.problems import Problem, Severity

SPECIAL_TYPES = frozenset({"string", "comment", "preamble"})
# Only used to learn the line of each entry head; the parsing itself is pybtex's.
ENTRY_HEAD = re.compile(r"@[ \t]*(\w+)[ \t]*[{(][ \t\r\n]*([^\s,{}()]*)")


class Lines:
    """Line and column of offsets in one text, in O(log n) each (a large .bib has thousands of
    entries: counting newlines from the start for each would be quadratic)."""

    def __init__(self, text: str) -> None:
        self.starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def col(self, offset: int) -> int:
        return offset - self.starts[self.line(offset) - 1] + 1


# Outside entries BibTeX ignores everything, so a field or an entry written outside one would be
# dropped without a word; the check below reports any such text. `%` lines stay comments.
_ANY_HEAD = re.compile(r"@[ \t]*(\w*)[ \t\r\n]*([{(]?)")
_BRACES = re.compile(r"[{}()]")


@dataclass
class TopLevel:
    """The file's top level, as BibTeX reads it.

    stray: (line, col, text) of the first non-blank line of each stretch of text outside entries.
    spans: (start, end) offsets of each entry (``@comment``/``@string`` ones too), in file order.
    strings: the spans of ``@string`` entries (every chunk parsed needs the macros before it).
    rest: offset of an entry whose braces do not balance (pybtex reports it), or None; the
    text from there on is left to pybtex as one piece.
    """

    stray: list[tuple[int, int, str]] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    strings: list[tuple[int, int]] = field(default_factory=list)
    rest: int | None = None


def top_level(text: str, lines: Lines) -> TopLevel:
    found = TopLevel()
    pos = 0
    while pos < len(text):
        at = text.find("@", pos)
        stop = len(text) if at < 0 else at
        offset = pos
        for line_text in text[pos:stop].split("\n"):
            stripped = line_text.strip()
            if stripped and not stripped.startswith("%"):
                start = offset + len(line_text) - len(line_text.lstrip())
                found.stray.append((lines.line(start), lines.col(start), stripped))
                break
            offset += len(line_text) + 1
        if at < 0:
            break
        head = _ANY_HEAD.match(text, at)
        assert head is not None  # every part of the pattern after '@' may be empty
        if head.group(1).lower() == "comment" and not head.group(2):
            pos = text.find("\n", head.end())  # `@comment` without braces: the line is a comment
            pos = len(text) if pos < 0 else pos
            continue
        end = _entry_end(text, head.end() - 1) if head.group(1) and head.group(2) else None
        if end is None:  # not an entry, or unbalanced: pybtex reports the syntax error
            found.rest = at
            return found
        found.spans.append((at, end))
        if head.group(1).lower() == "string":
            found.strings.append((at, end))
        pos = end
    return found


def _entry_end(text: str, opening: int) -> int | None:
    """Offset just after the brace or parenthesis closing the one at ``opening``, or None."""
    closing = "}" if text[opening] == "{" else ")"
    depth = 0
    for m in _BRACES.finditer(text, opening + 1):
        c = m.group()
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                return m.end() if closing == "}" else None
            depth -= 1
        elif c == closing and depth == 0:
            return m.end()
    return None


def read_text(
    path: str | os.PathLike[str], display_path: str | None = None
) -> tuple[str | None, str, list[Problem]]:
    """A .bib file's text and the digest of its bytes, or None and why it cannot be read."""
    shown = display_path or str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return (
            None,
            "",
            [
                bib_error(
                    shown,
                    0,
                    "bibliography file not found",
                    "Create it or point the plugin's `bibliography` option at it",
                )
            ],
        )
    except OSError as exc:
        return (
            None,
            "",
            [
                bib_error(
                    shown,
                    0,
                    f"cannot read the bibliography file ({exc.strerror})",
                    "Check the file's permissions",
                )
            ],
        )
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")  # a BOM is not text outside entries
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return (
            None,
            "",
            [
                Problem(
                    shown,
                    line,
                    col,
                    f"bibliography is not UTF-8 (byte 0x{raw[exc.start]:02x})",
                    "Save the file as UTF-8",
                    Severity.ERROR,
                )
            ],
        )
    return text, hashlib.sha256(raw).hexdigest(), []


def scan_keys(text: str) -> list[str]:
    """The keys of the entries pybtex will read, in file order, without parsing any entry: the
    head of each top-level entry (duplicates, in any case, after the first left out).

    What a build converting pages needs before the parse is done (see ``bibcite.references``);
    the same keys as :func:`read_entries` gives whenever that reports no error.
    """
    keys: list[str] = []
    seen: set[str] = set()
    for start, _ in top_level(text, Lines(text)).spans:
        m = ENTRY_HEAD.match(text, start)
        if m is None or m.group(1).lower() in SPECIAL_TYPES or m.group(2).lower() in seen:
            continue
        seen.add(m.group(2).lower())
        keys.append(sys.intern(m.group(2)))  # as the syntax interns cited keys: one string each
    return keys


def bib_error(path: str, line: int, message: str, hint: str, col: int = 1) -> Problem:
    return Problem(path, line, col if line else 0, message, hint, Severity.ERROR)
