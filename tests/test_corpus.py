"""The benchmark's corpus generator: deterministic, realistic, and a valid MkDocs project."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.corpus import CONFIG_FILES, SIZES, generate  # noqa: E402
from bibcite.bibliography import load_bibliography  # noqa: E402


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_same_files(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", 12, 40, 8, seed=7)
    b = generate(tmp_path / "b", 12, 40, 8, seed=7)
    assert a == b
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    generate(tmp_path / "c", 12, 40, 8, seed=8)
    assert tree(tmp_path / "a") != tree(tmp_path / "c")


def test_regenerating_replaces_docs(tmp_path: Path) -> None:
    generate(tmp_path, 60, 40, 3)
    generate(tmp_path, 5, 40, 3)
    assert len(list((tmp_path / "docs").rglob("page-*.md"))) == 5


def test_small_corpus_is_realistic(tmp_path: Path) -> None:
    size = SIZES["small"]
    info = generate(tmp_path, size.pages, size.entries, size.cites)
    bib_text = (tmp_path / "bibliography.bib").read_text(encoding="utf-8")
    bib, problems = load_bibliography(tmp_path / "bibliography.bib")
    assert bib is not None
    assert [p for p in problems if "never" not in p.message] == []
    assert len(bib.entries) == size.entries
    # several authors, LaTeX accents, page ranges, months
    assert max(len(e.entry.persons.get("author", ())) for e in bib.entries) >= 4
    assert re.search(r"\{\\[\"'`~^cvH]\{?\w\}?\}", bib_text)
    assert re.search(r"pages = \{\d+--\d+\}", bib_text)
    assert re.search(r"month = [a-z]{3}\b", bib_text)
    # citations: the right count, single and grouped, every key known
    pages = sorted((tmp_path / "docs").rglob("page-*.md"))
    assert len(pages) == size.pages
    groups = [g for p in pages for g in re.findall(r"\[(@[^\]]+)\]", p.read_text())]
    assert len(groups) == size.pages * size.cites == info.citation_groups
    assert any(";" in g for g in groups) and any(";" not in g for g in groups)
    keys = [k.strip().lstrip("@") for g in groups for k in g.split(";")]
    assert len(keys) == info.citations
    assert set(keys) <= set(bib.keys)


def test_configs(tmp_path: Path) -> None:
    generate(tmp_path, 3, 10, 2)
    plugins = {}
    extensions = {}
    for leg, name in CONFIG_FILES.items():
        cfg = yaml.safe_load((tmp_path / name).read_text())
        assert cfg["theme"] == {"name": "material", "font": False,
                                "features": ["navigation.prune"]}  # fmt: skip
        plugins[leg] = cfg["plugins"]
        extensions[leg] = cfg["markdown_extensions"]
    assert plugins["baseline"] == ["search"]
    assert plugins["bibcite"] == ["search", "bibcite"]
    assert extensions["bibcite"][-1] == {
        "bibcite": {"bibliography": "bibliography.bib", "numbering": "global"}
    }
    assert extensions["baseline"] == extensions["bibcite"][:-1]
    assert plugins["bibtex"][1] == {"bibtex": {"bib_file": "bibliography.bib"}}
