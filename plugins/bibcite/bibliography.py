"""Stage 1: load ``bibliography.bib`` with pybtex into immutable records, with line numbers.

Nothing here raises on bad input: :func:`load_bibliography` returns the problems it found
(each naming the file, the line and the key or field) next to whatever could be loaded.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pybtex.errors
from pybtex.database import BibliographyData, Entry, Person
from pybtex.database.input.bibtex import Parser, UndefinedMacro
from pybtex.scanner import PybtexError, PybtexSyntaxError

from bibcite.bibtext import (
    ENTRY_HEAD,
    SPECIAL_TYPES,
    Lines,
    TopLevel,
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

#: Entries parsed at a time (:func:`read_entries`) when the whole file is read for a table:
#: pybtex's objects for a whole large file would take several times the memory of the table
#: made from them.
CHUNK_ENTRIES = 500


#: A person's name as pybtex splits it: first, middle, prelast ("von"), last, lineage ("Jr").
NameParts = tuple[
    tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]
]


@dataclass(frozen=True)
class BibEntry:
    """One entry of the bibliography.

    key: the citation key, as written in the .bib file.
    index: 1-based position in the file (the global citation number).
    line: line of the entry's ``@type{`` in the file.
    fingerprint: hash of the entry's content, for caches of formatted output.
    type: the entry type, lower case (``article``).
    fields: field name (lower case) to value, as written (LaTeX not decoded).
    persons: role (``author``, ``editor``) to the names, as pybtex splits them.

    The pybtex :class:`~pybtex.database.Entry` the formatting style needs is :attr:`entry`,
    made from these on first use: a build whose references all come from the on-disk cache of
    formatted references never makes one.
    """

    key: str
    index: int
    line: int
    fingerprint: str
    type: str = field(compare=False)
    fields: Mapping[str, str] = field(compare=False, repr=False)
    persons: Mapping[str, tuple[NameParts, ...]] = field(compare=False, repr=False)

    @classmethod
    def from_pybtex(
        cls,
        key: str,
        index: int,
        line: int,
        entry: Entry,
        names: dict[NameParts, NameParts] | None = None,
    ) -> BibEntry:
        """``names``: the names seen so far in the same file, to share: authors recur across
        entries, and a large file's entries are all held until they are formatted."""
        names = {} if names is None else names
        persons = {
            sys.intern(role): tuple(_name_parts(p, names) for p in people)
            for role, people in entry.persons.items()
        }
        # Field names interned, and short values (journals, publishers, years, months: the same
        # in many entries): a new string per field of every entry is megabytes in a large file.
        fields = MappingProxyType(
            {sys.intern(n.lower()): _shared(str(v)) for n, v in entry.fields.items()}
        )
        etype = sys.intern(entry.type.lower())
        made = cls(key, index, line, _fingerprint(entry), etype, fields, persons)
        made.__dict__["entry"] = entry  # already made: keep it (cached_property's slot)
        return made

    @functools.cached_property
    def entry(self) -> Entry:
        people = {role: [_person(parts) for parts in names] for role, names in self.persons.items()}
        return Entry(self.type, fields=dict(self.fields), persons=people)

    @property
    def doi(self) -> str | None:
        return self.fields.get("doi") or None

    @property
    def pmid(self) -> str | None:
        return self.fields.get("pmid") or None

    @property
    def title(self) -> str:
        return self.fields.get("title", "")


#: Values up to this length are interned (titles, mostly longer, are rarely shared).
SHARED_LENGTH = 80


def _shared(value: str) -> str:
    return sys.intern(value) if len(value) <= SHARED_LENGTH else value


def _name_parts(person: Person, names: dict[NameParts, NameParts]) -> NameParts:
    """The parts of ``person``'s name; ``names`` keeps one copy of each name (see
    :meth:`BibEntry.from_pybtex`)."""
    parts = (
        tuple(person.first_names),
        tuple(person.middle_names),
        tuple(person.prelast_names),
        tuple(person.last_names),
        tuple(person.lineage_names),
    )
    return names.setdefault(parts, parts)


def _person(parts: NameParts) -> Person:
    person = Person()
    first, middle, prelast, last, lineage = parts
    person.first_names, person.middle_names = list(first), list(middle)
    person.prelast_names, person.last_names = list(prelast), list(last)
    person.lineage_names = list(lineage)
    return person


@dataclass(frozen=True)
class Bibliography:
    """All entries of one .bib file, in file order.

    path: the file as the user knows it (for messages).
    entries: every entry, in file order.
    by_key: entry by exact key.
    digest: hash of the file's bytes.
    """

    path: str
    entries: tuple[BibEntry, ...]
    by_key: Mapping[str, BibEntry]
    digest: str

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


def load_bibliography(
    path: str | os.PathLike[str], display_path: str | None = None
) -> tuple[Bibliography | None, list[Problem]]:
    """Read and parse a .bib file. Returns the bibliography (None if unusable) and problems."""
    text, digest, problems = read_text(path, display_path)
    if text is None:
        return None, problems
    return parse_bibliography(text, display_path or str(path), digest)


def parse_bibliography(
    text: str, path: str = "<string>", digest: str | None = None, chunk_entries: int = 0
) -> tuple[Bibliography | None, list[Problem]]:
    """Parse BibTeX source text with pybtex. See :func:`load_bibliography`, and
    :func:`read_entries` for ``chunk_entries``."""
    digest = digest or hashlib.sha256(text.encode()).hexdigest()
    problems: list[Problem] = []
    entries = tuple(e for chunk in read_entries(text, path, problems, chunk_entries) for e in chunk)
    by_key = MappingProxyType({e.key: e for e in entries})
    return Bibliography(path, entries, by_key, digest), problems


def read_entries(
    text: str, path: str, problems: list[Problem], chunk_entries: int = 0
) -> Iterator[list[BibEntry]]:
    """The entries of BibTeX source text, in file order, parsed with pybtex: all at once when
    ``chunk_entries`` is 0, else that many top-level entries at a time (only one piece's pybtex
    objects are alive at a time; the entries and problems are the same, see :func:`_chunks`).

    ``problems`` gets the problems found, each naming the file, line and key or field, in a
    fixed order (keys, syntax, text outside entries, fields) once the iterator is exhausted.
    """
    found: list[Problem] = []
    heads: list[tuple[str, str, int]] = []  # (type, key, line) in file order
    seen: dict[str, tuple[str, int]] = {}
    lines = Lines(text)
    for m in ENTRY_HEAD.finditer(text):
        etype, key = m.group(1).lower(), m.group(2)
        if etype in SPECIAL_TYPES:
            continue
        line = lines.line(m.start())
        if key.lower() in seen:
            first_key, first_line = seen[key.lower()]
            same = "" if first_key == key else f" (keys differ only in case: '{first_key}')"
            found.append(
                bib_error(
                    path,
                    line,
                    f"duplicate citation key '{key}', first defined on line {first_line}{same}",
                    "Give each entry its own key",
                    col=m.start(2) - m.start() + 1,
                )
            )
            continue
        seen[key.lower()] = (key, line)
        heads.append((etype, key, line))

    top = top_level(text, lines)
    syntax: list[Problem] = []
    fields: list[Problem] = []
    broken: set[int] = set()  # lines of entries with a syntax error: no field checks there
    head_lines = {key.lower(): line for _, key, line in heads}
    kept: set[str] = set()
    count = 0
    names: dict[NameParts, NameParts] = {}  # each name once (see BibEntry.from_pybtex)
    for chunk in _chunks(text, top, chunk_entries):
        parsed, errors = _pybtex_parse(chunk)
        syntax.extend(_syntax_problems(errors, path, heads, text, lines, broken))
        entries = []
        for key, entry in parsed:
            if key.lower() in kept:
                continue  # a duplicate key parsed in another piece: reported, the first wins
            kept.add(key.lower())
            line = head_lines.get(key.lower(), 0)
            if line == 0 and broken:
                broken.add(0)  # pybtex's name for an entry without a key: reported as malformed
            fields.extend(_entry_problems(path, key, line, entry, broken))
            count += 1
            entries.append(BibEntry.from_pybtex(key, count, line, entry, names))
        yield entries
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
    found += syntax + fields
    if not count and not any(p.severity is Severity.ERROR for p in found):
        found.append(
            Problem(path, 1, 1, "bibliography has no entries", "Add the references the pages cite")
        )
    problems.extend(found)


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
    path: str, key: str, line: int, entry: Entry, broken: set[int]
) -> list[Problem]:
    """An entry of an unknown type, or without a field its type needs."""
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
    for name in () if line in broken else REQUIRED_FIELDS.get(etype, DEFAULT_REQUIRED):
        if name == "author":
            present = bool(entry.persons.get("author")) or bool(entry.persons.get("editor"))
        else:
            present = bool(entry.fields.get(name, "").strip())
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


def _chunks(text: str, top: TopLevel, chunk_entries: int) -> Iterator[str]:
    """The text pybtex parses, piece by piece: all of it at once when ``chunk_entries`` is 0,
    else ``chunk_entries`` top-level entries at a time (and the unbalanced rest as one piece).

    Each piece is the whole file with everything before the piece blanked out, newlines kept,
    except the ``@string`` definitions it may use: so pybtex reports the same lines and offsets,
    and sees the same macros, as when it parses the whole file. Everything after is cut off.
    """
    if chunk_entries <= 0 or len(top.spans) <= chunk_entries:
        yield text
        return
    blank = _blank(text, top.strings)
    starts = [top.spans[i][0] for i in range(0, len(top.spans), chunk_entries)]
    ends = [*starts[1:], top.spans[-1][1]]
    for start, end in zip(starts, ends, strict=True):
        yield blank[:start] + text[start:end]
    if top.rest is not None or ends[-1] < len(text):
        start = ends[-1]
        yield blank[:start] + text[start:]


_NOT_NEWLINE = re.compile(r"[^\n]+")


def _blank(text: str, keep: list[tuple[int, int]]) -> str:
    """``text`` with every character but newlines made a space, except in the ``keep`` spans."""
    out, pos = [], 0
    for start, end in [*keep, (len(text), len(text))]:
        out.append(_NOT_NEWLINE.sub(lambda m: " " * len(m.group()), text[pos:start]))
        out.append(text[start:end])
        pos = end
    return "".join(out)


def _pybtex_parse(text: str) -> tuple[list[tuple[str, Entry]], list[Exception]]:
    """pybtex's parser on ``text``, non-strict: the entries and the errors it reported."""
    data = BibliographyData()
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
    return list(data.entries.items()), list(captured)


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
