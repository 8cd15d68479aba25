"""ProperDocs (the maintained fork of MkDocs 1.x) builds the real site strictly.

In a file of its own, so that pytest-xdist runs it beside the other slow tests: most of its
time is pip's."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO, build, citations, copy_project

pytestmark = pytest.mark.slow
#: What ProperDocs' build needs besides itself, at this project's pinned versions.
PROPERDOCS_PINS = {"mkdocs-material", "pymdown-extensions", "pybtex", "markdown", "pyyaml"}
#: pip in a fresh virtual environment: no byte-compiling of what it installs (pip's slowest
#: step here), no check for a newer pip.
PIP = ["-m", "pip", "install", "-q", "--no-compile", "--disable-pip-version-check"]


def test_properdocs_builds_the_site_strictly_with_the_same_citations(
    tmp_path: Path,
) -> None:
    """ProperDocs (the maintained fork of MkDocs 1.x, which keeps the plugin API) builds the
    real site from the same configuration, with the same citations as MkDocs."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    bin_dir = venv / ("Scripts" if sys.platform == "win32" else "bin")
    packages = []
    for name in ("bibcite", "calcinosis_site"):  # copies: pip builds in the source folder
        shutil.copytree(REPO / "plugins" / name, tmp_path / name)
        packages.append(str(tmp_path / name))
    pins = [line for line in (REPO / "requirements.lock").read_text("utf-8").splitlines()
            if line.split("==")[0].lower() in PROPERDOCS_PINS]  # fmt: skip
    pip = subprocess.run(
        [str(bin_dir / "python"), *PIP, "properdocs==1.6.7", *pins, *packages],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert pip.returncode == 0, pip.stdout + pip.stderr
    project = copy_project(tmp_path / "project")
    done = subprocess.run(
        [str(bin_dir / "properdocs"), "build", "--strict", "-f", "mkdocs.yml"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    mkdocs = build(copy_project(tmp_path / "mkdocs"))
    assert mkdocs.returncode == 0, mkdocs.output
    mkdocs_site = mkdocs.site
    for page in ("index.html", "subtypes/dystrophic/index.html", "references/index.html"):
        expected = citations((mkdocs_site / page).read_text(encoding="utf-8"))
        got = citations((project / "site" / page).read_text(encoding="utf-8"))
        assert got == expected, page
