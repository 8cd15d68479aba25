"""Stage 3: give each cited entry its number, and compress runs of numbers ("1, 3–5")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum


class Numbering(StrEnum):
    """How entries are numbered.

    GLOBAL: by position in the .bib file, the same on every page (matches a source's list).
    PAGE: in order of first citation on each page (Vancouver).
    """

    GLOBAL = "global"
    PAGE = "page"


#: A run of consecutive numbers is shown as a range from this length on ("4–7"); shorter runs
#: are listed ("1, 2"), as Vancouver style and the source article do.
MIN_RANGE = 3
EN_DASH = "\u2013"


def assign_numbers(
    cited_in_order: Iterable[str], global_index: Mapping[str, int], mode: Numbering
) -> dict[str, int]:
    """Number the keys cited on one page. Keys missing from ``global_index`` get no number."""
    numbers: dict[str, int] = {}
    for key in cited_in_order:
        if key in numbers or key not in global_index:
            continue
        numbers[key] = global_index[key] if mode is Numbering.GLOBAL else len(numbers) + 1
    return numbers


def compress(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted, de-duplicated runs: ``[1, 3, 4, 5]`` gives ``[(1, 1), (3, 5)]``.

    A run shorter than ``MIN_RANGE`` is split into single numbers.
    """
    runs: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if runs and runs[-1][1] == n - 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    out: list[tuple[int, int]] = []
    for lo, hi in runs:
        if hi - lo + 1 >= MIN_RANGE:
            out.append((lo, hi))
        else:
            out.extend((n, n) for n in range(lo, hi + 1))
    return out


def format_run(run: tuple[int, int]) -> str:
    lo, hi = run
    return str(lo) if lo == hi else f"{lo}{EN_DASH}{hi}"
