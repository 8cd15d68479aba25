"""The same site under both engines: MkDocs (through the adapter) and Zensical (the extension
alone, with bibcite's strict wrapper), compared page by page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bibcite.site import DEFAULT_CACHE_DIR
from bibcite.store import Store

from support import build, citations, copy_project, copy_site, edit_project

pytestmark = pytest.mark.slow


def zensical(project: Path, config: str = "zensical.yml") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bibcite.zensical_build", "-f", config],
        cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    project = copy_project(tmp_path_factory.mktemp("engines") / "project")
    mkdocs = build(project)
    assert mkdocs.returncode == 0, mkdocs.output
    done = zensical(project)
    assert done.returncode == 0, done.stdout + done.stderr
    return mkdocs.site, project / "build" / "zensical"


def test_every_page_has_the_same_citations_under_both_engines(both: tuple[Path, Path]) -> None:
    mkdocs_site, zensical_site = both
    pages = sorted(p.relative_to(mkdocs_site) for p in mkdocs_site.rglob("index.html"))
    assert len(pages) >= 18
    cited = 0
    for page in pages:
        expected = citations((mkdocs_site / page).read_text(encoding="utf-8"))
        got = citations((zensical_site / page).read_text(encoding="utf-8"))
        assert got == expected, page
        cited += bool(expected["groups"])
    assert cited >= 16  # the citing pages, the subtype pages and the classification among them
    bibliography = citations((zensical_site / "references/index.html").read_text("utf-8"))
    assert len(bibliography["listed"]) >= 35 and len(bibliography["cited_on"]) > 100


_HEAD_DATA = re.compile(
    r'<meta name="citation_[a-z_]+" content="[^"]*">'
    r'|<script type="application/ld\+json">.*?</script>',
    re.DOTALL,
)
_NOT_INDEXED = ' data-search-exclude=""'
_READER = re.compile(
    r'<section class="cite-page".*?</section>|<p class="references-export".*?</p>', re.DOTALL
)


def test_every_page_has_the_same_reader_features_under_both_engines(
    both: tuple[Path, Path],
) -> None:
    """Scholar's tags and the JSON-LD in the head, "Cite this page" and the downloads."""
    mkdocs_site, zensical_site = both
    for page in sorted(p.relative_to(mkdocs_site) for p in mkdocs_site.rglob("index.html")):
        # Zensical drops data-search-exclude once its search index has used it.
        expected = (mkdocs_site / page).read_text("utf-8").replace(_NOT_INDEXED, "")
        got = (zensical_site / page).read_text("utf-8").replace(_NOT_INDEXED, "")
        head = got[: got.index("</head>")]
        assert _HEAD_DATA.findall(head) == _HEAD_DATA.findall(expected), page
        assert _READER.findall(got) == _READER.findall(expected), page
        if "<article" in expected:
            assert "application/ld+json" in head and '<section class="cite-page"' in got, page


def test_zensical_search_index_has_every_page(both: tuple[Path, Path]) -> None:
    _, zensical_site = both
    index = (zensical_site / "search.json").read_text(encoding="utf-8")
    for page in ("subtypes/dystrophic/", "classification/", "references/", "treatment/"):
        assert f'"{page}' in index, page


def test_zensical_build_fails_on_a_problem_with_its_location(tmp_path: Path) -> None:
    """Zensical exits 0 whatever extensions log; bibcite's wrapper fails the build."""
    project = copy_site("basic", tmp_path)
    edit_project(project, append={"docs/other.md": "\nA typo [@gama2002second].\n"})
    (project / "z.yml").write_text("INHERIT: mkdocs.yml\nsite_dir: build/z\n", encoding="utf-8")
    done = zensical(project, "z.yml")
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        "docs/other.md:" in done.stderr and "unknown citation key 'gama2002second'" in done.stderr
    )
    assert "Traceback" not in done.stdout + done.stderr


def test_bibcite_s_cache_survives_zensical_s_clean_build(tmp_path: Path) -> None:
    """``zensical build --clean`` deletes ``.cache/`` whole: bibcite's default cache lives outside
    it, so a second Zensical build starts from the cache file the first one left (what a kept
    cache spares a build is checked in test_store.py)."""
    project = copy_site("basic", tmp_path)
    (project / "z.yml").write_text("INHERIT: mkdocs.yml\nsite_dir: build/z\n", encoding="utf-8")
    first = zensical(project, "z.yml")
    assert first.returncode == 0, first.stdout + first.stderr
    store = Store(project / DEFAULT_CACHE_DIR)
    store.put_many({"sentinel": "kept"})  # no build writes this key: only the same file has it
    store.close()
    second = zensical(project, "z.yml")
    assert second.returncode == 0, second.stdout + second.stderr
    store = Store(project / DEFAULT_CACHE_DIR)
    assert store.get("sentinel") == "kept", "the second build started from an empty cache"
    store.close()
