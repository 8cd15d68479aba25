"""The build's side of the worker process (:mod:`bibcite.worker`): starts it, sends it the
order pages need their entries in, and reads what it sends (see :func:`bibcite.worker.main`).

Imported only when a table must be built, so a warm build does not load what a child process
needs (``subprocess``, ``threading``, ``pickle``, ``tempfile``).
"""

from __future__ import annotations

import array
import contextlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from bibcite.problems import Problem
from bibcite.references import BibliographyKeys, EntryFile, InOrder, Reference, ReferenceTable


class WorkerStream:
    """The worker process (``bibcite.worker.main``) and what it has sent so far.

    A plain child process, not multiprocessing: a fork could inherit the threads of ``mkdocs
    serve``, and a spawn re-imports the main script. It writes the formatted entries to an
    entries file this process created (in the cache directory, so that it can become the
    cache, or in the system's temporary directory) and sends where each is. Any failure (exit,
    garbled message) sets ``error`` and makes the methods return None/False: the caller then
    builds the table itself.
    """

    def __init__(
        self, path: str | os.PathLike[str], shown: str, style: str, cache: str | None
    ) -> None:
        package_root = str(Path(__file__).resolve().parent.parent)  # where `bibcite` is
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p
        )}  # fmt: skip
        self.shown = shown
        self.entries_path = _entries_file_for_worker(cache)
        self.entries = EntryFile(self.entries_path)
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (read on failure, closed at the end)
        self.process = subprocess.Popen(
            [sys.executable, "-c", "import sys, bibcite.worker as w; w.main(sys.argv[1:])",
             json.dumps([os.fspath(path), shown, style, cache, self.entries_path])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
        )  # fmt: skip
        self.index: dict[str, int] = {}  # key: number (position in the .bib)
        # Where each entry's line is in the entries file, by number (-1: not arrived yet): two
        # arrays rather than a tuple per entry, held by the build to its end.
        self._offsets = array.array("q")
        self._lengths = array.array("q")
        self.error = ""
        self.reported = False  # the file's problems were given to the caller
        self.formatted = 0
        self.cache_error: str | None = None
        self._arrived: list[str] = []  # the keys of the last message's entries
        # The keys (with their lines), the file's problems and its digest, once parsed.
        self._parsed: tuple[BibliographyKeys, list[Problem], str] | None = None
        self._done: tuple[ReferenceTable | None, list[Problem]] | None = None

    def parsed(self) -> tuple[BibliographyKeys, list[Problem], str] | None:
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
        missing = {k for k in keys if k in self.index and not self._arrived_yet(k)}
        while missing and self._done is None:
            if not self._read():
                return False
            missing.difference_update(self._arrived)
        return self._parsed is not None

    def pick(self, keys: Iterable[str]) -> dict[str, Reference]:
        """The entries of ``keys`` that have arrived, read from the entries file."""
        return {k: self._entry(self.index[k]) for k in keys if self._arrived_yet(k)}

    def in_order(self) -> Sequence[Reference]:
        """Every entry that has arrived, in file order, each read when asked for."""
        arrived = (n for n in sorted(self.index.values()) if self._offsets[n] >= 0)
        numbers = array.array("q", arrived)
        return InOrder(len(numbers), lambda i: self._entry(numbers[i]))

    def _arrived_yet(self, key: str) -> bool:
        number = self.index.get(key)
        return number is not None and self._offsets[number] >= 0

    def _entry(self, number: int) -> Reference:
        return self.entries.read(self._offsets[number], self._lengths[number])

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
                # Kept as the keys and lines the table will have, not a tuple per entry.
                keys = tuple(sys.intern(key) for key, _, _ in entries)
                lines = tuple(line for _, _, line in entries)
                self._parsed = BibliographyKeys(self.shown, keys, lines), problems, digest
                self.index = {key: index for key, index, _ in entries}
                size = max(self.index.values(), default=0) + 1
                self._offsets = array.array("q", [-1]) * size
                self._lengths = array.array("q", [0]) * size
            elif kind == "refs":
                for key, offset, length in message[1]:  # a key not parsed: garbled, fall back
                    number = self.index[key]
                    self._offsets[number], self._lengths[number] = offset, length
                self._arrived = [key for key, _, _ in message[1]]
            elif kind == "done":
                formatting, _, _ = message[1:]
                parsed, problems, digest = self._parsed or (BibliographyKeys("", ()), [], "")
                rows = [(key, line, self._offsets[n], self._lengths[n])
                        for key, line in zip(parsed.keys, parsed.lines, strict=True)
                        if self._offsets[n := self.index[key]] >= 0]  # fmt: skip
                table = ReferenceTable.in_file(
                    self.shown, digest, rows, tuple(formatting), self.entries
                )
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
        # The worker moved it into the cache, or it was a temporary file (still readable
        # through the open EntryFile).
        with contextlib.suppress(OSError):
            os.unlink(self.entries_path)


def _entries_file_for_worker(cache: str | None) -> str:
    """A new, empty entries file for the worker: in the cache directory (it becomes the cache),
    else in the system's temporary directory."""
    for directory in ([cache] if cache else []) + [None]:
        try:
            if directory is not None:
                os.makedirs(directory, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=".references-", suffix=".tmp", dir=directory)
        except OSError:
            continue
        os.close(fd)
        return name
    raise OSError("no directory to write the worker's entries to")
