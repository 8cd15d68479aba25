"""Time what a cold build does to a .bib in the worker: parse it with pybtex, then format every
entry with the style (``bibcite.formatting.make_reference``), for the benchmark's corpus.

The corpus is the one ``benchmarks/run.py`` builds (``benchmarks/corpus.py``, same seed), so
the figures compare with its cold builds. Best of ``--reps`` runs, each in a new process (the
style's caches start empty, as in a build), timed after the imports. Run:
``.venv/bin/python benchmarks/formatting.py --size middle --reps 3``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bibcite.bibliography import BibSource, parse_bibliographies
from bibcite.formatting import make_reference

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.corpus import SIZES, generate


def _once(path: str) -> None:
    """Parse and format the .bib at ``path``; print the two times."""
    text = Path(path).read_text(encoding="utf-8")
    start = time.perf_counter()
    bibliography, _ = parse_bibliographies([BibSource("bibliography.bib", text)])
    parsed = time.perf_counter()
    for entry in bibliography.entries:
        make_reference(entry)
    print(parsed - start, time.perf_counter() - parsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="middle")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--once", help=argparse.SUPPRESS)  # one run, in a new process
    args = parser.parse_args()
    if args.once:
        _once(args.once)
        return
    size = SIZES[args.size]
    with tempfile.TemporaryDirectory() as tmp:
        generate(tmp, size.pages, size.entries, size.cites)
        bib = str(Path(tmp) / "bibliography.bib")
        command = [sys.executable, __file__, "--once", bib]
        outputs = [
            subprocess.run(command, check=True, capture_output=True, text=True).stdout
            for _ in range(args.reps)
        ]
    runs = [[float(x) for x in out.split()] for out in outputs]
    parse, fmt = min(r[0] for r in runs), min(r[1] for r in runs)
    print(f"{args.size}: {size.entries} entries: parse {parse:.2f} s, format {fmt:.2f} s "
          f"({fmt / size.entries * 1e6:.0f} µs an entry), best of {args.reps}")  # fmt: skip


if __name__ == "__main__":
    main()
