"""The content rules the suite can check: the evidence vocabulary on every entry, where the
entries beyond the source article were verified, and a review date on every page."""

from __future__ import annotations

import datetime
import re

import pytest
import yaml

from bibcite.bibliography import load_bibliography

from support import REPO

#: The evidence types (README, About page), as `evidence = {…}` in bibliography.bib.
EVIDENCE = {
    "systematic-review", "review", "guideline", "trial", "cohort", "cross-sectional",
    "case-series", "case-report", "letter", "experimental", "textbook", "web-page",
}  # fmt: skip
SOURCE_ENTRIES = 35  # the source article's 34 references, then the article itself
DOCS = REPO / "docs"

BIB, _ = load_bibliography(REPO / "bibliography.bib", "bibliography.bib")
assert BIB is not None
ENTRIES = BIB.entries


def field(entry: object, name: str) -> str:
    return str(entry.entry.fields.get(name, "")).strip()  # type: ignore[attr-defined]


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.key)
def test_every_entry_has_an_evidence_type_and_its_basis(entry: object) -> None:
    assert field(entry, "evidence") in EVIDENCE
    assert field(entry, "evidence_basis") in {"title", "abstract"}


def test_only_entries_after_the_source_list_are_added() -> None:
    added = [e.index for e in ENTRIES if field(e, "added")]
    assert added == list(range(SOURCE_ENTRIES + 1, len(ENTRIES) + 1))


@pytest.mark.parametrize(
    "entry", [e for e in ENTRIES if field(e, "added")], ids=lambda e: e.key
)
def test_an_added_entry_says_where_it_was_verified(entry: object) -> None:
    assert re.fullmatch(r"https://\S+", field(entry, "verified"))
    assert re.fullmatch(r"\d{1,9}", field(entry, "pmid")) or re.fullmatch(
        r"10\.\d{4,9}/\S+", field(entry, "doi")
    )


PAGES = sorted(p for p in DOCS.rglob("*.md"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_every_page_has_a_review_date(page: object) -> None:
    text = page.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    front = re.match(r"\A---\n(.*?)\n---\n", text, re.DOTALL)
    assert front, "no front matter"
    meta = yaml.safe_load(front.group(1))
    assert isinstance(meta.get("reviewed"), datetime.date)


def test_about_keeps_a_change_log_and_explains_the_labels() -> None:
    about = (DOCS / "about.md").read_text(encoding="utf-8")
    assert re.search(r"^## Change log", about, re.MULTILINE)
    for word in ("case report", "review", "beyond the source article"):
        assert word in about.lower()
