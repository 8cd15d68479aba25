"""The two outputs of ``make site`` as files: configs, zip, hosting features, nothing external.

These need the real builds (session fixtures) but no browser.
"""

from __future__ import annotations

import html.parser
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from calcinosis_site.offline_zip import DIR_MODE, FILE_MODE, build_zip, zip_date_time

from .site_outputs import Outputs

pytestmark = pytest.mark.slow

SHIM = "assets/javascripts/iframe-worker/shim.js"


def load_yaml(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
    return data


def plugin_entries(config: dict[str, Any]) -> dict[str, Any]:
    """``plugins:`` as {name: options}, whichever YAML form it is written in."""
    plugins = config.get("plugins", [])
    if isinstance(plugins, dict):
        return dict(plugins)
    out: dict[str, Any] = {}
    for item in plugins:
        if isinstance(item, str):
            out[item] = None
        else:
            out.update(item)
    return out


# --- configuration ---------------------------------------------------------------------------


def test_offline_config_restates_the_hosted_lists(project_dir: Path) -> None:
    hosted = load_yaml(project_dir / "mkdocs.yml")
    offline = load_yaml(project_dir / "mkdocs.offline.yml")
    assert offline["INHERIT"] == "mkdocs.yml"
    assert offline["use_directory_urls"] is False

    features = [f for f in hosted["theme"]["features"] if f != "navigation.instant"]
    assert "navigation.instant" in hosted["theme"]["features"]
    assert offline["theme"]["features"] == features, "offline features drifted from mkdocs.yml"

    hosted_plugins = plugin_entries(hosted)
    offline_plugins = plugin_entries(offline)
    assert offline_plugins.pop("offline", "missing") is None, "offline plugin not enabled"
    assert offline_plugins == hosted_plugins, "plugins (bibcite config) drifted from mkdocs.yml"

    polyfills = offline["extra"]["polyfills"]
    assert polyfills == [SHIM]


def test_npm_dependencies_are_pinned(project_dir: Path) -> None:
    package = json.loads((project_dir / "package.json").read_text("utf-8"))
    lock = json.loads((project_dir / "package-lock.json").read_text("utf-8"))
    deps = {**package.get("dependencies", {}), **package.get("devDependencies", {})}
    assert {"iframe-worker", "axe-core"} <= deps.keys()
    for name, version in deps.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} {version!r} is not pinned"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


# --- offline bundle --------------------------------------------------------------------------


def test_offline_build_carries_local_shim_and_no_source_maps(outputs: Outputs) -> None:
    root = outputs.offline_build
    assert (root / SHIM).is_file()
    assert (root / "search" / "search_index.js").is_file()
    assert not list(root.rglob("*.map"))
    assert not (root / "404.html").exists()
    for path in [*root.rglob("*.js"), *root.rglob("*.css")]:
        assert "sourceMappingURL" not in path.read_text("utf-8"), path
    for page in root.rglob("*.html"):
        text = page.read_text("utf-8")
        depth = len(page.relative_to(root).parts) - 1
        assert f'<script src="{"../" * depth}{SHIM}"></script>' in text, page
        assert "unpkg.com" not in text and "navigation.instant" not in text, page


def test_offline_zip_is_reproducible(outputs: Outputs, tmp_path: Path) -> None:
    epoch = 1700000000
    a, b = tmp_path / "a" / "x.zip", tmp_path / "b" / "x.zip"
    build_zip(outputs.offline_build, a, epoch)
    (outputs.offline_build / "index.html").touch()  # mtimes must not matter
    build_zip(outputs.offline_build, b, epoch)
    assert a.read_bytes() == b.read_bytes()
    assert build_zip(outputs.offline_build, b, epoch + 2) and a.read_bytes() != b.read_bytes()


def test_offline_zip_entries(outputs: Outputs) -> None:
    with zipfile.ZipFile(outputs.offline_zip) as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        assert names[0] == "calcinosis-cutis-offline/"
        assert all(n.startswith("calcinosis-cutis-offline/") for n in names)
        assert "calcinosis-cutis-offline/index.html" in names
        assert f"calcinosis-cutis-offline/{SHIM}" in names
        assert names == sorted(names, key=lambda n: n.removesuffix("/"))
        assert len({i.date_time for i in infos}) == 1
        for info in infos:
            mode = info.external_attr >> 16
            assert mode == (DIR_MODE if info.is_dir() else FILE_MODE), info.filename
        assert archive.testzip() is None


def test_source_date_epoch_sets_the_zip_time(
    outputs: Outputs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from calcinosis_site.offline_zip import main

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    out = tmp_path / "calcinosis-cutis-offline.zip"
    assert main([str(outputs.offline_build), str(out)]) == 0
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as archive:
        assert {i.date_time for i in archive.infolist()} == {zip_date_time(1600000000)}


# --- hosted site -----------------------------------------------------------------------------


def test_hosted_site_features(outputs: Outputs, project_dir: Path) -> None:
    root = outputs.hosted
    site_url = load_yaml(project_dir / "mkdocs.yml")["site_url"]
    assert site_url.endswith("/") and site_url.count("/") > 3, "site_url should keep a sub-path"
    assert (root / "404.html").is_file()
    assert (root / "sitemap.xml").is_file()
    sitemap = (root / "sitemap.xml").read_text("utf-8")
    pages = sorted(p for p in root.rglob("index.html"))
    assert len(pages) > 1
    for page in pages:
        rel = page.relative_to(root).as_posix().removesuffix("index.html")
        url = site_url + rel
        text = page.read_text("utf-8")
        assert f'<link rel="canonical" href="{url}">' in text, page
        assert f"<loc>{url}</loc>" in sitemap, url
        assert '"navigation.instant"' in text, page
    stray = [p for p in root.rglob("*.html") if p.name not in ("index.html", "404.html")]
    assert not stray, f"pages not built with directory URLs: {stray}"


# --- nothing leaves the site -----------------------------------------------------------------

LOADING_RELS = {
    "stylesheet",
    "preload",
    "prefetch",
    "modulepreload",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "manifest",
    "preconnect",
    "dns-prefetch",
}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)


class _Loads(html.parser.HTMLParser):
    """URLs an HTML page makes the browser fetch (not links a reader may click)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "link" and set(a.get("rel", "").lower().split()) & LOADING_RELS:
            self.urls.append(a.get("href", ""))
        for attr in ("src", "data", "poster"):
            if attr in a and tag in (
                "script",
                "img",
                "iframe",
                "source",
                "video",
                "audio",
                "embed",
                "object",
                "track",
                "input",
            ):
                self.urls.append(a[attr])
        if "srcset" in a:
            self.urls += [part.split()[0] for part in a["srcset"].split(",") if part.strip()]
        if "style" in a:
            self.urls += [m[0] or m[1] for m in CSS_URL.findall(a["style"])]
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            self.urls.append(a.get("content", "").partition("url=")[2])
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls += [m[0] or m[1] for m in CSS_URL.findall(data)]


def external_loads(root: Path) -> list[str]:
    found = []
    for page in sorted(root.rglob("*.html")):
        parser = _Loads()
        parser.feed(page.read_text("utf-8"))
        found += [f"{page.relative_to(root)}: {u}" for u in parser.urls if EXTERNAL.match(u)]
    for css in sorted(root.rglob("*.css")):
        for m in CSS_URL.findall(css.read_text("utf-8")):
            url = m[0] or m[1]
            if EXTERNAL.match(url):
                found.append(f"{css.relative_to(root)}: {url}")
    return found


#: External URLs in material's JavaScript bundle, each used only under a condition this site
#: never meets (checked below). Anything else found in the shipped JavaScript fails the test.
CONDITIONAL_JS_URLS = {
    "https://unpkg.com/mermaid": "only when a page holds a mermaid diagram",
    "https://unpkg.com/resize-observer-polyfill": "only in browsers without ResizeObserver",
    "https://api.github.com/repos/": "only with repo_url set (repository facts)",
    "https://api.github.com/users/": "only with repo_url set (repository facts)",
}
#: URL string literals (licence comments name project pages; those are never fetched).
JS_URL = re.compile(r"""(?<=["'`])https?://[A-Za-z0-9.-]+(?:/[A-Za-z0-9._~/-]*)?""")


@pytest.mark.parametrize("kind", ["hosted", "offline"])
def test_nothing_loads_from_outside(outputs: Outputs, project_dir: Path, kind: str) -> None:
    root = outputs.hosted if kind == "hosted" else outputs.offline_build
    assert not external_loads(root)

    unexpected = set()
    for js in root.rglob("*.js"):
        if js.parent.name == "search" or js.name == "search_index.js":
            continue  # the search index is page text (reference URLs), not code
        for url in JS_URL.findall(js.read_text("utf-8")):
            if not any(url.startswith(known) for known in CONDITIONAL_JS_URLS):
                unexpected.add(f"{js.relative_to(root)}: {url}")
    assert not unexpected, sorted(unexpected)

    config = load_yaml(project_dir / "mkdocs.yml")
    assert not config.get("repo_url"), "repo_url makes material fetch from api.github.com"
    assert "analytics" not in config.get("extra", {}), "no analytics"
    for page in root.rglob("*.html"):
        text = page.read_text("utf-8")
        assert 'class="mermaid"' not in text, f"{page}: mermaid would load from unpkg.com"
        assert "googletagmanager" not in text and "google-analytics" not in text, page
