"""The MkDocs adapter: only what the Markdown extension cannot do under MkDocs.

It tells the extension which page is being rendered, sends problems to MkDocs' logger (so
``mkdocs build --strict`` fails on them), stops the build on a bibliography that cannot be
read, gives MkDocs' anchor check the ids of citations and entries that links point to, has
``mkdocs serve`` watch the .bib files, and has a dirty build render again the pages whose
output depends on other pages (the bibliography) or on a changed .bib.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from markdown import Markdown
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from bibcite import host
from bibcite.extension import (
    BIBLIOGRAPHY_LATER,
    completed_site,
    finish_page,
    settings_from,
    site_for,
    with_search_text,
    write_bibliography,
)
from bibcite.host import LEVELS, Host, PageContext, SiteConfig
from bibcite.problems import Problem
from bibcite.render import cite_id

log = logging.getLogger("mkdocs.plugins.bibcite")


def _log(problem: Problem) -> None:
    log.log(LEVELS[problem.severity], "%s", problem)


class BibcitePlugin(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
    @event_priority(-100)  # after other plugins': the Markdown extensions they add are in
    def on_config(self, config: MkDocsConfig) -> None:
        if "bibcite" not in config.markdown_extensions:
            raise PluginError("bibcite: add 'bibcite' (with its options) to markdown_extensions")
        self.settings = settings_from(config.mdx_configs.get("bibcite", {}))
        self.site = SiteConfig(
            Path(config.config_file_path or ".").resolve().parent,
            Path(config.docs_dir),
            config.use_directory_urls,
        )
        # Rendering is deferred to on_post_page: Material's search indexer parses every page's
        # HTML, and the citations' HTML is several times the size of the prose.
        self.host = host.installed = Host(report=_log, defer=True)
        self.build = object()  # a new site index for every build
        self.bibliographies: list[tuple[PageContext, Path]] = []  # written in on_post_build
        md = Markdown(extensions=config.markdown_extensions, extension_configs=config.mdx_configs)
        self.host.page = PageContext("", "", self.site, self.build)  # no page yet: the site's
        # As early as the build allows: a large .bib is parsed by a worker while MkDocs
        # collects, converts and starts writing the pages, which need only the keys until a
        # page's citations are put in place (joined in _completed).
        self.site_data = site_for(self.settings, self.host.page, md, background=True)
        if self.site_data.failed:
            raise PluginError("bibcite: the bibliography has errors (see above)")

    def on_files(self, files: Files, config: MkDocsConfig) -> None:
        site = self.site_data
        bib_time = max(
            os.path.getmtime(self.site.project_dir / b) for b in self.settings.bibliography
        )
        for file in files.documentation_pages():
            record = site.page(file.src_uri)
            if record and (
                record.has_bibliography or (record.groups and _older(file.abs_dest_path, bib_time))
            ):
                file.is_modified = lambda: True  # type: ignore[method-assign]

    def _completed(self) -> None:
        """The site with every entry formatted: the worker, if any, waited for."""
        if self.site_data.pending is None:
            return
        site = self.site_data = completed_site(self.settings, self.host.page)
        if site.failed:  # MkDocs names the page being built when the worker was joined
            raise PluginError(
                "bibcite: the bibliography has errors (see above); the page is not at fault"
            )

    def on_page_markdown(self, markdown: str, page: Page, **kwargs: Any) -> str:
        self.host.page = PageContext(
            page.file.src_uri, page.url, self.site, self.build, meta=page.meta
        )
        return markdown

    def on_env(self, env: Any, config: MkDocsConfig, files: Files) -> Any:
        # The ids of citations and entries are in raw HTML, where MkDocs' anchor check does not
        # look: a link to one (``other.md#cite-2``) would be reported as broken. Every page is
        # converted by now, so each page's links are known; only the ids that some link points
        # to are added, not every id of every page (their memory: BENCHMARKS.md).
        for file in files.documentation_pages():
            links = file.page.links_to_anchors if file.page else None
            for target, anchors in (links or {}).items():
                ids = target.page.present_anchor_ids if target.page else None
                if ids is not None:
                    ids.update(a for a in anchors if self._renders_id(target.src_uri, a))
        return env

    def _renders_id(self, path: str, anchor: str) -> bool:
        """The page ``path`` will have the id ``anchor`` once its citations are in place."""
        groups = self.host.deferred.get(path, ())
        if any(anchor == cite_id(group.index) for group in groups):
            return True
        key = anchor.removeprefix("ref-")  # an entry's id, unescaped as links write it
        if key == anchor:
            return False
        if any(item.key == key for group in groups for item in group.items):
            return True
        record = self.site_data.page(path)
        return bool(record and record.has_bibliography and key in self.site_data.known)

    @event_priority(100)  # before the search plugin indexes the page
    def on_page_context(self, context: Any, page: Page, **kwargs: Any) -> Any:
        self._completed()
        here = PageContext(page.file.src_uri, page.url, self.site, self.build)
        page.content = with_search_text(self.settings, here, page.content or "")
        return context

    def on_post_page(self, output: str, page: Page, **kwargs: Any) -> str:
        context = PageContext(page.file.src_uri, page.url, self.site, self.build)
        output = finish_page(self.settings, context, output)
        if BIBLIOGRAPHY_LATER in output:
            self.bibliographies.append((context, Path(page.file.abs_dest_path)))
        return output

    @event_priority(100)  # before other plugins read the pages written (Material's offline)
    def on_post_build(self, config: MkDocsConfig) -> None:
        self._completed()  # a dirty build may have written no page
        for context, file in self.bibliographies:
            write_bibliography(self.settings, context, file)

    def on_serve(self, server: Any, config: MkDocsConfig, **kwargs: Any) -> Any:
        project = Path(config.config_file_path or ".").resolve().parent
        for name in settings_from(config.mdx_configs.get("bibcite", {})).bibliography:
            server.watch(str(project / name))
        return server

    def on_shutdown(self) -> None:
        host.installed = None


def _older(path: str, than: float) -> bool:
    try:
        return os.path.getmtime(path) < than
    except OSError:
        return True
