"""Regenerate the README screenshots: a subtype page in the light and the dark palette.

Usage: ``PYTHONPATH=tests python -m browser.screenshots [OUT_DIR] [--page subtypes/dystrophic/]``
(``make screenshots``). Builds the hosted site into a temporary folder, serves it under the
sub-path and photographs the page's top at 1200x900 with Debian's chromium.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from calcinosis_site.serve import serve

from .browser_support import SUB_PATH, launch_chromium, open_page
from .site_outputs import BuildError, build_hosted

REPO_ROOT = Path(__file__).resolve().parents[2]
SIZE = {"width": 1200, "height": 900}
SCHEMES = {"light": "subtype-light.png", "dark": "subtype-dark.png"}


def take(out_dir: Path, page_path: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        site_dir = build_hosted(REPO_ROOT, Path(tmp) / "site")
        if not (site_dir / page_path / "index.html").is_file():
            raise BuildError(f"no page {page_path!r} in the build")
        with serve(site_dir, SUB_PATH) as served, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            for scheme, name in SCHEMES.items():
                context = browser.new_context(
                    viewport=SIZE,  # type: ignore[arg-type]
                    color_scheme=scheme,  # type: ignore[arg-type]
                    device_scale_factor=1,
                )
                page = context.new_page()
                open_page(page, served.base_url + page_path)
                page.mouse.move(0, 0)
                target = out_dir / name
                page.screenshot(path=str(target), animations="disabled", caret="hide")
                written.append(target)
                context.close()
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out_dir", nargs="?", type=Path, default=Path(".github/screenshots"))
    parser.add_argument("--page", default="subtypes/dystrophic/", help="page path in the site")
    args = parser.parse_args(argv)
    try:
        for path in take(args.out_dir, args.page.strip("/") + "/"):
            print(f"screenshots: wrote {path}")
    except BuildError as exc:
        print(f"screenshots: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
