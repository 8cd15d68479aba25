"""The real site: a strict build, its content rules, and a rebuild as `mkdocs serve` does it."""

from __future__ import annotations

import html
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import schema_org
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

from bibcite.bibliography import load_bibliography
from bibcite.mkdocs_plugin import BibcitePlugin

from support import REPO, Build, build, copy_project

pytestmark = pytest.mark.slow

# Pages (or sections) that are about the site, not clinical prose: they need no citations.
NOT_CLINICAL_PAGES = {"about/index.html", "references/index.html", "404.html"}
NOT_CLINICAL_SECTIONS = {
    "How to use this site",
    "Place in the classification",
    "References",
    "Cite this page",
}
NOT_CLINICAL_INTROS = {"classification/index.html"}  # generated framing text above the diagram
# Not statements: names, cross-references to other pages, review dates, generated lead-ins, and
# editorial notes on what the site's own references cover (which carry no citation).
NOT_STATEMENTS = re.compile(
    r"^(Also called:|See |Last reviewed:|What each subtype can be mistaken for|Editorial note:)"
)


@pytest.fixture(scope="module")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The real project, copied (sources only) and built with `mkdocs build --strict`."""
    project = copy_project(tmp_path_factory.mktemp("real") / "project")
    result = build(project)
    assert result.returncode == 0, result.output
    return result


def test_real_site_builds_strictly_without_warnings(real_site: Build) -> None:
    assert "WARNING" not in real_site.output, real_site.output
    # MkDocs checks links to anchors too (at INFO level): every backlink's target exists
    assert "no such anchor" not in real_site.output, real_site.output


def test_every_entry_is_cited_somewhere(real_site: Build) -> None:
    bibliography, problems = load_bibliography(REPO / "bibliography.bib")
    assert bibliography is not None and not problems
    # the 34 references of the source, the source, then the editors' additions
    assert len(bibliography.entries) > 35
    page = real_site.article("references/index.html")
    for entry in bibliography.entries:
        item = re.search(rf'<li id="ref-{re.escape(entry.key)}" value="{entry.index}">(.*?)</li>',
                         page, re.S)  # fmt: skip
        assert item, f"{entry.key} missing from the References page"
        assert "Cited on: <a" in item.group(1) or "Cited on: <span" in item.group(1), entry.key


class _Blocks(HTMLParser):
    """Collects the text blocks (paragraphs, list items) of an article, each with
    the section it is in and whether it holds a citation."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.section = ""
        self.blocks: list[tuple[str, str, bool]] = []
        self._stack: list[list[object]] = []  # [tag, text, cited]
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = dict(attrs).get("class") or ""
        if tag in {"h1", "h2", "h3"}:
            self._heading = []
        elif tag in {"p", "li"} and "admonition-title" not in classes:
            self._stack.append([tag, "", False])
        if "citation" in classes.split() and self._stack:
            for block in self._stack:
                block[2] = True

    def handle_endtag(self, tag: str) -> None:
        if tag in {"h1", "h2", "h3"} and self._heading is not None:
            if tag == "h2":
                self.section = "".join(self._heading).replace("¶", "").strip()
            self._heading = None
        elif tag in {"p", "li"} and self._stack and self._stack[-1][0] == tag:
            _, text, cited = self._stack.pop()
            self.blocks.append((self.section, str(text).strip(), bool(cited)))

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)
        for block in self._stack:
            block[1] = str(block[1]) + data


def test_every_paragraph_of_clinical_prose_is_cited(real_site: Build) -> None:
    uncited = []
    for path in sorted(real_site.site.rglob("*.html")):
        rel = path.relative_to(real_site.site).as_posix()
        if rel in NOT_CLINICAL_PAGES or "<article" not in path.read_text(encoding="utf-8"):
            continue
        parser = _Blocks()
        parser.feed(real_site.article(rel))
        for section, text, cited in parser.blocks:
            if section in NOT_CLINICAL_SECTIONS or cited or NOT_STATEMENTS.match(text):
                continue
            if not section and rel in NOT_CLINICAL_INTROS:
                continue
            if text.endswith(":") or len(text.split()) < 4:
                continue  # a lead-in to a list, a table label: not a statement
            uncited.append(f"{rel} [{section}]: {html.unescape(text)[:100]}")
    assert not uncited, "Paragraphs without a citation:\n" + "\n".join(uncited)


def test_search_index_has_every_page(real_site: Build) -> None:
    index = json.loads(real_site.page("search/search_index.json"))
    locations = {doc["location"].split("#")[0] for doc in index["docs"]}
    for page in ("subtypes/dystrophic/", "classification/", "references/", "treatment/"):
        assert page in locations
    # A page's own References section (its list is left out) is not an empty hit on each page.
    assert not [d["location"] for d in index["docs"] if d["location"].endswith("#references")]
    assert any(d["location"] == "references/" and d["title"] == "References" for d in index["docs"])


def test_citations_are_rendered_after_search_indexing(real_site: Build) -> None:
    """The plugin renders late (placeholders through Markdown, the search indexer and the theme,
    the HTML put in place last): none is left over, the search index holds no citation markup
    and no per-page reference list, and the References page is searchable by its text."""
    bibliography, _ = load_bibliography(REPO / "bibliography.bib")
    assert bibliography is not None
    for page in real_site.site.rglob("*.html"):
        assert "bibcite:" not in page.read_text(encoding="utf-8"), page
    index = json.loads(real_site.page("search/search_index.json"))
    texts = {doc["location"]: doc["text"] for doc in index["docs"]}
    reiter = "Reiter N, El-Shabrawi L, Leinweber B, Berghold A, Aberer E."  # cited on most pages
    for location, text in texts.items():
        if not location.startswith("references/"):  # a page's list is left out, its prose kept
            assert "citation-ref" not in text and reiter not in text, location
    references = " ".join(t for loc, t in texts.items() if loc.startswith("references/"))
    assert reiter in references, bibliography["reiter2011diagnostic"]
    assert "Calcinosis cutis: part I. Diagnostic pathway." in references


def test_serve_rebuild_reuses_the_parsed_bibliography(tmp_path: Path) -> None:
    """Two builds in one process, as `mkdocs serve` does after an edit: the plugin instance is
    kept, the unchanged .bib is not parsed again and no entry is formatted again."""
    project = copy_project(tmp_path / "project")

    def build_once() -> BibcitePlugin:
        config = load_config(str(project / "mkdocs.yml"), site_dir=str(tmp_path / "site"))
        config.plugins.on_startup(command="serve", dirty=False)
        mkdocs_build(config)
        plugin = config.plugins["bibcite"]
        assert isinstance(plugin, BibcitePlugin)
        return plugin

    first = build_once().site_data
    entries = len(load_bibliography(project / "bibliography.bib")[0].entries)  # type: ignore[union-attr]
    assert first.parsed and first.formatted == entries  # a new project: every entry, once

    page = project / "docs" / "treatment.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
    second = build_once().site_data

    assert second is not first  # a new index of the pages, for the edited page
    assert not second.parsed and second.formatted == 0
    assert second.refs == first.refs


def build_dirty(project: Path, site: Path, first: bool = False) -> None:
    """One build as `mkdocs serve --dirty` runs it: on_startup once, then dirty builds."""
    config = load_config(str(project / "mkdocs.yml"), site_dir=str(site))
    if first:
        config.plugins.on_startup(command="serve", dirty=True)
    mkdocs_build(config, dirty=True)


def test_dirty_rebuild_keeps_what_unchanged_pages_cite(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`mkdocs serve --dirty` converts only the pages that changed: the bibliography's "cited on"
    lists still hold every page (the others as the build before saw them), as a clean build of
    the edited site has them, and no warning is given."""
    project = copy_project(tmp_path / "project")
    site = tmp_path / "site"
    build_dirty(project, site, first=True)  # an empty site: every page is converted
    home = site / "index.html"
    written = home.stat().st_mtime_ns
    page = project / "docs" / "treatment.md"
    page.write_text(
        page.read_text(encoding="utf-8") + "\nAlso in the overview [@reiter2011diagnostic].\n",
        encoding="utf-8",
    )
    caplog.clear()
    build_dirty(project, site)

    assert home.stat().st_mtime_ns == written  # not converted again: the build was dirty
    assert not [r for r in caplog.records if r.levelname == "WARNING" and "bibcite" in r.name]
    clean = build(project)
    assert clean.returncode == 0, clean.output
    for part in ("references/index.html", "treatment/index.html"):
        article = clean.article(part)
        assert article == Build(0, "", site).article(part), part
    assert "treatment/#cite-" in clean.article("references/index.html")


def test_dirty_rebuild_after_a_bib_edit_renders_every_page_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Every page's citations come from the .bib (numbers, tooltips): once it is edited, a dirty
    rebuild converts every page again, not only those whose Markdown changed, and says so."""
    project = copy_project(tmp_path / "project")
    site = tmp_path / "site"
    build_dirty(project, site, first=True)
    bib = project / "bibliography.bib"
    old, new = "Calcinosis cutis: part I. Diagnostic pathway", "Calcinosis cutis: part I (edited)"
    text = bib.read_text(encoding="utf-8")
    assert old in text
    bib.write_text(text.replace(old, new), encoding="utf-8")
    later = (site / "index.html").stat().st_mtime_ns + 1_000_000_000
    os.utime(bib, ns=(later, later))  # newer than every page written, whatever the clock's grain

    build_dirty(project, site)

    home = Build(0, "", site).article("index.html")
    assert "part I (edited)" in home and "Diagnostic pathway" not in home
    clean = build(project)
    assert clean.returncode == 0, clean.output
    assert home == clean.article("index.html")


def test_serve_watches_the_bibliography(tmp_path: Path) -> None:
    """The .bib is outside the docs, which is all `mkdocs serve` watches by itself: the plugin
    asks it to watch the .bib too, so an edit to it rebuilds the preview."""
    project = copy_project(tmp_path / "project")
    config = load_config(str(project / "mkdocs.yml"), site_dir=str(tmp_path / "site"))
    watched: list[str] = []

    class Server:
        def watch(self, path: str) -> None:
            watched.append(path)

    config.plugins.on_serve(Server(), config=config, builder=lambda: None)  # type: ignore[arg-type]

    assert [Path(p) for p in watched if p.endswith(".bib")] == [project / "bibliography.bib"]


def test_dirty_build_in_a_new_process_writes_the_whole_bibliography(tmp_path: Path) -> None:
    """`mkdocs build --dirty` in a new process converts only the pages that changed, but the
    bibliography comes from the index of every page's source: it is the clean build's."""
    project = copy_project(tmp_path / "project")
    clean = build(project)
    assert clean.returncode == 0, clean.output
    page = project / "docs" / "treatment.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nMore [@yun2006universalis].\n", "utf-8")
    os.utime(page, ns=(2**62, 2**62))  # newer than its output, whatever the clock's grain

    result = build(project, "--dirty", strict=False)  # MkDocs warns of any dirty build

    assert result.returncode == 0, result.output
    again = build(project)
    assert again.returncode == 0, again.output
    references = Build(0, "", result.site).article("references/index.html")
    assert references == again.article("references/index.html")
    assert "treatment/#cite-" in references and "bibcite" not in result.output


NEW_SUBTYPE = """---
name: Zzexample calcinosis cutis
classification: [idiopathic]
parent: idiopathic
summary: "A test-only subtype: one file is all a new one needs [@reiter2011diagnostic]."
facts:
  age: {text: "Any age", cite: [reiter2011diagnostic]}
  sex: null
  calcium: {value: normal, cite: [reiter2011diagnostic]}
  phosphate: {value: normal, cite: [reiter2011diagnostic]}
  sites: null
  associations: null
---
## Definition

Zzexample is a placeholder used only by this test [@reiter2011diagnostic].
"""


def test_adding_a_subtype_needs_its_source_and_a_nav_line(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    (project / "docs" / "subtypes" / "zzexample.md").write_text(NEW_SUBTYPE, encoding="utf-8")
    config = project / "mkdocs.yml"
    line = "          - Milia-like idiopathic calcinosis cutis: subtypes/milia-like-idiopathic.md\n"
    text = config.read_text(encoding="utf-8")
    assert line in text
    config.write_text(text.replace(line, line + "          - subtypes/zzexample.md\n"), "utf-8")

    result = build(project)

    assert result.returncode == 0, result.output
    page = result.article("subtypes/zzexample/index.html")
    assert "Zzexample calcinosis cutis" in page and 'class="citation"' in page
    # the navigation of every page, the comparison table and the diagram on the classification
    # page, and the search index all carry it
    home = result.page("index.html")
    assert re.search(r'<a href="subtypes/zzexample/"[^>]*>\s*(<span[^>]*>)?\s*Zzexample', home)
    classification = result.article("classification/index.html")
    assert re.search(r"<td><a href=\"../subtypes/zzexample/\">Zzexample", classification)
    svg = classification[classification.index("<svg") : classification.index("</svg>")]
    assert 'href="../subtypes/zzexample/"' in svg and "Zzexample" in svg
    index = json.loads(result.page("search/search_index.json"))
    assert any(d["location"].startswith("subtypes/zzexample/") for d in index["docs"])
    # and the page of its parent links to it
    assert "zzexample" in result.article("subtypes/idiopathic/index.html")


# --- structured data: schema.org JSON-LD and Google Scholar's tags ---------------------------

_JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)
_META = re.compile(r'<meta name="(citation_[a-z_]+)" content="([^"]*)"')


def _head(page: str) -> str:
    return page[: page.index("</head>")]


def _content_pages(site: Build) -> list[str]:
    return [
        p.relative_to(site.site).as_posix()
        for p in sorted(site.site.rglob("index.html"))
        if "<article" in p.read_text(encoding="utf-8")
    ]


def test_every_page_has_valid_json_ld(real_site: Build) -> None:
    found = []
    for rel in _content_pages(real_site):
        blocks = _JSON_LD.findall(_head(real_site.page(rel)))
        assert len(blocks) == 1, rel
        data = json.loads(blocks[0])
        assert data["@context"] == "https://schema.org" and data["@type"] == "MedicalWebPage"
        for required in ("name", "url", "lastReviewed", "reviewedBy"):
            assert data.get(required), f"{rel}: no {required}"
        assert list(schema_org.problems(data)) == [], rel
        found.append(data)
    assert len(found) == len(_content_pages(real_site)) > 10


def test_condition_pages_carry_a_medical_condition(real_site: Build) -> None:
    home = json.loads(_JSON_LD.findall(_head(real_site.page("index.html")))[0])
    assert home["about"]["code"] == {"@type": "MedicalCode", "codeValue": "L94.2",
                                     "codingSystem": "ICD-10"}  # fmt: skip
    subtype = json.loads(
        _JSON_LD.findall(_head(real_site.page("subtypes/dystrophic/index.html")))[0]
    )
    condition = subtype["about"]
    assert condition["@type"] == "MedicalCondition"
    assert condition["name"] == "Dystrophic calcinosis cutis"
    assert "code" not in condition  # no subtype code was verified in a public source
    assert condition["differentialDiagnosis"] and condition["possibleTreatment"]


def test_scholar_tags_cite_every_reference_of_the_page(real_site: Build) -> None:
    for rel in _content_pages(real_site):
        page = real_site.page(rel)
        tags = _META.findall(_head(page))
        names = [name for name, _ in tags]
        for required in ("citation_title", "citation_author", "citation_online_date"):
            assert required in names, f"{rel}: no {required}"
        if 'class="references bibliography"' in page:
            continue  # the References page lists every entry; it cites none itself
        listed = len(re.findall(r'<li id="ref-', page.split('class="references"', 1)[-1]))
        assert names.count("citation_reference") == listed, rel
