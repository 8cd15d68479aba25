"""Session fixtures: build both outputs for real, serve/unzip them, drive Debian's chromium.

The outputs are built into a temporary folder with the same steps as ``make site``
(``mkdocs build --strict`` for mkdocs.yml and mkdocs.offline.yml, then the zip module); nothing
depends on an earlier ``make site``. The hosted site is served under a sub-path
(``http://127.0.0.1:PORT/calcinosis-cutis/``); the offline zip is unpacked and opened from
``file://``. ``SITE_PROJECT_DIR`` may point the suite at another project folder (development).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from calcinosis_site.offline_zip import OfflineZipError
from calcinosis_site.serve import serve

from .browser_support import SUB_PATH, VIEWPORT, Site, Watch, launch_chromium
from .site_outputs import BuildError, Outputs, build_all

KINDS = ("hosted", "offline")


@pytest.fixture(scope="session")
def project_dir(repo_root: Path) -> Path:
    return Path(os.environ.get("SITE_PROJECT_DIR", repo_root)).resolve()


@pytest.fixture(scope="session")
def outputs(project_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    work = tmp_path_factory.mktemp("site-build")
    try:
        return build_all(project_dir, work)
    except (BuildError, OfflineZipError) as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def unzipped(outputs: Outputs, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The offline zip unpacked into a fresh folder; returns the folder holding index.html."""
    target = tmp_path_factory.mktemp("unzipped")
    with zipfile.ZipFile(outputs.offline_zip) as archive:
        archive.extractall(target)
    (top,) = [p for p in target.iterdir() if p.is_dir()]
    return top


@pytest.fixture(scope="session")
def sites(outputs: Outputs, unzipped: Path) -> Iterator[dict[str, Site]]:
    with serve(outputs.hosted, SUB_PATH) as served:
        yield {
            "hosted": Site("hosted", outputs.hosted, served.base_url),
            "offline": Site("offline", unzipped, unzipped.as_uri() + "/"),
        }


@pytest.fixture(params=KINDS)
def site(request: pytest.FixtureRequest, sites: dict[str, Site]) -> Site:
    """Each test taking ``site`` runs against both outputs."""
    return sites[request.param]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def watch(site: Site) -> Watch:
    return Watch(site)


@pytest.fixture
def context(browser: Browser, watch: Watch) -> Iterator[BrowserContext]:
    """A fresh browser profile that records console errors and blocks requests leaving the site."""
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    watch.attach(context)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
