"""The reference table: built once, cached on disk and in memory, the same however it is built.

Covers the stage that turns a .bib file into what pages show (``bibcite.references`` and
``bibcite.compiler``): the on-disk table (a warm build neither parses nor formats), its
invalidation, the per-entry cache behind it, the worker process, and the parse in pieces.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bibcite import references
from bibcite.bibliography import parse_bibliography
from bibcite.bibtext import scan_keys
from bibcite.problems import Severity
from bibcite.references import ReferenceTableCache

from support import FIXTURES, REPO

WITH_PROBLEM = "\n@article{notitle2001,\n  author = {von Nobody, Jr, A. B.},\n  year = {2001},\n}\n"
WITH_LATEX = "\n@article{odd2002,\n  author = {Odd, A.},\n  title = {A \\weird{thing}},\n  journal = {J},\n  year = {2002},\n}\n"  # noqa: E501


def project(tmp_path: Path, extra: str = "") -> Path:
    bib = tmp_path / "bibliography.bib"
    shutil.copy(REPO / "bibliography.bib", bib)
    if extra:
        with bib.open("a", encoding="utf-8") as f:
            f.write(extra)
    return bib


def load(bib: Path, cache: Path | None, background: str = "never") -> ReferenceTableCache:
    tables = ReferenceTableCache()
    keys, problems = tables.load(bib, "bibliography.bib", "medscape", cache, background)
    assert keys is not None, problems
    tables.start_output(list(keys.keys))
    tables.table()
    return tables


def test_a_warm_load_neither_parses_nor_formats_and_gives_the_same_table(tmp_path: Path) -> None:
    bib = project(tmp_path, WITH_PROBLEM + WITH_LATEX)
    cold = ReferenceTableCache()  # in process: its problems come with the keys
    keys, cold_problems = cold.load(bib, "bibliography.bib", "medscape", tmp_path / "cache",
                                    "never")  # fmt: skip
    cold_table = cold.table()
    assert cold.parses == 1 and cold.formatted == len(cold_table) == 37

    warm = ReferenceTableCache()  # a new process: nothing in memory
    warm_keys, warm_problems = warm.load(bib, "bibliography.bib", "medscape", tmp_path / "cache")
    assert warm.parses == 0 and warm.formatter is None  # pybtex was not even needed
    assert warm_keys == keys and warm_problems == cold_problems
    assert warm.table() == cold_table  # every entry's text and item HTML, and the problems
    # warnings survive a warm build: the file's own and those of formatting
    assert {p.message for p in warm_problems} == {
        "entry 'notitle2001' has no 'title' field",
        "entry 'notitle2001' has no 'journal' field",
    }
    assert [p.message for p in warm.table().problems] == [
        "entry 'odd2002', field 'title': cannot convert LaTeX: unknown LaTeX command '\\weird'"
    ]


def test_an_edited_entry_is_the_only_one_formatted_again(tmp_path: Path) -> None:
    bib = project(tmp_path)
    load(bib, tmp_path / "cache")
    text = bib.read_text(encoding="utf-8")
    bib.write_text(text.replace("Diagnostic pathway", "Diagnostic pathways", 1), encoding="utf-8")
    again = load(bib, tmp_path / "cache")
    assert again.parses == 1  # the file changed: parsed again ...
    assert again.formatted == 1  # ... but only the edited entry is formatted
    assert "Diagnostic pathways" in again.table()["reiter2011diagnostic"].text


def test_a_new_style_version_formats_every_entry_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bib = project(tmp_path)
    load(bib, tmp_path / "cache")
    monkeypatch.setattr(references, "style_version", lambda style: "999")
    monkeypatch.setattr("bibcite.compiler.style_version", lambda style: "999")
    again = load(bib, tmp_path / "cache")
    assert again.parses == 1 and again.formatted == 35


def test_a_corrupt_table_file_means_a_fresh_build(tmp_path: Path) -> None:
    bib = project(tmp_path)
    first = load(bib, tmp_path / "cache").table()
    (table_file,) = (tmp_path / "cache").glob("references--*.json")
    table_file.write_text("{not json", encoding="utf-8")
    again = load(bib, tmp_path / "cache")
    assert again.parses == 1 and again.table() == first


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda f: f.unlink(), id="entries file deleted"),
        pytest.param(lambda f: f.write_bytes(f.read_bytes()[:-5]), id="entries file truncated"),
        pytest.param(
            lambda f: f.write_bytes(f.read_bytes().replace(b"Reiter", b"Reuter", 1)),
            id="an entry changed in place",
        ),
    ],
)
def test_an_entries_file_that_is_not_the_indexed_one_means_a_fresh_build(
    tmp_path: Path, damage: Callable[[Path], object]
) -> None:
    bib = project(tmp_path)
    first = load(bib, tmp_path / "cache").table()
    (entries,) = (tmp_path / "cache").glob("references--*.entries")
    damage(entries)
    again = load(bib, tmp_path / "cache")
    assert again.parses == 1 and again.table() == first


def test_a_table_read_from_disk_outlives_its_files(tmp_path: Path) -> None:
    """A warm table reads its entries as pages need them, from a file it keeps open: a newer
    build replacing the cache (or its deletion) does not change what it reads."""
    bib = project(tmp_path)
    first = load(bib, tmp_path / "cache").table()
    warm = ReferenceTableCache()
    warm.load(bib, "bibliography.bib", "medscape", tmp_path / "cache")
    assert warm.parses == 0
    for path in (tmp_path / "cache").iterdir():
        path.unlink()
    assert warm.table() == first
    refs, index = warm.references(["reiter2011diagnostic", "not-a-key"])
    assert index["reiter2011diagnostic"] == 1 and len(index) == len(first)
    assert list(refs) == ["reiter2011diagnostic"] and refs["reiter2011diagnostic"].index == 1
    assert list(warm.all_references()[:2]) == list(first)[:2]


def test_only_the_latest_table_is_kept(tmp_path: Path) -> None:
    bib = project(tmp_path)
    load(bib, tmp_path / "cache")
    bib.write_text(bib.read_text(encoding="utf-8") + "\n% edited\n", encoding="utf-8")
    load(bib, tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("references--*.json"))) == 1
    assert len(list((tmp_path / "cache").glob("references--*.entries"))) == 1


def test_the_same_instance_reuses_its_table_while_the_file_is_unchanged(tmp_path: Path) -> None:
    """What `mkdocs serve` relies on: no parse, no format on a rebuild, even without a disk
    cache."""
    bib = project(tmp_path)
    tables = ReferenceTableCache()
    for _ in range(3):
        keys, _ = tables.load(bib, "bibliography.bib", "medscape", None)
        assert keys is not None
        tables.start_output(list(keys.keys))
        tables.table()
    assert tables.parses == 1


def test_the_worker_process_builds_the_same_table_and_problems(tmp_path: Path) -> None:
    bib = project(tmp_path, WITH_PROBLEM + WITH_LATEX)
    here = ReferenceTableCache()
    keys, here_problems = here.load(bib, "bibliography.bib", "medscape", None, "never")
    assert keys is not None
    worker = ReferenceTableCache()
    scanned, none_yet = worker.load(bib, "bibliography.bib", "medscape", None, "always")
    assert none_yet == [] and worker.parses == 1  # the problems come once the worker parsed
    assert scanned is not None and scanned.keys == keys.keys
    wanted = keys.keys[-3]  # near the end of the file, but needed first
    parsed, worker_problems = worker.start_output([wanted])
    assert parsed == keys and worker_problems == here_problems
    # the entries a page needs arrive before the rest, and every number is known
    refs, index = worker.references([wanted])
    assert refs[wanted] == here.table()[wanted]
    assert index == here.table().index
    assert worker.table() == here.table()
    assert worker.worker_error == ""


def test_a_failing_worker_means_the_table_is_built_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bib = project(tmp_path, WITH_PROBLEM)
    expected = load(bib, None).table()
    monkeypatch.setattr(sys, "executable", shutil.which("false") or "/bin/false")
    tables = ReferenceTableCache()
    keys, problems = tables.load(bib, "bibliography.bib", "medscape", None, "always")
    assert keys is not None and problems == []
    parsed, problems = tables.start_output(list(keys.keys))
    assert parsed is not None and parsed.keys == keys.keys
    assert {p.message for p in problems} == {  # given once, by the fallback
        "entry 'notitle2001' has no 'title' field",
        "entry 'notitle2001' has no 'journal' field",
    }
    assert tables.table() == expected
    assert tables.worker_error.startswith("EOFError")


# -- the parse in pieces ----------------------------------------------------------------------


def _bib_files() -> list[Path]:
    return [REPO / "bibliography.bib", *sorted(FIXTURES.rglob("*.bib"))]


@pytest.mark.parametrize("path", _bib_files(), ids=lambda p: str(p.relative_to(REPO)))
@pytest.mark.parametrize("chunk", [1, 2, 3, 7])
def test_parsing_in_pieces_gives_the_same_entries_and_problems(path: Path, chunk: int) -> None:
    text = path.read_bytes().decode("utf-8", "replace")
    whole, whole_problems = parse_bibliography(text, "x.bib")
    pieces, piece_problems = parse_bibliography(text, "x.bib", chunk_entries=chunk)
    assert piece_problems == whole_problems
    assert whole is not None and pieces is not None
    assert [(e.key, e.index, e.line, e.fingerprint) for e in pieces.entries] == [
        (e.key, e.index, e.line, e.fingerprint) for e in whole.entries
    ]


BROKEN_AND_ODD = [
    "@string{jnl = {J Odd}}\n@article{a, author={A, B}, title={T}, journal=jnl, year=2001}\n"
    "@article{b, author={C, D}, title={U}, journal=jnl, year=2002}\n",
    "@article{a, author={A, B}, title={T}, journal={J}, year=2001}\n"
    "@article{a, author={A, B}, title={T}, journal={J}, year=2001}\n"
    "@article{A, author={A, B}, title={T}, journal={J}, year=2001}\n",
    "@article{a, author={A, B}, title={T}, journal={J}, year=2001}\n"
    "@article{b, author={A, B}, title={T, journal={J}, year=2001}\n"
    "@article{c, author={A, B}, title={T}, journal={J}, year=2001}\n",
    "@article{a, author={A, B}, title={T}, journal={J}, year=2001}\nstray text\n"
    "@comment{x}\n@article{b, author={A, B} title={T}, journal={J}, year=2001}\n"
    "@article{c, author={A, B}, title={T}, journal=undefined, year=2001}\n",
    "@misc{a, note={has @article{inner, x} inside}, author={A}, title={T}, year=1}\n"
    "@misc{b, author={A}, title={T}, year=1}\n",
]


@pytest.mark.parametrize("text", BROKEN_AND_ODD)
@pytest.mark.parametrize("chunk", [1, 2])
def test_pieces_keep_macros_duplicates_and_syntax_errors(text: str, chunk: int) -> None:
    whole, whole_problems = parse_bibliography(text, "x.bib")
    pieces, piece_problems = parse_bibliography(text, "x.bib", chunk_entries=chunk)
    assert piece_problems == whole_problems
    assert whole is not None and pieces is not None
    assert [(e.key, e.index, e.line, dict(e.fields)) for e in pieces.entries] == [
        (e.key, e.index, e.line, dict(e.fields)) for e in whole.entries
    ]


def test_a_parse_holds_each_recurring_name_and_short_value_once() -> None:
    """A large file's entries are all held until formatted: a name or a journal that recurs
    is one object, not one per entry (a worker's peak memory on 10 000 entries: 83 -> 71 MiB)."""
    text = (
        '@article{a, author={M{\\"u}ller, Anna and Chen, Li}, title={One},\n'
        "  journal={J Skin}, year=2001}\n"
        '@article{b, author={Chen, Li}, editor={M{\\"u}ller, Anna}, title={Two},\n'
        "  journal={J Skin}, year=2001}\n"
    )
    for chunk in (0, 1):  # the whole file at once, or entry by entry
        bibliography, _ = parse_bibliography(text, "x.bib", chunk_entries=chunk)
        assert bibliography is not None
        a, b = bibliography.entries
        assert a.persons["author"][1] == b.persons["author"][0]
        assert a.persons["author"][1] is b.persons["author"][0]
        assert a.persons["author"][0] is b.persons["editor"][0]
        assert a.fields["journal"] is b.fields["journal"]
        assert a.fields["year"] is b.fields["year"]


# Files without an error (with one, the build stops: the scanned keys are never used).
SCANNED = [BROKEN_AND_ODD[0], BROKEN_AND_ODD[4], (REPO / "bibliography.bib").read_text()]


@pytest.mark.parametrize("text", SCANNED)
def test_the_key_scan_finds_the_parsed_keys(text: str) -> None:
    bibliography, problems = parse_bibliography(text, "x.bib")
    assert not any(p.severity is Severity.ERROR for p in problems)
    assert bibliography is not None
    assert scan_keys(text) == [e.key for e in bibliography.entries]


def test_the_worker_runs_from_a_bare_interpreter(tmp_path: Path) -> None:
    """``python -c "import bibcite.worker ..."`` as the plugin starts it, on the real .bib:
    its messages decode to the parsed index, where each formatted entry is in the entries
    file, and a final summary; each entry read from there is the one formatted in process."""
    import pickle
    import subprocess

    from bibcite.references import EntryFile

    bib = project(tmp_path)
    entries = tmp_path / "entries"
    entries.touch()
    proc = subprocess.run(
        [sys.executable, "-c", "import sys, bibcite.worker as w; w.main(sys.argv[1:])",
         json.dumps([str(bib), "bibliography.bib", "medscape", None, str(entries)])],
        input=b"", capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    messages, data = [], proc.stdout
    while data:
        size = int.from_bytes(data[:4], "big")
        messages.append(pickle.loads(data[4 : 4 + size]))
        data = data[4 + size :]
    kinds = [m[0] for m in messages]
    assert kinds[0] == "parsed" and kinds[-1] == "done" and set(kinds[1:-1]) == {"refs"}
    spans = {key: (offset, length) for m in messages[1:-1] for key, offset, length in m[1]}
    expected = load(bib, None).table()
    assert len(spans) == len(expected) == 35
    file = EntryFile(entries)
    assert all(file.read(*spans[ref.key]) == ref for ref in expected)
    file.close()


def test_a_rebuild_reports_the_files_problems_again_after_a_worker_read_it(
    tmp_path: Path,
) -> None:
    """As `mkdocs serve` rebuilds: the table is kept in memory, its warnings are not lost."""
    bib = project(tmp_path, WITH_PROBLEM)
    tables = ReferenceTableCache()
    keys, none_yet = tables.load(bib, "bibliography.bib", "medscape", None, "always")
    assert keys is not None and none_yet == []
    _, first = tables.start_output(list(keys.keys))
    tables.table()
    keys, again = tables.load(bib, "bibliography.bib", "medscape", None, "always")
    assert tables.parses == 1 and again == first and len(first) == 2


def test_a_warm_build_never_imports_pybtex(tmp_path: Path) -> None:
    """The real project built twice: the second build, in a new process, takes everything the
    pages show from the cached table; pybtex (and the style) are not even imported."""
    import subprocess

    from support import build, copy_project

    project = copy_project(tmp_path / "project")
    assert build(project).returncode == 0
    script = (
        "import sys, logging; from mkdocs.commands.build import build; "
        "from mkdocs.config import load_config; logging.disable(logging.WARNING); "
        "build(load_config('mkdocs.yml', site_dir='site2')); "
        "print(sorted(m for m in sys.modules if m.startswith(('pybtex', 'latexcodec', "
        "'bibcite.compiler', 'bibcite.style'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=project, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
    assert (project / "site2" / "references" / "index.html").is_file()
