"""bibcite installed alone, in a fresh virtual environment, builds a site.

In a file of its own, so that pytest-xdist runs it beside the other slow tests: most of its
time is pip's."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO

pytestmark = pytest.mark.slow
#: pip in a fresh virtual environment: no byte-compiling of what it installs (pip's slowest
#: step here), no check for a newer pip.
PIP = ["-m", "pip", "install", "-q", "--no-compile", "--disable-pip-version-check"]


def test_bibcite_installs_and_works_alone(tmp_path: Path) -> None:
    """A fresh virtual environment with only bibcite (and MkDocs for its adapter) builds a
    minimal site strictly: the package needs nothing of this project."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    package = tmp_path / "bibcite"  # a copy: pip builds in the source folder
    shutil.copytree(REPO / "plugins" / "bibcite", package, ignore=shutil.ignore_patterns("build"))
    bin_dir = venv / ("Scripts" if sys.platform == "win32" else "bin")
    pip = subprocess.run(
        [str(bin_dir / "python"), *PIP, str(package), "mkdocs==1.6.1"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert pip.returncode == 0, pip.stdout + pip.stderr
    project = tmp_path / "site"
    (project / "docs").mkdir(parents=True)
    (project / "refs.bib").write_text(
        "@article{a1, author={Alpha, A.}, title={First}, journal={J}, year={2001}}\n", "utf-8"
    )
    (project / "docs" / "index.md").write_text("# Home\n\nA claim [@a1].\n", encoding="utf-8")
    (project / "docs" / "refs.md").write_text("# Works\n\n::bibliography::\n", encoding="utf-8")
    (project / "mkdocs.yml").write_text(
        "site_name: Alone\nmarkdown_extensions:\n  - bibcite:\n      bibliography: refs.bib\n"
        "plugins:\n  - bibcite\n", encoding="utf-8",
    )  # fmt: skip
    done = subprocess.run(
        [str(bin_dir / "mkdocs"), "build", "--strict"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    home = (project / "site" / "index.html").read_text(encoding="utf-8")
    assert 'href="#ref-a1"' in home and "Alpha A. First. J. 2001." in home
    works = (project / "site" / "refs" / "index.html").read_text(encoding="utf-8")
    assert 'href="../#cite-1"' in works
