"""The same site under both engines: MkDocs (through the adapter) and Zensical (the extension
alone, with bibcite's strict wrapper), compared page by page."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO, build, copy_project, copy_site, edit_project

pytestmark = pytest.mark.slow
#: What ProperDocs' build needs besides itself, at this project's pinned versions.
PROPERDOCS_PINS = {"mkdocs-material", "pymdown-extensions", "pybtex", "markdown", "pyyaml"}

_GROUP = re.compile(
    r'<span class="citation(?: citation-error)?" id="(cite-\d+)"[^>]*>(.*?)</span>\]?'
)
_NUMBER = re.compile(r">([^<>]+)</a>")
_LISTED = re.compile(r'<li id="ref-([^"]+)" value="(\d+)">')
_CITED_ON = re.compile(r'class="cited-on-(?:page|spot)" href="([^"]+)"')


def zensical(project: Path, config: str = "zensical.yml") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bibcite.zensical_build", "-f", config],
        cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def citations(html: str) -> dict[str, list[object]]:
    """What a reader gets of a page's citations: each group's id and numbers, the reference
    list (key and number, in order) and the bibliography's "cited on" links."""
    main = html[html.index("<article") : html.index("</article>")]
    groups: list[object] = [(cid, _NUMBER.findall(body)) for cid, body in _GROUP.findall(main)]
    listed: list[object] = list(_LISTED.findall(main))
    return {"groups": groups, "listed": listed, "cited_on": list(_CITED_ON.findall(main))}


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


def test_bibcite_installs_and_works_alone(tmp_path: Path) -> None:
    """A fresh virtual environment with only bibcite (and MkDocs for its adapter) builds a
    minimal site strictly: the package needs nothing of this project."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    package = tmp_path / "bibcite"  # a copy: pip builds in the source folder
    shutil.copytree(REPO / "plugins" / "bibcite", package, ignore=shutil.ignore_patterns("build"))
    bin_dir = venv / ("Scripts" if sys.platform == "win32" else "bin")
    pip = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", str(package),
         "mkdocs==1.6.1"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert pip.returncode == 0, pip.stdout + pip.stderr
    project = tmp_path / "site"
    (project / "docs").mkdir(parents=True)
    (project / "refs.bib").write_text(
        "@article{a1, author={Alpha, A.}, title={First}, journal={J}, year={2001}}\n", "utf-8"
    )
    (project / "docs" / "index.md").write_text("# Home\n\nA claim [@a1].\n", encoding="utf-8")
    (project / "docs" / "refs.md").write_text("# Works\n\n::bibliography::\n", encoding="utf-8")
    (project / "mkdocs.yml").write_text(
        "site_name: Alone\nmarkdown_extensions:\n  - bibcite:\n      bibliography: refs.bib\n"
        "plugins:\n  - bibcite\n", encoding="utf-8",
    )  # fmt: skip
    done = subprocess.run(
        [str(bin_dir / "mkdocs"), "build", "--strict"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    home = (project / "site" / "index.html").read_text(encoding="utf-8")
    assert 'href="#ref-a1"' in home and "Alpha A. First. J. 2001." in home
    works = (project / "site" / "refs" / "index.html").read_text(encoding="utf-8")
    assert 'href="../#cite-1"' in works


def test_properdocs_builds_the_site_strictly_with_the_same_citations(
    both: tuple[Path, Path], tmp_path: Path
) -> None:
    """ProperDocs (the maintained fork of MkDocs 1.x, which keeps the plugin API) builds the
    real site from the same configuration, with the same citations as MkDocs."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    bin_dir = venv / ("Scripts" if sys.platform == "win32" else "bin")
    packages = []
    for name in ("bibcite", "calcinosis_site"):  # copies: pip builds in the source folder
        shutil.copytree(REPO / "plugins" / name, tmp_path / name)
        packages.append(str(tmp_path / name))
    pins = [line for line in (REPO / "requirements.lock").read_text("utf-8").splitlines()
            if line.split("==")[0].lower() in PROPERDOCS_PINS]  # fmt: skip
    pip = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", "properdocs==1.6.7", *pins,
         *packages],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert pip.returncode == 0, pip.stdout + pip.stderr
    project = copy_project(tmp_path / "project")
    done = subprocess.run(
        [str(bin_dir / "properdocs"), "build", "--strict", "-f", "mkdocs.yml"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    mkdocs_site, _ = both
    for page in ("index.html", "subtypes/dystrophic/index.html", "references/index.html"):
        expected = citations((mkdocs_site / page).read_text(encoding="utf-8"))
        got = citations((project / "site" / page).read_text(encoding="utf-8"))
        assert got == expected, page
