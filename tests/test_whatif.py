"""The benchmark's what-ifs (``benchmarks/whatif_output.py``) measure what they say they do.

``unrendered`` is bibcite with its rendering replaced by the final pages of a bibcite build, and
``oracle`` is the baseline with each page replaced by bibcite's. Both are read as "the same site,
with this part of the work skipped", so each must write the site bibcite writes, and must really
take its pages from the site it is given (else it would time bibcite's own rendering).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from support import build

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.corpus import generate  # noqa: E402
from benchmarks.whatif_output import write_oracle, write_unrendered  # noqa: E402

MARK = "<!-- read from the given site -->"


def pages(site: Path) -> dict[str, str]:
    """The site's pages (404.html is a template, not a page: no plugin changes it)."""
    return {
        p.relative_to(site).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(site.rglob("*.html"))
        if p.name != "404.html"
    }


@pytest.fixture(scope="module")
def bibcite_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small corpus and bibcite's (warm) site of it, each page marked at its end."""
    corpus = tmp_path_factory.mktemp("corpus")
    generate(corpus, 6, 30, 5)
    assert build(corpus, strict=False).returncode == 0  # the cache: the what-ifs are warm builds
    result = build(corpus, strict=False)
    assert result.returncode == 0, result.output
    marked = corpus / "site-marked"
    shutil.copytree(result.site, marked)
    for name, html in pages(marked).items():
        (marked / name).write_text(html + MARK, encoding="utf-8")
    return corpus, marked


@pytest.mark.parametrize(
    ("write", "same_search_index"),
    [(write_unrendered, True), (write_oracle, False)],
    ids=["unrendered", "oracle"],
)
def test_whatif_writes_bibcites_site(
    bibcite_site: tuple[Path, Path],
    tmp_path: Path,
    write: Callable[[Path, Path, Path], None],
    same_search_index: bool,
) -> None:
    corpus, marked = bibcite_site
    out = tmp_path / "whatif"
    out.mkdir()
    write(corpus, marked, out)
    result = build(out, "-f", "mkdocs.whatif.yml", strict=False)
    assert result.returncode == 0, result.output
    expected, written = pages(marked), pages(result.site)
    assert written.keys() == expected.keys()
    assert all(html.endswith(MARK) for html in written.values())  # taken from the given site
    assert written == expected
    search = "search/search_index.json"
    same = (result.site / search).read_bytes() == (corpus / "site" / search).read_bytes()
    # unrendered: bibcite still gives the search index the bibliography's text;
    # oracle: the bibliography pages are one line in the Markdown (see the module's docstring).
    assert same is same_search_index
