"""The citation syntax, through Python-Markdown: what is a citation and what is not."""

from __future__ import annotations

import markdown
import pytest

from bibcite.syntax import CitationItem, locate, parse_citation

from support import Recording, RecordingHandler, convert


@pytest.mark.parametrize(
    ("source", "cited"),
    [
        ("A [@a].", [["a"]]),
        ("A [@a; @b; @c].", [["a", "b", "c"]]),
        ("A [@a;@b].", [["a", "b"]]),
        ("Keys [@a_b-c:d.e9].", [["a_b-c:d.e9"]]),
        ("Two [@a] and [@b].", [["a"], ["b"]]),
        ("Nested [[@a]].", [["a"]]),
        ("See [the text [@a]].", [["a"]]),
        ("# Heading [@a]\n", [["a"]]),
        ("| h |\n|---|\n| cell [@a] |\n", [["a"]]),
        ('!!! note "T"\n    In an admonition [@a].\n', [["a"]]),
        ("Note[^1].\n\n[^1]: In a footnote [@a].\n", [["a"]]),
        ("* item [@a]\n* item [@b; @c]\n", [["a"], ["b", "c"]]),
        ("> quoted [@a]\n", [["a"]]),
        ('<div markdown="1">\nIn HTML [@a].\n</div>\n', [["a"]]),
        ("**bold [@a]** and _em [@b]_", [["a"], ["b"]]),
    ],
)
def test_citations_are_found(source: str, cited: list[list[str]]) -> None:
    groups, _ = convert(source)
    assert [[i.key for i in g.items] for g in groups] == cited
    assert [g.index for g in groups] == list(range(1, len(cited) + 1))


@pytest.mark.parametrize(
    "source",
    [
        "Code `[@a]` span.",
        "Code ``x [@a] y`` span.",
        "```\n[@a]\n```\n",
        "~~~md\n[@a; @b]\n~~~\n",
        "    [@a] indented code\n",
        "Escaped \\[@a].",
        "Mail a@b.org and [mail](mailto:a@b.org) and <a@b.org>.",
        "Link [@a](https://example.org/).",
        "Reference link [@a][r].\n\n[r]: https://example.org/\n",
        "Autolink <https://example.org/[@a]>.",
        "Not a citation [a] or [x@a] or a@b or x.org/@a or ?u=@a or \\@a.",
        "Handle [email@a] is text.",
    ],
)
def test_not_citations(source: str) -> None:
    groups, html = convert(source)
    assert groups == []
    assert "<cite>" not in html


@pytest.mark.parametrize(
    ("raw", "items", "error"),
    [
        ("[@a]", (CitationItem("a"),), ""),
        ("[@Reiter2011_Diagnostic-2:b.c]", (CitationItem("Reiter2011_Diagnostic-2:b.c"),), ""),
        ("[@a-]", (), "malformed"),  # trailing punctuation is not part of a key
        ("[@a, p. 3]", (CitationItem("a", "p. 3"),), ""),
        ("[@a, pp. 3–5; @b]", (CitationItem("a", "pp. 3–5"), CitationItem("b")), ""),
        ("[ @a ]", (CitationItem("a"),), ""),  # spaces inside the brackets are allowed
        ("[@]", (), "empty citation item"),
        ("[@a;;@b]", (), "empty citation item"),
        ("[@a; b]", (), "malformed"),
        ("[@a b]", (), "malformed"),
        ("[@a.]", (), "malformed"),
        ("[@a;]", (), "empty citation item"),
    ],
)
def test_parse_citation(raw: str, items: tuple[CitationItem, ...], error: str) -> None:
    got_items, got_error = parse_citation(raw)
    assert got_items == items
    assert (error in got_error) if error else got_error == ""


@pytest.mark.parametrize("source", ["[@]", "[@a;;@b]", "[@a; b]"])
def test_malformed_groups_are_kept_visible(source: str) -> None:
    groups, html = convert(f"Text {source} end.")
    assert len(groups) == 1 and groups[0].error
    assert "#1" in html  # handed to the handler, which renders it (never dropped)


def test_text_outside_citations_is_unchanged() -> None:
    _, with_citation = convert("Before [@a] after *em*.")
    _, without = convert("Before X after *em*.")
    assert with_citation.replace("<cite>#1</cite>", "X") == without


def test_citation_in_link_text_is_flagged() -> None:
    groups, _ = convert("[see [@a]](https://example.org/) and [@b]")
    assert [g.in_link for g in groups] == [True, False]


@pytest.mark.parametrize(
    ("source", "raw", "occurrence", "fallback", "expected"),
    [
        ("x\n  [@a] y [@a]", "[@a]", 0, "", (2, 3)),
        ("x\n  [@a] y [@a]", "[@a]", 1, "", (2, 10)),
        ("\\[@a] [@a]", "[@a]", 0, "", (1, 7)),  # an escaped one is not it
        ("cite: [foo, bar]", "[@foo; @bar]", 0, "bar", (1, 13)),
        ("nothing here", "[@zz]", 0, "zz", (0, 0)),
    ],
)
def test_locate(
    source: str, raw: str, occurrence: int, fallback: str, expected: tuple[int, int]
) -> None:
    assert locate(source, raw, occurrence, fallback) == expected


def test_citation_in_heading_stays_out_of_the_toc() -> None:
    md = markdown.Markdown(extensions=[Recording(RecordingHandler()), "toc"])
    html = md.convert("## Treatment [@a]\n\nText.\n")
    assert '<h2 id="treatment">Treatment <cite>#1</cite></h2>' in html
    assert [t["name"] for t in md.toc_tokens] == ["Treatment"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("[]:@1\n", 0),  # a link reference definition: its URL is no citation
        ('[x]: https://a.org "by @b"\n', 0),
        ("[]:[see @b, p. 3]\n", 1),  # not a definition (no title form): a citation
        ("[@a]: found\n", 1),  # a label with @ is a citation, not a definition
    ],
)
def test_the_index_reads_link_definitions_as_markdown_does(text: str, groups: int) -> None:
    from bibcite.index import scan_page

    found, _ = convert(text)
    assert len(scan_page("p.md", text).groups) == len(found) == groups
