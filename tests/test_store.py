"""The cache: a build with nothing new neither parses nor formats (nor imports pybtex), an edit
formats only what changed, and concurrent builds share the SQLite file safely."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bibcite.host import SiteConfig
from bibcite.site import Settings, load_site
from bibcite.store import FILE_NAME, Store

from support import FIXTURES

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
    assert [p.name for p in (project / ".cache" / "bibcite").iterdir()] == [FILE_NAME]


def test_an_unusable_cache_only_slows_the_build(project: Path) -> None:
    (project / ".cache").write_text("not a folder", encoding="utf-8")
    config = SiteConfig(project, project / "docs")
    site = load_site(Settings(("refs.bib",)), config)
    assert len(site.refs) == 4 and site.parsed
    assert [p.message.split(" (")[0] for p in site.problems] == [
        f"cannot open the cache in {project / '.cache' / 'bibcite'}"
    ]


def test_store_round_trip_and_atomic_batches(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put_many({"a": [1, "x"], "b": {"k": "v"}})
    assert store.get("a") == [1, "x"] and store.get_many(["b", "c"]) == {"b": {"k": "v"}}
    store.close()
    assert Store(tmp_path).get("b") == {"k": "v"}
