"""MkDocs-specific glue used by the plugin: generated files, navigation, page order.

Kept apart from ``plugin.py`` so each hook stays a few lines, and apart from the core so the
core never imports MkDocs.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from bibcite.engine import PageCitations, uncited
from bibcite.problems import Problem, Severity
from bibcite.references import BibliographyKeys, Reference
from bibcite.render import CitingPage, bibliography_parts, ref_id, search_text

if TYPE_CHECKING:
    from bibcite import subtypes as subtype_pages

T = TypeVar("T")

#: Where the site-wide bibliography goes in the generated References page.
BIBLIOGRAPHY_MARKER = "<!-- bibcite:bibliography -->"


@dataclass
class SiteSources:
    """The sources of generated pages, and where each page's text came from (for messages)."""

    root: Path
    options: Any
    subtypes: list[subtype_pages.Subtype] = field(default_factory=list)
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    bibliography_files: list[File] = field(default_factory=list)

    def source_of(self, file: File) -> tuple[str, str | Callable[[], str]]:
        """(path shown in messages, text) of the file a page was made from; the text of a file
        in the docs is read again only if asked for (MkDocs has read it, but plugins may have
        changed ``page.markdown`` since)."""
        if file.src_uri in self.sources:
            return self.sources[file.src_uri]
        return self.path_of(file), lambda: file.content_string

    def path_of(self, file: File) -> str:
        """The path of the file a page was made from, as messages show it."""
        if file.src_uri in self.sources:
            return self.sources[file.src_uri][0]
        return shown(Path(file.abs_src_path or file.src_uri), self.root)

    def generate_files(self, files: Files, config: MkDocsConfig, entries: int) -> list[Problem]:
        """Add the generated pages (subtypes, classification, the bibliography's ``entries``
        over as many pages as ``references_per_page`` makes) to ``files``."""
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
        per_page = opts.references_per_page if opts.references_per_page > 0 else entries
        for src_uri, content in bibliography_pages(
            opts.references_page, opts.references_title, entries, max(per_page, 1)
        ):
            # Only the first page goes in the navigation: it links to the others (a section of
            # ten parts on every page's sidebar helps no reader, and costs every page's render).
            first = not self.bibliography_files
            self.bibliography_files.append(
                _generated(files, config, src_uri, content, problems, in_nav=first)
            )
        return problems


def bibliography_pages(
    first: str, title: str, entries: int, per_page: int
) -> list[tuple[str, str]]:
    """(src_uri, Markdown) of each page of the bibliography: ``first`` (``references.md``) for
    entries 1 to ``per_page``, then ``references/part-2.md`` and so on; with more than one page,
    each lists them all (entries ``lo–hi``), so every part is a link away."""
    count = max(1, -(-entries // per_page))
    stem = first.removesuffix(".md")
    uris = [first, *(f"{stem}/part-{n}.md" for n in range(2, count + 1))]
    ranges = [(1 + n * per_page, min(entries, (n + 1) * per_page)) for n in range(count)]
    intro = (
        "Every entry of the bibliography, numbered in order. Under each, the pages that cite "
        "it, with a link to each citation."
    )
    out = []
    for n, (uri, (lo, hi)) in enumerate(zip(uris, ranges, strict=True)):
        heading = title if n == 0 else f"{title} {lo}\u2013{hi}"
        parts = ""
        if count > 1:
            here = posixpath.dirname(uri)
            links = [
                f"**{a}\u2013{b}**" if other == uri
                else f"[{a}\u2013{b}]({posixpath.relpath(other, here or '.')})"
                for other, (a, b) in zip(uris, ranges, strict=True)
            ]  # fmt: skip
            parts = f"Entries {lo}\u2013{hi} of {entries}. Pages: {' · '.join(links)}\n\n"
        out.append((uri, f"# {heading}\n\n{intro}\n\n{parts}{BIBLIOGRAPHY_MARKER}\n"))
    return out


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
    in_nav: bool = True,
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
    inclusion = InclusionLevel.UNDEFINED if in_nav else InclusionLevel.NOT_IN_NAV
    file = File.generated(config, src_uri, content=content, inclusion=inclusion)
    files.append(file)
    return file


#: What each page of a build cites, by ``src_uri``: (its title, its citations).
SitePages = dict[str, tuple[str, PageCitations]]


def site_pages(
    files: Files,
    converted: Mapping[str, PageCitations],
    earlier: Mapping[str, tuple[str, PageCitations]],
) -> tuple[SitePages, list[File]]:
    """Every page of the site with what it cites: the pages converted in this build, and those
    a dirty build skipped (``mkdocs serve --dirty``: only changed pages are converted again)
    as ``earlier``, the build before, saw them. The skipped pages ``earlier`` does not know (a
    ``mkdocs build --dirty`` in a new process) are returned second: what they cite is unknown."""
    pages: SitePages = {}
    unknown = []
    for file in files.documentation_pages():
        result = converted.get(file.src_uri)
        if result is not None:
            pages[file.src_uri] = (_title(file), result)
        elif file.src_uri in earlier:
            pages[file.src_uri] = earlier[file.src_uri]
        else:
            unknown.append(file)
    for src_uri, result in converted.items():  # pages only `mkdocs serve` shows (drafts)
        if src_uri not in pages and (draft := files.get_file_from_path(src_uri)) is not None:
            pages[src_uri] = (_title(draft), result)
    return pages, unknown


def _title(file: File) -> str:
    """A converted page's title, as "cited on" lists show it."""
    return str((file.page.title if file.page else None) or file.src_uri)


def pages_in_order(
    nav: Navigation, files: Files, pages: Mapping[str, tuple[str, PageCitations]]
) -> list[tuple[str, File, PageCitations]]:
    """Citing pages in navigation order (then by path): (title, file, citations). The order is
    the site's, not the order pages happened to be processed in."""
    ordered = [p.file.src_uri for p in nav.pages]
    ordered += sorted(set(pages) - set(ordered))
    out = []
    for src_uri in ordered:
        title, result = pages.get(src_uri, ("", None))
        file = files.get_file_from_path(src_uri)
        if result is None or not result.keys or file is None:
            continue
        out.append((title, file, result.summary()))
    return out


def coverage_problems(
    keys: BibliographyKeys,
    pages: SitePages,
    unknown: Sequence[File],
    path_of: Callable[[File], str],
) -> list[Problem]:
    """One warning listing the entries no page cites; or, if a dirty build skipped pages with
    nothing known of what they cite (see :func:`site_pages`), one warning saying so instead
    (an entry cited only there would be taken for uncited). ``path_of``: a file's path as
    messages show it (:meth:`SiteSources.path_of`)."""
    if not unknown:
        return uncited_problems(keys, uncited(keys, (p for _, p in pages.values())))
    first = path_of(unknown[0])
    n = len(unknown) - 1
    others = f" and {n} other page{'s' if n > 1 else ''}" if n else ""
    return [
        Problem(first, 1, 1,
                f"this dirty build did not convert this page{others}, and no earlier build in this "
                "process did: their citations are missing from the bibliography's 'cited on' "
                "lists, and entries are not checked for being cited",
                "Run a clean build (without --dirty) for a complete bibliography")
    ]  # fmt: skip


def expire_outputs(files: Files, bibliography: Path) -> list[File]:
    """Remove the output of every page written before ``bibliography`` last changed, and return
    those pages. A dirty build converts only the pages whose source is newer than their output
    (MkDocs' ``File.is_modified``), but every page's citations, their numbers and tooltips, come
    from the .bib: a page without an output is converted again and written at once."""
    try:
        changed = os.stat(bibliography).st_mtime_ns
    except OSError:
        return []  # reported where the .bib is read
    expired = []
    for file in files.documentation_pages():
        try:
            if os.stat(file.abs_dest_path).st_mtime_ns < changed:
                os.remove(file.abs_dest_path)
                expired.append(file)
        except OSError:
            continue  # no output yet: the page is converted anyway
    return expired


def seen_from(
    pages: list[tuple[str, File, PageCitations]], here: File
) -> list[tuple[str, str, PageCitations]]:
    """The citing pages with their URLs relative to the page ``here``."""
    return [(title, file.url_relative_to(here), result) for title, file, result in pages]


def add_linked_anchors(
    files: Files,
    pages: Mapping[str, PageCitations],
    listed: Callable[[File], Sequence[str]],
) -> None:
    """Tell MkDocs' anchor check about the ids that links point to and that will exist once
    citations are rendered into the final HTML (a citation's, a listed entry's): a link such
    as ``[see](#ref-key)`` is then not reported, a wrong one still is. Only the linked ids are
    registered (every citation's and entry's id in a large site is megabytes of strings).
    ``listed(file)``: the keys a bibliography page lists (none for other pages)."""
    known: dict[str, set[str]] = {}

    def ids(target: File) -> set[str]:
        if target.src_uri not in known:
            result = pages.get(target.src_uri)
            found = set(result.anchors()) if result is not None else set()
            known[target.src_uri] = found | {ref_id(key) for key in listed(target)}
        return known[target.src_uri]

    for file in files.documentation_pages():
        links = file.page.links_to_anchors if file.page is not None else None
        for target, anchors in (links or {}).items():
            page = target.page
            if page is not None and isinstance(page.present_anchor_ids, set):
                page.present_anchor_ids.update(a for a in anchors if a in ids(target))


class Bibliography:
    """The generated pages listing every entry (one, or several of ``references_per_page``
    entries each). While the search index is built, a page holds its references' plain text
    only; its final HTML gets the full list (see ``bibcite.render``). The entries are asked for
    only when such a page is written (last, usually): a worker process may still be formatting
    them until then. ``cited_on(file, keys)``: the citing spots of each of ``keys``, with
    URLs relative to ``file``.
    """

    def __init__(
        self,
        files: list[File],
        references: Callable[[], Sequence[Reference]],
        cited_on: Callable[[File, set[str]], Mapping[str, list[CitingPage]]],
        per_page: int,
    ) -> None:
        self.references, self.cited_on = references, cited_on
        self.parts = {id(f): n for n, f in enumerate(files)}
        self.per_page = per_page
        self._search_text: dict[int, tuple[str, str]] = {}  # the text, and the content before
        self._all: Sequence[Reference] | None = None
        self._part: tuple[int, Sequence[Reference]] = (-1, ())
        self._done = 0  # pages finished

    def _entries(self, file: File) -> Sequence[Reference]:
        """The entries ``file`` lists, read once for its search text and its list."""
        if self._part[0] != id(file):
            if self._all is None:  # asked for once, when the first of these pages is reached
                self._all = self.references()
            self._part = (id(file), self._slice(file, self._all))
        return self._part[1]

    def _slice(self, file: File, items: Sequence[T]) -> Sequence[T]:
        n = self.parts[id(file)]
        last = n == len(self.parts) - 1  # takes any rest: all of it, when there is one page
        return items[n * self.per_page : None if last else (n + 1) * self.per_page]

    def keys_listed(self, file: File, keys: Sequence[str]) -> Sequence[str]:
        """The keys (of all of ``keys``, in file order) that ``file`` lists; none if it is not
        a bibliography page."""
        return self._slice(file, keys) if id(file) in self.parts else ()

    def insert_search_text(self, page: Page) -> None:
        """Before the search index sees the page."""
        content = page.content or ""
        if id(page.file) in self.parts and BIBLIOGRAPHY_MARKER in content:
            text = search_text(self._entries(page.file))
            self._search_text[id(page.file)] = (text, content)
            page.content = content.replace(BIBLIOGRAPHY_MARKER, text, 1)

    def finish(self, file: File, output: str) -> str:
        """The page's final HTML (other pages' HTML unchanged)."""
        text, content = self._search_text.pop(id(file), ("", ""))
        if not text:
            return output
        if file.page is not None:  # indexed and rendered: MkDocs keeps it to the end, but the
            file.page.content = content  # text of a thousand references is not needed again
        at = output.find(text)
        if at < 0:
            return output
        entries = self._entries(file)
        listing = bibliography_parts(entries, self.cited_on(file, {r.key for r in entries}))
        html = "".join([output[:at], *listing, output[at + len(text) :]])
        self._part = (-1, ())
        self._done += 1
        if self._done == len(self.parts):  # the last: what the pages cite is not needed again
            self.cited_on = lambda file, keys: {}
        return html


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
