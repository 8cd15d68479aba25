"""The formatter with its on-disk cache: warm builds skip pybtex, and lose no warning."""

from __future__ import annotations

from pathlib import Path

from bibcite import cache
from bibcite.bibliography import BibEntry, parse_bibliography
from bibcite.formatting import ReferenceFormatter
from bibcite.versions import style_version

BIB = """
@article{good2001,
  author = {Good, G.}, title = {A fine title}, journal = {J}, year = {2001},
}
@article{bad2002,
  author = {Bad, B.}, title = {Broken \\unknowncommand{x} title}, journal = {J}, year = {2002},
}
"""


def entries(text: str = BIB) -> dict[str, BibEntry]:
    bibliography, problems = parse_bibliography(text, "refs.bib")
    assert bibliography is not None and not problems
    return dict(bibliography.by_key)


def formatter(directory: Path) -> ReferenceFormatter:
    return ReferenceFormatter(
        "medscape", cache.load(directory, "medscape", style_version("medscape"))
    )


def test_warm_formatter_reads_the_disk_cache(tmp_path: Path) -> None:
    cold = formatter(tmp_path)
    first = cold.format(entries()["good2001"], "refs.bib")
    assert cold.formatted_count == 1
    assert cold.save() is None

    warm = formatter(tmp_path)
    again = warm.format(entries()["good2001"], "refs.bib")
    assert warm.formatted_count == 0
    assert again == first


def test_a_changed_entry_is_formatted_again(tmp_path: Path) -> None:
    cold = formatter(tmp_path)
    cold.format(entries()["good2001"], "refs.bib")
    cold.save()
    changed = entries(BIB.replace("A fine title", "A better title"))["good2001"]
    warm = formatter(tmp_path)
    assert "A better title" in warm.format(changed, "refs.bib").text
    assert warm.formatted_count == 1


def test_a_new_style_version_is_formatted_again(tmp_path: Path) -> None:
    cold = formatter(tmp_path)
    cold.format(entries()["good2001"], "refs.bib")
    cold.save()
    other = ReferenceFormatter("medscape", cache.load(tmp_path, "medscape", "another-version"))
    other.format(entries()["good2001"], "refs.bib")
    assert other.formatted_count == 1


def test_entries_with_problems_are_not_cached_so_warnings_repeat(tmp_path: Path) -> None:
    cold = formatter(tmp_path)
    cold.format(entries()["bad2002"], "refs.bib")
    first = cold.take_problems()
    assert first and "bad2002" in str(first[0])
    cold.save()

    warm = formatter(tmp_path)
    warm.format(entries()["bad2002"], "refs.bib")
    assert warm.formatted_count == 1
    assert warm.take_problems() == first
