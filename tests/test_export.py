"""Exports: BibTeX that parses back to the same entries, valid RIS, CSL-JSON, data: URLs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from pybtex.database import parse_string

from bibcite.bibliography import Bibliography, BibSource, parse_bibliographies
from bibcite.entry_data import entry_bibtex, entry_csl, standalone_entry
from bibcite.export import data_url, export_texts, ris, ris_record
from bibcite.formatting import make_reference
from bibcite.host import SiteConfig
from bibcite.numbering import Numbering
from bibcite.render import export_links
from bibcite.site import Settings, load_site

from support import REPO

ARTICLE = """@article{reiter2011,
  author  = {Reiter, N. and El-Shabrawi, L. and Aberer, E.},
  title   = {Calcinosis cutis: part {I}. Diagnostic pathway},
  journal = {J Am Acad Dermatol},
  year    = {2011}, month = jul,
  volume  = {65}, number = {1}, pages = {1-12; quiz 13-4},
  pmid    = {21679810}, doi = {10.1016/j.jaad.2010.08.038},
}
"""
ONLINE = """@online{nunley2016,
  author = {Nunley, Julia R.}, title = {Calcinosis Cutis}, organization = {Medscape},
  year = {2016}, month = feb, day = {8},
  url = {https://emedicine.medscape.com/article/1103137-overview},
  verified = {http://www.scielo.br/scielo.php?script=sci_arttext&pid=S0365&lng=en},
  note = {100% of it},
}
"""
STRINGS = """@string{jaad = "J Am Acad Dermatol"}
@article{muller2020, author = {M{\\"u}ller, Hans}, title = "Part " # "two",
  journal = jaad, year = 2020}
"""
CROSSREF = """@incollection{child, author = {Child, C.}, title = {A chapter}, crossref = {parent},
  pages = {5-9}}
@book{parent, editor = {Editor, E.}, title = {The book}, booktitle = {The book},
  publisher = {Pub}, year = {1999}}
"""


def _bib(text: str) -> Bibliography:
    bib, problems = parse_bibliographies([BibSource("t.bib", text)])
    assert not problems
    return bib


def _same(exported: str, bib: Bibliography) -> None:
    """``exported`` parses with pybtex to the entries of ``bib`` (inherited fields included)."""
    back = parse_string(exported, "bibtex")
    assert list(back.entries) == [e.key for e in bib.entries]
    for entry in bib.entries:
        want, got = standalone_entry(entry), back.entries[entry.key]
        assert got.type == want.type
        assert dict(got.fields) == dict(want.fields)
        assert {r: [str(p) for p in ps] for r, ps in got.persons.items()} == {
            r: [str(p) for p in ps] for r, ps in want.persons.items()
        }


@pytest.mark.parametrize("text", [ARTICLE, ONLINE, STRINGS, CROSSREF], ids=["article", "online",
                         "string-and-concatenation", "crossref"])  # fmt: skip
def test_bibtex_export_parses_back_to_the_same_entries(text: str) -> None:
    bib = _bib(text)
    _same("\n".join(entry_bibtex(e) for e in bib.entries), bib)


def test_a_crossref_child_is_exported_with_what_it_inherits() -> None:
    child = _bib(CROSSREF)["child"]
    back = parse_string(entry_bibtex(child), "bibtex").entries["child"]
    assert "crossref" not in back.fields
    assert back.fields["publisher"] == "Pub" and back.fields["year"] == "1999"
    assert [str(p) for p in back.persons["editor"]] == ["Editor, E."]


def test_the_site_bibliography_exports_whole_and_parses_back() -> None:
    text = (REPO / "bibliography.bib").read_text(encoding="utf-8")
    bib = _bib(text)
    refs = [make_reference(e, export=True)[0] for e in bib.entries]
    _same(export_texts([r.bibtex for r in refs], [r.csl for r in refs])["bib"], bib)


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        (
            ARTICLE,
            "reiter2011",
            "TY  - JOUR\r\nAU  - Reiter, N.\r\nAU  - El-Shabrawi, L.\r\nAU  - Aberer, E.\r\n"
            "TI  - Calcinosis cutis: part I. Diagnostic pathway\r\nJO  - J Am Acad Dermatol\r\n"
            "PY  - 2011\r\nDA  - 2011/07\r\nVL  - 65\r\nIS  - 1\r\nSP  - 1\r\nEP  - 12\r\n"
            "DO  - 10.1016/j.jaad.2010.08.038\r\nAN  - PMID:21679810\r\nID  - reiter2011\r\n"
            "ER  - \r\n",
        ),
        (
            ONLINE,
            "nunley2016",
            "TY  - ELEC\r\nAU  - Nunley, Julia R.\r\nTI  - Calcinosis Cutis\r\nT2  - Medscape\r\n"
            "PY  - 2016\r\nDA  - 2016/02/08\r\n"
            "UR  - https://emedicine.medscape.com/article/1103137-overview\r\nID  - nunley2016\r\n"
            "ER  - \r\n",
        ),
        (
            STRINGS,
            "muller2020",
            "TY  - JOUR\r\nAU  - Müller, Hans\r\nTI  - Part two\r\nJO  - J Am Acad Dermatol\r\n"
            "PY  - 2020\r\nID  - muller2020\r\nER  - \r\n",
        ),
    ],
    ids=["article", "web-page", "latex-and-strings"],
)
def test_ris_record(text: str, key: str, expected: str) -> None:
    assert ris_record(entry_csl(_bib(text)[key])) == expected


_RIS_LINE = re.compile(r"^(?:[A-Z][A-Z0-9]  - .*|ER  - )$")


def test_ris_of_the_site_bibliography_is_valid() -> None:
    bib = _bib((REPO / "bibliography.bib").read_text(encoding="utf-8"))
    text = ris(entry_csl(e) for e in bib.entries)
    records = [r for r in text.split("ER  - \r\n") if r.strip()]
    assert len(records) == len(bib.entries)
    for record in records:
        lines = record.strip("\r\n").split("\r\n")
        assert lines[0].startswith("TY  - ")
        assert all(_RIS_LINE.match(line) for line in lines), record
    assert text.endswith("ER  - \r\n")


def test_csl_item_is_plain_text_with_date_parts() -> None:
    item = entry_csl(_bib(ONLINE)["nunley2016"])
    assert item == {
        "id": "nunley2016",
        "type": "webpage",
        "title": "Calcinosis Cutis",
        "container-title": "Medscape",
        "URL": "https://emedicine.medscape.com/article/1103137-overview",
        "author": [{"family": "Nunley", "given": "Julia R."}],
        "issued": {"date-parts": [[2016, 2, 8]]},
    }


def test_download_links_hold_the_export_as_data_urls() -> None:
    bib = _bib(ARTICLE + ONLINE)
    refs = [make_reference(e, export=True)[0] for e in bib.entries]
    html = export_links(refs, "page-references", "these references")
    hrefs = dict(re.findall(r'download="([^"]+)" href="data:[^,]+,([^"]+)"', html))
    assert set(hrefs) == {"page-references.bib", "page-references.ris"}
    _same(unquote(hrefs["page-references.bib"]), bib)
    assert unquote(hrefs["page-references.ris"]).count("TY  - ") == 2
    assert 'aria-label="Download these references as RIS"' in html


def test_data_url_round_trips_any_text() -> None:
    text = 'a "quoted" <b>&</b> 100% ü #hash\n'
    url = data_url(text, "text/plain")
    assert url.startswith("data:text/plain;charset=utf-8,")
    assert unquote(url.split(",", 1)[1]) == text
    assert "\n" not in url and " " not in url and "#" not in url and '"' not in url


def test_references_keep_no_export_data_unless_asked() -> None:
    entry = _bib(ARTICLE)["reiter2011"]
    plain, _ = make_reference(entry)
    assert plain.bibtex == plain.csl == ""
    exported, _ = make_reference(entry, export=True)
    assert json.loads(exported.csl)["PMID"] == "21679810"


def test_export_data_survives_the_cache(tmp_path: Path) -> None:
    """A warm build (no pybtex parse) still has every entry's export data."""
    (tmp_path / "refs.bib").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("[@reiter2011]\n", encoding="utf-8")
    config = SiteConfig(tmp_path, tmp_path / "docs")
    settings = Settings(("refs.bib",), Numbering.GLOBAL, cache_dir=".cache", export=True)
    cold = load_site(settings, config)
    warm = load_site(settings, config)
    assert cold.parsed and not warm.parsed
    assert warm.refs["reiter2011"].bibtex == cold.refs["reiter2011"].bibtex != ""
    assert warm.refs["reiter2011"].csl == cold.refs["reiter2011"].csl != ""
