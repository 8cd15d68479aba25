"""The on-disk cache of formatted references (bibcite.cache)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bibcite import cache as cache_mod
from bibcite.bibliography import parse_bibliography
from bibcite.cache import FormattedCache

BIB = """
@article{a, author = {M{\\"u}ller, Hans}, title = {One}, journal = {J}, year = {2001}}
@article{b, author = {Smith, Ann}, title = {Two}, journal = {J}, year = {2002}}
"""


def fingerprints(text: str) -> dict[str, str]:
    bib, problems = parse_bibliography(text)
    assert bib is not None, problems
    return {e.key: e.fingerprint for e in bib.entries}


def fill(directory: Path, version: str, fps: dict[str, str]) -> FormattedCache:
    """One build: format (here: fake) what the cache lacks, then save. Returns the cache."""
    c = cache_mod.load(directory, "medscape", version)
    for key, fp in fps.items():
        if c.get(fp) is None:
            c.put(fp, f"text {key}", f"<em>html {key}</em>")
    c.save()
    return c


def test_roundtrip(tmp_path: Path) -> None:
    fps = fingerprints(BIB)
    first = fill(tmp_path, "1", fps)
    assert (first.hits, first.misses) == (0, 2)
    again = cache_mod.load(tmp_path, "medscape", "1")
    assert len(again) == 2
    assert again.get(fps["a"]) == ("text a", "<em>html a</em>")
    assert again.discarded is None
    assert not again.changed
    assert again.save() is False  # nothing changed: no write


def test_default_dir_is_under_dot_cache() -> None:
    assert Path(".cache/bibcite") == cache_mod.DEFAULT_DIR


def test_changed_entry_is_formatted_again(tmp_path: Path) -> None:
    fill(tmp_path, "1", fingerprints(BIB))
    edited = fingerprints(BIB.replace("{Two}", "{Two, revised}"))
    c = fill(tmp_path, "1", edited)
    assert (c.hits, c.misses) == (1, 1)  # only the edited entry 'b' missed


def test_key_change_alone_keeps_cached_format(tmp_path: Path) -> None:
    fill(tmp_path, "1", fingerprints(BIB))
    c = fill(tmp_path, "1", fingerprints(BIB.replace("{b,", "{renamed,")))
    assert (c.hits, c.misses) == (2, 0)


def test_changed_style_version_is_formatted_again(tmp_path: Path) -> None:
    fps = fingerprints(BIB)
    fill(tmp_path, "1", fps)
    c = fill(tmp_path, "2", fps)
    assert (c.hits, c.misses) == (0, 2)
    # the old version's file is gone, the new one is there
    assert [p.name for p in tmp_path.iterdir()] == [c.path.name]
    assert "2" in c.path.name


def test_other_style_is_separate(tmp_path: Path) -> None:
    fps = fingerprints(BIB)
    fill(tmp_path, "1", fps)
    other = cache_mod.load(tmp_path, "plain", "1")
    assert other.get(fps["a"]) is None
    other.put(fps["a"], "t", "h")
    assert other.save()
    assert len(list(tmp_path.glob("*.json"))) == 2


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[]",
        b'{"format": 1, "style": "medscape", "version": "1", "entries": {"x": [1, 2]}}',
        b'{"format": 1, "style": "medscape", "version": "1", "entries": {"x": ["only one"]}}',
        b'{"format": 99, "style": "medscape", "version": "1", "entries": {}}',
        b'{"format": 1, "style": "medscape", "version": "0", "entries": {}}',
    ],
)
def test_corrupt_file_is_ignored(
    tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    fps = fingerprints(BIB)
    path = cache_mod.load(tmp_path, "medscape", "1").path
    path.write_bytes(content)
    c = cache_mod.load(tmp_path, "medscape", "1")
    assert len(c) == 0
    assert c.discarded
    assert c.get(fps["a"]) is None
    c.put(fps["a"], "t", "h")
    assert c.save()  # the corrupt file is replaced by a good one
    assert cache_mod.load(tmp_path, "medscape", "1").get(fps["a"]) == ("t", "h")
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err


def test_corrupt_file_is_rewritten_even_without_new_entries(tmp_path: Path) -> None:
    fps = fingerprints(BIB)
    c = fill(tmp_path, "1", fps)
    c.path.write_text("{broken")
    again = fill(tmp_path, "1", fps)  # all misses, all put again
    assert again.misses == 2
    assert json.loads(again.path.read_text())["version"] == "1"


def test_atomic_write_leaves_no_temp_file_and_replaces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fps = fingerprints(BIB)
    c = fill(tmp_path, "1", fps)
    before = c.path.read_bytes()
    inode = c.path.stat().st_ino
    # A write that fails half-way leaves the old file intact and no temporary file.
    c2 = cache_mod.load(tmp_path, "medscape", "1")
    c2.put("new", "t", "h")

    def boom(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    assert c2.save() is False
    assert c2.error and "No space left" in c2.error
    assert c.path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [c.path.name]
    monkeypatch.undo()
    # A successful write replaces the file (new inode: renamed over, not rewritten in place).
    assert c2.save() is True
    assert c.path.stat().st_ino != inode
    assert [p.name for p in tmp_path.iterdir()] == [c.path.name]
    assert cache_mod.load(tmp_path, "medscape", "1").get("new") == ("t", "h")


def test_unwritable_directory_does_not_raise(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    c = cache_mod.load(blocker / "sub", "medscape", "1")  # parent is a file: cannot mkdir
    assert len(c) == 0
    c.put("fp", "t", "h")
    assert c.save() is False
    assert c.error


def test_prune_drops_unused_entries(tmp_path: Path) -> None:
    fill(tmp_path, "1", fingerprints(BIB))
    edited = fingerprints(BIB.replace("{Two}", "{Two, revised}"))
    c = cache_mod.load(tmp_path, "medscape", "1")
    assert len(c) == 2
    for key, fp in edited.items():
        if c.get(fp) is None:
            c.put(fp, key, key)
    c.save(prune=True)
    again = cache_mod.load(tmp_path, "medscape", "1")
    assert len(again) == 2 and set(edited.values()) == {fp for fp in edited.values() if fp in again}


def test_unusual_style_and_version_names_are_safe(tmp_path: Path) -> None:
    c = cache_mod.load(tmp_path, "../evil/style", "1.0 beta/2")
    c.put("fp", "t", "h")
    assert c.save()
    assert c.path.parent == tmp_path
    assert cache_mod.load(tmp_path, "../evil/style", "1.0 beta/2").get("fp") == ("t", "h")
