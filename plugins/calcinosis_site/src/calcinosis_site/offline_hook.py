"""MkDocs hook for the offline build (``hooks:`` in ``mkdocs.offline.yml``).

Material's ``offline`` plugin makes search work from ``file://`` with the iframe-worker shim,
but by default it loads that shim from unpkg.com at view time. ``mkdocs.offline.yml`` lists a
local copy in ``extra.polyfills`` instead (the plugin then adds no CDN URL), and this hook puts
that file into the build, copied from the npm package pinned in ``package-lock.json``
(``make node_modules``). It also removes what the offline bundle must not carry: source maps,
the server-only ``404.html`` and sitemaps, the search index's JSON copy (the offline plugin's
``search_index.js`` is the one read from ``file://``) and the search languages the site does not
use (Thai word segmentation alone is 677 KB).
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


#: Lunr's language support, under ``assets/javascripts/lunr``: what any language but English
#: needs, and the extra file some need (Material's search worker loads these by name).
LUNR_DIR = Path("assets", "javascripts", "lunr")
LUNR_SHARED = ("min/lunr.stemmer.support.min.js", "min/lunr.multi.min.js")
LUNR_EXTRA = {"ja": "tinyseg.js", "th": "wordcut.js"}


def lunr_files_needed(languages: list[str]) -> set[str]:
    """The files under :data:`LUNR_DIR` that search in ``languages`` loads."""
    others = [lang for lang in languages if lang != "en"]
    if not others:
        return set()
    needed = set(LUNR_SHARED)
    for lang in others:
        needed.add(f"min/lunr.{lang}.min.js")
        if lang in LUNR_EXTRA:
            needed.add(LUNR_EXTRA[lang])
    return needed


def remove_unused_search_files(site_dir: Path, languages: list[str]) -> list[str]:
    """Delete the JSON copy of the search index and the lunr files no language of the site
    needs; return what was deleted (relative paths)."""
    removed = []
    index_json = site_dir / "search" / "search_index.json"
    if (site_dir / "search" / "search_index.js").is_file() and index_json.is_file():
        index_json.unlink()
        removed.append("search/search_index.json")
    lunr = site_dir / LUNR_DIR
    needed = lunr_files_needed(languages)
    for path in sorted(lunr.rglob("*.js")) if lunr.is_dir() else []:
        name = path.relative_to(lunr).as_posix()
        if name not in needed:
            path.unlink()
            removed.append((LUNR_DIR / name).as_posix())
    return removed


def search_languages(config: MkDocsConfig) -> list[str]:
    """The languages of the search plugin (its ``lang``, else the theme's language)."""
    search = config.plugins.get("material/search") or config.plugins.get("search")
    lang = getattr(search, "config", {}).get("lang") if search is not None else None
    if not lang:
        lang = [config.theme.get("language", "en")]
    return [str(x) for x in lang] if isinstance(lang, list) else [str(lang)]


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
    remove_unused_search_files(site_dir, search_languages(config))
