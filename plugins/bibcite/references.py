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

Nothing here imports MkDocs or pybtex, and nothing raises on bad cache contents: any doubt means
the table is built again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from bibcite.problems import Problem, Severity
from bibcite.versions import style_version

if TYPE_CHECKING:
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

    def __getitem__(self, key: str) -> Reference:
        return self.by_key[key]

    def __iter__(self) -> Iterator[Reference]:
        return iter(self.references)

    def __len__(self) -> int:
        return len(self.references)


class ReferenceTableCache:
    """Loads the reference table of a .bib file: from memory while the file and the style are
    unchanged (``mkdocs serve`` rebuilds), else from the on-disk cache, else built.

    parses: how many times a .bib file was actually parsed (for tests and benchmarks).
    formatter: the formatter used to build tables; kept, so a rebuild after a .bib edit formats
    only the entries that changed. ``formatter.formatted_count`` counts entries formatted.
    """

    def __init__(self) -> None:
        self._key: tuple[str, int, int, str, bool] | None = None
        self._value: tuple[ReferenceTable | None, list[Problem]] | None = None
        self.parses = 0
        self.formatter: ReferenceFormatter | None = None
        self.save_error: str | None = None  # why the per-entry cache could not be written

    def load(
        self,
        path: str | os.PathLike[str],
        shown: str,
        style: str,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> tuple[ReferenceTable | None, list[Problem]]:
        """The table (None if the file cannot be used) and the problems of the .bib file."""
        try:
            st = os.stat(path)
            key: tuple[str, int, int, str, bool] | None = (
                os.fspath(path), st.st_mtime_ns, st.st_size, style, cache_dir is None
            )  # fmt: skip
        except OSError:
            key = None
        if key is not None and key == self._key and self._value is not None:
            return self._value
        value: tuple[ReferenceTable | None, list[Problem]] | None = None
        if cache_dir:
            value = _read_table(Path(cache_dir), Path(path), shown, style)
        if value is None:
            value = self._build(path, shown, style, cache_dir)
        self._value, self._key = value, key
        return value

    def _build(
        self,
        path: str | os.PathLike[str],
        shown: str,
        style: str,
        cache_dir: str | os.PathLike[str] | None,
    ) -> tuple[ReferenceTable | None, list[Problem]]:
        from bibcite import compiler  # pybtex: only when no cached table fits

        if self.formatter is None or self.formatter.style != style:
            self.formatter = compiler.make_formatter(style, cache_dir)
        self.parses += 1
        table, problems = compiler.compile_table(path, shown, self.formatter)
        self.save_error = self.formatter.save()
        if table is not None and cache_dir:
            _write_table(Path(cache_dir), table, problems, style)
        return table, problems


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
        data = json.loads(_table_file(cache_dir, digest, style).read_text(encoding="utf-8"))
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


def _write_table(
    cache_dir: Path, table: ReferenceTable, problems: list[Problem], style: str
) -> None:
    data = {
        "format": _stamp(style),
        "digest": table.digest,
        "path": table.path,
        "references": [[r.key, r.index, r.line, r.text, r.item] for r in table.references],
        "problems": [_row(p) for p in problems],
        "formatting": [_row(p) for p in table.problems],
    }
    target = _table_file(cache_dir, table.digest, style)
    with contextlib.suppress(OSError):  # the cache is only an optimisation
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, target)
        for old in cache_dir.glob("references--*.json"):
            if old != target:
                old.unlink()
