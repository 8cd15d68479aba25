"""The cache: one SQLite file of JSON values, each under a key made from content digests.

Keys are digests of what a value was made from (a file's bytes, an entry's fields) and of the
code that made it (bibcite's version, the formatting style's source), never hand-bumped
version constants, so a stale value is never found. SQLite gives atomic writes and safe
concurrent builds; an interrupted build leaves at most a rolled-back journal that SQLite
clears on the next open. Deleting the file is always safe. A cache that cannot be opened or
written only makes the build slower: :attr:`Store.error` says why, for the adapter to report.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

FILE_NAME = "bibcite.sqlite"


def digest(*parts: str | bytes) -> str:
    """One key from several parts (separated, so ``("ab", "c")`` and ``("a", "bc")`` differ)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


class Store:
    """A table of JSON values by key in ``directory/bibcite.sqlite`` (None: in memory only)."""

    def __init__(self, directory: Path | None) -> None:
        self.error = ""
        self._db: sqlite3.Connection | None = None
        try:
            if directory is None:
                self._db = sqlite3.connect(":memory:")
            else:
                directory.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(directory / FILE_NAME, timeout=30)
            with self._db:
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS item (key TEXT PRIMARY KEY, value TEXT)"
                )
        except (OSError, sqlite3.Error) as exc:
            self.error = f"cannot open the cache in {directory} ({exc})"
            self._db = None

    def get(self, key: str) -> Any:
        """The value stored under ``key``, or None."""
        return next(iter(self.get_many([key]).values()), None)

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """The values stored under any of ``keys``."""
        found: dict[str, Any] = {}
        if self._db is None:
            return found
        wanted = list(keys)
        try:
            for chunk in _chunks(wanted, 500):  # SQLite's limit on parameters per statement
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, value FROM item WHERE key IN ({marks})", chunk
                )
                found.update((k, json.loads(v)) for k, v in rows)
        except (sqlite3.Error, ValueError) as exc:
            self.error = f"cannot read the cache ({exc})"
        return found

    def put_many(self, items: dict[str, Any]) -> None:
        """Store every item in one transaction: all of them or, if it fails, none."""
        if self._db is None or not items:
            return
        # Row by row, and ASCII-only: Python holds a string with any other character at two or
        # four bytes a character, and a whole bibliography's table is one string.
        rows = ((k, json.dumps(v)) for k, v in items.items())
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO item VALUES (?, ?)", rows)
        except sqlite3.Error as exc:
            self.error = f"cannot write the cache ({exc})"

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
