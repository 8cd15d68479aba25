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
    "case-report", "letter", "textbook", "web-page", "other",
}  # fmt: skip
BASIS = {"title", "abstract"}
#: The address where an added entry's record was read.
RECORD_URL = re.compile(r"^https?://[^\s{}]+$")
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


def test_added_entries_are_verified_with_an_identifier() -> None:
    added = _entries()[SOURCE_ENTRIES:]
    assert added, "no reference beyond the source article"
    for e in added:
        assert _field(e, "pmid") or _field(e, "doi"), f"{e.key}: no pmid or doi"
        if _field(e, "pmid"):
            assert re.fullmatch(r"\d{1,9}", _field(e, "pmid")), e.key
        if _field(e, "doi"):
            assert re.fullmatch(r"10\.\d{4,9}/\S+", _field(e, "doi")), e.key
        assert RECORD_URL.match(_field(e, "verified")), f"{e.key}: verified is not a URL"
        day = datetime.date.fromisoformat(_field(e, "added"))
        assert day <= datetime.date.today(), e.key


def test_no_two_entries_share_an_identifier() -> None:
    for name in ("pmid", "doi"):
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
