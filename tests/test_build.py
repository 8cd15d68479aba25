"""Whole builds of fixture mini-sites with the real ``mkdocs build --strict``.

Each scenario starts from ``tests/fixtures/sites/basic`` and changes one thing; the table says
what the build must do: succeed, or fail naming the file, line and key, never with a traceback.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from support import assert_golden, build, copy_site, edit_project, normalise_html


@dataclass(frozen=True)
class Scenario:
    """write: files to (over)write, relative to the project; append: text added to a file."""

    name: str
    write: dict[str, str | bytes] = field(default_factory=dict)
    append: dict[str, str] = field(default_factory=dict)
    delete: tuple[str, ...] = ()
    ok: bool = True
    messages: tuple[str, ...] = ()
    rendered: tuple[tuple[str, str], ...] = ()  # (page, text it must contain)


BIB = "refs.bib"
SCENARIOS = [
    Scenario("valid site builds"),
    Scenario(
        "unknown key: located, close key suggested, rendered visibly",
        append={"docs/other.md": "\nA typo [@gama2002second].\n"},
        ok=False,
        messages=(
            "WARNING -  docs/other.md:5:8: unknown citation key 'gama2002second'; did you "
            "mean 'gamma2002second'? Fix the key or add an entry 'gama2002second' to refs.bib",
        ),
        rendered=(("other/index.html", "?gama2002second"),),
    ),
    Scenario(
        "unknown key inside a group keeps the known ones",
        append={"docs/other.md": "\nMixed [@alpha2001first; @nosuchkey].\n"},
        ok=False,
        messages=("docs/other.md:5:7: unknown citation key 'nosuchkey'",),
        rendered=(("other/index.html", "?nosuchkey"),),
    ),
    Scenario(
        "malformed group is located and shown as written",
        append={"docs/other.md": "\nBroken [@a;;@b] here.\n"},
        ok=False,
        messages=("docs/other.md:5:8: empty citation item in '[@a;;@b]'",),
        rendered=(("other/index.html", "[@a;;@b]"),),
    ),
    Scenario(
        "empty citation",
        append={"docs/other.md": "\nEmpty [@] here.\n"},
        ok=False,
        messages=("docs/other.md:5:7: empty citation item in '[@]'",),
    ),
    Scenario(
        "an entry never cited: one warning listing it",
        write={"docs/other.md": "# Other\n\nFirst [@alpha2001first].\n"},
        ok=False,
        messages=("refs.bib:29:1: 1 entry is never cited: epsilon2004fourth",),
    ),
    Scenario(
        "duplicate key, same case",
        append={
            BIB: "\n@article{delta2003third,\n  author = {X, Y},\n  title = {T},\n"
            "  journal = {J},\n  year = {2000},\n}\n"
        },
        ok=False,
        messages=(
            "refs.bib:38:10: duplicate citation key 'delta2003third', first defined on line 21",
        ),
    ),
    Scenario(
        "duplicate key, different case",
        append={
            BIB: "\n@article{Delta2003Third,\n  author = {X, Y},\n  title = {T},\n"
            "  journal = {J},\n  year = {2000},\n}\n"
        },
        ok=False,
        messages=(
            "refs.bib:38:10: duplicate citation key 'Delta2003Third', first defined on "
            "line 21 (keys differ only in case: 'delta2003third')",
        ),
    ),
    Scenario(
        "malformed BibTeX: unclosed brace",
        append={BIB: "\n@article{zeta2005,\n  author = {Zeta, Z.,\n  title = {T},\n}\n"},
        ok=False,
        messages=(
            "refs.bib:42:1: malformed BibTeX: premature end of file (in the entry starting "
            "on line 38)",
        ),
    ),
    Scenario(
        "malformed BibTeX: missing comma",
        append={BIB: "\n@article{zeta2005,\n  author = {Zeta, Z.}\n  title = {T},\n}\n"},
        ok=False,
        messages=(
            "refs.bib:40:1: malformed BibTeX: '}' expected (in the entry starting on line 38)",
        ),
    ),
    Scenario(
        "missing bibliography",
        delete=(BIB,),
        ok=False,
        messages=("Plugin 'bibcite' option 'bibliography'", "refs.bib"),
    ),
    Scenario(
        "bibliography not UTF-8",
        write={BIB: "@article{a,\n  author = {Ma\xefa, B.},\n}\n".encode("latin-1")},
        ok=False,
        messages=("refs.bib:2:15: bibliography is not UTF-8 (byte 0xef). Save the file as UTF-8",),
    ),
    Scenario(
        "empty bibliography",
        write={BIB: "% nothing yet\n"},
        ok=False,
        messages=("refs.bib:1:1: bibliography has no entries",),
    ),
    Scenario(
        "entry without a title",
        append={
            BIB: "\n@article{zeta2005,\n  author = {Zeta, Z.},\n  journal = {J},\n"
            "  year = {2005},\n}\n"
        },
        ok=False,
        messages=("refs.bib:38:1: entry 'zeta2005' has no 'title' field",),
    ),
    Scenario(
        "a generated page that also exists in the docs",
        write={"docs/references.md": "# Mine\n"},
        ok=False,
        messages=("docs/references.md:1:1: 'references.md' is generated by bibcite",),
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_build_scenario(scenario: Scenario, tmp_path: Path) -> None:
    project = copy_site("basic", tmp_path)
    edit_project(project, scenario.write, scenario.append, delete=scenario.delete)

    result = build(project)

    assert "Traceback" not in result.output, result.output
    assert (result.returncode == 0) is scenario.ok, result.output
    for message in scenario.messages:
        assert message in result.output, result.output
    if scenario.rendered:
        relaxed = build(project, "--no-strict")  # warnings only: the pages are written
        for page, text in scenario.rendered:
            assert text in relaxed.article(page)


def test_rendered_html_matches_golden(tmp_path: Path) -> None:
    result = build(copy_site("basic", tmp_path))
    assert result.returncode == 0, result.output
    for page in ("index.html", "other/index.html", "references/index.html"):
        assert_golden(f"sites/basic/{page.replace('/', '_')}", normalise_html(result.article(page)))


def test_page_numbering_numbers_by_first_citation(tmp_path: Path) -> None:
    project = copy_site("basic", tmp_path)
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("numbering: global", "numbering: page"))
    result = build(project)
    assert result.returncode == 0, result.output
    # other.md cites epsilon (4th in the .bib) first, then alpha (1st): they become 1 and 2.
    assert_golden(
        "sites/basic-page-numbering/other.html", normalise_html(result.article("other/index.html"))
    )


# -- the bibliography read in a worker process ----------------------------------------------

WARNINGS = {  # one of each kind a build reports: the .bib's own, a page's, uncited, formatting
    "refs.bib": "\n@article{odd2002,\n  author = {Odd, A.},\n  title = {A \\weird{thing}},\n"
    "  journal = {J},\n  year = {2002},\n}\n@article{bare2003,\n  author = {Bare, B.},\n"
    "  year = {2003},\n}\n",
    "docs/other.md": "\nOdd [@odd2002] and a typo [@gama2002second].\n",
}


def _built(tmp_path: Path, name: str, background: str) -> tuple[list[str], dict[str, bytes]]:
    project = copy_site("basic", tmp_path / name)
    edit_project(
        project,
        append=WARNINGS,
        replace=[
            (
                "mkdocs.yml",
                "numbering: global",
                f"numbering: global\n      background: {background}",
            )
        ],
    )
    result = build(project)
    assert result.returncode == 1 and "Traceback" not in result.output, result.output
    assert "worker process failed" not in result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("WARNING")]
    pages = {str(p.relative_to(result.site)): p.read_bytes() for p in result.site.rglob("*.html")}
    return warnings, pages


def test_a_worker_process_reports_the_same_problems_and_renders_the_same_pages(
    tmp_path: Path,
) -> None:
    """``background: always`` (the .bib parsed and formatted in a worker process while pages
    are converted) against ``never`` (all in the build's process), strict builds that fail on
    the same warnings, in the same order (the .bib's own first), and write the same bytes."""
    here_warnings, here_pages = _built(tmp_path, "here", "never")
    worker_warnings, worker_pages = _built(tmp_path, "worker", "always")
    assert len(here_warnings) == 5, here_warnings  # 2 missing fields, unknown key, LaTeX, uncited
    assert worker_warnings == here_warnings
    assert worker_pages.keys() == here_pages.keys() and len(here_pages) >= 4
    for name, content in here_pages.items():
        assert worker_pages[name] == content, name


def test_links_to_citations_and_entries_pass_the_anchor_check(tmp_path: Path) -> None:
    """Citations, reference lists and the bibliography are rendered into the final HTML only;
    the ids that links point to are given to MkDocs' anchor check (on this page, another page,
    the bibliography page), which still reports an id the page will not have."""
    project = copy_site("basic", tmp_path)
    edit_project(
        project,
        append={
            "mkdocs.yml": "validation:\n  anchors: warn\n",
            "docs/other.md": "\nSee [the entry](#ref-alpha2001first), [the citation](#cite-2), "
            "[there](index.md#cite-3), [its entry](index.md#ref-delta2003third), "
            "[listed](references.md#ref-delta2003third) and [nothing](#ref-nothere), "
            "[not listed there](index.md#ref-epsilon2004fourth), "
            "[no such group](index.md#cite-99), [no such entry](references.md#ref-nothere).\n",
        },
    )
    result = build(project)
    anchors = [line for line in result.output.splitlines() if "anchor" in line]
    reported = sorted(re.findall(r"contains a link '([^']+)'", "\n".join(anchors)))
    assert reported == [
        "#ref-nothere", "index.md#cite-99", "index.md#ref-epsilon2004fourth",
        "references.md#ref-nothere",
    ], result.output  # fmt: skip


def test_a_long_bibliography_takes_several_pages_linked_together(tmp_path: Path) -> None:
    """``references_per_page: 2`` over the fixture's 4 entries: two pages, each listing its
    entries with their global numbers, linking to the other, with "cited on" links that resolve
    from where each page is, and each searchable by its own references."""
    project = copy_site("basic", tmp_path)
    edit_project(
        project,
        replace=[
            ("mkdocs.yml", "numbering: global", "numbering: global\n      references_per_page: 2")
        ],
    )
    result = build(project)
    assert result.returncode == 0, result.output
    first, second = (
        result.article("references/index.html"),
        result.article("references/part-2/index.html"),
    )
    assert re.findall(r'<li id="ref-[^"]+" value="(\d+)"', first) == ["1", "2"]
    assert re.findall(r'<li id="ref-[^"]+" value="(\d+)"', second) == ["3", "4"]
    assert 'href="part-2/"' in first and 'href="../"' in second  # each page links to the other
    # Only the first is in the navigation, and MkDocs does not ask for the others to be.
    assert "part-2" not in result.page("index.html")
    assert "not included in the" not in result.output, result.output
    for page, html in (("references/index.html", first), ("references/part-2/index.html", second)):
        spots = re.findall(r'class="cited-on-(?:page|spot)" href="([^"]+)"', html)
        assert spots, page
        for href in spots:
            path, anchor = href.split("#")
            target = (result.site / page).parent / path / "index.html"
            assert f'id="{anchor}"' in target.read_text(encoding="utf-8"), (page, href)
    index = json.loads((result.site / "search" / "search_index.json").read_text("utf-8"))
    texts = {doc["location"]: doc["text"] for doc in index["docs"]}
    assert "Alpha" in texts["references/"] and "Alpha" not in texts["references/part-2/"]
