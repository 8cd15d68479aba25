"""Numbering (global and per page) and the compression of consecutive numbers."""

from __future__ import annotations

import pytest

from bibcite.numbering import Numbering, assign_numbers, compress, format_run


def shown(numbers: list[int]) -> str:
    """The numbers as a group shows them: its runs, each formatted (as rendering does)."""
    return ", ".join(format_run(run) for run in compress(numbers))


INDEX = {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        ([1], "1"),
        ([1, 2], "1, 2"),  # two in a row stay listed (Vancouver)
        ([1, 2, 3], "1–3"),
        ([4, 5, 6, 7], "4–7"),
        ([1, 3, 4, 5], "1, 3–5"),
        ([5, 3, 4, 1], "1, 3–5"),  # order of citing does not matter
        ([2, 2, 3, 3, 4], "2–4"),  # duplicates collapse
        ([1, 2, 4, 5, 6, 9, 10], "1, 2, 4–6, 9, 10"),
        ([], ""),
    ],
)
def test_runs_are_shown(numbers: list[int], expected: str) -> None:
    assert shown(numbers) == expected


@pytest.mark.parametrize(
    ("numbers", "runs"),
    [([1, 3, 4, 5], [(1, 1), (3, 5)]), ([7, 8], [(7, 7), (8, 8)]), ([10], [(10, 10)])],
)
def test_compress_runs(numbers: list[int], runs: list[tuple[int, int]]) -> None:
    assert compress(numbers) == runs


@pytest.mark.parametrize(
    ("mode", "cited", "expected"),
    [
        (Numbering.GLOBAL, ["c", "a", "c", "e"], {"c": 3, "a": 1, "e": 5}),
        (Numbering.PAGE, ["c", "a", "c", "e"], {"c": 1, "a": 2, "e": 3}),
        (Numbering.PAGE, ["zz", "b"], {"b": 1}),  # an unknown key takes no number
        (Numbering.GLOBAL, ["zz", "b"], {"b": 2}),
    ],
)
def test_assign_numbers(mode: Numbering, cited: list[str], expected: dict[str, int]) -> None:
    assert assign_numbers(cited, INDEX, mode) == expected
