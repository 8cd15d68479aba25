"""The worker process of :mod:`bibcite.references`: reads a .bib file while the build converts
its pages, and streams the reference table back.

Run as ``python -c "import sys, bibcite.worker as w; w.main(sys.argv[1:])" ARGS``. It imports
what parsing needs first, and the formatting style (latexcodec, pybtex's backends, the
per-entry cache) only once the parse is sent: the build waits for the parse when its pages are
converted, and for formatted entries only when it writes them.
"""

from __future__ import annotations

import json
import os
import pickle
import select
import sys
from typing import BinaryIO

from bibcite.bibliography import CHUNK_ENTRIES, BibEntry, read_entries
from bibcite.bibtext import read_text
from bibcite.problems import Severity


def main(argv: list[str]) -> None:
    """The worker process of ``bibcite.references``: builds a table while that process converts
    pages, and streams it back. ``argv``: ``[json.dumps([path, shown, style, cache_dir,
    entries_path])]``; ``entries_path`` is an empty file the caller made for the entries.

    Each formatted entry is appended to ``entries_path`` as one line
    (:class:`bibcite.references.EntryWriter`). Messages on stdout, each a 4-byte length then a
    pickle: ``("parsed", [(key, index, line)], problems, digest)`` once the file is parsed;
    ``("refs", [(key, offset, length), ...])`` where each entry's line is, once written;
    ``("done", formatting_problems, formatted_count, cache_error)`` at the end. Entries are
    formatted in file order until a line of JSON on stdin gives the order the pages need them
    in (the caller then reads them as it writes the pages); the rest follow in file order. With
    a cache directory, the entries file then becomes the cache's (the caller's open file still
    reads it).
    """
    path, shown, style, cache_dir, entries_path = json.loads(argv[0])
    out = sys.stdout.buffer
    text, digest, problems = read_text(path, shown)
    entries: dict[str, BibEntry] = {}
    readable = text is not None
    if text is not None:
        for chunk in read_entries(text, shown, problems, CHUNK_ENTRIES):
            for entry in chunk:
                entry.__dict__.pop("entry", None)  # pybtex's objects: made again one at a time
                entries[entry.key] = entry
        del text
    parsed = [(e.key, e.index, e.line) for e in entries.values()]
    _send(out, ("parsed", parsed, problems, digest))
    if not readable or any(p.severity is Severity.ERROR for p in problems):
        entries = {}
    # Imported only now that the parse is sent (see the module's docstring).
    from pathlib import Path

    from bibcite.compiler import make_formatter, reference
    from bibcite.references import EntryWriter, save_table

    formatter = make_formatter(style, cache_dir)
    todo, order_read, batch = list(entries), False, []
    rows: dict[str, tuple[int, int, int, int]] = {}  # key: (number, line, offset, length)
    position = 0
    with open(entries_path, "wb") as file:
        writer = EntryWriter(file)
        while position < len(todo):
            if not order_read and select.select([sys.stdin], [], [], 0)[0]:
                order_read = True
                wanted = [k for k in json.loads(sys.stdin.readline() or "[]") if k in entries]
                todo = [k for k in dict.fromkeys([*wanted, *todo]) if k in entries]
                position = 0
                continue
            entry = entries.pop(todo[position])  # formatted once: its parse is not needed again
            position += 1
            at, length = writer.write(reference(entry, formatter, shown))
            rows[entry.key] = (entry.index, entry.line, at, length)
            batch.append((entry.key, at, length))
            if len(batch) >= 32:
                file.flush()  # written before the caller hears of it
                _send(out, ("refs", batch))
                batch = []
        file.flush()
        _send(out, ("refs", batch))  # the last ones: the build can write its last pages now
    formatting = formatter.take_problems()
    error = formatter.save()
    if rows and cache_dir:  # the table, for the next build (written here, off the build)
        in_order = sorted(rows.items(), key=lambda item: item[1][0])
        table_rows = [(key, line, at, n) for key, (_, line, at, n) in in_order]
        save_table(Path(cache_dir), shown, digest, style, table_rows, problems, formatting,
                   entries_path, writer.digest())  # fmt: skip
    _send(out, ("done", formatting, formatter.formatted_count, error))
    out.flush()
    os._exit(0)  # no interpreter teardown: the parent is waiting, and nothing is left to do


def _send(out: BinaryIO, message: tuple[object, ...]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(data).to_bytes(4, "big") + data)
    out.flush()
