"""Loading subtype sources: their front matter, their sections and the tree they form."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable
from pathlib import Path

from bibcite.problems import Problem, Severity
from calcinosis_site.checker import _Checker, _did_you_mean
from calcinosis_site.model import (
    _ATX,
    _SETEXT,
    _SLUG,
    SECTIONS,
    TYPES,
    Subtype,
    _prose_lines,
)
from calcinosis_site.yaml_positions import _error


def citation_problems(
    subtypes: Iterable[Subtype], known: Collection[str], bib_path: str = "bibliography.bib"
) -> list[Problem]:
    """An error for each citation key (summary, facts or body) that is not in ``known``."""
    problems: list[Problem] = []
    for subtype in subtypes:
        for c in subtype.citations():
            if c.key not in known:
                close = difflib.get_close_matches(c.key, list(known), n=1)
                hint = f"Did you mean '{close[0]}'? " if close else ""
                problems.append(
                    Problem(
                        subtype.path,
                        c.line,
                        c.col,
                        f"unknown citation key '{c.key}' in {c.where}",
                        hint + f"Use a key of {bib_path}",
                        Severity.ERROR,
                    )
                )
    return problems


# --- loading -----------------------------------------------------------------------------------


def load_subtypes(directory: Path, display_prefix: str) -> tuple[list[Subtype], list[Problem]]:
    """Parse and check every ``*.md`` in ``directory``.

    ``display_prefix`` is the directory as the user knows it (``docs/subtypes``); problems name
    files as ``<display_prefix>/<file>``. Returns the subtypes that passed every check, sorted by
    slug (a subtype whose parent failed is left out with it), and the problems, all errors.
    """
    problems: list[Problem] = []
    parsed: list[Subtype] = []
    failed: set[str] = set()
    prefix = display_prefix.rstrip("/")
    files = sorted(directory.glob("*.md")) if directory.is_dir() else []
    if not directory.is_dir():
        problems.append(
            _error(prefix, 0, 0, "subtypes directory not found", "Create it or fix `subtypes_dir`")
        )
    for file in files:
        shown = f"{prefix}/{file.name}" if prefix else file.name
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            problems.append(_error(shown, 0, 0, f"not UTF-8 ({exc.reason})", "Save it as UTF-8"))
            failed.add(file.stem)
            continue
        except OSError as exc:
            problems.append(_error(shown, 0, 0, f"cannot read ({exc.strerror})", "Check it"))
            failed.add(file.stem)
            continue
        subtype, found = parse_subtype(text, file.stem, shown)
        problems.extend(found)
        if subtype is None or found:
            failed.add(file.stem)
        else:
            parsed.append(subtype)
    good, cross = _check_tree(parsed, failed)
    return good, problems + cross


def parse_subtype(text: str, slug: str, path: str) -> tuple[Subtype | None, list[Problem]]:
    """Parse one source. Returns the subtype (``None`` if it cannot be built) and its problems."""
    problems: list[Problem] = []
    if not _SLUG.match(slug):
        problems.append(
            _error(
                path,
                1,
                1,
                f"file name '{slug}.md' is not a slug",
                "Name the file in lowercase words joined by hyphens, e.g. 'tumoral-calcinosis.md'",
            )
        )
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        problems.append(
            _error(
                path,
                1,
                1,
                "missing front matter",
                "Start the file with a '---' line, the fields (name, classification, summary, "
                "facts...) and another '---' line",
            )
        )
        return None, problems
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        problems.append(
            _error(
                path,
                1,
                1,
                "front matter is not closed",
                "End the front matter with a '---' line before the body",
            )
        )
        return None, problems
    front = "".join(lines[1:end])
    body = "".join(lines[end + 1 :])
    body_line = end + 2
    checker = _Checker(path)
    data = checker.load_yaml(front)
    if checker.problems:
        return None, problems + checker.problems
    subtype = checker.build(data, slug, body, body_line)
    problems.extend(checker.problems)
    problems.extend(_check_sections(body, body_line, path))
    return subtype, problems


def _check_sections(body: str, body_line: int, path: str) -> list[Problem]:
    """The problems of a body's headings: its sections must be the known ones, in order."""
    check = _SectionCheck(path)
    prev_text: str | None = None  # the line above, if a setext underline could follow it
    for i, line, prev_blank in _prose_lines(body):
        lineno = body_line + i
        atx = _ATX.match(line)
        setext = _SETEXT.match(line) if prev_text is not None and not prev_blank else None
        if setext and prev_text is not None:
            check.underlined(lineno - 1, prev_text.strip(), setext.group(1))
            prev_text = None
            continue
        if atx is None:
            check.text(lineno, line)
            prev_text = line if line.strip() else None
            continue
        prev_text = None
        check.heading(lineno, len(atx.group(1)), atx.group(2).strip())
    return check.problems


class _SectionCheck:
    """The problems of a body's lines, read in order, and the sections seen so far."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.seen: dict[str, int] = {}  # section title -> its line
        self.last = -1  # index in SECTIONS of the furthest section seen
        self.in_section = False

    def error(self, lineno: int, message: str, hint: str) -> None:
        """Records an error at the start of a line."""
        self.problems.append(_error(self.path, lineno, 1, message, hint))

    def underlined(self, lineno: int, title: str, underline: str) -> None:
        """Records a setext (underlined) heading: the sections are '## ' headings."""
        self.error(
            lineno,
            f"underlined heading '{title}'",
            f"Write it as '## {title}' (or put a blank line above the "
            f"'{underline[:3]}' line if it is not a heading)",
        )

    def text(self, lineno: int, line: str) -> None:
        """Records text before the first section heading (once)."""
        if line.strip() and not self.in_section:
            self.error(
                lineno,
                "text before the first section heading",
                "Start the body with a section heading such as '## Definition'",
            )
            self.in_section = True  # report once

    def heading(self, lineno: int, level: int, title: str) -> None:
        """Records a level-1 heading, or a subheading before the first section; checks sections."""
        if level == 1:
            self.error(
                lineno,
                f"level-1 heading '{title}' in the body",
                "The page title comes from `name`; use '## ' section headings",
            )
            return
        if level > 2:
            if not self.in_section:
                self.error(
                    lineno,
                    f"heading '{title}' before the first section",
                    "Put it under a '## ' section heading such as '## Definition'",
                )
                self.in_section = True
            return
        self.in_section = True
        self.section(lineno, title)

    def section(self, lineno: int, title: str) -> None:
        """Records a section that is not one of SECTIONS, is given twice, or is out of order."""
        if title.casefold() == "references":
            self.error(
                lineno,
                "section 'References' in a source",
                "Remove it: the reference list is added by the citation engine",
            )
        elif title not in SECTIONS:
            exact = next((s for s in SECTIONS if s.casefold() == title.casefold()), None)
            hint = f"Write it as '## {exact}'" if exact else _did_you_mean(title, SECTIONS)
            self.error(lineno, f"unknown section heading '{title}'", hint)
        elif title in self.seen:
            self.error(
                lineno,
                f"duplicate section '{title}' (first on line {self.seen[title]})",
                "Merge the two sections into one",
            )
        else:
            index = SECTIONS.index(title)
            if index < self.last:
                self.error(
                    lineno,
                    f"section '{title}' is out of order (it comes after '{SECTIONS[self.last]}')",
                    "Use these sections, in this order: " + ", ".join(SECTIONS),
                )
            self.seen[title] = lineno
            self.last = max(self.last, index)


# --- the tree ----------------------------------------------------------------------------------


def _check_tree(parsed: list[Subtype], failed: set[str]) -> tuple[list[Subtype], list[Problem]]:
    """Cross-file checks: parents exist, no cycles, names unique, major types well formed.

    Returns the subtypes that pass, without those under one that fails, and the problems.
    """
    by_slug = {s.slug: s for s in parsed}
    problems, bad = _field_problems(parsed, by_slug, failed)
    cycle_problems, in_cycles = _cycle_problems(parsed, by_slug)
    good = _without_descendants(parsed, bad | in_cycles | failed)
    return good, problems + cycle_problems


def _field_problems(
    parsed: list[Subtype], by_slug: dict[str, Subtype], failed: set[str]
) -> tuple[list[Problem], set[str]]:
    """The problems of names, major types and parents across files, and the slugs at fault."""
    problems: list[Problem] = []
    known = sorted(set(by_slug) | failed)
    bad: set[str] = set()
    names: dict[str, Subtype] = {}

    def reject(s: Subtype, field: str, message: str, hint: str) -> None:
        problems.append(_error(s.path, s.field_lines.get(field, 1), 1, message, hint))
        bad.add(s.slug)

    for s in sorted(parsed, key=lambda s: s.slug):
        folded = s.name.casefold()
        if folded in names:
            reject(s, "name", f"name '{s.name}' is also used by {names[folded].path}",
                   "Give each subtype its own name")  # fmt: skip
        names.setdefault(folded, s)
        if s.slug in TYPES and s.parent is None and s.slug not in s.classification:
            reject(s, "classification", f"major type '{s.slug}' is not classified as '{s.slug}'",
                   f"Write `classification: [{s.slug}]`")  # fmt: skip
        if s.slug in TYPES and s.parent is not None:
            reject(s, "parent", f"major type '{s.slug}' has a parent",
                   "Remove `parent`: the four major types are the top of the tree")  # fmt: skip
        if s.parent is not None and s.parent not in by_slug and s.parent not in failed:
            hint = _did_you_mean(s.parent, known, what="the slug (file name without .md) of")
            reject(s, "parent", f"unknown parent '{s.parent}'", hint)
    return problems, bad


def _cycle_problems(
    parsed: list[Subtype], by_slug: dict[str, Subtype]
) -> tuple[list[Problem], set[str]]:
    """An error for each parent cycle (once, at its first slug), and the slugs in cycles."""
    problems: list[Problem] = []
    in_cycles: set[str] = set()
    reported: set[frozenset[str]] = set()
    for s in sorted(parsed, key=lambda s: s.slug):
        cycle = _cycle_from(s, by_slug)
        if cycle is None:
            continue
        members = frozenset(cycle)
        in_cycles.update(members)
        if members in reported:
            continue
        reported.add(members)
        first = min(cycle)
        start = cycle.index(first)
        ring = [*cycle[start:], *cycle[:start], first]
        head = by_slug[first]
        files = ", ".join(by_slug[m].path for m in sorted(members))
        problems.append(
            _error(
                head.path,
                head.field_lines.get("parent", 1),
                1,
                f"parent cycle: {' → '.join(ring)}",
                f"A subtype cannot sit under itself; change `parent` in one of: {files}",
            )
        )
    return problems, in_cycles


def _cycle_from(s: Subtype, by_slug: dict[str, Subtype]) -> list[str] | None:
    """The slugs of the cycle that the parent chain from ``s`` runs into, or ``None``."""
    chain: list[str] = []
    cur: Subtype | None = s
    while cur is not None and cur.slug not in chain:
        chain.append(cur.slug)
        cur = by_slug.get(cur.parent) if cur.parent else None
    if cur is None:
        return None
    return chain[chain.index(cur.slug) :]


def _without_descendants(parsed: list[Subtype], dropped: set[str]) -> list[Subtype]:
    """The subtypes, by slug, but those dropped and everything under them."""
    dropped = set(dropped)
    changed = True
    while changed:
        changed = False
        for s in parsed:
            if s.slug not in dropped and s.parent is not None and s.parent in dropped:
                dropped.add(s.slug)
                changed = True
    return sorted((s for s in parsed if s.slug not in dropped), key=lambda s: s.slug)
