"""Subtype pages: load ``docs/subtypes/*.md`` sources, check them, and render the generated pages.

Each source is YAML front matter (the structured facts, each with its citation keys) followed by
a Markdown body of fixed sections. This module is pure: it imports nothing from MkDocs, returns
:class:`~bibcite.problems.Problem` records instead of logging or raising, and renders Markdown that
the citation engine then processes like any other page (citations are written ``[@key]``).

Source schema (``docs/subtypes/<slug>.md``)::

    ---
    name: Milia-like idiopathic calcinosis cutis     # required
    aliases: [MICC]                                  # optional list of strings
    classification: [idiopathic]                     # required: one or more of the four types
    parent: idiopathic                               # optional: slug of the subtype it sits under
    order: 2                                         # optional int: position among its siblings
    summary: One sentence [@becuwe2004milia].        # required
    facts:                                           # required, exactly these keys
      age: {text: "...", cite: [becuwe2004milia]}    # or null: not documented in the cited sources
      sex: null
      calcium: {value: normal, cite: [reiter2011diagnostic]}   # normal | raised | variable (+ note)
      phosphate: {value: normal, cite: [reiter2011diagnostic]}
      sites: {text: "...", cite: [...]}
      associations: {text: "...", cite: [...]}
    ---
    ## Definition
    ...

Kinds are derived: a *major type* has one of the four type names as its slug and no parent, a
*variant* has a parent, any other subtype is a *rare type*.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeAlias

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bibcite.problems import Problem, Severity
from bibcite.syntax import CITATION_PATTERN, KEY, parse_citation
from calcinosis_site.diagram import DiagramNode, render_diagram

#: The major types, in the order the site presents them.
TYPES: tuple[str, ...] = ("dystrophic", "metastatic", "iatrogenic", "idiopathic")
#: Body sections allowed in a source, in the order they must appear.
SECTIONS: tuple[str, ...] = (
    "Definition",
    "Mechanism",
    "Causes and associations",
    "Who gets it",
    "Clinical features",
    "Diagnosis",
    "Treatment",
    "Prognosis",
)
#: The keys of ``facts``, in the order of the at-a-glance box.
FACT_KEYS: tuple[str, ...] = ("age", "sex", "calcium", "phosphate", "sites", "associations")
#: Facts given as a laboratory value rather than as text.
LAB_FACTS: frozenset[str] = frozenset({"calcium", "phosphate"})
#: Allowed ``value`` of a laboratory fact.
LAB_VALUES: tuple[str, ...] = ("normal", "raised", "variable")
#: Shown for a fact given as ``null``.
NOT_DOCUMENTED = "Not documented in the cited sources"

REQUIRED_FIELDS: tuple[str, ...] = ("name", "classification", "summary", "facts")
OPTIONAL_FIELDS: tuple[str, ...] = ("aliases", "parent", "order")
FIELDS: tuple[str, ...] = (
    "name",
    "aliases",
    "classification",
    "parent",
    "order",
    "summary",
    "facts",
)
_EXAMPLES: Mapping[str, str] = {
    "name": "name: Milia-like idiopathic calcinosis cutis",
    "aliases": "aliases: [MICC]",
    "classification": "classification: [idiopathic]",
    "parent": "parent: idiopathic",
    "order": "order: 2",
    "summary": 'summary: "One sentence in our own words [@key]."',
    "facts": "facts: {age: ..., sex: ..., calcium: ..., phosphate: ..., sites: ..., "
    "associations: ...}",
    "text": 'age: {text: "Childhood", cite: [key]}',
    "lab": "calcium: {value: normal, cite: [key]}",
    "cite": "cite: [key1, key2]",
    "note": 'note: "Raised in ..."',
}
#: Labels of the at-a-glance rows and of the comparison table columns.
FACT_LABELS: Mapping[str, str] = {
    "age": "Typical age",
    "sex": "Sex",
    "calcium": "Serum calcium",
    "phosphate": "Serum phosphate",
    "sites": "Typical sites",
    "associations": "Key associations",
}
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CITE_GROUP = re.compile(CITATION_PATTERN)  # the citation engine's own syntax
_CITE_KEY = re.compile(rf"@({KEY})")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^(#{1,6})(.*?)#*[ \t]*$")
_SETEXT = re.compile(r"^(=+|-+)[ \t]*$")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")

Position: TypeAlias = tuple[int, int]  # 1-based line and column in the source file
FieldPath: TypeAlias = tuple[str | int, ...]


class Kind(Enum):
    """Where a subtype sits in the classification (derived from its slug and parent)."""

    MAJOR = "major type"
    RARE = "rare type"
    VARIANT = "variant"


@dataclass(frozen=True)
class Fact:
    """One entry of ``facts``.

    key: the fact's key (``age``, ``sex``, ``calcium``, ``phosphate``, ``sites``, ``associations``).
    text: the statement, for text facts (``None`` for calcium and phosphate).
    value: ``normal``, ``raised`` or ``variable``, for calcium and phosphate (else ``None``).
    note: optional qualification of ``value`` (Markdown).
    cite: the citation keys supporting the fact, in source order (never empty).
    line: line of the fact's key in the source file.
    """

    key: str
    text: str | None
    value: str | None
    note: str | None
    cite: tuple[str, ...]
    line: int

    @property
    def all_citations(self) -> tuple[str, ...]:
        """``cite``, then keys cited inline in ``text`` or ``note``, without repeats."""
        inline = citation_keys_in(f"{self.text or ''} {self.note or ''}")
        return _unique((*self.cite, *(k for k, _ in inline)))

    @property
    def display(self) -> str:
        """The fact as one line of Markdown, without its citations."""
        if self.value is not None:
            shown = self.value.capitalize()
            return f"{shown} ({_one_line(self.note)})" if self.note else shown
        return _one_line(self.text or "")


@dataclass(frozen=True)
class Citation:
    """One citation key used by a subtype source, located in the file.

    key: the citation key (without ``@``).
    line, col: 1-based position in the source file (col 0 when unknown).
    where: ``summary``, ``facts.<key>`` or ``body``.
    """

    key: str
    line: int
    col: int
    where: str


@dataclass(frozen=True)
class Subtype:
    """One subtype source, parsed and checked.

    slug: the file stem (``milia-like``); other subtypes name it in ``parent``.
    path: the file as the user knows it (``docs/subtypes/milia-like.md``), for messages.
    name: the page title.
    aliases: other names, in source order.
    classification: the major types it is classed under, in source order (never empty).
    parent: slug of the subtype it sits under, or ``None``.
    order: position among its siblings (``None``: after the numbered ones, by name).
    summary: one sentence of Markdown, with citations.
    facts: every key of :data:`FACT_KEYS` to its :class:`Fact`, or ``None`` when not documented.
    body: the Markdown after the front matter, verbatim.
    body_line: line of the file on which ``body`` starts.
    positions: (line, column) of each front matter field's key, by dotted path (``name``,
        ``facts.age``, ``facts.age.cite``), and of each list item (``facts.age.cite.0``).
    """

    slug: str
    path: str
    name: str
    aliases: tuple[str, ...]
    classification: tuple[str, ...]
    parent: str | None
    order: int | None
    summary: str
    facts: Mapping[str, Fact | None]
    body: str
    body_line: int
    positions: Mapping[str, tuple[int, int]]

    @property
    def field_lines(self) -> Mapping[str, int]:
        """Line of each field (see ``positions``)."""
        return {k: line for k, (line, _) in self.positions.items()}

    @property
    def kind(self) -> Kind:
        if self.parent is not None:
            return Kind.VARIANT
        return Kind.MAJOR if self.slug in TYPES else Kind.RARE

    @property
    def variably_classed(self) -> bool:
        """Classed under more than one major type."""
        return len(self.classification) > 1

    @property
    def sort_key(self) -> tuple[bool, int, str, str]:
        """Order among siblings: by ``order`` (unnumbered last), then by name."""
        return (self.order is None, self.order or 0, self.name.casefold(), self.slug)

    @property
    def fact_citations(self) -> tuple[str, ...]:
        """Citation keys of the facts (``cite`` lists, and any ``[@key]`` written in a fact's
        text or note), first use first, without repeats."""
        return _unique(k for fact in self.facts.values() if fact for k in fact.all_citations)

    @property
    def summary_citations(self) -> tuple[str, ...]:
        return _unique(k for k, _ in citation_keys_in(self.summary))

    @property
    def body_citations(self) -> tuple[str, ...]:
        return _unique(c.key for c in self._body_citations())

    @property
    def citation_keys(self) -> tuple[str, ...]:
        """Every key cited by the summary, the facts and the body, without repeats."""
        return _unique((*self.summary_citations, *self.fact_citations, *self.body_citations))

    def citations(self) -> tuple[Citation, ...]:
        """Every citation of the source with its position, for messages about unknown keys."""
        out: list[Citation] = []
        line = self.positions.get("summary", (0, 0))[0]
        out.extend(Citation(k, line, 0, "summary") for k, _ in citation_keys_in(self.summary))
        for fact in self.facts.values():
            if fact is not None:
                where = f"facts.{fact.key}"
                for i, key in enumerate(fact.cite):
                    line, col = self.positions.get(f"{where}.cite.{i}", (fact.line, 0))
                    out.append(Citation(key, line, col, where))
                for part in ("text", "note"):
                    line = self.positions.get(f"{where}.{part}", (fact.line, 0))[0]
                    inline = citation_keys_in(getattr(fact, part) or "")
                    out.extend(Citation(key, line, 0, where) for key, _ in inline)
        out.extend(self._body_citations())
        return tuple(out)

    def _body_citations(self) -> list[Citation]:
        out: list[Citation] = []
        for i, line, _ in _prose_lines(self.body):
            for key, col in citation_keys_in(line):
                out.append(Citation(key, self.body_line + i, col, "body"))
        return out


def citation_keys_in(text: str) -> list[tuple[str, int]]:
    """Citation keys in Markdown text with their 1-based column: ``[@a; @b]``, ``[@k, p. 3]``.

    Uses the citation engine's pattern and parser (:mod:`bibcite.syntax`); malformed groups are
    skipped here (the engine reports them), and inline code is not searched.
    """
    found: list[tuple[str, int]] = []
    for group in _CITE_GROUP.finditer(_mask_inline_code(text)):
        items, error = parse_citation(group.group(0))
        if error:
            continue
        pos = group.start()
        for item in items:
            at = text.index("@" + item.key, pos)
            found.append((item.key, at + 1))
            pos = at + 1 + len(item.key)
    return found


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


class _Checker:
    """Checks one front matter, with the position of every key and value for messages."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.keys: dict[FieldPath, Position] = {}
        self.values: dict[FieldPath, Position] = {}

    # positions ------------------------------------------------------------------------------
    def load_yaml(self, front: str) -> Any:
        loader = yaml.SafeLoader(front)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            self._walk(node, ())
            return loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 2, mark.column + 1) if mark else (1, 1)
            what = exc.problem or "invalid YAML"
            if exc.context:
                what = f"{what} ({exc.context})"
            bad = (
                front.splitlines()[mark.line]
                if mark and mark.line < len(front.splitlines())
                else ""
            )
            hint = "Fix the YAML syntax"
            if "@" in bad:
                hint = (
                    "Write citation keys without '@' in YAML (cite: [key]) and quote text with '@'"
                )
            elif ": " in bad[bad.find(":") + 1 :] if ":" in bad else False:
                hint = "Quote text that contains ': ' (e.g. text: \"...\")"
            self.problems.append(_error(self.path, line, col, f"YAML syntax error: {what}", hint))
            return None
        except yaml.YAMLError as exc:
            self.problems.append(_error(self.path, 1, 1, f"YAML error: {exc}", "Fix the YAML"))
            return None
        finally:
            loader.dispose()

    def _walk(self, node: Node, path: FieldPath, seen_nodes: frozenset[int] = frozenset()) -> None:
        if id(node) in seen_nodes:  # a recursive alias (&a [*a]): positions are known already
            return
        seen_nodes = seen_nodes | {id(node)}
        if isinstance(node, MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    continue
                key = str(key_node.value)
                here = (key_node.start_mark.line + 2, key_node.start_mark.column + 1)
                if key in seen:
                    field = ".".join(str(p) for p in (*path, key))
                    self.problems.append(
                        _error(
                            self.path,
                            *here,
                            f"field '{field}' is given twice (first on line {seen[key]})",
                            "Keep one of them",
                        )
                    )
                    continue
                seen[key] = here[0]
                self.keys[(*path, key)] = here
                self.values[(*path, key)] = (
                    value_node.start_mark.line + 2,
                    value_node.start_mark.column + 1,
                )
                self._walk(value_node, (*path, key), seen_nodes)
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                self.values[(*path, i)] = (item.start_mark.line + 2, item.start_mark.column + 1)
                self._walk(item, (*path, i), seen_nodes)

    def at(self, path: FieldPath, value: bool = False) -> Position:
        """Position of a field's key (or value); falls back to the nearest enclosing field."""
        table = self.values if value else self.keys
        for n in range(len(path), 0, -1):
            pos = table.get(path[:n]) or self.keys.get(path[:n])
            if pos:
                return pos
        return (1, 1)

    def error(self, path: FieldPath, message: str, hint: str, value: bool = False) -> None:
        self.problems.append(_error(self.path, *self.at(path, value), message, hint))

    # fields ---------------------------------------------------------------------------------
    def build(self, data: Any, slug: str, body: str, body_line: int) -> Subtype | None:
        if data is None:
            self.problems.append(
                _error(
                    self.path,
                    1,
                    1,
                    "front matter is empty",
                    f"Add the required fields: {', '.join(REQUIRED_FIELDS)}",
                )
            )
            return None
        if not isinstance(data, dict):
            self.problems.append(
                _error(
                    self.path,
                    2,
                    1,
                    f"front matter must be a mapping of fields, not {_describe(data)}",
                    "Write one 'field: value' per line",
                )
            )
            return None
        for key in data:
            if not isinstance(key, str) or key not in FIELDS:
                self.error((str(key),), f"unknown field '{key}'", _did_you_mean(str(key), FIELDS))
        missing = [f for f in REQUIRED_FIELDS if f not in data]
        for field in missing:
            self.problems.append(
                _error(
                    self.path,
                    1,
                    1,
                    f"missing required field '{field}'",
                    f"Add it, e.g. `{_EXAMPLES[field]}`",
                )
            )
        before = len(self.problems)
        name = self._string(data, "name", required=True)
        aliases = self._strings(data, ("aliases",), required=False)
        classification = self._classification(data)
        parent = self._parent(data, slug)
        order = self._order(data)
        summary = self._string(data, "summary", required=True)
        if summary is not None and not citation_keys_in(summary):
            self.error(
                ("summary",),
                "field 'summary' has no citation",
                "Cite its source at the end, e.g. `summary: One sentence [@key].`",
            )
        facts = self._facts(data)
        if len(self.problems) > before or missing or name is None or summary is None:
            return None
        if facts is None or classification is None:
            return None
        positions = {".".join(str(p) for p in path): pos for path, pos in self.keys.items()}
        for path, pos in self.values.items():
            if isinstance(path[-1], int):
                positions[".".join(str(p) for p in path)] = pos
        return Subtype(
            slug=slug,
            path=self.path,
            name=name,
            aliases=aliases or (),
            classification=classification,
            parent=parent,
            order=order,
            summary=summary.strip(),
            facts=MappingProxyType(facts),
            body=body,
            body_line=body_line,
            positions=MappingProxyType(positions),
        )

    def _wrong_type(self, path: FieldPath, expected: str, got: Any, example: str) -> None:
        field = ".".join(str(p) for p in path)
        self.error(
            path,
            f"field '{field}' must be {expected}, not {_describe(got)}",
            f"Write it like `{example}`",
            value=True,
        )

    def _string(self, data: dict[Any, Any], field: str, required: bool) -> str | None:
        if field not in data:
            return None
        value = data[field]
        if not isinstance(value, str) or (required and not value.strip()):
            example = _EXAMPLES[field]
            hint_type = "a non-empty string" if required else "a string"
            if isinstance(value, list) and field == "summary":
                example += " (quote text that starts with '[')"
            self._wrong_type((field,), hint_type, value, example)
            return None
        return value

    def _strings(
        self, data: dict[Any, Any], path: FieldPath, required: bool
    ) -> tuple[str, ...] | None:
        field = str(path[-1])
        if field not in data:
            return None
        value = data[field]
        example = _EXAMPLES.get(field, f"{field}: [...]")
        if not isinstance(value, list) or (required and not value):
            kind = "a non-empty list of strings" if required else "a list of strings"
            self._wrong_type(path, kind, value, example)
            return None
        ok = True
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                dotted = ".".join(str(p) for p in path)
                self.error(
                    (*path, i),
                    f"item {i + 1} of '{dotted}' must be a non-empty string, not {_describe(item)}",
                    f"Write it like `{example}`",
                    value=True,
                )
                ok = False
        return tuple(v.strip() for v in value) if ok else None

    def _classification(self, data: dict[Any, Any]) -> tuple[str, ...] | None:
        values = self._strings(data, ("classification",), required=True)
        if values is None:
            return None
        ok = True
        seen: set[str] = set()
        for i, value in enumerate(values):
            if value not in TYPES:
                self.error(
                    ("classification", i),
                    f"unknown classification '{value}'",
                    _did_you_mean(value, TYPES),
                    value=True,
                )
                ok = False
            elif value in seen:
                self.error(
                    ("classification", i),
                    f"classification '{value}' is listed twice",
                    "List each type once",
                    value=True,
                )
                ok = False
            seen.add(value)
        return values if ok else None

    def _parent(self, data: dict[Any, Any], slug: str) -> str | None:
        value = self._string(data, "parent", required=True) if "parent" in data else None
        if value is None:
            return None
        value = value.strip()
        if value.endswith(".md"):
            self.error(
                ("parent",),
                f"parent '{value}' names a file",
                f"Give the slug without '.md': `parent: {value[:-3]}`",
                value=True,
            )
            return None
        if value == slug:
            self.error(
                ("parent",),
                f"parent cycle: {slug} → {slug}",
                "A subtype cannot sit under itself; remove `parent` or name another subtype",
                value=True,
            )
            return None
        return value

    def _order(self, data: dict[Any, Any]) -> int | None:
        if "order" not in data:
            return None
        value = data["order"]
        if not isinstance(value, int) or isinstance(value, bool):
            self._wrong_type(("order",), "an integer", value, _EXAMPLES["order"])
            return None
        return value

    def _facts(self, data: dict[Any, Any]) -> dict[str, Fact | None] | None:
        if "facts" not in data:
            return None
        value = data["facts"]
        if not isinstance(value, dict):
            self._wrong_type(("facts",), "a mapping of the six facts", value, _EXAMPLES["facts"])
            return None
        ok = True
        for key in value:
            if key not in FACT_KEYS:
                self.error(
                    ("facts", str(key)),
                    f"unknown fact key '{key}'",
                    _did_you_mean(str(key), FACT_KEYS),
                )
                ok = False
        for key in FACT_KEYS:
            if key not in value:
                self.error(
                    ("facts",),
                    f"missing fact key '{key}'",
                    f"Add `{key}: null` if the cited sources do not document it, else "
                    f"`{_EXAMPLES['lab' if key in LAB_FACTS else 'text']}`",
                )
                ok = False
        facts: dict[str, Fact | None] = {}
        for key in FACT_KEYS:
            if key in value:
                good, fact = self._fact(key, value[key])
                ok = ok and good
                facts[key] = fact
        return facts if ok else None

    def _fact(self, key: str, value: Any) -> tuple[bool, Fact | None]:
        path: FieldPath = ("facts", key)
        lab = key in LAB_FACTS
        example = _EXAMPLES["lab" if lab else "text"]
        if value is None:
            return True, None
        if not isinstance(value, dict):
            self._wrong_type(path, "a mapping or null", value, example)
            return False, None
        allowed = ("value", "note", "cite") if lab else ("text", "cite")
        ok = True
        for sub in value:
            if sub not in allowed:
                self.error(
                    (*path, str(sub)),
                    f"unknown field '{sub}' in fact '{key}'",
                    f"Use {', '.join(allowed)}, e.g. `{example}`",
                )
                ok = False
        text = note = shown = None
        if lab:
            if "value" not in value:
                self.error(path, f"fact '{key}' has no 'value'", f"Add it, e.g. `{example}`")
                ok = False
            elif value["value"] not in LAB_VALUES or not isinstance(value["value"], str):
                self.error(
                    (*path, "value"),
                    f"bad {key} value '{value['value']}'",
                    f"Use one of: {', '.join(LAB_VALUES)} (add details in `note`)",
                    value=True,
                )
                ok = False
            else:
                shown = value["value"]
            if "note" in value:
                if isinstance(value["note"], str) and value["note"].strip():
                    note = value["note"].strip()
                else:
                    self._wrong_type(
                        (*path, "note"), "a non-empty string", value["note"], _EXAMPLES["note"]
                    )
                    ok = False
        elif "text" not in value:
            self.error(path, f"fact '{key}' has no 'text'", f"Add it, e.g. `{example}`")
            ok = False
        elif not isinstance(value["text"], str) or not value["text"].strip():
            self._wrong_type((*path, "text"), "a non-empty string", value["text"], example)
            ok = False
        else:
            text = value["text"].strip()
        cite = self._cite(path, value)
        if not ok or cite is None:
            return False, None
        return True, Fact(key, text, shown, note, cite, self.at(path)[0])

    def _cite(self, path: FieldPath, value: dict[Any, Any]) -> tuple[str, ...] | None:
        key = path[-1]
        if "cite" not in value:
            self.error(
                path,
                f"fact '{key}' has no 'cite'",
                "Cite the sources of the fact (`cite: [key]`), or write the fact as null "
                "if no source documents it",
            )
            return None
        keys = self._strings(value, (*path, "cite"), required=True)
        if keys is None:
            return None
        for i, k in enumerate(keys):
            if k.startswith("@") or not _CITE_KEY.fullmatch("@" + k):
                self.error(
                    (*path, "cite", i),
                    f"bad citation key '{k}' in fact '{key}'",
                    "Write the bare key, as in bibliography.bib (no '@', no brackets)",
                    value=True,
                )
                return None
        return keys


# --- body sections -----------------------------------------------------------------------------


def _prose_lines(body: str) -> Iterable[tuple[int, str, bool]]:
    """(0-based index, line, previous line was blank) for lines outside fenced code.

    HTML comments are blanked (keeping line numbers) and inline code is masked.
    """
    body = _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), body)
    fence: str | None = None
    prev_blank = True
    for i, line in enumerate(body.splitlines()):
        m = _FENCE.match(line)
        if fence is not None:
            closing = m is not None and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence)
            if m is not None and closing and not line.strip()[len(m.group(1)) :].strip():
                fence = None
            prev_blank = False
            continue
        if m:
            fence = m.group(1)
            prev_blank = False
            continue
        yield i, _mask_inline_code(line), prev_blank
        prev_blank = not line.strip()


def _mask_inline_code(text: str) -> str:
    return _INLINE_CODE.sub(lambda m: " " * len(m.group()), text)


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


def children_of(subtypes: Iterable[Subtype]) -> dict[str | None, list[Subtype]]:
    """Subtypes by parent slug (``None``: top level), each list in sibling order."""
    tree: dict[str | None, list[Subtype]] = {}
    for s in subtypes:
        tree.setdefault(s.parent, []).append(s)
    for siblings in tree.values():
        siblings.sort(key=lambda s: s.sort_key)
    return tree


def ordered_subtypes(subtypes: Iterable[Subtype]) -> list[Subtype]:
    """Subtypes in reading order: each major type then its variants (depth first), then the rare
    types with theirs; anything unreachable (a broken parent) last, by name."""
    items = list(subtypes)
    tree = children_of(items)
    top = tree.get(None, [])
    majors = sorted((s for s in top if s.kind is Kind.MAJOR), key=lambda s: TYPES.index(s.slug))
    rare = [s for s in top if s.kind is Kind.RARE]
    out: list[Subtype] = []
    seen: set[str] = set()

    def visit(s: Subtype) -> None:
        if s.slug in seen:
            return
        seen.add(s.slug)
        out.append(s)
        for child in tree.get(s.slug, []):
            visit(child)

    for s in (*majors, *rare):
        visit(s)
    out.extend(sorted((s for s in items if s.slug not in seen), key=lambda s: s.sort_key))
    return out


def subtype_nav(subtypes: Iterable[Subtype], prefix: str = "subtypes/") -> list[Any]:
    """MkDocs ``nav`` entries: the major types in :data:`TYPES` order with their variants nested
    (section-index form), then ``{"Rare types": [...]}`` by order then name."""
    items = list(subtypes)
    tree = children_of(items)
    top = tree.get(None, [])

    def entry(s: Subtype, seen: frozenset[str]) -> dict[str, Any]:
        page = f"{prefix}{s.slug}.md"
        kids = [c for c in tree.get(s.slug, []) if c.slug not in seen]
        if not kids:
            return {s.name: page}
        return {s.name: [page, *(entry(c, seen | {c.slug}) for c in kids)]}

    nav: list[Any] = []
    for slug in TYPES:
        major = next((s for s in top if s.slug == slug), None)
        if major is not None:
            nav.append(entry(major, frozenset({slug})))
    rare = [s for s in top if s.kind is Kind.RARE]
    if rare:
        nav.append({"Rare types": [entry(s, frozenset({s.slug})) for s in rare]})
    return nav


# --- rendering ---------------------------------------------------------------------------------


def render_subtype_page(
    subtype: Subtype,
    all_subtypes: Iterable[Subtype],
    url_for: Callable[[str], str] | None = None,
    classification_page: str = "../classification.md",
) -> str:
    """The Markdown of a subtype's generated page.

    Fixed frame: ``# name``, the summary, "Also called", the at-a-glance box, "Place in the
    classification", then ``subtype.body`` verbatim (the page ends with it, so its first line is
    ``page.count("\\n", 0, len(page) - len(subtype.body)) + 1``).

    ``url_for(slug)`` gives the Markdown link target of another subtype's page relative to this
    one (default ``<slug>.md``: the pages share a directory). ``classification_page`` is the link
    target of the classification overview (empty: no link).
    """
    link = url_for or (lambda slug: f"{slug}.md")
    items = list(all_subtypes)
    by_slug = {s.slug: s for s in items}
    tree = children_of(items)

    def page_link(s: Subtype) -> str:
        return f"[{_md_escape(s.name)}]({link(s.slug)})"

    out = [f"# {_md_escape(subtype.name)}", "", subtype.summary, ""]
    if subtype.aliases:
        out += [f"**Also called:** {'; '.join(_md_escape(a) for a in subtype.aliases)}", ""]
    rows = [
        ("Classification", _classification_cell(subtype, by_slug, link)),
        ("Kind", _kind_cell(subtype, by_slug, link)),
        *((FACT_LABELS[k], _fact_cell(subtype.facts.get(k))) for k in FACT_KEYS),
    ]
    out += ['!!! abstract "At a glance"', "", "    | Feature | Details |", "    | --- | --- |"]
    out += [f"    | {label} | {cell} |" for label, cell in rows]
    out += ["", "## Place in the classification", ""]

    def bullet(label: str, subtypes: Sequence[Subtype], note: str = "") -> None:
        if subtypes:
            out.append(f"- **{label}:** {', '.join(page_link(s) for s in subtypes)}{note}")

    siblings = [s for s in tree.get(subtype.parent, []) if s.slug != subtype.slug]
    if subtype.kind is Kind.VARIANT:
        parent = by_slug.get(subtype.parent or "")
        if parent is not None:
            bullet("Variant of", [parent])
            bullet(f"Other variants of {_md_escape(parent.name)}", siblings)
        else:
            out.append(f"- **Variant of:** {_md_escape(subtype.parent or '')}")
        bullet("Variants", tree.get(subtype.slug, []))
    elif subtype.kind is Kind.MAJOR:
        bullet("Variants", tree.get(subtype.slug, []))
        rare = [s for s in siblings if s.kind is Kind.RARE and subtype.slug in s.classification]
        bullet("Rare types also classed here", rare)
        majors = sorted(
            (s for s in siblings if s.kind is Kind.MAJOR), key=lambda s: TYPES.index(s.slug)
        )
        bullet("Other major types", majors)
    else:
        out.append(f"- **Classed as:** {_classification_cell(subtype, by_slug, link)}")
        bullet("Variants", tree.get(subtype.slug, []))
        bullet("Other rare types", [s for s in siblings if s.kind is Kind.RARE])
    if classification_page:
        out.append(f"- **Overview:** [all subtypes compared]({classification_page})")
    out.append("")
    body = subtype.body
    return "\n".join(out) + "\n" + body


def render_classification_page(
    subtypes: Iterable[Subtype],
    url_for: Callable[[str], str],
    pages_prefix: str = "subtypes/",
    intro: str | None = None,
    title: str = "Classification",
) -> str:
    """The Markdown of the classification overview (``classification.md``).

    ``url_for(slug)`` is the URL of a subtype page relative to this page, for the diagram's raw
    HTML links (MkDocs does not rewrite those); Markdown links use ``<pages_prefix><slug>.md``.
    ``intro`` replaces the default neutral introduction (Markdown, may cite). The generated text
    makes no clinical claim: it only reuses each subtype's cited summary and facts.
    """
    items = ordered_subtypes(subtypes)
    by_slug = {s.slug: s for s in items}
    tree = children_of(items)

    def md_link(slug: str) -> str:
        return f"{pages_prefix}{slug}.md"

    def page_link(s: Subtype) -> str:
        return f"[{_md_escape(s.name)}]({md_link(s.slug)})"

    default_intro = (
        "This page shows how the subtype pages of this site are grouped. Each subtype is filed "
        "under one or more major types: dystrophic, metastatic, iatrogenic and idiopathic. "
        "Variants sit under the subtype they belong to. A rare type is joined to every major "
        "type it is classed under; a dashed line means that it is variably classed. Each "
        "subtype's page gives the details, with their sources."
    )
    out = [f"# {title}", "", (intro or default_intro).strip(), ""]
    out += ["## Diagram", "", classification_svg(items, url_for), ""]

    out += ["## Types and subtypes", ""]
    top = tree.get(None, [])
    majors = sorted((s for s in top if s.kind is Kind.MAJOR), key=lambda s: TYPES.index(s.slug))

    def describe(s: Subtype, depth: int, seen: frozenset[str]) -> None:
        extra = ""
        if s.kind is Kind.RARE:
            extra = f" ({_types_text(s)})"
        out.append(f"{'    ' * depth}- **{page_link(s)}**{extra}: {_one_line(s.summary)}")
        for child in tree.get(s.slug, []):
            if child.slug not in seen:
                describe(child, depth + 1, seen | {child.slug})

    for s in majors:
        describe(s, 0, frozenset({s.slug}))
    rare = [s for s in top if s.kind is Kind.RARE]
    if rare:
        out += ["", "### Rare types", ""]
        for s in rare:
            describe(s, 0, frozenset({s.slug}))
    out.append("")

    out += ["## Comparison", ""]
    head = [
        "Subtype",
        "Kind",
        "Classed as",
        *(FACT_LABELS[k] for k in FACT_KEYS if k != "associations"),
    ]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + " --- |" * len(head))
    for s in items:
        cells = [
            page_link(s),
            _kind_cell(s, by_slug, md_link),
            _classification_cell(s, by_slug, md_link, self_link=True),
            *(_fact_cell(s.facts.get(k)) for k in FACT_KEYS if k != "associations"),
        ]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    return "\n".join(out)


def classification_svg(subtypes: Iterable[Subtype], url_for: Callable[[str], str]) -> str:
    """The classification diagram as a ``<figure>`` of inline SVG (see :mod:`bibcite.diagram`)."""
    items = ordered_subtypes(subtypes)
    slugs = {s.slug for s in items}
    nodes = [
        DiagramNode(
            id=s.slug,
            label=s.name,
            href=url_for(s.slug),
            kind=s.kind.name.lower(),
            parent=s.parent if s.parent in slugs else None,
            classed_as=tuple(t for t in s.classification if t in slugs and t != s.slug)
            if s.kind is Kind.RARE
            else (),
        )
        for s in items
    ]
    return render_diagram(
        nodes,
        title="Classification of calcinosis cutis on this site",
        description=_diagram_description(items),
    )


def _diagram_description(items: Sequence[Subtype]) -> str:
    tree = children_of(items)
    parts: list[str] = []
    for s in items:
        kids = tree.get(s.slug, [])
        if s.kind is Kind.MAJOR:
            text = f"Major type {s.name}"
        elif s.kind is Kind.RARE:
            text = f"Rare type {s.name}, {_types_text(s)}"
        else:
            continue
        if kids:
            text += f", with variants: {', '.join(k.name for k in kids)}"
        parts.append(text + ".")
    for s in items:
        if s.kind is Kind.VARIANT and tree.get(s.slug):
            names = ", ".join(k.name for k in tree[s.slug])
            parts.append(f"{s.name} has variants: {names}.")
    return " ".join(parts) or "No subtypes."


# --- cells and helpers ---------------------------------------------------------------------------


def _types_text(s: Subtype) -> str:
    words = list(s.classification)
    if len(words) == 1:
        return f"classed as {words[0]}"
    return f"variably classed as {', '.join(words[:-1])} or {words[-1]}"


def _classification_cell(
    s: Subtype, by_slug: Mapping[str, Subtype], link: Callable[[str], str], self_link: bool = False
) -> str:
    shown = []
    for t in s.classification:
        label = t.capitalize()
        if t in by_slug and (self_link or t != s.slug) and by_slug[t].kind is Kind.MAJOR:
            shown.append(f"[{label}]({link(t)})")
        else:
            shown.append(label)
    if len(shown) == 1:
        return shown[0]
    return f"{', '.join(shown[:-1])} or {shown[-1]} (variably classed)"


def _kind_cell(s: Subtype, by_slug: Mapping[str, Subtype], link: Callable[[str], str]) -> str:
    if s.kind is Kind.MAJOR:
        return "Major type"
    if s.kind is Kind.RARE:
        return "Rare type"
    parent = by_slug.get(s.parent or "")
    target = f"[{_md_escape(parent.name)}]({link(parent.slug)})" if parent else s.parent
    return f"Variant of {target}"


def _fact_cell(fact: Fact | None) -> str:
    if fact is None:
        return NOT_DOCUMENTED
    cite = "; ".join(f"@{k}" for k in fact.cite)
    return f"{_table_safe(fact.display)} [{cite}]"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _table_safe(text: str) -> str:
    return re.sub(r"(?<!\\)\|", r"\\|", _one_line(text))


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]|<>#])", r"\\\1", _one_line(text))


def _unique(keys: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(keys))


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ('{value}')" if len(value) < 40 else "a string"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def _did_you_mean(value: str, choices: Sequence[str], what: str = "one of") -> str:
    close = [c for c in choices if c.casefold() == value.casefold()]
    if not close and len(value) >= 4:  # a shared start is the strongest hint ('classs')
        close = [c for c in choices if c.casefold().startswith(value.casefold()[:5])][:1]
    if not close:
        close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    prefix = f"Did you mean '{close[0]}'? " if close else ""
    return f"{prefix}Use {what}: {', '.join(choices)}"


def _error(path: str, line: int, col: int, message: str, hint: str) -> Problem:
    return Problem(path, line, col, message, hint, Severity.ERROR)
