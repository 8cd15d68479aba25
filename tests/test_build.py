"""Whole builds of fixture mini-sites with the real ``mkdocs build --strict``.

Each scenario starts from ``tests/fixtures/sites/basic`` and changes one thing; the table says
what the build must do: succeed, or fail naming the file, line and key, never with a traceback.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bibcite.site import DEFAULT_CACHE_DIR, WORKER_MIN_ENTRIES

from support import (
    assert_golden,
    build,
    build_here,
    bulk_entries,
    copy_site,
    edit_project,
    normalise_html,
)


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
        messages=("refs.bib:0:0: bibliography file not found",),
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
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_build_scenario(scenario: Scenario, tmp_path: Path) -> None:
    project = copy_site("basic", tmp_path)
    edit_project(project, scenario.write, scenario.append, delete=scenario.delete)

    result = build_here(project)

    assert "Traceback" not in result.output, result.output
    assert (result.returncode == 0) is scenario.ok, result.output
    for message in scenario.messages:
        assert message in result.output, result.output
    if scenario.rendered:
        relaxed = build_here(project, strict=False)  # warnings only: the pages are written
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
            "[no such group](index.md#cite-99), [no such entry](references.md#ref-nothere), "
            "[a key is no id](#alpha2001first).\n",
        },
    )
    result = build(project)
    anchors = [line for line in result.output.splitlines() if "anchor" in line]
    reported = sorted(re.findall(r"contains a link '([^']+)'", "\n".join(anchors)))
    assert reported == [
        "#alpha2001first", "#ref-nothere", "index.md#cite-99", "index.md#ref-epsilon2004fourth",
        "references.md#ref-nothere",
    ], result.output  # fmt: skip


def test_bibliography_is_written_into_its_page_after_the_build(tmp_path: Path) -> None:
    """Under MkDocs the list is written into the page file entry by entry after the build (it
    is never one string in memory): the page as written has the list, no placeholder is left,
    and no partial file."""
    result = build(copy_site("basic", tmp_path))
    assert result.returncode == 0, result.output
    page = (result.site / "references" / "index.html").read_text(encoding="utf-8")
    assert page.count('<ol class="references bibliography"') == 1
    assert page.count('<li id="ref-') == 4  # every entry of refs.bib, cited or not
    assert "bibcite:" not in page
    assert not list(result.site.rglob("*.bibcite-partial"))


def test_a_failed_bibliography_write_leaves_the_page_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bibcite import extension
    from bibcite.host import PageContext, SiteConfig
    from bibcite.site import Settings

    def failing_parts(*args: object) -> Iterator[str]:
        yield "<ol>"
        raise OSError("disk full")

    monkeypatch.setattr(extension, "completed_site", lambda settings, context: None)
    monkeypatch.setattr(extension, "_bibliography", failing_parts)
    page = tmp_path / "index.html"
    written = f"<main>{extension.BIBLIOGRAPHY_LATER}</main>"
    page.write_text(written, encoding="utf-8")
    context = PageContext("index.md", "", SiteConfig(tmp_path, tmp_path), object())
    with pytest.raises(OSError, match="disk full"):
        extension.write_bibliography(Settings(("refs.bib",)), context, page)
    assert page.read_text(encoding="utf-8") == written
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


def test_a_bib_parsed_by_the_worker_that_fails_stops_the_build_before_any_page(
    tmp_path: Path,
) -> None:
    """The MkDocs adapter starts the worker in on_config and joins it when the first page needs
    its citations: an error the worker finds still fails the build, located, with no traceback,
    and no page is written with citations left unrendered."""
    project = copy_site("basic", tmp_path)
    broken = "\n@article{zeta2005,\n  author = {Zeta, Z.}\n  title = {T},\n}\n"
    edit_project(project, append={BIB: bulk_entries(WORKER_MIN_ENTRIES) + broken})
    text = (project / BIB).read_text(encoding="utf-8")
    start = text[: text.index("@article{zeta2005")].count("\n") + 1

    result = build_here(project)

    assert "Traceback" not in result.output, result.output
    assert result.returncode == 1, result.output
    assert (
        f"refs.bib:{start + 2}:1: malformed BibTeX: '}}' expected (in the entry starting on "
        f"line {start})" in result.output
    ), result.output
    assert "bibcite: the bibliography has errors (see above); the page is not at fault" in (
        result.output
    )
    assert not (result.site / "index.html").exists()  # 404.html, the theme's, is written first


def test_a_bib_parsed_by_the_worker_gives_the_pages_a_small_one_gives(tmp_path: Path) -> None:
    """The same site, with entries added that no page cites: the cold build that parses in a
    worker writes the cited pages as the build that parses in its own process."""
    here = build_here(copy_site("basic", tmp_path / "here"), strict=False)
    project = copy_site("basic", tmp_path / "worker")
    edit_project(project, append={BIB: bulk_entries(WORKER_MIN_ENTRIES)})
    worked = build_here(project, strict=False)

    assert here.returncode == 0 and worked.returncode == 0, worked.output
    assert f"{WORKER_MIN_ENTRIES} entries are never cited" in worked.output
    for page in ("index.html", "other/index.html"):
        assert normalise_html(worked.article(page)) == normalise_html(here.article(page))


def test_a_dirty_build_that_writes_no_page_still_joins_the_worker(tmp_path: Path) -> None:
    """``mkdocs build --dirty`` with no page to write: the worker started for a cache that was
    emptied is joined after the build, and the problems it finds are reported."""
    project = copy_site("basic", tmp_path)
    nav = "  - References: references.md\n"
    edit_project(
        project,
        append={BIB: bulk_entries(WORKER_MIN_ENTRIES)},
        replace=[("mkdocs.yml", nav, "")],
        delete=["docs/references.md"],
    )
    first = build_here(project, strict=False)
    assert first.returncode == 0, first.output
    shutil.rmtree(project / DEFAULT_CACHE_DIR)

    dirty = build(project, "--dirty", strict=False)

    assert dirty.returncode == 0 and "Traceback" not in dirty.output, dirty.output
    assert f"{WORKER_MIN_ENTRIES} entries are never cited" in dirty.output, dirty.output
