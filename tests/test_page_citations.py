"""A page's citations as the engine keeps them between conversion and writing.

:class:`~bibcite.engine.PageCitations` holds each group as written and parses it again when the
page is rendered (memory: every page's groups are held until it is written). These cases check
that nothing the renderer needs is lost on the way: the groups it gets back are the ones the
syntax found, and the citing spots are those of the groups.
"""

from __future__ import annotations

import pytest

from bibcite.engine import PageCitations
from bibcite.references import BibliographyKeys

from support import convert

KEYS = BibliographyKeys("refs.bib", ("a", "b", "c", "d"), (1, 5, 9, 13))


@pytest.mark.parametrize(
    ("source", "citing"),
    [
        ("One [@a].", {"a": (1,)}),
        ("Run [@a; @b; @c] and again [@b].", {"a": (1,), "b": (1, 2), "c": (1,)}),
        ("Locators [@a, p. 3; @b, fig. 2] then [@a].", {"a": (1, 2), "b": (1,)}),
        ("Twice in a group [@a; @a] and [@a].", {"a": (1, 2)}),
        ("In link text [see [@b]](https://example.org/) then [@c].", {"b": (1,), "c": (2,)}),
        ("Unknown [@zz; @d] and malformed [@a b].", {"d": (1,)}),
        ("Empty item [@a;] only.", {}),
        ("A group over\nlines [@c;\n@d].", {"c": (1,), "d": (1,)}),
        ("No citation at all.", {}),
    ],
)
def test_groups_and_spots_survive_the_compact_record(
    source: str, citing: dict[str, tuple[int, ...]]
) -> None:
    found, _ = convert(source)
    page = PageCitations.of("p.md", found, KEYS)
    assert page.groups == tuple(found)  # index, raw, items, error and in_link alike
    assert page.citing == citing
    assert page.keys == tuple(citing)
    assert page.anchors() == [f"cite-{g.index}" for g in found] + [f"ref-{k}" for k in citing]


def test_the_summary_keeps_what_site_wide_pages_need() -> None:
    found, _ = convert("See [@b; @a] and [@a, p. 2].")
    summary = PageCitations.of("p.md", found, KEYS).summary()
    assert summary.groups == ()
    assert summary.citing == {"b": (1,), "a": (1, 2)}


def test_in_link_is_kept_per_group() -> None:
    found, _ = convert("[text [@a]](https://example.org/) and [@a] and [more [@b]](#x)")
    assert [g.in_link for g in PageCitations.of("p.md", found, KEYS).groups] == [
        True,
        False,
        True,
    ]
