"""Profile one ``mkdocs build`` of a benchmark corpus with cProfile, in this process.

    python benchmarks/profile_build.py benchmarks/.work/middle [--cold] [--top 30]

Prints the build's wall time, then the top functions by cumulative time and by own time, and
the plugin's own functions (``bibcite`` modules) by cumulative time. Saves ``build.prof``
beside the corpus for ``python -m pstats`` or snakeviz.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("project", type=Path)
    ap.add_argument("--config", default="mkdocs.yml")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--filter", default="plugins/bibcite/", help="regex (on full paths) for the "
                    "third listing")  # fmt: skip
    ap.add_argument("--cold", action="store_true", help="delete .cache/ first (no warm cache)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    os.chdir(args.project)
    if args.cold:
        shutil.rmtree(".cache", ignore_errors=True)
    site_dir = tempfile.mkdtemp(prefix="bench-profile-")
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    config = load_config(config_file=args.config, site_dir=site_dir)
    config.plugins.on_startup(command="build", dirty=False)
    build(config)
    profiler.disable()
    wall = time.perf_counter() - t0
    shutil.rmtree(site_dir, ignore_errors=True)
    profiler.dump_stats("build.prof")
    print(f"build (under cProfile): {wall:.2f} s; profile saved to {args.project / 'build.prof'}")
    for title, key, restrict in (
        ("cumulative", "cumulative", ()),
        ("own time", "tottime", ()),
        (f"cumulative, {args.filter}", "cumulative", (args.filter,)),
    ):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        if not restrict:
            stats.strip_dirs()
        stats.sort_stats(key)
        stats.print_stats(*restrict, args.top)
        body = out.getvalue()
        start = body.find("   ncalls")
        print(f"\n--- top {args.top} by {title} ---")
        print(body[start:] if start >= 0 else body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
