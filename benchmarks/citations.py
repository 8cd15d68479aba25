"""Time the citation syntax on one page: N citations of each form, and the hostile inputs.

Each case is one page converted by the real extension (real pybtex, the site's index of the
page, the Markdown parse), as ``tests/test_citation_table.py`` does; the best of ``--reps`` runs
is printed, with the time per citation so that 1,000 and 10,000 can be compared (linear: the
same time per citation). Run: ``.venv/bin/python benchmarks/citations.py --reps 3``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_citation_table import Row, render

KEYS = ["reiter2011", "weinel2009", "smith2001", "test", "test2"]
FORMS: dict[str, Callable[[int], str]] = {
    "[@key]": lambda i: f"[@{KEYS[i % 5]}]",
    "@key (author-in-text)": lambda i: f"@{KEYS[i % 5]}",
    "[see @key, p. N]": lambda i: f"[see @{KEYS[i % 5]}, p. {i}]",
    "[@a; @b; @c]": lambda i: f"[@{KEYS[i % 5]}; @{KEYS[(i + 1) % 5]}; @{KEYS[(i + 2) % 5]}]",
}
HOSTILE = {
    "a 10 kB prefix": "[" + "see " * 2_500 + "@test]",
    "a 500-character key": "[@" + "k" * 500 + "]",
    "10,000 '@' in a row": "@" * 10_000,
    "a 10,000-character run of key punctuation": "@test" + ":" * 10_000 + " x",
    "10,000 unclosed ']'": "@test" + "]" * 10_000,
    "1,000 unclosed '['": "[" * 1_000 + "@test",
    "2,000 unclosed '['": "[" * 2_000 + "@test",
}


def best(text: str, reps: int) -> float:
    times = []
    for _ in range(reps):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            render(Path(tmp), Row("bench", text))
            times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    print("| form | 1,000 on a page | 10,000 on a page | µs per citation (1k / 10k) |")
    print("|---|---:|---:|---:|")
    for name, form in FORMS.items():
        small, large = (
            best(" ".join(form(i) for i in range(n)), args.reps) for n in (1_000, 10_000)
        )
        print(
            f"| `{name}` | {small:.2f} s | {large:.2f} s | "
            f"{small / 1_000 * 1e6:.0f} / {large / 10_000 * 1e6:.0f} |"
        )
    print()
    print("| hostile input | time |")
    print("|---|---:|")
    for name, text in HOSTILE.items():
        print(f"| {name} | {best(text, args.reps):.3f} s |")


if __name__ == "__main__":
    main()
