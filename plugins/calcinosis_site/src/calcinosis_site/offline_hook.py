"""MkDocs hook for the offline build (``hooks:`` in ``mkdocs.offline.yml``).

Material's ``offline`` plugin makes search work from ``file://`` with the iframe-worker shim,
but by default it loads that shim from unpkg.com at view time. ``mkdocs.offline.yml`` lists a
local copy in ``extra.polyfills`` instead (the plugin then adds no CDN URL), and this hook puts
that file into the build, copied from the npm package pinned in ``package-lock.json``
(``make node_modules``). It also removes what the offline bundle must not carry: source maps
and the server-only ``404.html`` and sitemaps.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs.exceptions import PluginError

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

#: The shim as published on npm (what ``https://unpkg.com/iframe-worker/shim`` resolves to).
SHIM_SOURCE = Path("node_modules", "iframe-worker", "shim", "index.js")

#: Files that only make sense on a web server.
SERVER_ONLY = ("404.html", "sitemap.xml", "sitemap.xml.gz")

_SOURCE_MAP_COMMENT = re.compile(
    r"\n?(?://[#@] sourceMappingURL=[^\n]*|/\*[#@] sourceMappingURL=[^*]*\*/)[ \t]*(?=\n|$)"
)


def shim_destination(config: MkDocsConfig) -> str:
    """The single ``extra.polyfills`` entry naming the iframe-worker shim (a relative path)."""
    polyfills = config.extra.get("polyfills") or []
    shims = [str(p) for p in polyfills if "iframe-worker" in str(p)]
    if len(shims) != 1:
        raise PluginError(
            f"offline build: expected exactly one iframe-worker entry in extra.polyfills, "
            f"found {shims!r}. List the local copy, e.g. "
            f"'assets/javascripts/iframe-worker/shim.js'"
        )
    shim = shims[0]
    if "://" in shim or shim.startswith("/"):
        raise PluginError(
            f"offline build: extra.polyfills entry {shim!r} must be a relative path inside "
            f"the site, never a CDN URL"
        )
    return shim


def copy_shim(project_dir: Path, site_dir: Path, destination: str) -> Path:
    """Copy the npm-installed shim to ``site_dir/destination``; return the written path."""
    source = project_dir / SHIM_SOURCE
    if not source.is_file():
        raise PluginError(
            f"offline build: {source} is missing. Install the pinned npm packages first: "
            f"`make node_modules` (runs `npm ci`)"
        )
    target = site_dir / destination
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def strip_source_maps(site_dir: Path) -> list[Path]:
    """Delete ``*.map`` files and the ``sourceMappingURL`` comments pointing at them."""
    removed = sorted(site_dir.rglob("*.map"))
    for path in removed:
        path.unlink()
    for path in sorted([*site_dir.rglob("*.js"), *site_dir.rglob("*.css")]):
        text = path.read_text(encoding="utf-8")
        stripped = _SOURCE_MAP_COMMENT.sub("", text)
        if stripped != text:
            path.write_text(stripped, encoding="utf-8")
    return removed


def remove_server_only(site_dir: Path) -> None:
    """Remove pages that only work on a server (404.html uses absolute site_url paths)."""
    for name in SERVER_ONLY:
        (site_dir / name).unlink(missing_ok=True)


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    # Fail early, before the build, if the polyfill entry is wrong.
    shim_destination(config)
    if "navigation.instant" in config.theme.get("features", []):
        raise PluginError("offline build: navigation.instant needs a server; remove it")
    return config


def on_post_build(config: MkDocsConfig) -> None:
    project_dir = Path(config.config_file_path).resolve().parent
    site_dir = Path(config.site_dir)
    copy_shim(project_dir, site_dir, shim_destination(config))
    strip_source_maps(site_dir)
    remove_server_only(site_dir)
