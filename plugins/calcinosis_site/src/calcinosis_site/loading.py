"""Loading subtype sources: their front matter, their sections and the tree they form."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable
from pathlib import Path

from bibcite.problems import Problem, Severity
from calcinosis_site.checker import _Checker, _did_you_mean, _error
from calcinosis_site.model import (
    _ATX,
    _SETEXT,
    _SLUG,
    SECTIONS,
    TYPES,
    Subtype,
    _prose_lines,
)


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
    problems: list[Problem] = []
    order_hint = "Use these sections, in this order: " + ", ".join(SECTIONS)
    seen: dict[str, int] = {}
    last = -1
    in_section = False
    prev_text: str | None = None
    for i, line, prev_blank in _prose_lines(body):
        lineno = body_line + i
        atx = _ATX.match(line)
        setext = _SETEXT.match(line) if prev_text is not None and not prev_blank else None
        if setext and prev_text is not None:
            problems.append(
                _error(
                    path,
                    lineno - 1,
                    1,
                    f"underlined heading '{prev_text.strip()}'",
                    f"Write it as '## {prev_text.strip()}' (or put a blank line above the "
                    f"'{setext.group(1)[:3]}' line if it is not a heading)",
                )
            )
            prev_text = None
            continue
        if atx is None:
            if line.strip() and not in_section:
                problems.append(
                    _error(
                        path,
                        lineno,
                        1,
                        "text before the first section heading",
                        "Start the body with a section heading such as '## Definition'",
                    )
                )
                in_section = True  # report once
            prev_text = line if line.strip() else None
            continue
        prev_text = None
        level, title = len(atx.group(1)), atx.group(2).strip()
        if level == 1:
            problems.append(
                _error(
                    path,
                    lineno,
                    1,
                    f"level-1 heading '{title}' in the body",
                    "The page title comes from `name`; use '## ' section headings",
                )
            )
            continue
        if level > 2:
            if not in_section:
                problems.append(
                    _error(
                        path,
                        lineno,
                        1,
                        f"heading '{title}' before the first section",
                        "Put it under a '## ' section heading such as '## Definition'",
                    )
                )
                in_section = True
            continue
        in_section = True
        if title.casefold() == "references":
            problems.append(
                _error(
                    path,
                    lineno,
                    1,
                    "section 'References' in a source",
                    "Remove it: the reference list is added by the citation engine",
                )
            )
        elif title not in SECTIONS:
            exact = next((s for s in SECTIONS if s.casefold() == title.casefold()), None)
            hint = f"Write it as '## {exact}'" if exact else _did_you_mean(title, SECTIONS)
            problems.append(_error(path, lineno, 1, f"unknown section heading '{title}'", hint))
        elif title in seen:
            problems.append(
                _error(
                    path,
                    lineno,
                    1,
                    f"duplicate section '{title}' (first on line {seen[title]})",
                    "Merge the two sections into one",
                )
            )
        else:
            index = SECTIONS.index(title)
            if index < last:
                problems.append(
                    _error(
                        path,
                        lineno,
                        1,
                        f"section '{title}' is out of order (it comes after '{SECTIONS[last]}')",
                        order_hint,
                    )
                )
            seen[title] = lineno
            last = max(last, index)
    return problems


# --- the tree ----------------------------------------------------------------------------------


def _check_tree(parsed: list[Subtype], failed: set[str]) -> tuple[list[Subtype], list[Problem]]:
    """Cross-file checks: parents exist, no cycles, names unique, major types well formed."""
    problems: list[Problem] = []
    by_slug = {s.slug: s for s in parsed}
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
    # cycles: follow each parent chain; report each cycle once, at its first slug
    reported: set[frozenset[str]] = set()
    for s in sorted(parsed, key=lambda s: s.slug):
        chain: list[str] = []
        cur: Subtype | None = s
        while cur is not None and cur.slug not in chain:
            chain.append(cur.slug)
            cur = by_slug.get(cur.parent) if cur.parent else None
        if cur is None:
            continue
        cycle = chain[chain.index(cur.slug) :]
        members = frozenset(cycle)
        bad.update(members)
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
    # leave out the bad ones and everything under them
    dropped = bad | failed
    changed = True
    while changed:
        changed = False
        for s in parsed:
            if s.slug not in dropped and s.parent is not None and s.parent in dropped:
                dropped.add(s.slug)
                changed = True
    good = sorted((s for s in parsed if s.slug not in dropped), key=lambda s: s.slug)
    return good, problems
