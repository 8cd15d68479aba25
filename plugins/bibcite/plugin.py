"""The MkDocs plugin: wires MkDocs events to the citation core. No logic of its own."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils.templates import TemplateContext

from bibcite import mkdocs_site as site
from bibcite.engine import CitationEngine, PageCitations, citation_order, cited_on
from bibcite.numbering import Numbering
from bibcite.problems import Problem, Severity
from bibcite.references import ReferenceTableCache
from bibcite.syntax import CitationExtension

if TYPE_CHECKING:  # imported by `mkdocs serve` only: 4 MB (watchdog, http.server) a build spares
    from mkdocs.livereload import LiveReloadServer

log = logging.getLogger("mkdocs.plugins.bibcite")


class BibciteConfig(Config):
    bibliography = c.File(exists=True)
    numbering = c.Choice(("global", "page"), default="global")
    style = c.Type(str, default="medscape")
    references_page = c.Type(str, default="references.md")
    references_title = c.Type(str, default="References")
    references_per_page = c.Type(int, default=1000)
    subtypes_dir = c.Optional(c.Type(str))
    subtypes_nav_title = c.Type(str, default="Subtypes")
    classification_page = c.Type(str, default="classification.md")
    cache = c.Type(bool, default=True)
    cache_dir = c.Type(str, default=".cache/bibcite")
    background = c.Choice(("auto", "always", "never"), default="auto")


class BibcitePlugin(BasePlugin[BibciteConfig]):
    def __init__(self) -> None:
        # Kept across `mkdocs serve` rebuilds (the plugin defines on_startup): an unchanged .bib
        # is not parsed again and no entry is formatted twice.
        self.tables = ReferenceTableCache()
        self.site: site.SiteSources | None = None
        self.dirty = False
        self.earlier: site.SitePages = {}  # what each page cited in the build before (dirty)

    def on_startup(self, *, command: Literal["build", "gh-deploy", "serve"], dirty: bool) -> None:
        self.dirty = dirty  # (this hook's presence keeps the instance alive across rebuilds)

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        root = Path(config.config_file_path or ".").resolve().parent
        bib_path = Path(self.config.bibliography)
        cache_dir = root / self.config.cache_dir if self.config.cache else None
        keys, problems = self.tables.load(
            bib_path, site.shown(bib_path, root), self.config.style, cache_dir,
            self.config.background,
        )  # fmt: skip
        self.site, more = site.load_sources(config, self.config, root, keys)
        report([*problems, *more])
        assert keys is not None  # an unusable bibliography is an ERROR, reported above
        self.engine = CitationEngine(
            keys, Numbering(self.config.numbering), self.config.references_title
        )
        self.pages: dict[str, PageCitations] = {}
        # Pages' problems wait for the .bib file's (known once pages are converted, when a worker
        # reads it): a broken .bib is reported alone, not after warnings it caused.
        self.page_problems: list[Problem] = []
        config.markdown_extensions.append(CitationExtension(self.engine))  # type: ignore[arg-type]
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        assert self.site is not None
        report(self.site.generate_files(files, config, len(self.engine.keys.keys)))
        # A dirty build: pages written before the .bib changed show its old numbers and text.
        if self.dirty and (expired := site.expire_outputs(files, Path(self.config.bibliography))):
            log.info(f"bibcite: {len(expired)} pages converted again: the .bib has changed")
        return files

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Callable[..., Any]
    ) -> LiveReloadServer:
        server.watch(self.config.bibliography)  # outside the docs: MkDocs would not see edits
        return server

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        self.nav = nav
        return nav

    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        assert self.site is not None
        self.engine.begin_page(page.file.src_uri, *self.site.source_of(page.file))
        return markdown

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        result, problems = self.engine.end_page()
        self.pages[page.file.src_uri] = result
        self.page_problems.extend(problems)
        return html

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        keys, problems = self.tables.start_output(citation_order(self.pages.values()))
        report(problems)  # of the .bib file, if parsed in the background
        report(self.page_problems)
        assert keys is not None  # an unusable bibliography is an ERROR, reported above
        assert self.site is not None
        pages, unknown = site.site_pages(files, self.pages, self.earlier)
        if self.dirty:  # only a dirty rebuild needs them: kept as summaries
            self.earlier = {uri: (title, p.summary()) for uri, (title, p) in pages.items()}
        citing = site.pages_in_order(self.nav, files, pages)
        self.bibliography = site.Bibliography(
            self.site.bibliography_files,
            self.tables.all_references,
            lambda part, keys: cited_on(site.seen_from(citing, part), keys),
            self.config.references_per_page,
        )
        report(site.coverage_problems(keys, pages, unknown, self.site.path_of))
        site.add_linked_anchors(
            files, self.pages, lambda file: self.bibliography.keys_listed(file, keys.keys)
        )
        return env

    @event_priority(50)  # before the search plugin indexes the bibliography page
    def on_page_context(
        self, context: TemplateContext, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext:
        self.bibliography.insert_search_text(page)
        return context

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        result = self.pages.pop(page.file.src_uri, None)  # its citations are no longer needed
        if result is not None:
            refs, index = self.tables.references(result.keys)
            output = self.engine.finish_page(result, output, refs, index)
        return self.bibliography.finish(page.file, output)

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        report(list(self.tables.table().problems))  # formatting (LaTeX...): known at the end
        if self.tables.worker_error:
            log.info(f"bibcite: the worker process failed ({self.tables.worker_error}); "
                     "the bibliography was read in this process instead")  # fmt: skip
        if self.tables.save_error:
            log.info(f"bibcite: the formatted-entry cache was not saved: {self.tables.save_error}")


def report(problems: list[Problem]) -> None:
    """Log each problem; stop the build if one cannot be rendered around."""
    errors = [p for p in problems if p.severity is Severity.ERROR]
    for p in problems:
        if p.severity is Severity.WARNING:
            log.warning(str(p))
    if errors:
        raise PluginError("\n".join(str(p) for p in errors))


__all__ = ["BibciteConfig", "BibcitePlugin"]
