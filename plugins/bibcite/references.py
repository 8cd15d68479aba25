"""Stage 4: the reference table, every entry of the bibliography formatted as pages show it.

A :class:`ReferenceTable` is all the rendering stage needs (keys, numbers, lines for messages,
the plain text for tooltips and the HTML of each list item), so it is also what is cached:

- in memory across ``mkdocs serve`` rebuilds, while the .bib file and the style are unchanged;
- on disk under the cache directory, keyed by the digest of the .bib file's bytes, the style and
  its version, and :data:`TABLE_FORMAT` (bumped whenever the item HTML changes).

Building a table (pybtex parse and format) is :mod:`bibcite.compiler`, imported only when no
cached table fits: a warm build reads one JSON file and never imports pybtex. On a miss, the
compiler still formats only the entries the per-entry cache (:mod:`bibcite.cache`, keyed by each
entry's content and the style version) does not hold.

A large .bib file is read by a worker process while the build converts its pages
(:class:`_Stream`, running :func:`bibcite.worker.main`): the build gets the keys from a scan at
once, the parsed entries' numbers and the file's problems when its pages are converted, and the
formatted entries as it writes the pages, in the order it needs them.

Nothing here imports MkDocs or pybtex, and nothing raises on bad cache contents or a failed
worker: any doubt means the table is built again, in this process.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import pickle
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from bibcite.cache import write_json_atomically
from bibcite.problems import Problem, Severity
from bibcite.versions import style_version

if TYPE_CHECKING:
    from bibcite.compiler import Compiled
    from bibcite.formatting import ReferenceFormatter

#: Layout and item HTML of cached tables; a table of another format is built again.
TABLE_FORMAT = "1"
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


@dataclass(frozen=True)
class ReferenceTable:
    """Every entry of one .bib file, in file order.

    path: the file as the user knows it (for messages). digest: hash of its bytes.
    references: every entry, in file order. by_key: entry by exact key.
    problems: what formatting found (undecodable LaTeX...), reported on every build.
    """

    path: str
    digest: str
    references: tuple[Reference, ...]
    by_key: Mapping[str, Reference]
    problems: tuple[Problem, ...] = ()

    @classmethod
    def of(
        cls,
        path: str,
        digest: str,
        references: tuple[Reference, ...],
        problems: tuple[Problem, ...],
    ) -> ReferenceTable:
        by_key = MappingProxyType({r.key: r for r in references})
        return cls(path, digest, references, by_key, problems)

    def __contains__(self, key: object) -> bool:
        return key in self.by_key

    def keys(self) -> BibliographyKeys:
        refs = self.references
        return BibliographyKeys(self.path, tuple(r.key for r in refs), tuple(r.line for r in refs))

    @functools.cached_property
    def index(self) -> Mapping[str, int]:
        """Each key's position in the file (the global numbers)."""
        return {r.key: r.index for r in self.references}

    def __getitem__(self, key: str) -> Reference:
        return self.by_key[key]

    def __iter__(self) -> Iterator[Reference]:
        return iter(self.references)

    def __len__(self) -> int:
        return len(self.references)


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
        self._stream: _Stream | None = None
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
                entries, problems, _ = parsed
                keys = BibliographyKeys(self._shown, tuple(k for k, _, _ in entries),
                                        tuple(line for _, _, line in entries))  # fmt: skip
                if any(p.severity is Severity.ERROR for p in problems):
                    self._stream = None
                return keys, problems
            self._fall_back(stream)
            table, problems = self._value or (None, [])
            return (table.keys() if table is not None else None), problems
        table, _ = self._value or (None, [])
        return (table.keys() if table is not None else None), []

    def references(self, keys: Iterable[str]) -> tuple[Mapping[str, Reference], Mapping[str, int]]:
        """The formatted entries (at least those of ``keys``) and every entry's number."""
        stream = self._stream
        if stream is not None:
            if stream.ensure(keys):
                return stream.refs, stream.index
            self._fall_back(stream)
        table = self.table()
        return table.by_key, table.index

    def all_references(self) -> tuple[Reference, ...]:
        """Every entry, in file order, as soon as each is formatted (the worker may still be
        saving its caches: :meth:`table`, with the formatting problems, waits for that too)."""
        stream = self._stream
        if stream is not None:
            if stream.ensure(stream.index):
                return tuple(sorted(stream.refs.values(), key=lambda r: r.index))
            self._fall_back(stream)
        return self.table().references

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

    def _fall_back(self, stream: _Stream) -> None:
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
        self.parses += 1
        self._stream = _Stream(self._path, self._shown, self._style, self._cache)  # first: it
        return BibliographyKeys(self._shown, tuple(scan_keys(text)))  # starts up meanwhile

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


class _Stream:
    """The worker process (``bibcite.worker.main``) and what it has sent so far.

    A plain child process, not multiprocessing: a fork could inherit the threads of ``mkdocs
    serve``, and a spawn re-imports the main script. Any failure (exit, garbled message) sets
    ``error`` and makes the methods return None/False: the caller then builds the table itself.
    """

    def __init__(
        self, path: str | os.PathLike[str], shown: str, style: str, cache: str | None
    ) -> None:
        package_root = str(Path(__file__).resolve().parent.parent)  # where `bibcite` is
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p
        )}  # fmt: skip
        self.shown = shown
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (read on failure, closed at the end)
        self.process = subprocess.Popen(
            [sys.executable, "-c", "import sys, bibcite.worker as w; w.main(sys.argv[1:])",
             json.dumps([os.fspath(path), shown, style, cache])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
        )  # fmt: skip
        self.refs: dict[str, Reference] = {}
        self.index: dict[str, int] = {}
        self.error = ""
        self.reported = False  # the file's problems were given to the caller
        self.formatted = 0
        self.cache_error: str | None = None
        self._arrived: list[str] = []  # the keys of the last message's entries
        self._parsed: tuple[list[tuple[str, int, int]], list[Problem], str] | None = None
        self._done: tuple[ReferenceTable | None, list[Problem]] | None = None

    def parsed(self) -> tuple[list[tuple[str, int, int]], list[Problem], str] | None:
        while self._parsed is None and self._read():
            pass
        if self._parsed is not None:
            self.reported = True
        return self._parsed

    def send_order(self, keys: Sequence[str]) -> None:
        """Tell the worker which entries to format first (written by a thread: the worker may
        be busy writing to us, and pipes are small)."""
        line = (json.dumps(list(keys)) + "\n").encode()

        def write() -> None:
            with contextlib.suppress(OSError):  # the worker may already be done
                assert self.process.stdin is not None
                self.process.stdin.write(line)
                self.process.stdin.close()

        threading.Thread(target=write, daemon=True).start()

    def ensure(self, keys: Iterable[str]) -> bool:
        """Read until the entries of ``keys`` (those the file has) are here; False on failure."""
        missing = {k for k in keys if k in self.index and k not in self.refs}
        while missing and self._done is None:
            if not self._read():
                return False
            missing.difference_update(self._arrived)
        return self._parsed is not None

    def finish(self) -> tuple[ReferenceTable | None, list[Problem]] | None:
        while self._done is None and self._read():
            pass
        return self._done

    def _read(self) -> bool:
        """Read one message; False (and ``error``) if there is none to read."""
        assert self.process.stdout is not None
        try:
            head = self.process.stdout.read(4)
            message = pickle.loads(self.process.stdout.read(int.from_bytes(head, "big")))
            kind = message[0]
            if kind == "parsed":
                entries, problems, digest = message[1:]
                self._parsed = entries, problems, digest
                self.index = {key: index for key, index, _ in entries}
            elif kind == "refs":
                self.refs.update((r.key, r) for r in message[1])
                self._arrived = [r.key for r in message[1]]
            elif kind == "done":
                formatting, _, _ = message[1:]
                entries, problems, digest = self._parsed or ([], [], "")
                refs = tuple(sorted(self.refs.values(), key=lambda r: r.index))
                table = ReferenceTable.of(self.shown, digest, refs, tuple(formatting))
                self._done = table, list(problems)  # a rebuild reports them again
                self.formatted, self.cache_error = message[2], message[3]
                self._close()
            return True
        except Exception as exc:  # EOF, a crash, anything unexpected: build it ourselves
            self.process.kill()
            self.process.wait()
            self.stderr.seek(0)
            last = self.stderr.read().decode("utf-8", "replace").strip().splitlines()[-1:]
            self.error = f"{type(exc).__name__}; {last[0] if last else 'no message'}"
            self._close()
            return False

    def stop(self) -> None:
        """Stop the worker, whatever it is doing."""
        if self.process.poll() is None:
            self.process.kill()
        self._close()

    def _close(self) -> None:
        self.process.wait()
        for pipe in (self.process.stdout, self.stderr):
            if pipe is not None:
                pipe.close()


# -- on disk --------------------------------------------------------------------------------


def _table_file(cache_dir: Path, digest: str, style: str) -> Path:
    name = f"references--{digest[:40]}--{_UNSAFE.sub('_', style)}.json"
    return cache_dir / name


def _read_table(
    cache_dir: Path, path: Path, shown: str, style: str
) -> tuple[ReferenceTable, list[Problem]] | None:
    """The stored table of this file's exact bytes and this style, or None."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        # Bytes, not text: a str of non-Latin-1 text takes twice the memory while it is decoded.
        data = json.loads(_table_file(cache_dir, digest, style).read_bytes())
        if data["format"] != _stamp(style) or data["digest"] != digest or data["path"] != shown:
            return None
        refs = tuple(Reference(*r) for r in data["references"])
        problems = [_problem(p) for p in data["problems"]]
        formatting = tuple(_problem(p) for p in data["formatting"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return ReferenceTable.of(shown, digest, refs, formatting), problems


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
    head = {
        "format": _stamp(style),
        "digest": table.digest,
        "path": table.path,
        "problems": [_row(p) for p in problems],
        "formatting": [_row(p) for p in table.problems],
    }
    rows = (
        json.dumps([r.key, r.index, r.line, r.text, r.item], ensure_ascii=False)
        for r in table.references
    )
    target = _table_file(cache_dir, table.digest, style)
    with contextlib.suppress(OSError):  # the cache is only an optimisation
        write_json_atomically(target, head, "references", "[]", rows)
        for old in cache_dir.glob("references--*.json"):
            if old != target:
                old.unlink()
