"""Hostile and odd input through the citation syntax: each gives a rendering or a located error,
never a traceback. (Times are measured in BENCHMARKS.md, not asserted: ``benchmarks/citations.py``.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_citation_table import PAGE, Row, page_problems, render, unknown

from bibcite.index import scan_page

KEYS = ["reiter2011", "weinel2009", "smith2001", "test", "test2"]
CITATION = re.compile(r'<span class="citation" id="cite-(\d+)"')


def test_ten_thousand_citations_on_one_page(tmp_path: Path) -> None:
    forms = ["[@{}]", "@{}", "[see @{}, p. 3]", "[-@{}]"]
    text = " ".join(forms[i % 4].format(KEYS[i % 5]) for i in range(10_000))
    got = render(tmp_path, Row("many", text))
    assert page_problems(got.problems) == []
    assert [int(n) for n in CITATION.findall(got.html)] == list(range(1, 10_001))
    assert len(scan_page("page.md", text).groups) == 10_000
    assert got.html.count('class="backlink"') == 10_000  # every citation, linked back


def test_a_ten_kilobyte_prefix(tmp_path: Path) -> None:
    prefix = "see " * 2_500
    got = render(tmp_path, Row("prefix", f"[{prefix}@test]"))
    assert page_problems(got.problems) == []
    assert f'[{prefix.strip()} <a class="citation-ref" href="#ref-test"' in got.html


@pytest.mark.parametrize(
    ("text", "rendered", "warnings"),
    [
        # Unbalanced: the bracket is text and `@test` is author-in-text. (Python-Markdown's own
        # link parsing is quadratic in unclosed brackets, hence 500 here: BENCHMARKS.md.)
        ("[" * 500 + "@test", "[[[" + '<span class="citation" id="cite-1"', ()),
        ("@test" + "]" * 10_000, "</span>]]]", ()),
        ("[see @test", "[see " + '<span class="citation" id="cite-1"', ()),
        (
            "[see [x @test]",
            '[see <span class="citation" id="cite-1" data-search-exclude="">[x <a',
            (),
        ),
        # Brackets inside a prefix.
        ("[see [x] @test]", '[see [x] <a class="citation-ref" href="#ref-test"', ()),
        (
            "[see [x]; [y] @test]",
            "[see [x]; [y] @test]</span>",
            (
                f"{PAGE}:1:1: malformed citation '[see [x]; [y] @test]' (at 'see [x]'). Write "
                "citations as [@key], [@a; @b] or [@key, p. 3]; escape a literal bracket as \\[@",
            ),
        ),
        # A 500-character key, bracketed, curly, author-in-text.
        ("[@" + "k" * 500 + "]", "?" + "k" * 500, (unknown(1, 1, "k" * 500),)),
        ("[@{" + "k" * 500 + "}]", "?" + "k" * 500, (unknown(1, 1, "k" * 500),)),
        (
            "@" + "k" * 500,
            "@" + "k" * 500,
            (
                f"{PAGE}:1:1: unknown citation key '{'k' * 500}' in '@{'k' * 500}'. Fix the key "
                f"or add an entry '{'k' * 500}' to refs.bib, or write \\@{'k' * 500} if it is "
                "not a citation",
            ),
        ),
        # Long runs that a backtracking pattern would choke on.
        ("@test" + ":" * 10_000 + " x", "Author and Author [", ()),
        ("@" * 10_000, "@" * 10_000, ()),
        ("[" + "see " * 2_500 + "test]", "[see see", ()),
    ],
)
def test_odd_input_renders_or_is_located(
    tmp_path: Path, text: str, rendered: str, warnings: tuple[str, ...]
) -> None:
    got = render(tmp_path, Row("odd", text))
    assert page_problems(got.problems) == list(warnings)
    assert rendered in got.html


def test_a_group_of_empty_items_is_one_located_error(tmp_path: Path) -> None:
    got = render(tmp_path, Row("empty", "Text [" + "-@ " * 5_000 + "]"))
    [problem] = page_problems(got.problems)
    assert problem.startswith(f"{PAGE}:1:6: malformed citation '[-@ -@ ")
    assert 'class="citation citation-error"' in got.html
