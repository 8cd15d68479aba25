"""Lighthouse scores of every page of the built site, served compressed (``make lighthouse``).

Usage: ``python -m benchmarks.lighthouse [SITE_DIR] [--pages N] [--json OUT]``

Serves ``SITE_DIR`` (default ``site``) under ``/calcinosis-cutis/`` on 127.0.0.1 with text files
gzip-compressed, as static hosts serve them, and runs the npm ``lighthouse`` package
(``benchmarks/lighthouse``, pinned) with Debian's chromium on each page, with Lighthouse's
default mobile settings (simulated slow 4G and a slower CPU). Prints the four category
scores per page and the lowest of each.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

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


def score(url: str, chromium: str, work: Path) -> dict[str, int]:
    report = work / "report.json"
    subprocess.run(
        [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
         f"--chrome-path={chromium}", "--only-categories=" + ",".join(CATEGORIES),
         "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
        check=True, env={**os.environ, "CHROME_PATH": chromium},
    )  # fmt: skip
    data = json.loads(report.read_text(encoding="utf-8"))
    return {c: round(data["categories"][c]["score"] * 100) for c in CATEGORIES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", nargs="?", default="site", type=Path)
    parser.add_argument("--pages", type=int, default=0, help="only the first N pages")
    parser.add_argument("--json", type=Path, help="also write the scores here")
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not LIGHTHOUSE.exists():
        print(f"{LIGHTHOUSE} is missing: run `make lighthouse`", file=sys.stderr)
        return 2
    paths = pages(args.site)[: args.pages or None]
    results: dict[str, dict[str, int]] = {}
    with serve(args.site, compress=True) as served, tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            shown = path or "/"
            results[shown] = score(served.base_url + path, chromium, Path(tmp))
            print(
                f"{shown:45} " + " ".join(f"{results[shown][c]:>4}" for c in CATEGORIES), flush=True
            )
    print(
        f"{'lowest':45} "
        + " ".join(f"{min(r[c] for r in results.values()):>4}" for c in CATEGORIES)
    )
    print(f"{'':45} " + " ".join(f"{c[:4]:>4}" for c in CATEGORIES))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
