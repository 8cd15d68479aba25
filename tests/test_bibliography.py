"""The .bib input: several files, keys across them, crossref, @string and # concatenation."""

from __future__ import annotations

import pytest

from bibcite.bibliography import BibSource, parse_bibliographies
from bibcite.formatting import format_entry
from bibcite.problems import Severity

A = "@article{a1,\n  author = {Alpha, A.},\n  title = {First},\n journal = {J}, year = {2001}}\n"
B = "@article{b1,\n  author = {Beta, B.},\n  title = {Second},\n journal = {J}, year = {2002}}\n"


def test_several_files_are_numbered_in_order() -> None:
    bib, problems = parse_bibliographies([BibSource("a.bib", A), BibSource("b.bib", B)])
    assert problems == []
    assert [(e.key, e.index, e.path, e.line) for e in bib.entries] == [
        ("a1", 1, "a.bib", 1),
        ("b1", 2, "b.bib", 1),
    ]


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (A, "b.bib:1:10: duplicate citation key 'a1', first defined on a.bib:1"),
        (
            A.replace("a1", "A1"),
            "b.bib:1:10: duplicate citation key 'A1', first defined on a.bib:1 (keys differ "
            "only in case: 'a1')",
        ),
    ],
)
def test_a_key_in_two_files_is_an_error_naming_both(second: str, message: str) -> None:
    bib, problems = parse_bibliographies([BibSource("a.bib", A), BibSource("b.bib", second)])
    assert [str(p).split(". Give")[0] for p in problems] == [message]
    assert problems[0].severity is Severity.ERROR
    assert [e.key for e in bib.entries] == ["a1"]  # the first wins; nothing else is lost


@pytest.mark.parametrize(
    ("bibtex", "key", "text"),
    [
        pytest.param(
            "@string{jaad = {J Am Acad Dermatol}}\n" + A.replace("{J}", "jaad"),
            "a1", "Alpha A. First. J Am Acad Dermatol. 2001.", id="@string",
        ),
        pytest.param(
            '@string{am = "J Am"}\n' + A.replace("{J}", 'am # " Acad Dermatol"'),
            "a1", "Alpha A. First. J Am Acad Dermatol. 2001.", id="# concatenation",
        ),
        pytest.param(
            "@incollection{ch,\n  author = {Gamma, G.},\n  title = {A chapter},\n"
            "  crossref = {bk},\n  pages = {3-4},\n}\n"
            "@book{bk,\n  editor = {Delta, D.},\n  title = {The Book},\n"
            "  booktitle = {The Book},\n  publisher = {Pub},\n  year = {2010},\n}\n",
            "ch", "Gamma G. A chapter. In: Delta D, editor. The Book. Pub; 2010. p. 3-4.",
            id="crossref: editors, book title, publisher and year from the parent",
        ),
    ],
)  # fmt: skip
def test_strings_concatenation_and_crossref(bibtex: str, key: str, text: str) -> None:
    bib, problems = parse_bibliographies([BibSource("r.bib", bibtex)])
    assert problems == [], [str(p) for p in problems]
    ref, format_problems = format_entry(bib[key])
    assert format_problems == []
    assert ref.text == text


def test_crossref_to_a_parent_in_another_file() -> None:
    child = "@incollection{ch,\n  author = {Gamma, G.},\n  title = {C},\n  crossref = {bk},\n}\n"
    parent = "@book{bk,\n  editor = {Delta, D.},\n  title = {B},\n  year = {2010},\n}\n"
    bib, problems = parse_bibliographies([BibSource("a.bib", child), BibSource("b.bib", parent)])
    assert problems == []  # no "no 'year' field": the parent, parsed later, has it
    assert "2010" in format_entry(bib["ch"])[0].text
