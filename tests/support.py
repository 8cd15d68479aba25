"""Helpers shared by the tests: fixture mini-sites, real strict builds, golden files."""

from __future__ import annotations

import difflib
import io
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import markdown
import markdown.extensions
import pytest

from bibcite.syntax import CitationGroup, register_syntax

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
GOLDEN = TESTS / "golden"
MKDOCS = Path(sys.executable).parent / "mkdocs"


@dataclass(frozen=True)
class Build:
    """A finished ``mkdocs build --strict``: exit code, combined output, the site directory."""

    returncode: int
    output: str
    site: Path

    def page(self, path: str) -> str:
        return (self.site / path).read_text(encoding="utf-8")

    def article(self, path: str) -> str:
        """The page's main content (what the Markdown became), without the theme around it."""
        html = self.page(path)
        start = html.index('<article class="md-content__inner md-typeset">')
        return html[start : html.index("</article>", start)]


#: What a build of the real project reads (node_modules aside: only the offline build needs it).
PROJECT_SOURCES = (
    "mkdocs.yml",
    "mkdocs.offline.yml",
    "zensical.yml",
    "bibliography.bib",
    "docs",
    "overrides",
    "plugins",
)


def copy_project(dest: Path) -> Path:
    """A copy of the real project's sources at ``dest``, to build or modify in a test."""
    dest.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".cache", ".bibcite_cache")
    for name in PROJECT_SOURCES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        else:
            shutil.copy2(src, dest / name)
    return dest


def copy_site(name: str, dest: Path) -> Path:
    """A fresh copy of ``tests/fixtures/sites/<name>`` to modify in a test."""
    target = dest / name
    shutil.copytree(FIXTURES / "sites" / name, target)
    return target


def bulk_entries(count: int, prefix: str = "bulk") -> str:
    """``count`` small ``@article`` entries, keyed ``<prefix>0``, ``<prefix>1``...: from
    ``bibcite.site.WORKER_MIN_ENTRIES`` on, enough for a cold build to parse the .bib in a
    worker process."""
    return "".join(
        f"\n@article{{{prefix}{i},\n  author = {{Bulk, B.}},\n  title = {{Study {i}}},\n"
        f"  journal = {{J}},\n  year = {{2000}},\n}}\n"
        for i in range(count)
    )


def build(project: Path, *extra: str, strict: bool = True) -> Build:
    """Run the real ``mkdocs build --strict`` (CLI, as a user would) on a project directory
    (without ``--strict`` for a benchmark corpus, whose .bib has entries no page cites)."""
    site = project / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [str(MKDOCS), "build", *(["--strict"] if strict else []), "-d", str(site), *extra],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    return Build(proc.returncode, proc.stdout + proc.stderr, site)


def build_here(project: Path, strict: bool = True) -> Build:
    """``mkdocs build`` run in this process, as the CLI runs it (``load_config``, the plugins'
    start-up and shut-down, ``build``), with MkDocs' log as the CLI prints it: the same
    messages as :func:`build`, without a new interpreter and its imports for each build."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    site = project / "site"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)-8s-  %(message)s"))
    logger = logging.getLogger("mkdocs")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    returncode = 0
    try:
        config = load_config(str(project / "mkdocs.yml"), site_dir=str(site), strict=strict)
        config.plugins.on_startup(command="build", dirty=False)
        try:
            mkdocs_build(config)
        finally:
            config.plugins.on_shutdown()
    except MkDocsException as exc:  # what the CLI reports as "Aborted ..." or a config error
        stream.write(f"\n{exc}\n")
        returncode = 1
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return Build(returncode, stream.getvalue(), site)


def assert_golden(name: str, actual: str, directory: Path = GOLDEN) -> None:
    """Compare with ``<directory>/<name>``, failing with a unified diff; ``UPDATE_GOLDEN=1``
    rewrites the file instead."""
    path = directory / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"{path} (expected)",
                tofile="rendered (actual)",
            )
        )
        pytest.fail(
            f"{name} differs from the golden file (UPDATE_GOLDEN=1 regenerates it):\n{diff}",
            pytrace=False,
        )


def normalise_html(html: str) -> str:
    """Trailing spaces and runs of blank lines (theme template noise) removed."""
    lines = [line.rstrip() for line in html.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


#: The Markdown extensions of the fixture sites that matter to citations.
MARKDOWN_EXTENSIONS = [
    "footnotes",
    "tables",
    "admonition",
    "md_in_html",
    "pymdownx.superfences",
    "toc",
]


class RecordingHandler:
    """A citation handler that records the groups and renders each as ``<cite>{text}</cite>``
    (``{index}`` in ``text`` becomes the group's number), so tests see the parser alone."""

    references_title = "References"

    def __init__(self, text: str = "#{index}") -> None:
        self.text = text
        self.groups: list[CitationGroup] = []
        self.unrendered: list[str] = []

    def report_unrendered(self, raws: Sequence[str]) -> None:
        self.unrendered = list(raws)

    def render_groups(self, groups: Sequence[CitationGroup]) -> list[str]:
        self.groups = list(groups)
        return [f"<cite>{self.text.format(index=g.index)}</cite>" for g in groups]

    def reference_list(self) -> str | None:
        return None

    def bibliography(self) -> str:
        return "<ol class='bibliography'></ol>"


class Recording(markdown.extensions.Extension):
    def __init__(self, handler: RecordingHandler) -> None:
        super().__init__()
        self.handler = handler

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        register_syntax(md, self.handler)


def convert(text: str, handler: RecordingHandler | None = None) -> tuple[list[CitationGroup], str]:
    """Markdown to HTML with the citation syntax; the groups found, and the HTML."""
    handler = handler or RecordingHandler()
    md = markdown.Markdown(extensions=[Recording(handler), *MARKDOWN_EXTENSIONS])
    html = md.convert(text)
    return handler.groups, html


def edit_project(
    project: Path,
    write: Mapping[str, str | bytes] = {},
    append: Mapping[str, str] = {},
    replace: Sequence[tuple[str, str, str]] = (),
    delete: Sequence[str] = (),
) -> None:
    """Change a copied fixture site: write whole files, append to them, replace a text once
    (which must be there), delete files."""
    for name, content in write.items():
        target = project / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    for name, text in append.items():
        with (project / name).open("a", encoding="utf-8") as f:
            f.write(text)
    for name, old, new in replace:
        target = project / name
        text = target.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        target.write_text(text.replace(old, new, 1), encoding="utf-8")
    for name in delete:
        (project / name).unlink()


_GROUP = re.compile(
    r'<span class="citation(?: citation-error)?" id="(cite-\d+)"[^>]*>(.*?)</span>\]?'
)
_NUMBER = re.compile(r">([^<>]+)</a>")
_LISTED = re.compile(r'<li id="ref-([^"]+)" value="(\d+)">')
_CITED_ON = re.compile(r'class="cited-on-(?:page|spot)" href="([^"]+)"')


def citations(html: str) -> dict[str, list[object]]:
    """What a reader gets of a page's citations: each group's id and numbers, the reference
    list (key and number, in order) and the bibliography's "cited on" links."""
    main = html[html.index("<article") : html.index("</article>")]
    groups: list[object] = [(cid, _NUMBER.findall(body)) for cid, body in _GROUP.findall(main)]
    listed: list[object] = list(_LISTED.findall(main))
    return {"groups": groups, "listed": listed, "cited_on": list(_CITED_ON.findall(main))}
