"""Stage 1: load ``bibliography.bib`` with pybtex into immutable records, with line numbers.

Nothing here raises on bad input: :func:`parse_bibliographies` returns the problems it found
(each naming the file, the line and the key or field) next to whatever could be loaded.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import pybtex.errors
from pybtex.database import BibliographyData, Entry
from pybtex.database.input.bibtex import Parser, UndefinedMacro
from pybtex.scanner import PybtexError, PybtexSyntaxError

from bibcite.bibtext import (
    ENTRY_HEAD,
    SPECIAL_TYPES,
    Lines,
    bib_error,
    read_text,
    top_level,
)
from bibcite.problems import Problem, Severity

#: Entry types the formatting style knows how to render.
KNOWN_TYPES = frozenset(
    {
        "article",
        "book",
        "booklet",
        "inbook",
        "incollection",
        "inproceedings",
        "manual",
        "mastersthesis",
        "misc",
        "online",
        "phdthesis",
        "proceedings",
        "techreport",
        "unpublished",
    }
)
#: Fields an entry of each type needs to be rendered as a reference (others: author, title, year).
REQUIRED_FIELDS: Mapping[str, tuple[str, ...]] = {
    "article": ("author", "title", "journal", "year"),
}
DEFAULT_REQUIRED = ("author", "title", "year")


@dataclass(frozen=True)
class BibEntry:
    """One entry of the bibliography.

    key: the citation key, as written in the .bib file.
    index: 1-based position among all entries (the global citation number).
    path: the .bib file it is in, as the user knows it (for messages).
    line: line of the entry's ``@type{`` in that file.
    fingerprint: hash of the entry's content (fields and names), a cache key for its formatting.
    entry: pybtex's entry, which formatting styles take.
    database: every entry parsed with it, through which pybtex resolves ``crossref``.
    """

    key: str
    index: int
    path: str
    line: int
    fingerprint: str
    entry: Entry = field(compare=False, repr=False)
    database: BibliographyData | None = field(default=None, compare=False, repr=False)

    @property
    def title(self) -> str:
        return str(self.entry.fields.get("title", ""))


@dataclass(frozen=True)
class Bibliography:
    """Every entry of the site's .bib files, in order (file by file).

    entries: every entry; an entry's ``index`` is its position here (from 1).
    by_key: entry by exact key.
    """

    entries: tuple[BibEntry, ...]
    by_key: Mapping[str, BibEntry]

    def __contains__(self, key: object) -> bool:
        return key in self.by_key

    def __getitem__(self, key: str) -> BibEntry:
        return self.by_key[key]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(e.key for e in self.entries)


def _fingerprint(entry: Entry) -> str:
    h = hashlib.sha256(entry.type.lower().encode())
    for name, value in sorted(entry.fields.items()):
        h.update(f"\0{name.lower()}={value}".encode())
    for role, persons in sorted(entry.persons.items()):
        h.update(f"\0{role}=".encode() + " and ".join(str(p) for p in persons).encode())
    return h.hexdigest()


@dataclass(frozen=True)
class BibSource:
    """One .bib file's text. path: as the user knows it (for messages)."""

    path: str
    text: str


def parse_bibliographies(sources: Sequence[BibSource]) -> tuple[Bibliography, list[Problem]]:
    """Parse the .bib files with pybtex, in order, into one bibliography. Never raises: returns
    the problems found (a key defined twice, in one file or in two, is an error naming both
    places), each with the file, line and key or field."""
    problems: list[Problem] = []
    entries: list[BibEntry] = []
    first_seen: dict[str, tuple[str, str, int]] = {}  # lower-case key: (key, path, line)
    data = BibliographyData()  # one database for all files: crossref resolves across them
    checks: list[_Check] = []
    for source in sources:
        found, file_problems = _parse_file(source, data, first_seen, len(entries), checks)
        entries.extend(found)
        problems.extend(file_problems)
    for path, key, line, entry, broken in checks:
        problems.extend(_entry_problems(path, key, line, entry, data, broken))
    if not entries and not any(p.severity is Severity.ERROR for p in problems):
        path = sources[0].path if sources else "<bibliography>"
        problems.append(
            Problem(path, 1, 1, "bibliography has no entries", "Add the references the pages cite")
        )
    return Bibliography(tuple(entries), MappingProxyType({e.key: e for e in entries})), problems


def load_bibliography(
    path: str | os.PathLike[str], display_path: str | None = None
) -> tuple[Bibliography | None, list[Problem]]:
    """Read and parse one .bib file: the bibliography (None if the file cannot be read)."""
    text, _, problems = read_text(path, display_path)
    if text is None:
        return None, problems
    return parse_bibliographies([BibSource(display_path or str(path), text)])


#: An entry's field checks, made once every file is parsed (a crossref's parent may come later):
#: (path, key, line, entry, whether the entry has a syntax error).
_Check = tuple[str, str, int, Entry, bool]


def _parse_file(
    source: BibSource,
    data: BibliographyData,
    first_seen: dict[str, tuple[str, str, int]],
    numbered: int,
    checks: list[_Check],
) -> tuple[list[BibEntry], list[Problem]]:
    text, path = source.text, source.path
    found: list[Problem] = []
    heads: list[tuple[str, str, int]] = []  # (type, key, line) in file order
    lines = Lines(text)
    for m in ENTRY_HEAD.finditer(text):
        etype, key = m.group(1).lower(), m.group(2)
        if etype in SPECIAL_TYPES:
            continue
        line = lines.line(m.start())
        if key.lower() in first_seen:
            first_key, first_path, first_line = first_seen[key.lower()]
            where = f"line {first_line}" if first_path == path else f"{first_path}:{first_line}"
            same = "" if first_key == key else f" (keys differ only in case: '{first_key}')"
            found.append(
                bib_error(
                    path,
                    line,
                    f"duplicate citation key '{key}', first defined on {where}{same}",
                    "Give each entry its own key",
                    col=m.start(2) - m.start() + 1,
                )
            )
            continue
        first_seen[key.lower()] = (key, path, line)
        heads.append((etype, key, line))

    top = top_level(text, lines)
    syntax: list[Problem] = []
    broken: set[int] = set()  # lines of entries with a syntax error: no field checks there
    head_lines = {key.lower(): line for _, key, line in heads}
    parsed, errors = _pybtex_parse(text, data)
    syntax.extend(_syntax_problems(errors, path, heads, text, lines, broken))
    entries: list[BibEntry] = []
    for key, entry in parsed:
        line = head_lines.get(key.lower(), 0)
        if line == 0 and broken:
            broken.add(0)  # pybtex's name for an entry without a key: reported as malformed
        checks.append((path, key, line, entry, line in broken))
        index = numbered + len(entries) + 1
        entries.append(BibEntry(key, index, path, line, _fingerprint(entry), entry, data))
    for line, col, stray in top.stray:
        shown = stray if len(stray) <= 40 else stray[:39] + "…"
        syntax.append(
            Problem(
                path,
                line,
                col,
                f"text outside any entry is ignored: '{shown}'",
                "Move it into an entry, or start the line with % to mark it as a comment",
            )
        )
    return entries, found + syntax


def _field(entry: Entry, name: str, data: BibliographyData) -> str:
    """A field or the names of a role, from the entry or, through ``crossref``, its parent."""
    try:
        return str(entry._find_field(name, data))
    except KeyError:
        return ""


def _syntax_problems(
    errors: list[Exception],
    path: str,
    heads: list[tuple[str, str, int]],
    text: str,
    lines: Lines,
    broken: set[int],
) -> list[Problem]:
    """pybtex's errors as problems; adds the lines of entries with a syntax error to ``broken``."""
    problems = []
    for error in errors:
        if "repeated bibliography entry" in str(error):
            continue  # reported with both lines
        line = getattr(error, "lineno", None) or 0
        if isinstance(error, PybtexSyntaxError):
            start = error.error_context_info[0] or 0
            entry_line = lines.line(start)
            broken.add(entry_line)
            where = f" (in the entry starting on line {entry_line})" if entry_line != line else ""
            what, hint = error.args[0], "Fix the entry's braces, commas and quotes"
            if isinstance(error, UndefinedMacro):  # journal = jnl: a @string never defined
                what = f"undefined string '{what}'"
                hint = f"Put the value in braces or define it: @string{{{error.args[0]} = {{...}}}}"
            problems.append(bib_error(path, line, f"malformed BibTeX: {what}{where}", hint))
        else:
            key_line, col = _position_for_message(str(error), heads, text, lines)
            hint = "Fix the entry"
            if "Too many commas" in str(error):
                hint = "Separate names with ' and ', each written 'Last, First'"
            problems.append(
                bib_error(path, key_line or line, f"malformed BibTeX: {error}", hint, col)
            )
    return problems


def _entry_problems(
    path: str, key: str, line: int, entry: Entry, data: BibliographyData, broken: bool
) -> list[Problem]:
    """An entry of an unknown type, or without a field its type needs (here or through its
    ``crossref``)."""
    problems = []
    etype = entry.type.lower()
    if etype not in KNOWN_TYPES:
        problems.append(
            Problem(
                path,
                line,
                1,
                f"entry '{key}' has unknown type '@{entry.type}'",
                f"Use one of: {', '.join(sorted(KNOWN_TYPES))}",
            )
        )
    for name in () if broken else REQUIRED_FIELDS.get(etype, DEFAULT_REQUIRED):
        names = ("author", "editor") if name == "author" else (name,)
        present = any(_field(entry, n, data).strip() for n in names)
        if not present:
            problems.append(
                Problem(
                    path,
                    line,
                    1,
                    f"entry '{key}' has no '{name}' field",
                    f"Add the {name} so the reference can be shown in full",
                )
            )
    return problems


def _pybtex_parse(
    text: str, data: BibliographyData
) -> tuple[list[tuple[str, Entry]], list[Exception]]:
    """pybtex's parser on ``text``, non-strict, adding to ``data``: the entries it added and the
    errors it reported."""
    before = len(data.entries)
    parser = Parser()
    parser.data = data
    saved_strict = pybtex.errors.strict
    pybtex.errors.set_strict_mode(False)
    try:
        with pybtex.errors.capture() as captured:
            try:
                parser.parse_string(text)
            except PybtexError as exc:  # a few errors are raised rather than reported
                captured.append(exc)
    finally:
        pybtex.errors.set_strict_mode(saved_strict)
    return list(data.entries.items())[before:], list(captured)


def _position_for_message(
    message: str, heads: list[tuple[str, str, int]], text: str, lines: Lines
) -> tuple[int, int]:
    """Where an error pybtex raised without a line is: the text it quotes (e.g. a name with
    too many commas), else the entry whose key it names; (0, 1) when neither is found."""
    quoted = re.search(r"'([^'\n]+)'", message)
    if quoted and (at := text.find(quoted.group(1))) >= 0:
        return lines.line(at), lines.col(at)
    for _, key, line in heads:
        if re.search(rf"\b{re.escape(key)}\b", message):
            return line, 1
    return 0, 1
