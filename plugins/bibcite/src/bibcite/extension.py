"""The Python-Markdown extension: numbered citations, reference lists and bibliographies.

Usable from any engine that runs Python-Markdown extensions (``markdown_extensions: [bibcite]``
in ``mkdocs.yml``, under Zensical or MkDocs), or from ``markdown.Markdown`` directly. Each page
is rendered from data shared by the whole build (:class:`bibcite.site.Site`), made once, before
the first page, from the sources; the page comes from :mod:`bibcite.host`.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from markdown import Markdown
from markdown.extensions import Extension

from bibcite.escaping import escape_text
from bibcite.host import PageContext, current_host, page_context
from bibcite.numbering import Numbering, assign_numbers
from bibcite.problems import Problem
from bibcite.reference import Reference
from bibcite.render import (
    bibliography_parts,
    file_stem,
    render_group,
    render_reference_list,
)
from bibcite.site import (
    DEFAULT_CACHE_DIR,
    PageSource,
    Settings,
    Site,
    complete,
    group_problems,
    load_site,
)
from bibcite.syntax import CitationGroup, locate, register_syntax

_PAGE_SOURCES = "bibcite_page_sources"
_current: dict[tuple[Settings, object], Site] = {}  # the current build's site, one entry


def register_page_source(md: Markdown, source: PageSource) -> None:
    """For an extension that writes (part of) a page's Markdown itself, e.g. from its front
    matter: ``source(path, text)`` gives the Markdown bibcite scans for the page at ``path``
    (relative to the docs folder), so the site's index sees the citations it will render."""
    sources: list[PageSource] = md.__dict__.setdefault(_PAGE_SOURCES, [])
    if source not in sources:
        sources.append(source)


def site_for(
    settings: Settings,
    context: PageContext | None,
    md: Markdown | None = None,
    background: bool = False,
) -> Site:
    """The current build's :class:`Site`, made (and its problems reported) on first use; with
    ``background``, a large .bib may still be parsing (see :func:`completed_site`)."""
    key = (settings, (context.build, context.site) if context else None)
    site = _current.get(key)
    if site is None:
        sources: list[PageSource] = getattr(md, _PAGE_SOURCES, []) if md is not None else []
        site = load_site(settings, context.site if context else None, sources,
                         background=background)  # fmt: skip
        _current.clear()
        _current[key] = site
        for problem in site.problems:
            current_host().report(problem)
    return site


def completed_site(settings: Settings, context: PageContext | None) -> Site:
    """The current build's :class:`Site` with every entry formatted (its worker waited for, and
    the problems found since reported)."""
    site = site_for(settings, context)
    if site.pending is None:
        return site
    done = complete(site, settings, context.site if context else None)
    _current[(settings, (context.build, context.site) if context else None)] = done
    for problem in done.problems[len(site.problems) :]:
        current_host().report(problem)
    return done


def cited_references(md: Markdown) -> list[Reference]:
    """The entries the page ``md`` is rendering cites, in order of first citation, as the
    site's index found them (unknown keys left out). Empty outside a site."""
    bibcite = next((e for e in md.registeredExtensions if isinstance(e, BibciteExtension)), None)
    context = page_context(md)
    if bibcite is None or context is None:
        return []
    settings = settings_from(bibcite.getConfigs())
    site_for(settings, context, md)
    site = completed_site(settings, context)
    record = site.page(context.path)
    cites = record.cites if record else ()
    return [site.refs[key] for key, _ in cites if key in site.refs]


def settings_from(config: dict[str, Any]) -> Settings:
    files = config.get("bibliography") or ()
    return Settings(
        bibliography=(files,) if isinstance(files, str) else tuple(files),
        numbering=Numbering(config.get("numbering") or "global"),
        style=str(config.get("style") or "medscape"),
        references_title=str(config.get("references_title") or "References"),
        cache_dir=str(config.get("cache_dir", DEFAULT_CACHE_DIR) or ""),
        badges=tuple((str(k), str(v)) for k, v in (config.get("badges") or {}).items()),
        export=bool(config.get("export", False)),
    )


def render_page(
    site: Site,
    numbering: Numbering,
    groups: Sequence[CitationGroup],
    export_name: str | None = None,
) -> tuple[list[str], str | None]:
    """A page's citation groups as HTML, and its reference list (None: it cites nothing),
    with download links named ``export_name`` if given."""
    cited = [item.key for g in groups for item in g.items]
    known = {key: site.refs[key].index for key in cited if key in site.refs}
    numbers = assign_numbers(cited, known, numbering)
    rendered = [render_group(g, numbers, site.refs) for g in groups]
    if not numbers:
        return rendered, None
    backlinks: dict[str, list[int]] = {}
    for g in groups:
        for item in g.items:
            spots = backlinks.setdefault(item.key, [])
            if not spots or spots[-1] != g.index:
                spots.append(g.index)
    listing = render_reference_list(list(numbers), numbers, site.refs, backlinks, export_name)
    return rendered, listing


def export_name(settings: Settings, context: PageContext | None) -> str | None:
    """The name of the files a page's references download as (None: no downloads)."""
    if not settings.export:
        return None
    stem = context.path.removesuffix(".md").replace("/", "-") if context else "page"
    return file_stem(f"{stem}-references")


def render_bibliography(site: Site, context: PageContext | None, export: bool = False) -> str:
    """Every entry, with "cited on" links from the page at ``context``."""
    return "".join(_bibliography(site, context, export))


def _bibliography(site: Site, context: PageContext | None, export: bool) -> Iterator[str]:
    cited_on = site.index.cited_on() if site.index else {}
    # One link per citing page, not per citation: a page is cited from many entries.
    url_of = functools.cache(context.link_to) if context else (lambda path: path)
    return bibliography_parts(list(site.refs.values()), cited_on, url_of, export)


_PLACEHOLDER = re.compile(r"<!--bibcite:(\d+|references)-->|<!--bibcite:bibliography-->.*?"
                          r"<!--/bibcite:bibliography-->", re.DOTALL)  # fmt: skip


_SEARCH_TEXT = "<!--bibcite:search-text-->"


def with_search_text(settings: Settings, context: PageContext, html: str) -> str:
    """A deferred page's bibliography as the search index should see it: the references' text,
    in one paragraph (a list of thousands of items costs the indexer far more for the same
    text); :func:`finish_page` puts the list in its place."""
    if _SEARCH_TEXT not in html:
        return html
    site = completed_site(settings, context)
    text = escape_text(" ".join(ref.text for ref in site.refs.values()))
    return html.replace(_SEARCH_TEXT, f'<p class="bibliography-search">{text}</p>', 1)


#: Where :func:`write_bibliography` puts the bibliography in a page written without it.
BIBLIOGRAPHY_LATER = "<!--bibcite:bibliography-later-->"


def finish_page(settings: Settings, context: PageContext, html: str) -> str:
    """A page rendered with placeholders (:attr:`bibcite.host.Host.defer`), with its citations'
    HTML put in place: what the extension renders directly when nothing defers it. The
    bibliography is left for :func:`write_bibliography`, as :data:`BIBLIOGRAPHY_LATER`."""
    groups = current_host().deferred.pop(context.path, None)
    if groups is None:
        return html
    site = completed_site(settings, context)
    rendered, listing = render_page(
        site, settings.numbering, groups, export_name(settings, context)
    )

    def fill(m: re.Match[str]) -> str:
        if m.group(1) is None:
            return BIBLIOGRAPHY_LATER
        if m.group(1) == "references":
            return listing or ""
        return rendered[int(m.group(1)) - 1]

    return _PLACEHOLDER.sub(fill, html)


def write_bibliography(settings: Settings, context: PageContext, file: Path) -> None:
    """Put the bibliography in place in the page ``file``, written by the engine with
    :data:`BIBLIOGRAPHY_LATER` instead: entry by entry into a new file that then replaces it,
    so that the list is never held whole in memory (BENCHMARKS.md: tens of MB for 10,000
    entries). The bytes are those the engine would have written with the list in place."""
    before, found, after = file.read_text(encoding="utf-8").partition(BIBLIOGRAPHY_LATER)
    if not found:
        return
    parts = _bibliography(completed_site(settings, context), context, settings.export)
    partial = file.with_name(file.name + ".bibcite-partial")
    try:
        with open(partial, "w", encoding="utf-8", errors="xmlcharrefreplace", newline="") as out:
            out.write(before)
            out.writelines(parts)
            out.write(after)
        os.replace(partial, file)
    finally:
        partial.unlink(missing_ok=True)


class _PageHandler:
    """Renders one page's citations (see :class:`bibcite.syntax.CitationHandler`).

    Where the host defers rendering (the MkDocs adapter does), it leaves placeholders and
    keeps the page's groups for :func:`finish_page`: MkDocs' search indexer then parses the
    page without the citations' HTML, several times the size of the prose."""

    def __init__(self, md: Markdown, settings: Settings) -> None:
        self.md = md
        self.settings = settings
        self.references_title = settings.references_title
        self._groups: Sequence[CitationGroup] = ()
        self._listing: str | None = None

    def _page(self) -> tuple[Site, PageContext | None]:
        context = page_context(self.md)
        return site_for(self.settings, context, self.md), context

    def render_groups(self, groups: Sequence[CitationGroup]) -> list[str]:
        site, context = self._page()
        self._groups = groups
        if site.index is None:  # no site index to have found the page's problems up front
            self._report_groups(groups, site)
        host = current_host()
        if host.defer and context is not None:
            host.deferred[context.path] = tuple(groups)
            cites = any(item.key in site.known for g in groups for item in g.items)
            self._listing = "<!--bibcite:references-->" if cites else None
            return [f"<!--bibcite:{g.index}-->" for g in groups]
        rendered, self._listing = render_page(
            site, self.settings.numbering, groups, export_name(self.settings, context)
        )
        return rendered

    def reference_list(self) -> str | None:
        return self._listing

    def bibliography(self) -> str:
        site, context = self._page()
        if not current_host().defer:
            return render_bibliography(site, context, self.settings.export)
        if context is not None:
            current_host().deferred.setdefault(context.path, ())
        return f"<!--bibcite:bibliography-->{_SEARCH_TEXT}<!--/bibcite:bibliography-->"

    def report_unrendered(self, raws: Sequence[str]) -> None:
        """Warns about citations Markdown kept as text, and about a page whose citations are
        not those the site's index found in its source (its "cited on" links would be wrong)."""
        site, context = self._page()
        path, source = self._source(context) if raws else ("", "")
        seen: dict[str, int] = {}
        for raw in raws:
            occurrence = seen.get(raw, 0)
            seen[raw] = occurrence + 1
            line, col = locate(source, raw, occurrence)
            literal = "escape a literal bracket as \\[@" if raw[0] == "[" else "write \\@ for an @"
            current_host().report(Problem(path, line, col,
                f"citation '{' '.join(raw.split())}' is not rendered: it is in image text or "
                "in a raw HTML block",
                f'Move it into the text, or add markdown="1" to the HTML block; '
                f"{literal}"))  # fmt: skip
        record = site.page(context.path) if context else None
        written = tuple(g.raw for g in self._groups)
        if record is not None and not raws and len(record.groups) != len(written):
            current_host().report(Problem(self._source(context)[0], 1, 1,
                f"the page renders {len(written)} citation groups where bibcite's scan of its "
                f"source found {len(record.groups)}, so the bibliography's links to it may be "
                "wrong",
                "Please report this with the page; meanwhile, move the citations out of "
                "unusual markup"))  # fmt: skip

    def _report_groups(self, groups: Sequence[CitationGroup], site: Site) -> None:
        _, context = self._page()
        path, source = self._source(context)
        seen: dict[str, int] = {}
        for g in groups:
            occurrence = seen.get(g.raw, 0)
            seen[g.raw] = occurrence + 1
            for problem in group_problems(g.raw, occurrence, path, source, site.refs,
                                          self.settings):  # fmt: skip
                current_host().report(problem)

    @staticmethod
    def _source(context: PageContext | None) -> tuple[str, str]:
        """The page's path as the user knows it, and its text (to locate problems)."""
        if context is None:
            return "<markdown>", ""
        file = context.site.docs_dir / context.path
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            text = ""
        try:
            shown = file.resolve().relative_to(context.site.project_dir.resolve()).as_posix()
        except ValueError:
            shown = Path(file).as_posix()
        return shown, text


class BibciteExtension(Extension):
    """``markdown_extensions: [bibcite: {bibliography: refs.bib}]``; options in the README."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "bibliography": [[], "BibTeX file or files, relative to the project folder"],
            "numbering": ["global", "global (position in the files) or page (first citation)"],
            "style": ["medscape", "a pybtex formatting style"],
            "references_title": ["References", "the heading of each page's reference list"],
            "cache_dir": [DEFAULT_CACHE_DIR, "the cache's folder ('' for none)"],
            "badges": [{}, "field: label, shown after each reference with that field"],
            "export": [False, "BibTeX and RIS downloads of the references"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        md.registerExtension(self)
        register_syntax(md, _PageHandler(md, settings_from(self.getConfigs())))


def makeExtension(**kwargs: Any) -> BibciteExtension:
    return BibciteExtension(**kwargs)
