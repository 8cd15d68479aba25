"""Reproducible zip of the offline build.

Usage: ``python -m calcinosis_site.offline_zip SRC_DIR OUT_ZIP``

Everything under ``SRC_DIR`` goes into ``OUT_ZIP`` below one top-level folder named after the
zip (``calcinosis-cutis-offline/index.html``), so unzipping never litters the current folder.
The archive depends only on the files' contents and names: entries are sorted, every entry has
the same timestamp (``SOURCE_DATE_EPOCH`` if set, else the last commit's time), files are
``0644`` and folders ``0755``, and compression settings are fixed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

#: ZIP cannot store times before 1980-01-01.
ZIP_EPOCH_MIN = 315532800
FILE_MODE = 0o100644
DIR_MODE = 0o040755
COMPRESS_LEVEL = 9


class OfflineZipError(Exception):
    """Raised for a missing source folder or an unusable timestamp."""


def source_date_epoch(repo: Path | None = None) -> int:
    """``SOURCE_DATE_EPOCH`` if set, else the committer time of ``HEAD``."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if value:
        try:
            return int(value)
        except ValueError:
            raise OfflineZipError(
                f"SOURCE_DATE_EPOCH={value!r} is not an integer. "
                f"Set it to seconds since 1970 or unset it"
            ) from None
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%ct"],
            cwd=repo,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return int(out)
    except (OSError, subprocess.CalledProcessError, ValueError):
        raise OfflineZipError(
            "no SOURCE_DATE_EPOCH and no git commit to take the time from. Set SOURCE_DATE_EPOCH"
        ) from None


def zip_date_time(epoch: int) -> tuple[int, int, int, int, int, int]:
    """The ZIP ``date_time`` (UTC) for ``epoch``, clamped to the 1980 minimum, even seconds."""
    t = time.gmtime(max(epoch, ZIP_EPOCH_MIN))
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec - t.tm_sec % 2)


def _entry(name: str, date_time: tuple[int, int, int, int, int, int], mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.create_system = 3  # Unix, so external_attr carries the permission bits
    info.external_attr = mode << 16
    if mode == DIR_MODE:
        info.external_attr |= 0x10  # MS-DOS directory flag
        info.compress_type = zipfile.ZIP_STORED
    else:
        info.compress_type = zipfile.ZIP_DEFLATED
    return info


def build_zip(src: Path, out: Path, epoch: int, root: str | None = None) -> int:
    """Write ``out`` from the tree ``src``; return the number of files stored.

    ``root`` is the top-level folder inside the archive (default: ``out``'s stem).
    """
    if not src.is_dir():
        raise OfflineZipError(f"{src} is not a folder. Build the offline site first")
    top = (root if root is not None else out.name.removesuffix(".zip")).strip("/")
    date_time = zip_date_time(epoch)
    paths = sorted(src.rglob("*"), key=lambda p: p.relative_to(src).as_posix())
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    files = 0
    with zipfile.ZipFile(tmp, "w", compresslevel=COMPRESS_LEVEL) as archive:
        if top:
            archive.writestr(_entry(top + "/", date_time, DIR_MODE), b"")
        for path in paths:
            rel = path.relative_to(src).as_posix()
            name = f"{top}/{rel}" if top else rel
            if path.is_dir():
                archive.writestr(_entry(name + "/", date_time, DIR_MODE), b"")
            elif path.is_file():
                archive.writestr(
                    _entry(name, date_time, FILE_MODE),
                    path.read_bytes(),
                    compresslevel=COMPRESS_LEVEL,
                )
                files += 1
    tmp.replace(out)
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m calcinosis_site.offline_zip",
        description="Zip the offline build reproducibly.",
    )
    parser.add_argument("src", type=Path, help="the offline build folder")
    parser.add_argument("out", type=Path, help="the zip to write")
    parser.add_argument(
        "--root",
        default=None,
        help="top-level folder inside the zip (default: the zip's name without .zip)",
    )
    args = parser.parse_args(argv)
    try:
        epoch = source_date_epoch(Path.cwd())
        files = build_zip(args.src, args.out, epoch, args.root)
    except OfflineZipError as exc:
        print(f"offline_zip: error: {exc}", file=sys.stderr)
        return 1
    print(f"offline_zip: wrote {args.out} ({files} files, timestamp {epoch})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
