"""The subtype model: the schema's constants and the records a source becomes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TypeAlias

from bibcite.syntax import CITATION_PATTERN, KEY, parse_citation

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
OPTIONAL_FIELDS: tuple[str, ...] = (
    "aliases",
    "parent",
    "order",
    "reviewed",
    "differential",
    "treatments",
)
FIELDS: tuple[str, ...] = (
    "name",
    "aliases",
    "classification",
    "parent",
    "order",
    "summary",
    "facts",
    "reviewed",
    "differential",
    "treatments",
)
#: Facts that present what is typical: resting on case reports alone, they mislead.
TYPICAL_FACTS: tuple[str, ...] = ("age", "sex", "sites", "associations")
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
    "reviewed": "reviewed: 2026-12-02",
    "differential": 'differential: [{condition: "Gout", distinguish: "Urate crystals", '
    "cite: [key]}]",
    "treatments": 'treatments: [{name: "Surgical excision", cite: [key]}]',
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
class Differential:
    """One row of a subtype's differential diagnosis.

    condition: what it can be mistaken for. distinguish: how to tell the two apart (Markdown).
    cite: the citation keys supporting the row (never empty). line: its line in the source.
    """

    condition: str
    distinguish: str
    cite: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Treatment:
    """One treatment reported for a subtype (its structured data, e.g. schema.org's
    ``possibleTreatment``): name, the citation keys that report it, its line in the source."""

    name: str
    cite: tuple[str, ...]
    line: int


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
    reviewed: the date the page was last reviewed (ISO ``YYYY-MM-DD``), or ``None``.
    differential: the conditions it can be mistaken for, in source order.
    treatments: the treatments reported for it, in source order.
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
    reviewed: str | None = None
    differential: tuple[Differential, ...] = ()
    treatments: tuple[Treatment, ...] = ()

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


def _unique(keys: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(keys))


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


def _one_line(text: str) -> str:
    return " ".join(text.split())
