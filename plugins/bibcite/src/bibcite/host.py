"""Where a page comes from and where problems go: the one thing that differs between engines.

Under Zensical, each page is rendered with Zensical's ``ContextExtension``, whose preprocessor
holds the page's path and URL and the site's configuration. Under MkDocs, the ``bibcite`` plugin
(:mod:`bibcite.mkdocs_plugin`) installs a :class:`Host` that it keeps up to date. Without
either, as in a plain ``markdown.markdown(text, extensions=["bibcite"])`` call, there is no
site: citations are numbered from the bibliography alone and problems are logged.
"""

from __future__ import annotations

import logging
import posixpath
import sys
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markdown import Markdown

from bibcite.problems import Problem, Severity

#: Zensical's module holding the page being rendered: imported by Zensical itself whenever it
#: renders, so it is looked up, never imported (bibcite does not depend on Zensical).
ZENSICAL_CONTEXT = "zensical.extensions.context"

log = logging.getLogger("bibcite")


@dataclass(frozen=True)
class SiteConfig:
    """What bibcite needs of the site's configuration.

    project_dir: the folder of the configuration file; relative paths are taken from it.
    docs_dir: the folder of the Markdown sources.
    use_directory_urls: ``a.md`` is served as ``a/`` (True) or ``a.html`` (False).
    """

    project_dir: Path
    docs_dir: Path
    use_directory_urls: bool = True


@dataclass(frozen=True)
class PageContext:
    """The page being rendered.

    path: its source, relative to the docs folder, with ``/`` (``guide/a.md``).
    url: its URL relative to the site's root (``""``, ``guide/a/``, ``guide/a.html``).
    site: the site's configuration.
    build: an object that is new for every build (a new index is made for each).
    engine_links: the engine rewrites links in raw HTML as it does Markdown links (Zensical),
    so a link to another page is written to its source (``../a.md``), not to its URL.
    meta: the page's metadata as the engine's templates see it (``page.meta``): an extension
    may add to it, e.g. tags for the page's ``<head>``.
    """

    path: str
    url: str
    site: SiteConfig
    build: object
    engine_links: bool = False
    meta: MutableMapping[str, Any] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def link_to(self, path: str) -> str:
        """A link from this page to the page whose source is ``path`` (docs-relative)."""
        if self.engine_links:
            return posixpath.relpath(path, posixpath.dirname(self.path) or ".")
        return relative_url(page_url(path, self.site.use_directory_urls), self.url)


def page_url(path: str, use_directory_urls: bool) -> str:
    """The URL of the page whose source is ``path`` (relative to the docs folder), relative to
    the site's root, as MkDocs and Zensical give it: ``a/b.md`` is ``a/b/`` or ``a/b.html``."""
    stem = path.removesuffix(".md")
    if not use_directory_urls:
        return f"{stem}.html"
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return f"{stem}/"


def relative_url(target: str, start: str) -> str:
    """``target`` (a URL from the site's root) as seen from the page at ``start``."""
    start_dir = start.rstrip("/") if start.endswith("/") else posixpath.dirname(start)
    rel = posixpath.relpath(target.rstrip("/") or ".", start_dir or ".")
    if target == "" or target.endswith("/"):
        return "./" if rel == "." else rel + "/"
    return rel


class Host:
    """An engine's side: the current page, and a sink for problems.

    ``report`` logs through ``logging`` (the ``bibcite`` logger) by default; the MkDocs plugin
    sends problems to MkDocs' own logger instead, so that ``--strict`` counts them.
    ``defer``: pages are rendered with placeholders, and :attr:`deferred` keeps each page's
    citation groups (by path) until the adapter puts the HTML in place
    (:func:`bibcite.extension.finish_page`).
    """

    def __init__(
        self, report: Callable[[Problem], None] | None = None, defer: bool = False
    ) -> None:
        self.page: PageContext | None = None
        self._report = report or log_problem
        self.defer = defer
        self.deferred: dict[str, tuple[Any, ...]] = {}

    def report(self, problem: Problem) -> None:
        self._report(problem)


def log_problem(problem: Problem) -> None:
    log.log(LEVELS[problem.severity], "%s", problem)


#: The logging level of each severity.
LEVELS = {Severity.INFO: logging.INFO, Severity.WARNING: logging.WARNING,
          Severity.ERROR: logging.ERROR}  # fmt: skip


#: The host installed by an engine adapter (the MkDocs plugin), if any.
installed: Host | None = None
_default = Host()


def current_host() -> Host:
    return installed or _default


def page_context(md: Markdown) -> PageContext | None:
    """The page ``md`` is rendering: from the installed host, else from Zensical's context."""
    if installed is not None:
        return installed.page
    zensical = sys.modules.get(ZENSICAL_CONTEXT)
    if zensical is None:
        return None
    context = zensical.ContextPreprocessor.from_markdown(md)
    if context is None:
        return None
    config: dict[str, Any] = context.config
    root = Path(config.get("root_dir") or ".")
    site = SiteConfig(
        project_dir=root,
        docs_dir=root / str(config.get("docs_dir") or "docs"),
        use_directory_urls=bool(config.get("use_directory_urls", True)),
    )
    # Zensical renders one build per configuration object.
    return PageContext(
        str(context.page.path),
        str(context.page.url),
        site,
        build=id(config),
        engine_links=True,
        meta=context.page.meta,
    )
