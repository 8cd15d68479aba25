"""The cache: a build with nothing new neither parses nor formats (nor imports pybtex), an edit
formats only what changed, and concurrent builds share the SQLite file safely."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path

import pytest

from bibcite import index as index_module
from bibcite import site as site_module
from bibcite.host import SiteConfig
from bibcite.problems import Severity
from bibcite.site import DEFAULT_CACHE_DIR, WORKER_MIN_ENTRIES, Settings, complete, load_site
from bibcite.store import FILE_NAME, Store
from bibcite.syntax import parse_citation

from support import FIXTURES, bulk_entries

BIB = (FIXTURES / "sites" / "basic" / "refs.bib").read_text(encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "refs.bib").write_text(BIB, encoding="utf-8")
    (tmp_path / "docs" / "index.md").write_text(
        "# Home\n\n[@alpha2001first; @gamma2002second] [@delta2003third] [@epsilon2004fourth]\n",
        encoding="utf-8",
    )
    return tmp_path


def load(project: Path) -> tuple[int, int, int]:
    """(parsed, entries formatted, problems) of one build's site."""
    config = SiteConfig(project, project / "docs")
    site = load_site(Settings(("refs.bib",)), config)
    return int(site.parsed), site.formatted, len(site.problems)


def test_a_warm_build_neither_parses_nor_formats(project: Path) -> None:
    assert load(project) == (1, 4, 0)
    assert load(project) == (0, 0, 0)


def test_an_edited_entry_is_the_only_one_formatted_again(project: Path) -> None:
    load(project)
    bib = project / "refs.bib"
    bib.write_text(BIB.replace("Fourth study", "Fourth study, revised"), encoding="utf-8")
    assert load(project) == (1, 1, 0)


def test_an_edited_page_is_scanned_again(project: Path) -> None:
    load(project)
    page = project / "docs" / "index.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nAnd [@nokey].\n", encoding="utf-8")
    config = SiteConfig(project, project / "docs")
    site = load_site(Settings(("refs.bib",)), config)
    assert not site.parsed and [p.message for p in site.problems] == [
        "unknown citation key 'nokey'"
    ]


def test_a_warm_build_takes_each_page_s_citations_from_the_cache(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = project / "docs" / "index.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nAnd [@alpha2001first; oops] [@nokey].\n",
                    encoding="utf-8")  # fmt: skip
    config = SiteConfig(project, project / "docs")
    cold = load_site(Settings(("refs.bib",)), config)
    parsed: list[str] = []
    real_parse = parse_citation

    def counting_parse(raw: str) -> object:
        parsed.append(raw)
        return real_parse(raw)

    monkeypatch.setattr(index_module, "parse_citation", counting_parse)
    warm = load_site(Settings(("refs.bib",)), config)
    assert warm.index == cold.index and parsed == []
    assert cold.index is not None
    record = cold.index.pages["index.md"]
    assert record.cites == (
        ("alpha2001first", (1,)), ("gamma2002second", (1,)), ("delta2003third", (2,)),
        ("epsilon2004fourth", (3,)), ("nokey", (5,)),
    )  # fmt: skip
    assert record.malformed
    assert [p.message for p in warm.problems] == [p.message for p in cold.problems]
    assert len(cold.problems) == 2


def test_new_scanning_code_scans_every_page_again(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cached page scans are keyed by the scanner's source, not by a hand-bumped version."""
    scanned: list[str] = []
    real_scan = index_module.scan_page

    def counting_scan(path: str, text: str) -> index_module.PageRecord:
        scanned.append(path)
        return real_scan(path, text)

    monkeypatch.setattr(site_module, "scan_page", counting_scan)
    load(project)
    load(project)
    assert scanned == ["index.md"]
    real_sources = site_module._sources
    monkeypatch.setattr(site_module, "_sources", lambda *m: [*real_sources(*m), b"# edited"])
    load(project)
    assert scanned == ["index.md", "index.md"]


def test_a_warm_build_never_imports_pybtex(project: Path) -> None:
    load(project)
    code = (
        "import sys; from pathlib import Path; from bibcite.host import SiteConfig; "
        "from bibcite.site import Settings, load_site; p = Path(sys.argv[1]); "
        "site = load_site(Settings(('refs.bib',)), SiteConfig(p, p / 'docs')); "
        "assert not site.parsed and len(site.refs) == 4; "
        "print(sorted(m for m in sys.modules if m.startswith('pybtex')))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(project)], capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_two_builds_at_once_share_the_cache(project: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from bibcite.host import SiteConfig; "
        "from bibcite.site import Settings, load_site; p = Path(sys.argv[1]); "
        "site = load_site(Settings(('refs.bib',)), SiteConfig(p, p / 'docs')); "
        "assert len(site.refs) == 4 and not site.problems, site.problems"
    )
    builds = [
        subprocess.Popen([sys.executable, "-c", code, str(project)], stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    assert [b.wait(timeout=60) for b in builds] == [0, 0, 0, 0]
    assert load(project) == (0, 0, 0)
    # Nothing but the database is left in the cache folder (no journal, no temporary file).
    assert [p.name for p in (project / DEFAULT_CACHE_DIR).iterdir()] == [FILE_NAME]


def test_an_unusable_cache_only_slows_the_build(project: Path) -> None:
    (project / DEFAULT_CACHE_DIR).write_text("not a folder", encoding="utf-8")
    config = SiteConfig(project, project / "docs")
    site = load_site(Settings(("refs.bib",)), config)
    assert len(site.refs) == 4 and site.parsed
    assert [p.message.split(" (")[0] for p in site.problems] == [
        f"cannot open the cache in {project / DEFAULT_CACHE_DIR}"
    ]


def test_store_round_trip_and_atomic_batches(tmp_path: Path) -> None:
    store = Store(tmp_path)
    text = "Ca\u00b2\u207a, 1\u20132, G\u00f6del, \U0001d6fc"  # stored as ASCII JSON
    store.put_many({"a": [1, "x"], "b": {"k": "v"}, "t": [text]})
    assert store.get("a") == [1, "x"] and store.get_many(["b", "c"]) == {"b": {"k": "v"}}
    store.close()
    assert Store(tmp_path).get("b") == {"k": "v"} and Store(tmp_path).get("t") == [text]


def write_large_bib(project: Path, count: int) -> None:
    (project / "refs.bib").write_text(BIB + bulk_entries(count, "big"), encoding="utf-8")


def test_a_worker_parses_a_large_bib_as_the_build_itself_would(project: Path) -> None:
    """From WORKER_MIN_ENTRIES on, a background load parses in a worker process: until it is
    complete, the keys come from a scan; then the site equals one made in this process."""
    write_large_bib(project, WORKER_MIN_ENTRIES)
    config = SiteConfig(project, project / "docs")
    settings = Settings(("refs.bib",), cache_dir="")
    pending = load_site(settings, config, background=True)
    assert pending.pending is not None and pending.refs == {}
    assert len(pending.known) == WORKER_MIN_ENTRIES + 4 and "big0" in pending.known
    done = complete(pending, settings, config)
    here = load_site(settings, config)
    assert done.pending is None and here.pending is None
    assert done.refs == here.refs and len(done.refs) == WORKER_MIN_ENTRIES + 4
    assert done.problems == here.problems and len(here.problems) == 1  # the uncited entries
    assert done.parsed and done.formatted == WORKER_MIN_ENTRIES + 4


def test_a_failed_worker_is_replaced_by_the_work_here_and_said_so(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(job: object) -> Future[object]:
        future: Future[object] = Future()
        future.set_exception(RuntimeError("the worker died"))
        return future

    monkeypatch.setattr(site_module, "_start_worker", broken)
    write_large_bib(project, WORKER_MIN_ENTRIES)
    config = SiteConfig(project, project / "docs")
    settings = Settings(("refs.bib",), cache_dir="")
    done = complete(load_site(settings, config, background=True), settings, config)
    assert len(done.refs) == WORKER_MIN_ENTRIES + 4
    said = [p for p in done.problems if p.severity is Severity.INFO]
    assert [str(p) for p in said] == [
        "bibcite:0:0: the worker process parsing the bibliography failed (RuntimeError: the "
        "worker died). It was parsed in the build's process instead"
    ]


def test_a_small_bib_is_parsed_here_even_in_the_background(project: Path) -> None:
    site = load_site(
        Settings(("refs.bib",)), SiteConfig(project, project / "docs"), background=True
    )
    assert site.pending is None and len(site.refs) == 4


def test_entries_with_the_same_fields_keep_their_own_keys(project: Path) -> None:
    """The cache keys an entry by its key too: the exports hold the key."""
    twin = (
        "@article{{{key},\n  author = {{Twin, T.}},\n  title = {{Same}},\n"
        "  journal = {{J}},\n  year = {{2000}},\n}}\n"
    )
    (project / "refs.bib").write_text(twin.format(key="first") + twin.format(key="second"))
    config = SiteConfig(project, project / "docs")
    for _ in range(2):  # formatted, then from the cache
        site = load_site(Settings(("refs.bib",), export=True), config)
        assert site.refs["first"].bibtex.startswith("@article{first,")
        assert site.refs["second"].bibtex.startswith("@article{second,")
