"""On-disk cache of formatted references, so an unchanged entry is not formatted again.

One JSON file per (style, style version) under the cache directory (``.cache/bibcite/`` by
default) holds every formatted entry of that style, keyed by the entry's content fingerprint
(:attr:`bibcite.bibliography.BibEntry.fingerprint`). A changed entry has a new fingerprint, a
changed style has a new version and so a new file: either way the entry is formatted again.

The file is read once per build (:func:`load`) and written once at its end (:meth:`save`),
atomically (a temporary file in the same directory, then :func:`os.replace`), and only if
something changed. A missing, unreadable or corrupt file is an empty cache: nothing here
raises on bad cache contents or on a read-only disk, the cache is only ever an optimisation.

The cached html must not depend on anything but the entry's content and the style: not on
the entry's key or number, which the fingerprint does not cover (the renderer adds those).

Nothing here imports MkDocs.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

#: Where the cache lives, relative to the project (the directory of ``mkdocs.yml``).
DEFAULT_DIR = Path(".cache") / "bibcite"
#: Layout of the cache file itself; a file of another format is ignored.
FORMAT = 2
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _file_name(style: str, version: str) -> str:
    return f"{_UNSAFE.sub('_', style)}--{_UNSAFE.sub('_', version)}.json"


class FormattedCache:
    """Formatted entries ``(text, html)`` of one style version, by entry fingerprint.

    path: the cache file (it need not exist).
    hits, misses: counts of :meth:`get` calls that found / did not find an entry.
    discarded: why an existing cache file was ignored (corrupt, other format...), or None.
    error: why the last :meth:`save` could not write the file, or None.
    """

    def __init__(self, path: Path, style: str, version: str) -> None:
        self.path = path
        self.style = style
        self.version = version
        self._entries: dict[str, tuple[str, str]] = {}
        self._used: set[str] = set()
        self._dirty = False
        self.hits = 0
        self.misses = 0
        self.discarded: str | None = None
        self.error: str | None = None

    @classmethod
    def load(cls, directory: str | os.PathLike[str], style: str, version: str) -> FormattedCache:
        """Read the cache file of ``style`` at ``version`` under ``directory``, if any."""
        cache = cls(Path(directory) / _file_name(style, version), style, version)
        try:
            raw = cache.path.read_bytes()
        except FileNotFoundError:
            return cache
        except OSError as exc:
            cache.discarded = f"unreadable ({exc.strerror})"
            return cache
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            cache.discarded = f"not valid JSON ({exc})"
            return cache
        entries = _valid_entries(data, style, version)
        if entries is None:
            cache.discarded = "not a bibcite cache of this style and version"
            return cache
        cache._entries = entries
        return cache

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, fingerprint: object) -> bool:
        return fingerprint in self._entries

    def get(self, fingerprint: str) -> tuple[str, str] | None:
        """The cached ``(text, html)`` of the entry with this fingerprint, or None."""
        found = self._entries.get(fingerprint)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
            self._used.add(fingerprint)
        return found

    def put(self, fingerprint: str, text: str, html: str) -> None:
        """Remember the formatted entry (written to disk by :meth:`save`)."""
        self._used.add(fingerprint)
        value = (text, html)
        if self._entries.get(fingerprint) != value:
            self._entries[fingerprint] = value
            self._dirty = True

    @property
    def changed(self) -> bool:
        """Whether :meth:`save` would write the file."""
        return self._dirty or (self.discarded is not None and bool(self._entries))

    def save(self, prune: bool = False) -> bool:
        """Write the file if anything changed; True if it was written.

        prune: also drop the entries neither read nor written since :meth:`load` (use it after
        a build that formatted every entry of the bibliography, so edited entries do not pile
        up). Never raises on a write failure: returns False and sets :attr:`error`.
        """
        if prune:
            stale = [fp for fp in self._entries if fp not in self._used]
            for fp in stale:
                del self._entries[fp]
            if stale:
                self._dirty = True
        if not self.changed:
            return False
        head = {"format": FORMAT, "style": self.style, "version": self.version}
        entries = sorted(self._entries.items())
        members = (f"{_json(fp)}:{_json([text, html])}" for fp, (text, html) in entries)
        try:
            write_json_atomically(self.path, head, "entries", "{}", members)
        except OSError as exc:
            self.error = f"cannot write {self.path} ({exc.strerror or exc})"
            return False
        self.error = None
        self.discarded = None
        self._dirty = False
        self._remove_other_versions()
        return True

    def _remove_other_versions(self) -> None:
        """Files of this style's older versions can never be read again: delete them."""
        prefix = f"{_UNSAFE.sub('_', self.style)}--"
        for other in self.path.parent.glob(f"{prefix}*.json"):
            if other != self.path and "--" not in other.name[len(prefix) :]:
                with contextlib.suppress(OSError):
                    other.unlink()


def load(directory: str | os.PathLike[str], style: str, version: str) -> FormattedCache:
    """Shorthand for :meth:`FormattedCache.load`."""
    return FormattedCache.load(directory, style, version)


def _valid_entries(data: object, style: str, version: str) -> dict[str, tuple[str, str]] | None:
    if not isinstance(data, dict):
        return None
    if data.get("format") != FORMAT or data.get("style") != style:
        return None
    if data.get("version") != version:
        return None
    raw = data.get("entries")
    if not isinstance(raw, dict):
        return None
    entries: dict[str, tuple[str, str]] = {}
    for fp, value in raw.items():
        if not (isinstance(value, list) and len(value) == 2):
            return None
        text, html = value
        if not (isinstance(fp, str) and isinstance(text, str) and isinstance(html, str)):
            return None
        entries[fp] = (text, html)
    return entries


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_json_atomically(
    path: Path, head: Mapping[str, object], name: str, brackets: str, members: Iterable[str]
) -> None:
    """Write a JSON object: ``head``'s members, then ``name``, an array (``brackets`` ``"[]"``)
    or object (``"{}"``) of ``members``, each already encoded. Written member by member, so
    the document is never one string in memory (the caches of a large bibliography are tens of
    megabytes). Readers see the old file or the new one, never a part-written one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(f"{_json(dict(head))[:-1]},{_json(name)}:{brackets[0]}")
            for n, member in enumerate(members):
                f.write(f",{member}" if n else member)
            f.write(brackets[1] + "}")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
