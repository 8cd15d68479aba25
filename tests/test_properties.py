"""Property-based tests (hypothesis): the citation parser and the number ranges, on random input.

- Random Markdown never crashes the citation extension, and every group it finds is handed to
  the handler and put back in the page (none dropped, none invented).
- Text outside citations comes back unchanged: converting a text with citations gives the same
  HTML as converting it with each citation replaced by a neutral token.
- ``parse_citation`` gives back the keys and locators a group was written with (ranges with
  an en dash).
- ``compress`` / ``format_run`` round-trip to the same set of numbers.

Example counts stay modest (the suite runs on 2 cores); ``deadline=None`` because the first
Markdown conversions are slow to warm up.
"""

from __future__ import annotations

import itertools
import re
import string

from hypothesis import example, given
from hypothesis import strategies as st

from bibcite.numbering import EN_DASH, MIN_RANGE, compress, format_run
from bibcite.syntax import CitationGroup, parse_citation

from support import RecordingHandler
from support import convert as convert_with

TOKEN = "QQCITEQQ"


def convert(text: str) -> tuple[list[CitationGroup], str]:
    return convert_with(text, RecordingHandler(TOKEN))


# --- strategies ------------------------------------------------------------------------------

keys = st.from_regex(r"[a-z][a-z0-9_]{0,8}(?:[:.\-][a-z0-9]{1,4})?", fullmatch=True)
locators = st.from_regex(r"(?:p|pp|fig|ch)\. [0-9]{1,3}(?:-[0-9]{1,3})?", fullmatch=True)
items = st.tuples(keys, st.one_of(st.just(""), locators))
groups = st.lists(items, min_size=1, max_size=4)


def written(group: list[tuple[str, str]]) -> str:
    return "[" + "; ".join(f"@{k}, {loc}" if loc else f"@{k}" for k, loc in group) + "]"


# Anything Markdown reacts to, many times over, so odd structures come up often.
MARKDOWN_ALPHABET = "[]@;,.:`\\#|>*_-+!()<>&\"'{}~=/ \n\t" + "abcxyz019"
random_markdown = st.text(alphabet=MARKDOWN_ALPHABET, max_size=200) | st.lists(
    st.one_of(
        st.text(alphabet=MARKDOWN_ALPHABET, max_size=20),
        groups.map(written),
        st.sampled_from(["\n\n", "\n```\n", "`", "\n# ", "\n| a | b |\n|---|---|\n| ", "\n> "]),
        st.sampled_from(["\\[@", "[^1]", "\n\n[^1]: ", "\n!!! note\n    ", "a@b.org", "<span>"]),
    ),
    max_size=25,
).map("".join)

# Plain prose: nothing that could pair up with something across a citation (code spans,
# emphasis, links, HTML, escapes), no ':' right after a group (a link reference definition) and
# no '(' right after one (`[@a](...)` is a link, by design).
PLAIN_ALPHABET = string.ascii_letters + string.digits + " .,;!?()'-"
plain = st.text(alphabet=PLAIN_ALPHABET, max_size=30).filter(lambda t: not t.startswith("("))
prose_parts = st.lists(
    st.one_of(plain, groups.map(written), st.sampled_from(["\n", "\n\n", "\n- ", "\n1. "])),
    max_size=15,
)


# --- properties ------------------------------------------------------------------------------


@given(random_markdown)
def test_random_markdown_never_crashes_and_no_group_is_lost(text: str) -> None:
    found, html = convert(text)
    assert [g.index for g in found] == list(range(1, len(found) + 1))
    for g in found:
        # A group in brackets, or author-in-text (`@a`, `@a [p. 3]`).
        assert (g.raw.startswith("[") and g.raw.endswith("]")) or "@" in g.raw[:2]
        assert bool(g.items) != bool(g.error)  # parsed, or reported: never neither
    assert html.count(f"<cite>{TOKEN}</cite>") == len(found)


@given(prose_parts)
def test_text_outside_citations_is_unchanged(parts: list[str]) -> None:
    text = "".join(parts)
    neutral = "".join(TOKEN if p.startswith("[@") else p for p in parts)
    cited = [p for p in parts if p.startswith("[@")]

    found, html = convert(text)
    none, expected = convert(neutral)

    assert none == []
    assert [g.raw for g in found] == cited
    # Heading ids leave citations out by design (the token, being text, is in them).
    assert without_ids(html.replace(f"<cite>{TOKEN}</cite>", TOKEN)) == without_ids(expected)


def without_ids(html: str) -> str:
    return re.sub(r' id="[^"]*"', "", html)


@given(groups)
def test_parse_citation_gives_back_what_was_written(group: list[tuple[str, str]]) -> None:
    parsed, error = parse_citation(written(group))
    assert error == ""
    # Ranges are shown with an en dash.
    assert [(i.key, i.locator) for i in parsed] == [
        (k, loc.replace("-", EN_DASH)) for k, loc in group
    ]


@given(st.sets(st.integers(min_value=1, max_value=120), max_size=40))
def test_compress_round_trips(numbers: set[int]) -> None:
    runs = compress(numbers)
    back = {n for lo, hi in runs for n in range(lo, hi + 1)}
    assert back == numbers
    assert runs == sorted(runs)
    for (_, hi), (lo, _) in itertools.pairwise(runs):
        assert lo > hi  # disjoint and in order
    for lo, hi in runs:
        assert lo == hi or hi - lo + 1 >= MIN_RANGE  # short runs are listed, not ranged


@given(st.lists(st.integers(min_value=1, max_value=120), max_size=40))
def test_shown_runs_round_trip(numbers: list[int]) -> None:
    shown = ", ".join(format_run(run) for run in compress(numbers))
    back: set[int] = set()
    for part in filter(None, shown.split(", ")):
        m = re.fullmatch(rf"(\d+)(?:{EN_DASH}(\d+))?", part)
        assert m is not None, shown
        lo, hi = int(m[1]), int(m[2] or m[1])
        back.update(range(lo, hi + 1))
    assert back == set(numbers)


# Prose with everything that makes or unmakes a citation: `@`, brackets, `;`, `-`, `,`, keys,
# code spans, e-mail addresses. Not backslashes or links: an escaped bracket or a link holding
# an `@` inside a group's brackets (`[@\\[@a]`, `[@[@](u)]`), or an undefined reference link
# (`[@][x]`), can make the two disagree, and bibcite then warns that the page and the scan of
# its source differ (never silently); escapes and links alone are rows of test_citation_table.
# Not `_` either: emphasis around an author-in-text key (`__1_@1_`) is such a case too.
# Nor a line of dashes under a group's first line (`[@\n-\n]`): Markdown makes that line a
# heading, so the group ends there, and the scan warns of a malformed group.
CITATION_ALPHABET = "@[]-;,. ab1:/`\n"
citation_prose = st.lists(
    st.one_of(
        st.text(alphabet=CITATION_ALPHABET, max_size=12),
        st.sampled_from(["@a", "[@a]", "[see @b, p. 3]", "-@a", "@{a+b}", "a@b.org"]),
    ),
    max_size=12,
).map("".join)
_DASH_LINE = re.compile(r"^[ -]*-[ -]*$", re.MULTILINE)
#: The same without reference links (``][``) and lines of dashes, the cases above.
citation_prose_without_reference_links = citation_prose.filter(
    lambda text: "][" not in text and not _DASH_LINE.search(text)
)


@given(citation_prose_without_reference_links)
@example("[`[`@]")  # found here: a bracket in a code span nested for one side only
def test_the_index_finds_what_markdown_finds(text: str) -> None:
    """The site's up-front scan (numbers, "cited on") and the Markdown parse share a grammar."""
    from bibcite.index import scan_page

    found, _ = convert(text)
    scanned = [parse_citation(raw) for raw in scan_page("p.md", text).groups]
    # The same keys in the same groups, and the same groups in error (a code span inside a
    # group is text to one and a placeholder to the other, so the texts may differ).
    assert [([i.key for i in items], bool(error)) for items, error in scanned] == [
        ([i.key for i in g.items], bool(g.error)) for g in found
    ]
