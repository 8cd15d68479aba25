"""Measure a ``mkdocs serve`` rebuild after one page is edited, in one process.

Does what ``mkdocs serve`` does, without the HTTP server: ``load_config`` then
``plugins.on_startup(command="serve")`` once, then ``build`` for the first build and, after
appending a sentence to one page, ``load_config`` + ``build`` again. MkDocs keeps the instance
of a plugin that defines ``on_startup`` across those ``load_config`` calls, so the bibcite
plugin keeps its parsed bibliography and formatted references. Reports (JSON on stdout) the
time of each build and, for bibcite, how many times the .bib was parsed
(``Site.parsed``) and how many entries were formatted (``Site.formatted``) in each rebuild.

With ``--dirty``, as ``mkdocs serve --dirty`` does: ``on_startup(dirty=True)`` and dirty builds,
in which MkDocs converts and writes only the pages whose source is newer than their output (and
generated pages, such as the bibliography); bibcite takes what the other pages cite from the
build before.

Usage: ``python benchmarks/serve_rebuild.py PROJECT/mkdocs.yml [--page part-01/page-0001.md]
[--dirty]``. The edited page is restored afterwards. ``--profile FILE`` saves a cProfile of the
last rebuild (times under the profiler are longer).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig


def _counters(config: MkDocsConfig) -> dict[str, Any]:
    plugin = config.plugins.get("bibcite")
    if plugin is None:
        return {}
    out: dict[str, Any] = {"plugin_id": id(plugin)}
    site = getattr(plugin, "site_data", None)  # what the last build made of the sources
    if site is not None:
        out["bib_parsed"] = int(site.parsed)
        out["formatted"] = site.formatted
    return out


def measure(
    config_file: Path,
    page: str,
    rebuilds: int = 1,
    profile: Path | None = None,
    dirty: bool = False,
) -> dict[str, Any]:
    site_dir = tempfile.mkdtemp(prefix="bench-serve-")
    serve_url = "http://127.0.0.1:8000/bench/"

    def get_config() -> MkDocsConfig:
        config = load_config(config_file=str(config_file), site_dir=site_dir)
        config.site_url = serve_url
        return config

    config = get_config()
    config.plugins.on_startup(command="serve", dirty=dirty)
    t0 = time.perf_counter()
    build(config, serve_url=serve_url, dirty=dirty)
    first = time.perf_counter() - t0
    before = _counters(config)
    page_path = Path(config.docs_dir) / page
    original = page_path.read_bytes()
    results: list[dict[str, Any]] = []
    try:
        for i in range(rebuilds):
            page_path.write_bytes(original + f"\n\nAn edit made by the benchmark ({i}).\n".encode())
            config = get_config()
            profiler = cProfile.Profile() if profile and i == rebuilds - 1 else None
            t0 = time.perf_counter()
            if profiler:
                profiler.enable()
            build(config, serve_url=serve_url, dirty=dirty)
            if profiler and profile:
                profiler.disable()
                profiler.dump_stats(profile)
            seconds = time.perf_counter() - t0
            results.append({"seconds": seconds, "counters": _counters(config)})
    finally:
        page_path.write_bytes(original)
        shutil.rmtree(site_dir, ignore_errors=True)
    last = results[-1]["counters"] if results else before
    out: dict[str, Any] = {
        "config": str(config_file),
        "edited_page": page,
        "dirty": dirty,
        "first_build_s": first,
        "rebuild_s": [r["seconds"] for r in results],
        "counters_after_first": before,
        "counters_after_rebuilds": last,
        "same_plugin_instance": before.get("plugin_id") == last.get("plugin_id"),
    }
    if results and "bib_parsed" in last:
        out["bib_reparsed"] = sum(r["counters"]["bib_parsed"] for r in results)
        out["entries_reformatted"] = sum(r["counters"]["formatted"] for r in results)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("config", type=Path)
    ap.add_argument("--page", default="part-01/page-0001.md", help="page to edit, in docs/")
    ap.add_argument("--rebuilds", type=int, default=3)
    ap.add_argument("--profile", type=Path, help="cProfile the last rebuild into this file")
    ap.add_argument("--dirty", action="store_true", help="as `mkdocs serve --dirty`")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    os.chdir(args.config.resolve().parent)  # as `mkdocs serve` run from the project
    profile = args.profile.resolve() if args.profile else None
    result = measure(args.config.resolve(), args.page, args.rebuilds, profile, args.dirty)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
