"""The parsed bibliography kept on disk: a warm build skips pybtex's parser, and loses nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from bibcite.bibliography import BibliographyCache, load_bibliography
from bibcite.formatting import format_entry

from support import REPO

WITH_PROBLEM = "\n@article{notitle2001,\n  author = {von Nobody, Jr, A. B.},\n  year = {2001},\n}\n"


def project(tmp_path: Path, extra: str = "") -> Path:
    bib = tmp_path / "bibliography.bib"
    shutil.copy(REPO / "bibliography.bib", bib)
    if extra:
        with bib.open("a", encoding="utf-8") as f:
            f.write(extra)
    return bib


def test_a_warm_load_reads_the_disk_and_gives_the_same_entries(tmp_path: Path) -> None:
    bib = project(tmp_path, WITH_PROBLEM)
    cold = BibliographyCache()
    fresh, fresh_problems = cold.load(bib, "bibliography.bib", tmp_path / "cache")
    assert cold.parses == 1 and fresh is not None

    warm = BibliographyCache()  # a new process: nothing in memory
    stored, stored_problems = warm.load(bib, "bibliography.bib", tmp_path / "cache")
    assert warm.parses == 0 and stored is not None

    assert stored_problems == fresh_problems
    assert {p.message for p in stored_problems} == {
        "entry 'notitle2001' has no 'title' field",
        "entry 'notitle2001' has no 'journal' field",
    }
    for a, b in zip(fresh.entries, stored.entries, strict=True):
        assert (a.key, a.index, a.line, a.fingerprint, a.type) == (
            b.key, b.index, b.line, b.fingerprint, b.type,
        )  # fmt: skip
        assert dict(a.fields) == dict(b.fields) and a.persons == b.persons
        # the pybtex entry rebuilt from the stored parts formats to exactly the same reference
        assert format_entry(a, "b.bib")[0] == format_entry(b, "b.bib")[0]


def test_an_edited_file_is_parsed_again(tmp_path: Path) -> None:
    bib = project(tmp_path)
    BibliographyCache().load(bib, "bibliography.bib", tmp_path / "cache")
    with bib.open("a", encoding="utf-8") as f:
        f.write(WITH_PROBLEM)
    again = BibliographyCache()
    bibliography, problems = again.load(bib, "bibliography.bib", tmp_path / "cache")
    assert again.parses == 1
    assert bibliography is not None and "notitle2001" in bibliography
    assert problems


def test_a_corrupt_cache_file_means_a_fresh_parse(tmp_path: Path) -> None:
    bib = project(tmp_path)
    BibliographyCache().load(bib, "bibliography.bib", tmp_path / "cache")
    for stored in (tmp_path / "cache").glob("bibliography--*.json"):
        stored.write_text("{not json", encoding="utf-8")
    again = BibliographyCache()
    bibliography, problems = again.load(bib, "bibliography.bib", tmp_path / "cache")
    assert again.parses == 1 and bibliography is not None and not problems
    assert len(bibliography.entries) == len(load_bibliography(bib)[0].entries)  # type: ignore[union-attr]


def test_only_the_latest_parse_is_kept(tmp_path: Path) -> None:
    bib = project(tmp_path)
    BibliographyCache().load(bib, "bibliography.bib", tmp_path / "cache")
    bib.write_text(bib.read_text(encoding="utf-8") + "\n% edited\n", encoding="utf-8")
    BibliographyCache().load(bib, "bibliography.bib", tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("bibliography--*.json"))) == 1
