"""Reproducible builds: the same sources give byte-identical ``site/`` and offline zip.

The project is copied twice (to two different folders, so no absolute path may leak into the
output) and each copy is built the way ``make site`` does: ``mkdocs build --strict`` with
``mkdocs.yml`` and with ``mkdocs.offline.yml``, then the offline zip. Both builds get the same
``SOURCE_DATE_EPOCH`` but a different ``PYTHONHASHSEED``, so any output that depends on set or
dict-of-set ordering shows up as a difference. Every file is compared byte for byte; a failure
lists the files that differ.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from calcinosis_site.offline_zip import build_zip, zip_date_time

from support import REPO, copy_project

pytestmark = pytest.mark.slow

EPOCH = 1_700_000_000  # 2023-11-14T22:13:20Z
SHIM = Path("node_modules", "iframe-worker")
ZIP_NAME = "calcinosis-cutis-offline.zip"


@dataclass(frozen=True)
class Built:
    hosted: Path
    offline: Path
    zip: Path


def snapshot(dest: Path) -> Path:
    """A copy of what the build reads (taken once, so both builds see the same sources)."""
    copy_project(dest)
    shutil.copytree(REPO / SHIM, dest / SHIM)
    return dest


def build_copy(project: Path, out: Path, hash_seed: str) -> Built:
    env = {
        **os.environ,
        "SOURCE_DATE_EPOCH": str(EPOCH),
        "PYTHONHASHSEED": hash_seed,
        "NO_MKDOCS_2_WARNING": "1",
    }
    for config, site in (("mkdocs.yml", out / "hosted"), ("mkdocs.offline.yml", out / "offline")):
        cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", config, "-d", str(site)]
        done = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
    zip_path = out / ZIP_NAME
    build_zip(out / "offline", zip_path, EPOCH)
    return Built(out / "hosted", out / "offline", zip_path)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Built, Built]:
    work = tmp_path_factory.mktemp("reproducible")
    first = snapshot(work / "checkout-a")
    second = snapshot(work / "elsewhere" / "checkout-b")
    a = build_copy(first, work / "out-a", "1")
    time.sleep(1.1)  # a clock that leaked into the output would now differ
    b = build_copy(second, work / "out-b", "2")
    return a, b


def differing_files(a: Path, b: Path) -> list[str]:
    files_a = {p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()}
    out = [f"only in the first build: {f}" for f in sorted(files_a - files_b)]
    out += [f"only in the second build: {f}" for f in sorted(files_b - files_a)]
    for rel in sorted(files_a & files_b):
        if (a / rel).read_bytes() != (b / rel).read_bytes():
            out.append(f"differs: {rel}")
    return out


@pytest.mark.parametrize("output", ["hosted", "offline"])
def test_site_is_byte_identical(builds: tuple[Built, Built], output: str) -> None:
    a, b = (getattr(built, output) for built in builds)
    assert len(list(a.rglob("*.html"))) > 10
    differences = differing_files(a, b)
    assert not differences, f"{output} builds differ:\n" + "\n".join(differences)


def test_offline_zip_is_byte_identical(builds: tuple[Built, Built]) -> None:
    a, b = builds
    if a.zip.read_bytes() == b.zip.read_bytes():
        return
    with zipfile.ZipFile(a.zip) as za, zipfile.ZipFile(b.zip) as zb:
        ia = {i.filename: (i.CRC, i.date_time, i.external_attr) for i in za.infolist()}
        ib = {i.filename: (i.CRC, i.date_time, i.external_attr) for i in zb.infolist()}
        names_a, names_b = [i.filename for i in za.infolist()], [i.filename for i in zb.infolist()]
    diff = sorted(n for n in set(ia) | set(ib) if ia.get(n) != ib.get(n))
    order = "" if names_a == names_b else "entry order differs\n"
    pytest.fail(f"offline zips differ:\n{order}" + "\n".join(diff or ["(headers only)"]))


def test_source_date_epoch_is_honoured(builds: tuple[Built, Built]) -> None:
    a, _ = builds
    with zipfile.ZipFile(a.zip) as archive:
        stamps = {info.date_time for info in archive.infolist()}
        names = [info.filename for info in archive.infolist()]
    assert stamps == {zip_date_time(EPOCH)}
    assert names == sorted(names, key=lambda n: n.rstrip("/"))  # a fixed, sorted order
    day = time.strftime("%Y-%m-%d", time.gmtime(EPOCH))
    sitemap = (a.hosted / "sitemap.xml").read_text(encoding="utf-8")
    assert set(re.findall(r"<lastmod>([^<]+)</lastmod>", sitemap)) == {day}
    with (a.hosted / "sitemap.xml.gz").open("rb") as f:
        header = f.read(8)
    # gzip's own timestamp: MkDocs stores the build day (from SOURCE_DATE_EPOCH), not the time
    assert int.from_bytes(header[4:8], "little") == EPOCH - EPOCH % 86400
    assert gzip.decompress((a.hosted / "sitemap.xml.gz").read_bytes()).decode() == sitemap
