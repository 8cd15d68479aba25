"""Lighthouse scores of every page of the built site, served compressed (``make lighthouse``).

Usage: ``python -m benchmarks.lighthouse [SITE_DIR] [--pages N] [--runs N]
[--cpu-slowdown auto|X] [--json OUT]``

Serves ``SITE_DIR`` (default ``site``) under ``/calcinosis-cutis/`` on 127.0.0.1 with text files
gzip-compressed, as static hosts serve them, and runs the npm ``lighthouse`` package
(``benchmarks/lighthouse``, pinned) with Debian's chromium on each page, with Lighthouse's
mobile settings (simulated slow 4G and a slower CPU). Prints the four category scores per page
(the median of ``--runs`` runs, 3 by default: Lighthouse's docs/variability.md advises several
runs, one score being noisy) and the lowest of each.

The CPU slowdown is relative to the host. Lighthouse's default, 4x, turns a high-end desktop
into a mid-tier phone; on a slower host it models a slower phone. 4x is the default here too.
``auto`` reads the host's ``benchmarkIndex`` from a first run and takes the multiplier that
Lighthouse's docs/throttling.md ("Calibrating the CPU slowdown") gives for a mid-tier phone from
that host class: 4x from 1500 (high-end desktop), 2x from 800 (low-end desktop, high-end
mobile), 1x below.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from calcinosis_site.serve import serve

HERE = Path(__file__).resolve().parent
LIGHTHOUSE = HERE / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def pages(site: Path) -> list[str]:
    """Every page's URL path below the site's root (``""``, ``subtypes/dystrophic/``)."""
    out = []
    for index in sorted(site.rglob("index.html")):
        rel = index.parent.relative_to(site).as_posix()
        out.append("" if rel == "." else rel + "/")
    return out


def run(url: str, chromium: str, work: Path, slowdown: float) -> dict[str, Any]:
    """One Lighthouse report (JSON) of ``url``."""
    report = work / "report.json"
    subprocess.run(
        [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
         f"--chrome-path={chromium}", "--only-categories=" + ",".join(CATEGORIES),
         f"--throttling.cpuSlowdownMultiplier={slowdown:g}",
         "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
        check=True, env={**os.environ, "CHROME_PATH": chromium},
    )  # fmt: skip
    report_data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return report_data


def score(url: str, chromium: str, work: Path, slowdown: float, runs: int) -> dict[str, int]:
    """Each category's median score over ``runs`` runs."""
    reports = [run(url, chromium, work, slowdown) for _ in range(runs)]
    return {
        c: round(statistics.median(r["categories"][c]["score"] for r in reports) * 100)
        for c in CATEGORIES
    }


def calibrated_slowdown(benchmark_index: float) -> float:
    """The CPU multiplier for a mid-tier phone from a host of this ``benchmarkIndex``
    (Lighthouse's docs/throttling.md, its tables of device classes and multipliers)."""
    return 4.0 if benchmark_index >= 1500 else 2.0 if benchmark_index >= 800 else 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", nargs="?", default="site", type=Path)
    parser.add_argument("--pages", type=int, default=0, help="only the first N pages")
    parser.add_argument("--runs", type=int, default=3, help="runs per page (median)")
    parser.add_argument("--cpu-slowdown", default="4", help="a multiplier (Lighthouse's 4) or auto")
    parser.add_argument("--json", type=Path, help="also write the scores here")
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not LIGHTHOUSE.exists():
        print(f"{LIGHTHOUSE} is missing: run `make lighthouse`", file=sys.stderr)
        return 2
    paths = pages(args.site)[: args.pages or None]
    results: dict[str, dict[str, int]] = {}
    with serve(args.site, compress=True) as served, tempfile.TemporaryDirectory() as tmp:
        if args.cpu_slowdown == "auto":
            index = run(served.base_url, chromium, Path(tmp), 4)["environment"]["benchmarkIndex"]
            slowdown = calibrated_slowdown(index)
            print(f"host benchmarkIndex {index:.0f}: CPU slowdown {slowdown:g}x", flush=True)
        else:
            slowdown = float(args.cpu_slowdown)
        for path in paths:
            shown = path or "/"
            results[shown] = score(served.base_url + path, chromium, Path(tmp), slowdown, args.runs)
            print(
                f"{shown:45} " + " ".join(f"{results[shown][c]:>4}" for c in CATEGORIES), flush=True
            )
    print(
        f"{'lowest':45} "
        + " ".join(f"{min(r[c] for r in results.values()):>4}" for c in CATEGORIES)
    )
    print(f"{'':45} " + " ".join(f"{c[:4]:>4}" for c in CATEGORIES))
    if args.json:
        summary = {"cpu_slowdown": slowdown, "runs": args.runs, "pages": results}
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
