"""The site's content model as a Python-Markdown extension, for MkDocs and Zensical alike.

A subtype page's source (``docs/subtypes/<slug>.md``) is structured front matter and a Markdown
body; this extension renders the page's frame (title, summary, the at-a-glance box, its place
in the classification) from the front matter, before the body. A paragraph ``::classification::``
becomes the classification overview (diagram, tree, comparison table) of every subtype. Both are
given to bibcite (:func:`bibcite.register_page_source`), so its index sees the citations they
hold. Problems go to bibcite's host, like bibcite's own.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from bibcite import PageContext, Problem, page_context, register_page_source
from bibcite.bibliography import load_bibliography
from bibcite.extension import BibciteExtension, cited_references, settings_from
from bibcite.host import current_host, page_url
from calcinosis_site.metadata import Condition, PageInfo, cite_this_page, condition_of, head_html
from calcinosis_site.model import TYPICAL_FACTS
from calcinosis_site.subtypes import (
    Subtype,
    load_subtypes,
    render_classification_page,
    render_subtype_page,
)

CLASSIFICATION_MARKER = "::classification::"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


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
            "site_name": ["", "the site's name, as pages are cited"],
            "site_url": ["", "the hosted site's address ('': no citation and no metadata)"],
            "editors": ["", "who edits the site, as pages are cited"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        md.registerExtension(self)
        prefix = str(self.getConfig("subtypes_dir")).strip("/") + "/"
        classification = str(self.getConfig("classification_page"))
        pages = _Pages(md, prefix, classification)
        register_page_source(md, pages.source)
        site = (str(self.getConfig("site_name")), str(self.getConfig("site_url")),
                str(self.getConfig("editors")))  # fmt: skip
        md.preprocessors.register(_SubtypePreprocessor(md, pages, site), "calcinosis_site", 25)


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
            problems += typical_fact_problems(subtypes, self._evidence(context))
            for problem in problems:
                current_host().report(problem)
            found = _Loaded(tuple(subtypes), bool(problems))
            _current.clear()
            _current[key] = found
        return found

    def _evidence(self, context: PageContext | None) -> dict[str, str]:
        """Each entry's ``evidence`` field, from the bibliography bibcite is configured with."""
        bibcite = next((e for e in self.md.registeredExtensions if isinstance(e, BibciteExtension)),
                       None)  # fmt: skip
        if bibcite is None or context is None:
            return {}
        evidence: dict[str, str] = {}
        for name in settings_from(bibcite.getConfigs()).bibliography:
            bibliography, _ = load_bibliography(context.site.project_dir / name, name)
            for entry in bibliography.entries if bibliography else ():
                evidence[entry.key] = str(entry.entry.fields.get("evidence", ""))
        return evidence

    def source(self, path: str, text: str) -> str:
        """The page's Markdown as it will be rendered (for bibcite's index)."""
        return self.render(path, text, page_context(self.md))

    def render(self, path: str, text: str, context: PageContext | None) -> str:
        """The page's Markdown: generated where it is a subtype page or holds the
        classification marker, with its review date under its title."""
        return with_review_date(self._render(path, text, context), self._reviewed(path, context))

    def _reviewed(self, path: str, context: PageContext | None) -> str | None:
        if context is None:
            return None
        subtype = self._subtype(path, context)
        if subtype is not None:
            return subtype.reviewed
        value = front_matter(context.site.docs_dir / path).get("reviewed")
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value if isinstance(value, str) and _ISO_DATE.fullmatch(value) else None

    def _subtype(self, path: str, context: PageContext | None) -> Subtype | None:
        if not (path.startswith(self.prefix) and "/" not in path[len(self.prefix) :]):
            return None
        slug = path[len(self.prefix) :].removesuffix(".md")
        return next((s for s in self.loaded(context).subtypes if s.slug == slug), None)

    def _render(self, path: str, text: str, context: PageContext | None) -> str:
        if path.startswith(self.prefix) and "/" not in path[len(self.prefix) :]:
            subtype = self._subtype(path, context)
            if subtype is None:
                return (
                    '!!! failure "This page could not be generated"\n\n'
                    "    Its source has errors: see the build's messages.\n"
                )
            up = "../" * path.count("/")
            subtypes = self.loaded(context).subtypes
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
    def __init__(self, md: Markdown, pages: _Pages, site: tuple[str, str, str]) -> None:
        super().__init__(md)
        self.pages = pages
        self.site_name, self.site_url, self.editors = site

    def run(self, lines: list[str]) -> list[str]:
        context = page_context(self.md)
        if context is None:
            return lines
        rendered = self.pages.render(context.path, "\n".join(lines), context)
        if self.site_url:
            page = self._page_info(rendered, context)
            works = [json.loads(ref.csl) for ref in cited_references(self.md) if ref.csl]
            context.meta["head_tags"] = head_html(page, works, self._condition(context))
            rendered += "\n\n" + cite_this_page(page) + "\n"
        return rendered.split("\n")

    def _page_info(self, rendered: str, context: PageContext) -> PageInfo:
        subtype = self.pages._subtype(context.path, context)
        title = subtype.name if subtype else _first_title(rendered) or context.path
        return PageInfo(
            title=title,
            url=self.site_url.rstrip("/") + "/" + page_url(context.path, True),
            reviewed=self.pages._reviewed(context.path, context),
            site_name=self.site_name,
            site_url=self.site_url,
            editors=self.editors,
        )

    def _condition(self, context: PageContext) -> Condition | None:
        """What the page is about: its subtype, or the ``condition:`` of its front matter."""
        subtype = self.pages._subtype(context.path, context)
        if subtype is not None:
            return condition_of(subtype)
        value = front_matter(context.site.docs_dir / context.path).get("condition")
        if isinstance(value, dict) and value.get("name"):
            return Condition(str(value["name"]), code=str(value.get("icd10", "")))
        return None


def _first_title(markdown: str) -> str:
    line = next((x for x in markdown.split("\n") if x.startswith("# ")), "")
    return re.sub(r"[*_`]", "", line[2:]).strip()


def front_matter(file: Path) -> dict[str, Any]:
    """The YAML front matter of a page ({} if it has none or the engine will report it)."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return {}
    found = _FRONT_MATTER.match(text)
    if found is None:
        return {}
    try:
        meta = yaml.safe_load(found.group(1))
    except yaml.YAMLError:
        return {}
    return meta if isinstance(meta, dict) else {}


def typical_fact_problems(
    subtypes: Sequence[Subtype], evidence: Mapping[str, str]
) -> list[Problem]:
    """A warning for each fact presented as typical (age, sex, sites, associations) whose every
    source is a case report: one case tells what was reported, not what is typical."""
    problems = []
    for subtype in subtypes:
        for key in TYPICAL_FACTS:
            fact = subtype.facts.get(key)
            if fact is None or (fact.text or "").lower().startswith("reported"):
                continue
            cited = fact.all_citations
            if cited and all(evidence.get(k) == "case-report" for k in cited):
                line, col = subtype.positions.get(f"facts.{key}", (fact.line, 1))
                message = (
                    f"fact '{key}' is presented as typical, but every source cited for it is a "
                    f"case report ({', '.join(cited)})"
                )
                hint = "Word it 'Reported in …', or cite a review or a series that states it"
                problems.append(Problem(subtype.path, line, col, message, hint))
    return problems


def with_review_date(markdown: str, reviewed: str | None) -> str:
    """``markdown`` with "Last reviewed: <date>" under its first-level title (or first)."""
    if reviewed is None:
        return markdown
    day = datetime.date.fromisoformat(reviewed)
    line = (
        f'<p class="page-reviewed">Last reviewed: <time datetime="{reviewed}">'
        f"{day.day} {day:%B %Y}</time></p>"
    )
    lines = markdown.split("\n")
    at = next((i + 1 for i, text in enumerate(lines) if text.startswith("# ")), 0)
    return "\n".join([*lines[:at], "", line, "", *lines[at:]])


def _shown(path: Path, project: Path) -> str:
    try:
        return path.resolve().relative_to(project.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def makeExtension(**kwargs: Any) -> SubtypeExtension:
    return SubtypeExtension(**kwargs)
