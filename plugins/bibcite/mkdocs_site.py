"""MkDocs-specific glue used by the plugin: generated files, navigation, page order.

Kept apart from ``plugin.py`` so each hook stays a few lines, and apart from the core so the
core never imports MkDocs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from bibcite.engine import PageCitations
from bibcite.problems import Problem, Severity
from bibcite.references import BibliographyKeys, ReferenceTable
from bibcite.render import CitingPage, render_bibliography, search_text

if TYPE_CHECKING:
    from bibcite import subtypes as subtype_pages

#: Where the site-wide bibliography goes in the generated References page.
BIBLIOGRAPHY_MARKER = "<!-- bibcite:bibliography -->"


@dataclass
class SiteSources:
    """The sources of generated pages, and where each page's text came from (for messages)."""

    root: Path
    options: Any
    subtypes: list[subtype_pages.Subtype] = field(default_factory=list)
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)

    def source_of(self, file: File) -> tuple[str, str]:
        """(path shown in messages, text) of the file a page was made from."""
        if file.src_uri in self.sources:
            return self.sources[file.src_uri]
        path = file.abs_src_path or file.src_uri
        return shown(Path(path), self.root), file.content_string

    def generate_files(self, files: Files, config: MkDocsConfig) -> list[Problem]:
        problems: list[Problem] = []
        opts = self.options
        if opts.subtypes_dir is not None:
            from bibcite import subtypes as subtype_pages

            prefix = opts.subtypes_dir.strip("/") + "/"
            classification = _generated(files, config, opts.classification_page, "", problems)
            for st in self.subtypes:
                src_uri = f"{prefix}{st.slug}.md"
                source = files.get_file_from_path(src_uri)
                text = source.content_string if source is not None else ""
                content = subtype_pages.render_subtype_page(st, self.subtypes)
                _generated(files, config, src_uri, content, problems, replace=True)
                self.sources[src_uri] = (st.path, text)

            def url_for(slug: str) -> str:
                target = files.get_file_from_path(f"{prefix}{slug}.md")
                assert target is not None
                return target.url_relative_to(classification)

            classification.content_string = subtype_pages.render_classification_page(
                self.subtypes, url_for
            )
        title = opts.references_title
        intro = (
            f"# {title}\n\nEvery entry of the bibliography, numbered in order. Under each, "
            "the pages that cite it, with a link to each citation.\n\n"
        )
        _generated(
            files, config, opts.references_page, intro + BIBLIOGRAPHY_MARKER + "\n", problems
        )
        return problems


def load_sources(
    config: MkDocsConfig, options: Config, root: Path, bibliography: BibliographyKeys | None = None
) -> tuple[SiteSources, list[Problem]]:
    """Read the subtype sources, check their citation keys against ``bibliography`` (an unknown
    key is an error at its place in the source, before any page repeats it), and put their pages
    in the navigation."""
    site = SiteSources(root, options)
    opts: Any = options
    if opts.subtypes_dir is None:
        return site, []
    from bibcite import subtypes as subtype_pages

    directory = Path(config.docs_dir) / opts.subtypes_dir
    site.subtypes, problems = subtype_pages.load_subtypes(directory, shown(directory, root))
    if bibliography is not None:
        problems += subtype_pages.citation_problems(
            site.subtypes, bibliography.keys, bibliography.path
        )
    if any(p.severity is Severity.ERROR for p in problems):
        return site, problems
    nav = config.nav
    prefix = opts.subtypes_dir.strip("/") + "/"
    if isinstance(nav, list):
        for item in nav:
            if isinstance(item, dict) and opts.subtypes_nav_title in item:
                item[opts.subtypes_nav_title] = subtype_pages.subtype_nav(site.subtypes, prefix)
    return site, problems


def _generated(
    files: Files,
    config: MkDocsConfig,
    src_uri: str,
    content: str,
    problems: list[Problem],
    replace: bool = False,
) -> File:
    existing = files.get_file_from_path(src_uri)
    if existing is not None:
        if not replace:
            problems.append(
                Problem(
                    os.path.join(os.path.basename(config.docs_dir), src_uri),
                    1,
                    1,
                    f"'{src_uri}' is generated by bibcite but also exists in the docs",
                    "Remove the file, or point the plugin option at another page",
                )
            )
        files.remove(existing)
    file = File.generated(config, src_uri, content=content)
    files.append(file)
    return file


def pages_in_order(
    nav: Navigation,
    files: Files,
    pages: Mapping[str, PageCitations],
    bibliography_file: File | None,
) -> list[tuple[str, str, PageCitations]]:
    """Citing pages in navigation order (then by path): (title, url from the bibliography page,
    citations). The order is the site's, not the order pages happened to be processed in."""
    ordered = [p.file.src_uri for p in nav.pages]
    ordered += sorted(set(pages) - set(ordered))
    out = []
    for src_uri in ordered:
        result = pages.get(src_uri)
        file = files.get_file_from_path(src_uri)
        if result is None or not result.keys or file is None or file is bibliography_file:
            continue
        title = (file.page.title if file.page else None) or src_uri
        url = file.url_relative_to(bibliography_file) if bibliography_file else file.url
        out.append((str(title), url, result))
    return out


def add_anchors(page: Page, citations: PageCitations) -> None:
    """Tell MkDocs' anchor check about the ids of the citations and the reference list, only
    rendered into the final HTML (a link such as ``[see](#ref-key)`` is then not reported)."""
    if isinstance(page.present_anchor_ids, set):
        page.present_anchor_ids.update(citations.anchors())


class Bibliography:
    """The generated page listing every entry. While the search index is built it holds the
    references' plain text only; its final HTML gets the full list (see ``bibcite.render``).
    The table is asked for only when the page is written (the last page, usually): a worker
    process may still be formatting entries until then.
    """

    def __init__(
        self,
        file: File | None,
        table: Callable[[], ReferenceTable],
        cited_on: Mapping[str, list[CitingPage]],
    ) -> None:
        self.file, self.table, self.cited_on = file, table, cited_on
        self._search_text = ""

    def insert_search_text(self, page: Page) -> None:
        """Before the search index sees the page."""
        if page.file is self.file and BIBLIOGRAPHY_MARKER in (page.content or ""):
            self._search_text = search_text(self.table().references)
            page.content = (page.content or "").replace(BIBLIOGRAPHY_MARKER, self._search_text, 1)

    def finish(self, file: File, output: str) -> str:
        """The page's final HTML (other pages' HTML unchanged)."""
        if file is not self.file or not self._search_text:
            return output
        listing = render_bibliography(self.table().references, self.cited_on)
        return output.replace(self._search_text, listing, 1)


def shown(path: Path, root: Path) -> str:
    """A path as the user knows it: relative to the project where it can be."""
    try:
        return os.path.relpath(path, root)
    except ValueError:
        return str(path)


def uncited_problems(bibliography: BibliographyKeys, uncited: list[str]) -> list[Problem]:
    """One warning listing every entry no page cites."""
    if not uncited:
        return []
    first = bibliography.line(uncited[0])
    noun = "entry is" if len(uncited) == 1 else "entries are"
    return [
        Problem(bibliography.path, first, 1,
                f"{len(uncited)} {noun} never cited: {', '.join(uncited)}",
                "Cite them on a page or remove them from the bibliography")
    ]  # fmt: skip
