"""Stage 4: the reference table, every entry of the bibliography formatted as pages show it.

A :class:`ReferenceTable` is all the rendering stage needs (keys, numbers, lines for messages,
the plain text for tooltips and the HTML of each list item), so it is also what is cached:

- in memory across ``mkdocs serve`` rebuilds, while the .bib file and the style are unchanged;
- on disk under the cache directory, keyed by the digest of the .bib file's bytes, the style and
  its version, and :data:`TABLE_FORMAT` (bumped whenever the item HTML changes): an *entries
  file*, one JSON line per entry, and its *index* (the table's keys, lines and problems, and
  where each entry's line is).

A table read from disk, or streamed from the worker process, keeps its entries in the entries
file and reads each when a page needs it (:class:`EntryFile`): ten thousand formatted
references are tens of megabytes in memory, and a page needs twenty of them.

Building a table (pybtex parse and format) is :mod:`bibcite.compiler`, imported only when no
cached table fits: a warm build reads the index and never imports pybtex. On a miss, the
compiler still formats only the entries the per-entry cache (:mod:`bibcite.cache`, keyed by each
entry's content and the style version) does not hold.

The .bib file is read by a worker process while the build converts its pages
(:mod:`bibcite.stream` runs :func:`bibcite.worker.main`): the build gets the keys from a scan at
once, the parsed entries' numbers and the file's problems when its pages are converted, and the
formatted entries (written to an entries file) as it writes the pages, in the order it needs
them.

Nothing here imports MkDocs or pybtex, and nothing raises on bad cache contents or a failed
worker: any doubt means the table is built again, in this process.
"""

from __future__ import annotations

import array
import collections
import contextlib
import functools
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, overload

from bibcite.cache import write_json_atomically
from bibcite.problems import Problem, Severity
from bibcite.versions import style_version

if TYPE_CHECKING:
    from bibcite.compiler import Compiled
    from bibcite.formatting import ReferenceFormatter
    from bibcite.stream import WorkerStream

#: Layout and item HTML of cached tables; a table of another format is built again.
TABLE_FORMAT = "2"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class Reference:
    """One entry, ready for pages.

    key: the citation key. index: 1-based position in the .bib file (the global number).
    line: line of the entry's ``@type{`` (for messages).
    text: the formatted reference as plain text (tooltips, search).
    item: the inner HTML of its list item: the formatted reference and its links (PubMed and
    DOI, or the web page), every value escaped. The same on every page that lists it.
    """

    key: str
    index: int
    line: int
    text: str
    item: str


class EntryFile:
    """An entries file, open for reading: one JSON line ``[key, index, line, text, item]`` per
    entry, in any order; :meth:`read` takes one entry's line by position. The file stays
    readable while open even if it is replaced or deleted (a newer build's cache)."""

    #: Entries kept after a read: pages next to each other cite many of the same entries (60 %
    #: of the reads of the large benchmark), and a few hundred cost little memory.
    RECENT = 256

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.fd = -1
        self.fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        self._recent: collections.OrderedDict[int, Reference] = collections.OrderedDict()

    def read(self, offset: int, length: int) -> Reference:
        ref = self._recent.get(offset)
        if ref is None:
            ref = Reference(*json.loads(os.pread(self.fd, length, offset).decode()))
            self._recent[offset] = ref
            if len(self._recent) > self.RECENT:
                self._recent.popitem(last=False)
        else:
            self._recent.move_to_end(offset)
        return ref

    def close(self) -> None:
        fd, self.fd = self.fd, -1  # once: the number may be another file's afterwards
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)

    def __del__(self) -> None:
        self.close()


class EntryWriter:
    """Appends entries to an entries file, one JSON line each: where each is, and the hash of
    all that was written (the index records it, see :func:`save_table`)."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.offset = 0
        self._hash = hashlib.sha256()

    def write(self, ref: Reference) -> tuple[int, int]:
        """Append ``ref``; returns the offset and length of its line."""
        row = [ref.key, ref.index, ref.line, ref.text, ref.item]
        line = json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n"
        self.file.write(line)
        self._hash.update(line)
        at, self.offset = self.offset, self.offset + len(line)
        return at, len(line)

    def digest(self) -> str:
        return self._hash.hexdigest()


class ReferenceTable:
    """Every entry of one .bib file, in file order, held in memory (:meth:`of`) or read from an
    entries file on demand (:meth:`in_file`).

    path: the file as the user knows it (for messages). digest: hash of its bytes.
    problems: what formatting found (undecodable LaTeX...), reported on every build.
    ``table[key]`` is an entry, ``key in table`` whether there is one; iterating gives every
    entry in file order (reading them all, for a table in a file).
    """

    def __init__(
        self,
        path: str,
        digest: str,
        keys: tuple[str, ...],
        lines: tuple[int, ...],
        problems: tuple[Problem, ...],
        entry: Callable[[int], Reference],
    ) -> None:
        self.path, self.digest, self.problems = path, digest, problems
        self._keys, self._lines, self._entry = keys, lines, entry
        self._file: EntryFile | None = None

    @classmethod
    def of(
        cls,
        path: str,
        digest: str,
        references: tuple[Reference, ...],
        problems: tuple[Problem, ...],
    ) -> ReferenceTable:
        """A table in memory: ``references`` in file order."""
        keys = tuple(r.key for r in references)
        lines = tuple(r.line for r in references)
        return cls(path, digest, keys, lines, problems, references.__getitem__)

    @classmethod
    def in_file(
        cls,
        path: str,
        digest: str,
        rows: Sequence[tuple[str, int, int, int]],
        problems: tuple[Problem, ...],
        entries: EntryFile,
    ) -> ReferenceTable:
        """A table whose entries are in ``entries``: ``rows`` gives, in file order, each entry's
        key, line, and the offset and length of its line in the file."""
        # Interned, as the syntax interns cited keys: one string per key for the whole build.
        keys = tuple(sys.intern(r[0]) for r in rows)
        lines = tuple(r[1] for r in rows)
        offsets = array.array("q", (r[2] for r in rows))  # compact: a table may be large
        lengths = array.array("q", (r[3] for r in rows))

        def entry(i: int) -> Reference:
            return entries.read(offsets[i], lengths[i])

        table = cls(path, digest, keys, lines, problems, entry)
        table._file = entries  # closed with the table
        return table

    def __contains__(self, key: object) -> bool:
        return key in self.index

    def __getitem__(self, key: str) -> Reference:
        return self._entry(self.index[key] - 1)

    def __iter__(self) -> Iterator[Reference]:
        return (self._entry(i) for i in range(len(self._keys)))

    def __len__(self) -> int:
        return len(self._keys)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ReferenceTable):
            return NotImplemented
        return (self.path, self.digest, self.problems, list(self)) == (
            other.path, other.digest, other.problems, list(other)
        )  # fmt: skip

    __hash__ = None  # type: ignore[assignment]

    @property
    def references(self) -> tuple[Reference, ...]:
        """Every entry, in file order (all read, for a table in a file)."""
        return tuple(self)

    def in_order(self) -> Sequence[Reference]:
        """Every entry in file order, read as it is asked for (a slice reads only its part)."""
        return InOrder(len(self._keys), self._entry)

    def pick(self, keys: Iterable[str]) -> dict[str, Reference]:
        """The entries of ``keys`` (those the table has)."""
        index = self.index
        return {k: self._entry(index[k] - 1) for k in keys if k in index}

    def keys(self) -> BibliographyKeys:
        return BibliographyKeys(self.path, self._keys, self._lines)

    @functools.cached_property
    def index(self) -> Mapping[str, int]:
        """Each key's position in the file (the global numbers)."""
        return {key: n for n, key in enumerate(self._keys, start=1)}

    def close(self) -> None:
        """Close its entries file, if it has one (it is also closed when the table is freed)."""
        if self._file is not None:
            self._file.close()


class InOrder(Sequence[Reference]):
    """The entries of a table in file order, each read when asked for."""

    def __init__(self, count: int, entry: Callable[[int], Reference]) -> None:
        self._count, self._entry = count, entry

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, i: int) -> Reference: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Reference]: ...
    def __getitem__(self, i: int | slice) -> Reference | Sequence[Reference]:
        if isinstance(i, slice):
            return tuple(self._entry(n) for n in range(*i.indices(self._count)))
        if not -self._count <= i < self._count:
            raise IndexError(i)
        return self._entry(i % self._count)


@dataclass(frozen=True)
class BibliographyKeys:
    """The citation keys of a .bib file, known before any entry is formatted: all that
    converting pages needs (numbers, entries and their text come with the table, at the end).

    path: the file as the user knows it. keys: every entry's key, in file order.
    """

    path: str
    keys: tuple[str, ...]
    lines: tuple[int, ...] = ()  # each key's line, when known

    def line(self, key: str) -> int:
        """The line of ``key``'s entry, 0 if not known."""
        return self.lines[self.keys.index(key)] if self.lines else 0

    def __contains__(self, key: object) -> bool:
        return key in self._set

    @functools.cached_property
    def _set(self) -> frozenset[str]:
        return frozenset(self.keys)


class ReferenceTableCache:
    """Loads the reference table of a .bib file: from memory while the file and the style are
    unchanged (``mkdocs serve`` rebuilds), else from the on-disk cache, else built: in a worker
    process while this one converts the pages (or in this process: ``background: never``, or
    if the worker fails).

    In the order a build needs them: :meth:`load` gives the keys at once; :meth:`start_output`
    (once the pages are converted) the file's entries and problems; :meth:`references` the
    entries a page cites, as soon as they are formatted; :meth:`table` the whole table.

    parses: how many times a .bib file was parsed (for tests and benchmarks).
    formatter: the formatter of tables built in this process, kept so that a rebuild after a
    .bib edit formats only the entries that changed (``formatter.formatted_count``).
    formatted: entries formatted by the last build of a table, in whichever process;
    formatted_total: by all of them (what a `mkdocs serve` session formatted).
    save_error: why the per-entry cache could not be written, or None.
    worker_error: why the last worker process failed ("" if it did not; the table was then
    built in this process).
    """

    def __init__(self) -> None:
        self._key: tuple[str, int, int, str, str | None] | None = None
        self._value: tuple[ReferenceTable | None, list[Problem]] | None = None
        self._stream: WorkerStream | None = None
        self._path: str | os.PathLike[str] = ""
        self._shown, self._style = "", ""
        self._cache: str | None = None
        self.parses = 0
        self.formatted = 0
        self.formatted_total = 0
        self.formatter: ReferenceFormatter | None = None
        self.save_error: str | None = None
        self.worker_error = ""

    def load(
        self,
        path: str | os.PathLike[str],
        shown: str,
        style: str,
        cache_dir: str | os.PathLike[str] | None = None,
        background: str = "auto",
    ) -> tuple[BibliographyKeys | None, list[Problem]]:
        """The keys of the file (None if it cannot be used) and the problems known now: those
        of the file itself, unless it is parsed in the background (then :meth:`start_output`
        gives them). ``background``: ``auto`` or ``always`` (a worker process builds the table;
        measured faster than building it in this process at every size tried, from 3 entries
        to 10 000: the worker's start, imports and parse overlap the page conversion), or
        ``never``."""
        if self._stream is not None:  # a build that stopped before it was done with it
            self._stream.stop()
        self._stream = None
        self.worker_error = ""
        cache = os.fspath(cache_dir) if cache_dir else None
        self._path, self._shown, self._style, self._cache = path, shown, style, cache
        try:
            st = os.stat(path)
            key = (os.fspath(path), st.st_mtime_ns, st.st_size, style, cache)
        except OSError:
            key = None
        if key is None or key != self._key or self._value is None:
            if self._value is not None and self._value[0] is not None:
                self._value[0].close()
            self._key, self._value = key, None
            if cache:
                self._value = _read_table(Path(cache), Path(path), shown, style)
        if self._value is None:
            if background != "never":
                keys = self._start_worker()
                if keys is not None:
                    return keys, []
            self.parses += 1
            self._value = self._finish(self._compile())
        table, problems = self._value
        return (table.keys() if table is not None else None), problems

    def start_output(self, order: Sequence[str]) -> tuple[BibliographyKeys | None, list[Problem]]:
        """Pages are converted and about to be written, needing their entries in ``order``.
        Returns the keys as parsed, and the file's problems if :meth:`load` did not."""
        stream = self._stream
        if stream is not None:
            parsed = stream.parsed()
            if parsed is not None:
                stream.send_order(order)
                keys, problems, _ = parsed
                if any(p.severity is Severity.ERROR for p in problems):
                    self._stream = None
                return keys, problems
            self._fall_back(stream)
            table, problems = self._value or (None, [])
            return (table.keys() if table is not None else None), problems
        table, _ = self._value or (None, [])
        return (table.keys() if table is not None else None), []

    def references(self, keys: Iterable[str]) -> tuple[Mapping[str, Reference], Mapping[str, int]]:
        """The formatted entries of ``keys`` (those the file has) and every entry's number."""
        stream = self._stream
        if stream is not None:
            keys = list(keys)
            if stream.ensure(keys):
                return stream.pick(keys), stream.index
            self._fall_back(stream)
        table = self.table()
        return table.pick(keys), table.index

    def all_references(self) -> Sequence[Reference]:
        """Every entry, in file order, each read when asked for; available as soon as every
        entry is formatted (the worker may still be saving its caches: :meth:`table`, with the
        formatting problems, waits for that too)."""
        stream = self._stream
        if stream is not None:
            if stream.ensure(stream.index):
                return stream.in_order()
            self._fall_back(stream)
        return self.table().in_order()

    def table(self) -> ReferenceTable:
        """The whole table, its formatting problems included."""
        stream = self._stream
        if stream is not None:
            done = stream.finish()
            if done is not None:
                self._stream = None
                self._value = done
                self.formatted, self.save_error = stream.formatted, stream.cache_error
                self.formatted_total += stream.formatted
            else:
                self._fall_back(stream)
        assert self._value is not None and self._value[0] is not None, "load() first"
        return self._value[0]

    def _fall_back(self, stream: WorkerStream) -> None:
        """The worker failed: build the table in this process (its problems already given
        by :meth:`start_output` are not given again)."""
        self._stream = None
        self.worker_error = stream.error or "no result"
        table, problems = self._finish(self._compile())
        self._value = table, ([] if stream.reported else problems)

    def _start_worker(self) -> BibliographyKeys | None:
        from bibcite.bibtext import read_text, scan_keys

        text, _, _ = read_text(self._path, self._shown)
        if text is None:
            return None  # the problem is the file itself: report it at once, in this process
        from bibcite.stream import WorkerStream  # its imports: only for a worker

        try:
            self._stream = WorkerStream(self._path, self._shown, self._style, self._cache)  # 1st:
        except OSError as exc:  # no file for its entries, no process: read it in this one
            self.worker_error = f"cannot start it ({exc})"
            return None
        self.parses += 1
        return BibliographyKeys(self._shown, tuple(scan_keys(text)))  # it starts meanwhile

    def _compile(self) -> Compiled:
        from bibcite import compiler  # pybtex: only when no cached table fits

        if self.formatter is None or self.formatter.style != self._style:
            self.formatter = compiler.make_formatter(self._style, self._cache)
        return compiler.compile_table(self._path, self._shown, self.formatter)

    def _finish(self, compiled: Compiled) -> tuple[ReferenceTable | None, list[Problem]]:
        self.formatted, self.save_error = compiled.formatted, compiled.cache_error
        self.formatted_total += compiled.formatted
        table = compiled.table(self._shown)
        problems = list(compiled.problems)
        if table is not None and self._cache:
            write_table(Path(self._cache), table, problems, self._style)
        return table, problems


# -- on disk --------------------------------------------------------------------------------


def _table_file(cache_dir: Path, digest: str, style: str, suffix: str = ".json") -> Path:
    name = f"references--{digest[:40]}--{_UNSAFE.sub('_', style)}{suffix}"
    return cache_dir / name


def _read_table(
    cache_dir: Path, path: Path, shown: str, style: str
) -> tuple[ReferenceTable, list[Problem]] | None:
    """The stored table of this file's exact bytes and this style, or None."""
    entries: EntryFile | None = None
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        data = json.loads(_table_file(cache_dir, digest, style).read_bytes())
        if data["format"] != _stamp(style) or data["digest"] != digest or data["path"] != shown:
            return None
        entries = EntryFile(_table_file(cache_dir, digest, style, ".entries"))
        if _file_digest(entries.fd) != data["entries"]:  # not the file the index was made for
            entries.close()
            return None
        rows = [(str(k), int(line), int(off), int(n)) for k, line, off, n in data["rows"]]
        problems = [_problem(p) for p in data["problems"]]
        formatting = tuple(_problem(p) for p in data["formatting"])
    except (OSError, ValueError, KeyError, TypeError):
        if entries is not None:
            entries.close()
        return None
    return ReferenceTable.in_file(shown, digest, rows, formatting, entries), problems


def _file_digest(fd: int) -> str:
    h = hashlib.sha256()
    offset = 0
    while chunk := os.pread(fd, 1 << 20, offset):
        h.update(chunk)
        offset += len(chunk)
    return h.hexdigest()


def _stamp(style: str) -> str:
    return f"{TABLE_FORMAT}/{style}/{style_version(style)}"


def _problem(p: list[Any]) -> Problem:
    path, line, col, message, hint, severity = p
    return Problem(path, line, col, message, hint, Severity(severity))


def _row(p: Problem) -> list[Any]:
    return [p.path, p.line, p.col, p.message, p.hint, p.severity.value]


def write_table(
    cache_dir: Path, table: ReferenceTable, problems: list[Problem], style: str
) -> None:
    """Save a table: its entries file, then its index (see :func:`save_table`)."""
    import tempfile  # (not needed by a warm build)

    with contextlib.suppress(OSError):  # the cache is only an optimisation
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".references-", suffix=".tmp", dir=cache_dir)
        with os.fdopen(fd, "wb") as f:
            writer = EntryWriter(f)
            rows = [(ref.key, ref.line, *writer.write(ref)) for ref in table]
        save_table(cache_dir, table.path, table.digest, style, rows, problems, table.problems,
                   tmp, writer.digest())  # fmt: skip


def save_table(
    cache_dir: Path,
    shown: str,
    digest: str,
    style: str,
    rows: Sequence[tuple[str, int, int, int]],
    problems: Sequence[Problem],
    formatting: Sequence[Problem],
    entries: str,
    entries_digest: str,
) -> None:
    """Make ``entries`` (an entries file in ``cache_dir``, of hash ``entries_digest``) the cache
    of the table of the .bib file of ``digest`` and ``style``, and write its index: ``rows``
    gives each entry's key, line, offset and length, in file order. The index is written last,
    with the entries file's hash: a reader that finds an index finds its entries, or sees they
    are not its own. Only the latest table is kept."""
    index_file = _table_file(cache_dir, digest, style)
    entries_file = _table_file(cache_dir, digest, style, ".entries")
    head = {
        "format": _stamp(style),
        "digest": digest,
        "path": shown,
        "problems": [_row(p) for p in problems],
        "formatting": [_row(p) for p in formatting],
        "entries": entries_digest,
    }
    with contextlib.suppress(OSError):  # the cache is only an optimisation
        os.replace(entries, entries_file)
        members = (json.dumps(list(row), ensure_ascii=False) for row in rows)
        write_json_atomically(index_file, head, "rows", "[]", members)
        for old in cache_dir.glob("references--*"):
            if old not in (index_file, entries_file):
                old.unlink()
