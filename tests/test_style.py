"""The ``medscape`` pybtex style and bibliography.bib, checked against the source article."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest
from pybtex.database import Entry, Person
from pybtex.plugin import find_plugin

from bibcite.bibliography import (
    BibEntry,
    Bibliography,
    BibSource,
    load_bibliography,
    parse_bibliographies,
)
from bibcite.style import MedscapeStyle, format_person

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
SOURCE_REFERENCES = DATA / "source-references.txt"
IDENTIFIERS = DATA / "source-identifiers.tsv"
BIB = REPO / "bibliography.bib"

#: The citation keys, in the source article's order (notes/HELPERS.md), then the article itself.
KEYS = [
    "reiter2011diagnostic", "weinel2004dermatomyositis", "yun2006universalis", "marzano1999lupus",
    "miteva2003childhood", "rothe1990extensive", "tristano2006universalis",
    "valenzuela2014autoantibodies", "becuwe2004milia", "eckman2002bullous", "lee1996solitary",
    "sais1995down", "larralde2003liver", "lateo2005liver", "neaucransac2005liver",
    "aksoy2004rhytidectomy", "campanelli2005nadroparin", "giorgini2005nadroparin",
    "moss2006gluconate", "kannan2008tumoral", "bhattacharya2005scintigraphy",
    "larsen1985technetium", "reiter2011treatment", "valenzuela2015pathophysiology",
    "grases2005cream", "grases2005absorption", "abdallahlotf2005diltiazem",
    "palmieri1995diltiazem", "papadakis1996thiosulfate", "bair2011thiosulfate",
    "robertson2003minocycline", "velez2012therapy", "chan2005lithotripsy",
    "sultanbichat2012lithotripsy", "nunley2016medscape",
]  # fmt: skip
SOURCE_COUNT = 34


def source_references() -> dict[int, str]:
    """The numbered reference list of the source article, without its [Medline]/[Full Text]
    links."""
    refs: dict[int, str] = {}
    for line in SOURCE_REFERENCES.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^(\d+)\.\s+(\S.*)$", line)
        if not m or "[Medline]" not in line:
            continue
        text = re.sub(r"(\s*\[(?:Medline|Full Text)\]\.?)+\s*$", "", m.group(2))
        refs[int(m.group(1))] = text
    assert sorted(refs) == list(range(1, SOURCE_COUNT + 1)), sorted(refs)
    return refs


def normalize(text: str) -> str:
    """Whitespace aside: runs collapsed, and the source's stray space in ``27 (6)`` removed."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(\d) \((\d)", r"\1(\2", text)


@pytest.fixture(scope="module")
def bib() -> Bibliography:
    bibliography, problems = load_bibliography(BIB)
    assert problems == []
    assert bibliography is not None
    return bibliography


def render(entry: Entry, backend: str = "text") -> str:
    text: str = MedscapeStyle().format_entry("1", entry).text.render_as(backend)
    return text


def article(**fields: str) -> Entry:
    persons = {"author": [Person(fields.pop("author", "Reiter, N."))]}
    base = {"title": "A title", "journal": "J Test", "year": "2001"}
    return Entry("article", fields={**base, **fields}, persons=persons)


def one(bibtex: str) -> BibEntry:
    bibliography, _ = parse_bibliographies([BibSource("t.bib", bibtex)])
    assert bibliography is not None and bibliography.entries
    return bibliography.entries[0]


# -- bibliography.bib -------------------------------------------------------------------------


def test_keys_in_source_order(bib: Bibliography) -> None:
    """The source's entries come first, in its order; the editors' additions follow."""
    assert list(bib.keys)[: len(KEYS)] == KEYS
    assert [e.index for e in bib.entries] == list(range(1, len(bib.entries) + 1))


def test_every_source_reference_renders_exactly_as_printed(bib: Bibliography) -> None:
    expected = source_references()
    style = MedscapeStyle()
    mismatches = []
    for entry in bib.entries[:SOURCE_COUNT]:
        got = style.format_entry(str(entry.index), entry.entry).text.render_as("text")
        if normalize(got) != normalize(expected[entry.index]):
            mismatches.append(
                f"{entry.index}:\n  got      {got}\n  expected {expected[entry.index]}"
            )
        # character for character with all whitespace removed, too
        assert re.sub(r"\s", "", got) == re.sub(r"\s", "", expected[entry.index])
    assert not mismatches, "\n".join(mismatches)


def _fact_sheet_identifiers() -> dict[int, dict[str, str]]:
    """PMIDs and DOIs recorded as seen in the fact sheet (copied to tests/data)."""
    ids: dict[int, dict[str, str]] = {}
    for line in IDENTIFIERS.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        number, pmid, doi = line.split("\t")
        ids[int(number)] = {k: v for k, v in (("pmid", pmid), ("doi", doi)) if v}
    assert sorted(ids) == list(range(1, SOURCE_COUNT + 1))
    return ids


def test_identifiers_only_where_the_fact_sheet_saw_them(bib: Bibliography) -> None:
    recorded = _fact_sheet_identifiers()
    for entry in bib.entries[:SOURCE_COUNT]:
        have = {k: entry.entry.fields[k] for k in ("pmid", "doi") if k in entry.entry.fields}
        assert have == recorded[entry.index], entry.key
    source = bib.entries[:SOURCE_COUNT]
    assert {e.index for e in source if "pmid" in e.entry.fields} == {1, 7, 24, 28}
    assert {e.index for e in source if "doi" in e.entry.fields} == {1, 7, 24, 28, 31}


def test_accented_names_render_as_printed(bib: Bibliography) -> None:
    text = render(bib["sais1995down"].entry) + render(bib["sultanbichat2012lithotripsy"].entry)
    for name in ("Jucglà A", "Peyrí J", "Reguiaï Z"):
        assert name in text


def test_source_article_entry(bib: Bibliography) -> None:
    entry = bib["nunley2016medscape"]
    assert entry.index == 35
    url = "https://emedicine.medscape.com/article/1103137-overview"
    assert render(entry.entry) == (
        f"Nunley JR. Calcinosis Cutis. Medscape. Updated 2016 Feb 8. Available at: {url}"
    )
    assert f'<a href="{url}">{url}</a>' in render(entry.entry, "html")


# -- the style --------------------------------------------------------------------------------


def test_entry_point_finds_the_style_by_name() -> None:
    assert find_plugin("pybtex.style.formatting", "medscape") is MedscapeStyle
    names = {ep.name for ep in importlib.metadata.entry_points(group="pybtex.style.formatting")}
    assert "medscape" in names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Reiter, N.", "Reiter N"),
        ("Yun, S. J.", "Yun SJ"),
        ("Yun, SJ", "Yun SJ"),
        ("Grant-Kels, J. M.", "Grant-Kels JM"),
        ("Nunley, Julia R.", "Nunley JR"),
        ("Dupont, Jean-Pierre", "Dupont JP"),
        ("van der Berg, Anna", "van der Berg A"),
        ("King, Jr, Martin Luther", "King ML Jr"),
        ("{World Health Organization}", "World Health Organization"),
        ("Jucgl{\\`a}, A.", "Jucglà A"),
        ("{\\'E}mile, {\\'A}.", "Émile Á"),
        ("others", "et al."),
    ],
)
def test_names(name: str, expected: str) -> None:
    assert str(format_person(Person(name))) == expected


def test_et_al_after_three_names() -> None:
    entry = one("@article{k, author={Kannan, S. and Ravikumar, L. and Mahadevan, S. and others},"
                " title={T}, journal={J}, year={2008}}")  # fmt: skip
    assert render(entry.entry).startswith("Kannan S, Ravikumar L, Mahadevan S, et al. T. J. 2008.")


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        ("jul", "2001 Jul."),  # BibTeX macro: pybtex expands it to "July"
        ("{July}", "2001 Jul."),
        ("{Jul-Aug}", "2001 Jul-Aug."),
        ("{May-Jun}", "2001 May-Jun."),
        ("{7}", "2001 Jul."),
        ("{Sept}", "2001 Sep."),
        ("{Summer}", "2001 Summer."),
    ],
)
def test_months(month: str, expected: str) -> None:
    entry = one(f"@article{{k, author={{A, B}}, title={{T}}, journal={{J}}, year={{2001}}, "
                f"month={month}}}")  # fmt: skip
    assert expected in render(entry.entry)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"volume": "65", "number": "1", "pages": "1-12; quiz 13-4"}, "65(1):1-12; quiz 13-4."),
        ({"volume": "33", "number": "Suppl 2", "pages": "60-2"}, "33 Suppl 2:60-2."),
        ({"volume": "212", "pages": "401-3"}, "212:401-3."),
        ({"volume": "212"}, "212."),
        ({"pages": "401-3"}, "401-3."),
        ({"volume": "66", "number": "6", "pages": "1004-5; author reply 1005"},
         "66(6):1004-5; author reply 1005."),
    ],
)  # fmt: skip
def test_volume_issue_pages(fields: dict[str, str], expected: str) -> None:
    assert render(article(**fields)) == f"Reiter N. A title. J Test. 2001. {expected}"


def test_no_date_no_volume() -> None:
    entry = Entry("article", fields={"title": "T", "journal": "J"},
                  persons={"author": [Person("A, B.")]})  # fmt: skip
    assert render(entry) == "A B. T. J."


def test_title_ending_in_punctuation_gets_no_second_period() -> None:
    assert render(article(title="Is it calcinosis?")).startswith("Reiter N. Is it calcinosis? J")


def test_title_case_is_kept() -> None:
    assert "Tc-99m MDP scintigraphy (InsP6) in DOWN" in render(
        article(title="Tc-99m MDP scintigraphy (InsP6) in DOWN")
    )


@pytest.mark.parametrize(
    ("bibtex", "expected"),
    [
        ("@book{k, author={Smith, John}, title={Skin}, publisher={Pub}, address={London},"
         " year={2010}, edition={2nd}}", "Smith J. Skin. 2nd ed. London: Pub; 2010."),
        ("@book{k, editor={Smith, John and Doe, Ann}, title={Skin}, publisher={Pub}, year={2010}}",
         "Smith J, Doe A, editors. Skin. Pub; 2010."),
        ("@incollection{k, author={Lee, A.}, title={Chapter}, editor={Smith, J.},"
         " booktitle={Big Book}, publisher={Pub}, address={NY}, year={2012}, pages={1-9}}",
         "Lee A. Chapter. In: Smith J, editor. Big Book. NY: Pub; 2012. p. 1-9."),
        ("@inproceedings{k, author={Lee, A.}, title={Talk}, booktitle={Proc X}, year={2012}}",
         "Lee A. Talk. Proc X. 2012."),
        ("@misc{k, author={Lee, A.}, title={Page}, howpublished={Site}, year={2020},"
         " url={https://example.org/a}}",
         "Lee A. Page. Site. 2020. Available at: https://example.org/a"),
        ("@online{k, title={Page}, organization={Org}, year={2020}, month=feb, day={3},"
         " url={https://example.org/a}, urldate={2021-05-06}}",
         "Page. Org. 2020 Feb 3. Available at: https://example.org/a Accessed 2021 May 6."),
        ("@techreport{k, author={Lee, A.}, title={Report}, institution={Inst}, year={1999}}",
         "Lee A. Report. Inst. 1999."),
        ("@phdthesis{k, author={Lee, A.}, title={Thesis}, school={Univ}, year={1999}}",
         "Lee A. Thesis. Univ. 1999."),
    ],
)  # fmt: skip
def test_other_entry_types(bibtex: str, expected: str) -> None:
    assert render(one(bibtex).entry) == expected


def test_an_entry_with_nothing_but_a_key_does_not_raise() -> None:
    assert render(Entry("article")) == ""
    assert render(Entry("strangetype", fields={"title": "T"})) == "T."
