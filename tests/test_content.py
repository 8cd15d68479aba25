"""The content rules the suite can check: evidence types, verified added references, review
dates and the About page's change log (the medical editors check the rest)."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
import yaml

from bibcite.bibliography import load_bibliography

from support import REPO

DOCS = REPO / "docs"
#: The evidence types an entry may have (README, "Content rules").
EVIDENCE = {
    "review", "systematic-review", "guideline", "cohort", "cross-sectional", "case-series",
    "case-report", "letter", "textbook", "web-page", "drug-label", "other",
}  # fmt: skip
BASIS = {"title", "abstract"}
#: The address where an added entry's record was read.
RECORD_URL = re.compile(r"^https?://[^\s{}]+$")
#: A drug label's set id (``setid``), which stands in for a PMID or DOI (README, "Content rules").
SETID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
SOURCE_ENTRIES = 35  # the source article's 34 references, then the article itself
_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)


def _entries() -> list:  # type: ignore[type-arg]
    bibliography, problems = load_bibliography(REPO / "bibliography.bib", "bibliography.bib")
    assert bibliography is not None, problems
    return list(bibliography.entries)


def _field(entry: object, name: str) -> str:
    return str(entry.entry.fields.get(name, "")).strip()  # type: ignore[attr-defined]


def test_every_entry_has_an_evidence_type_from_the_vocabulary() -> None:
    wrong = [
        f"{e.key}: evidence={_field(e, 'evidence')!r} basis={_field(e, 'evidence_basis')!r}"
        for e in _entries()
        if _field(e, "evidence") not in EVIDENCE or _field(e, "evidence_basis") not in BASIS
    ]
    assert not wrong, "\n".join(wrong)


def test_the_source_entries_come_first_in_the_source_order() -> None:
    listed = (REPO / "tests" / "data" / "source-references.txt").read_text(encoding="utf-8")
    entries = _entries()
    assert entries[SOURCE_ENTRIES - 1].key == "nunley2016medscape"
    assert all(not _field(e, "added") for e in entries[:SOURCE_ENTRIES])
    assert listed.count("\n") >= 34


def _identifier_problem(key: str, fields: dict[str, str]) -> str | None:
    """What is wrong with an added entry's identifier: it carries a pmid or doi or, when its
    evidence is ``drug-label``, the label's set id; each one present is well formed."""
    pmid, doi, setid = (fields.get(name, "") for name in ("pmid", "doi", "setid"))
    label = fields.get("evidence") == "drug-label"
    if not (pmid or doi or (label and setid)):
        return f"{key}: no pmid or doi" + (" or setid" if label else "")
    if pmid and not re.fullmatch(r"\d{1,9}", pmid):
        return f"{key}: pmid {pmid!r}"
    if doi and not re.fullmatch(r"10\.\d{4,9}/\S+", doi):
        return f"{key}: doi {doi!r}"
    if setid and not SETID.fullmatch(setid):
        return f"{key}: setid {setid!r} is not a set id"
    return None


def test_added_entries_are_verified_with_an_identifier() -> None:
    added = _entries()[SOURCE_ENTRIES:]
    assert added, "no reference beyond the source article"
    for e in added:
        fields = {name: _field(e, name) for name in ("pmid", "doi", "setid", "evidence")}
        problem = _identifier_problem(e.key, fields)
        assert problem is None, problem
        assert RECORD_URL.match(_field(e, "verified")), f"{e.key}: verified is not a URL"
        day = datetime.date.fromisoformat(_field(e, "added"))
        assert day <= datetime.date.today(), e.key


@pytest.mark.parametrize(
    ("fields", "passes"),
    [
        ({"evidence": "drug-label", "setid": "82f55408-2de9-463d-85e8-b39c3b259f0b"}, True),
        ({"evidence": "drug-label"}, False),  # a label without its set id
        ({"evidence": "drug-label", "setid": "82f55408"}, False),  # not a set id
        ({"evidence": "review", "setid": "82f55408-2de9-463d-85e8-b39c3b259f0b"}, False),
        ({"evidence": "review", "pmid": "28846311"}, True),
    ],
    ids=["label-with-setid", "label-without-setid", "label-bad-setid", "setid-not-a-label", "pmid"],
)
def test_the_identifier_rule(fields: dict[str, str], passes: bool) -> None:
    assert (_identifier_problem("key", fields) is None) is passes


def test_no_two_entries_share_an_identifier() -> None:
    for name in ("pmid", "doi", "setid"):
        values = [_field(e, name).lower() for e in _entries() if _field(e, name)]
        assert len(values) == len(set(values)), f"duplicate {name}"


PAGES = sorted(DOCS.rglob("*.md"))


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(DOCS).as_posix() for p in PAGES])
def test_every_page_has_a_review_date(page: Path) -> None:
    found = _FRONT.match(page.read_text(encoding="utf-8"))
    assert found, f"{page}: no front matter"
    reviewed = yaml.safe_load(found.group(1)).get("reviewed")
    assert isinstance(reviewed, datetime.date), f"{page}: no reviewed: YYYY-MM-DD"
    assert reviewed <= datetime.date.today()


def test_about_keeps_a_change_log() -> None:
    about = (DOCS / "about.md").read_text(encoding="utf-8")
    log = about.split("## Change log", 1)
    assert len(log) == 2, "About has no '## Change log' section"
    assert re.search(r"^- \*\*\d{4}-\d{2}-\d{2}\*\*|^- \d{4}-\d{2}-\d{2}", log[1], re.M)


def test_the_references_page_explains_its_labels() -> None:
    text = (DOCS / "references.md").read_text(encoding="utf-8").lower()
    for label in ("case report", "review", "beyond the source article"):
        assert label in text, label
