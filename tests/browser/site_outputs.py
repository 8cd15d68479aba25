"""Build the two outputs the way ``make site`` does, into any folder (tests, screenshots).

``make site`` runs the same three steps: ``mkdocs build --strict`` with ``mkdocs.yml`` (hosted),
``mkdocs build --strict`` with ``mkdocs.offline.yml``, then ``calcinosis_site.offline_zip``.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from calcinosis_site.offline_zip import build_zip, source_date_epoch

HOSTED_CONFIG = "mkdocs.yml"
OFFLINE_CONFIG = "mkdocs.offline.yml"
ZIP_NAME = "calcinosis-cutis-offline.zip"


class BuildError(Exception):
    """``mkdocs build --strict`` failed; the message carries its output."""


@dataclass(frozen=True)
class Outputs:
    hosted: Path  # the hosted site folder
    offline_build: Path  # the offline build folder, before zipping
    offline_zip: Path


def mkdocs_build(project: Path, config: str, site_dir: Path) -> None:
    """``mkdocs build --strict --clean -f CONFIG -d SITE_DIR`` in ``project``."""
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean"]
    cmd += ["-f", config, "-d", str(site_dir)]
    done = subprocess.run(cmd, cwd=project, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()
        raise BuildError(f"`{' '.join(cmd[2:])}` failed in {project}:\n{output[-6000:]}")


def build_hosted(project: Path, site_dir: Path) -> Path:
    mkdocs_build(project, HOSTED_CONFIG, site_dir)
    return site_dir


def build_all(project: Path, work: Path) -> Outputs:
    """Build both outputs under ``work``: ``hosted/``, ``offline/`` and ``dist/<zip>``."""
    hosted = build_hosted(project, work / "hosted")
    offline = work / "offline"
    mkdocs_build(project, OFFLINE_CONFIG, offline)
    zip_path = work / "dist" / ZIP_NAME
    build_zip(offline, zip_path, source_date_epoch(project))
    return Outputs(hosted=hosted, offline_build=offline, offline_zip=zip_path)
