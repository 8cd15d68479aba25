"""The site's content model as a Python-Markdown extension, for MkDocs and Zensical alike.

A subtype page's source (``docs/subtypes/<slug>.md``) is structured front matter and a Markdown
body; this extension renders the page's frame (title, summary, the at-a-glance box, its place
in the classification) from the front matter, before the body. A paragraph ``::classification::``
becomes the classification overview (diagram, tree, comparison table) of every subtype. Both are
given to bibcite (:func:`bibcite.register_page_source`), so its index sees the citations they
hold. Problems go to bibcite's host, like bibcite's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from bibcite import PageContext, page_context, register_page_source
from bibcite.host import current_host
from calcinosis_site.subtypes import (
    Subtype,
    load_subtypes,
    render_classification_page,
    render_subtype_page,
)

CLASSIFICATION_MARKER = "::classification::"


@dataclass(frozen=True)
class _Loaded:
    subtypes: tuple[Subtype, ...]
    failed: bool


_current: dict[tuple[object, str], _Loaded] = {}  # the current build's subtypes, one entry


class SubtypeExtension(Extension):
    """``markdown_extensions: [calcinosis_site: {subtypes_dir: subtypes}]``."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "subtypes_dir": ["subtypes", "the folder of the subtype sources, in the docs folder"],
            "classification_page": ["classification.md", "the page of the overview"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        md.registerExtension(self)
        prefix = str(self.getConfig("subtypes_dir")).strip("/") + "/"
        classification = str(self.getConfig("classification_page"))
        pages = _Pages(md, prefix, classification)
        register_page_source(md, pages.source)
        md.preprocessors.register(_SubtypePreprocessor(md, pages), "calcinosis_site", 25)


class _Pages:
    def __init__(self, md: Markdown, prefix: str, classification: str) -> None:
        self.md = md
        self.prefix = prefix
        self.classification = classification

    def loaded(self, context: PageContext | None) -> _Loaded:
        docs = context.site.docs_dir if context else Path("docs")
        key = (context.build if context else None, str(docs))
        found = _current.get(key)
        if found is None:
            directory = docs / self.prefix
            shown = _shown(directory, context.site.project_dir if context else Path("."))
            subtypes, problems = load_subtypes(directory, shown)
            for problem in problems:
                current_host().report(problem)
            found = _Loaded(tuple(subtypes), bool(problems))
            _current.clear()
            _current[key] = found
        return found

    def source(self, path: str, text: str) -> str:
        """The page's Markdown as it will be rendered (for bibcite's index)."""
        return self.render(path, text, page_context(self.md))

    def render(self, path: str, text: str, context: PageContext | None) -> str:
        if (
            path.startswith(self.prefix)
            and path.endswith(".md")
            and "/" not in path[len(self.prefix) :]
        ):
            slug = path[len(self.prefix) : -3]
            subtypes = self.loaded(context).subtypes
            subtype = next((s for s in subtypes if s.slug == slug), None)
            if subtype is None:
                return (
                    '!!! failure "This page could not be generated"\n\n'
                    "    Its source has errors: see the build's messages.\n"
                )
            up = "../" * path.count("/")
            return render_subtype_page(
                subtype, subtypes, classification_page=up + self.classification
            )
        if CLASSIFICATION_MARKER in text and path == self.classification:
            subtypes = self.loaded(context).subtypes

            def url_for(slug: str) -> str:
                target = f"{self.prefix}{slug}.md"
                return context.link_to(target) if context else target

            overview = render_classification_page(subtypes, url_for, pages_prefix=self.prefix)
            return text.replace(CLASSIFICATION_MARKER, overview.split("\n", 2)[2], 1)
        return text


class _SubtypePreprocessor(Preprocessor):
    def __init__(self, md: Markdown, pages: _Pages) -> None:
        super().__init__(md)
        self.pages = pages

    def run(self, lines: list[str]) -> list[str]:
        context = page_context(self.md)
        if context is None:
            return lines
        rendered = self.pages.render(context.path, "\n".join(lines), context)
        return rendered.split("\n")


def _shown(path: Path, project: Path) -> str:
    try:
        return path.resolve().relative_to(project.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def makeExtension(**kwargs: Any) -> SubtypeExtension:
    return SubtypeExtension(**kwargs)
