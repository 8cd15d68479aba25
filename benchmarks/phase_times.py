"""Where one ``mkdocs build`` of a benchmark corpus spends its time, by phase, in this process.

    python benchmarks/phase_times.py benchmarks/.work/large --config mkdocs.baseline.yml
    python benchmarks/phase_times.py benchmarks/.work/large            # bibcite, warm

Wraps a few functions of MkDocs, Python-Markdown, Material's search plugin and bibcite in
timers (``time.perf_counter``; a profiler's overhead on 20 000 small calls would distort their
share) and prints each one's total time and number of calls. Times of nested phases overlap
(``Page.render`` includes ``md inline stage``). Run it for the baseline and for bibcite one
after the other, several times: the machine's speed drifts.
"""

from __future__ import annotations

import argparse
import collections
import functools
import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

TOTALS: collections.defaultdict[str, float] = collections.defaultdict(float)
CALLS: collections.Counter[str] = collections.Counter()


def timed(owner: Any, name: str, label: str) -> None:
    """Replace ``owner.name`` by a version that adds its time to ``TOTALS[label]``."""
    function: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            TOTALS[label] += time.perf_counter() - start
            CALLS[label] += 1

    setattr(owner, name, wrapper)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("project", type=Path)
    ap.add_argument("--config", default="mkdocs.yml")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    os.chdir(args.project)
    start = time.perf_counter()
    import jinja2
    import markdown.treeprocessors
    from material.plugins.search.plugin import SearchPlugin  # type: ignore[import-untyped]
    from mkdocs import utils
    from mkdocs.commands import build
    from mkdocs.config import load_config
    from mkdocs.structure.pages import Page

    timed(build, "_populate_page", "pages converted (_populate_page)")
    timed(Page, "render", "· Markdown conversion (Page.render)")
    timed(markdown.treeprocessors.InlineProcessor, "run", "·· md inline stage")
    timed(build, "_build_page", "pages written (_build_page)")
    timed(jinja2.Template, "render", "· Jinja")
    timed(utils, "write_file", "· files written")
    timed(SearchPlugin, "on_page_context", "· search indexing")
    if args.config == "mkdocs.yml":
        from bibcite import engine, mkdocs_site, plugin, syntax

        timed(syntax._CitationTree, "run", "·· bibcite tree processor")
        timed(plugin.BibcitePlugin, "on_page_context", "· bibcite on_page_context")
        timed(plugin.BibcitePlugin, "on_post_page", "· bibcite on_post_page")
        timed(engine.CitationEngine, "finish_page", "·· rendering a page's citations")
        timed(mkdocs_site.Bibliography, "finish", "·· bibliography pages")
        events = ("on_config", "on_files", "on_page_markdown", "on_page_content", "on_env")
        for event in (*events, "on_post_build"):  # on_post_build: waits for a worker, if any
            timed(plugin.BibcitePlugin, event, f"bibcite {event}")
    config = load_config(args.config)
    with tempfile.TemporaryDirectory() as site:
        config["site_dir"] = site
        loaded = time.perf_counter()
        build.build(config)
        end = time.perf_counter()
    print(f"{'build (after imports and config)':40s} {end - loaded:7.3f} s")
    print(f"{'imports and config':40s} {loaded - start:7.3f} s")
    for label, seconds in sorted(TOTALS.items(), key=lambda item: -item[1]):
        print(f"{label:40s} {seconds:7.3f} s  {CALLS[label]:6d} calls")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
