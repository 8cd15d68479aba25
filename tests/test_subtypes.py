"""Subtype sources: loading, validation messages, rendered pages, diagram and nav."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace as with_
from pathlib import Path

import markdown
import pytest

from bibcite.problems import Problem, Severity
from calcinosis_site.subtypes import (
    FACT_KEYS,
    NOT_DOCUMENTED,
    SECTIONS,
    Kind,
    Subtype,
    citation_keys_in,
    citation_problems,
    load_subtypes,
    ordered_subtypes,
    parse_subtype,
    render_classification_page,
    render_subtype_page,
    subtype_nav,
)

from support import assert_golden

HERE = Path(__file__).parent
VALID = HERE / "fixtures" / "subtypes" / "valid"
GOLDEN = HERE / "golden" / "subtypes"
SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# The Markdown extensions of mkdocs.yml that matter for the generated pages.
EXTENSIONS = [
    "abbr",
    "admonition",
    "attr_list",
    "def_list",
    "footnotes",
    "md_in_html",
    "tables",
    "toc",
    "pymdownx.details",
    "pymdownx.superfences",
]

BASE = """\
---
name: Milia-like idiopathic calcinosis cutis
aliases: [MICC]
classification: [idiopathic]
parent: idiopathic
order: 2
summary: Small white papules [@becuwe2004milia].
facts:
  age: {text: "Childhood", cite: [becuwe2004milia]}
  sex: null
  calcium: {value: normal, cite: [reiter2011diagnostic]}
  phosphate: {value: normal, cite: [reiter2011diagnostic]}
  sites: {text: "Hands and feet", cite: [becuwe2004milia]}
  associations: {text: "Down syndrome", cite: [sais1995down]}
---
## Definition

Papules [@becuwe2004milia].

## Mechanism

Unknown [@reiter2011diagnostic].
"""


def url_for(slug: str) -> str:
    return f"subtypes/{slug}/"


def load_valid() -> list[Subtype]:
    subtypes, problems = load_subtypes(VALID, "tests/fixtures/subtypes/valid")
    assert problems == []
    return subtypes


def by_slug(subtypes: list[Subtype]) -> dict[str, Subtype]:
    return {s.slug: s for s in subtypes}


def check(text: str, name: str = "x.md", tmp: Path | None = None) -> list[Problem]:
    """Problems of one source loaded from a directory (so paths are formatted as in a build)."""
    assert tmp is not None
    (tmp / name).write_text(text, encoding="utf-8")
    (tmp / "idiopathic.md").write_text(
        (VALID / "idiopathic.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    _, problems = load_subtypes(tmp, "docs/subtypes")
    return problems


def replace(old: str, new: str, text: str = BASE) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# --- valid sources ----------------------------------------------------------------------------


def test_valid_fixture_loads() -> None:
    subtypes = load_valid()
    kinds = {s.slug: s.kind for s in subtypes}
    assert kinds == {
        "dystrophic": Kind.MAJOR,
        "metastatic": Kind.MAJOR,
        "iatrogenic": Kind.MAJOR,
        "idiopathic": Kind.MAJOR,
        "milia-like-idiopathic-calcinosis-cutis": Kind.VARIANT,
        "subepidermal-calcified-nodule": Kind.VARIANT,
        "tumoral-calcinosis": Kind.RARE,
        "calcinosis-cutis-universalis": Kind.RARE,
    }
    micc = by_slug(subtypes)["milia-like-idiopathic-calcinosis-cutis"]
    assert micc.path == "tests/fixtures/subtypes/valid/milia-like-idiopathic-calcinosis-cutis.md"
    assert micc.aliases == ("MICC",)
    assert micc.parent == "idiopathic" and micc.order == 2
    assert micc.facts["sex"] is None
    age = micc.facts["age"]
    assert age is not None and age.text == "Childhood" and age.cite == ("becuwe2004milia",)
    calcium = micc.facts["calcium"]
    assert calcium is not None and calcium.value == "normal" and calcium.text is None
    assert list(micc.facts) == list(FACT_KEYS)
    # the body is kept verbatim, and we know where it starts
    source = (VALID / "milia-like-idiopathic-calcinosis-cutis.md").read_text(encoding="utf-8")
    assert source.endswith(micc.body)
    assert source.splitlines()[micc.body_line - 1] == "## Definition"
    assert micc.field_lines["parent"] == 5


def test_citation_keys_of_a_subtype() -> None:
    micc = by_slug(load_valid())["milia-like-idiopathic-calcinosis-cutis"]
    assert micc.summary_citations == ("becuwe2004milia",)
    assert micc.fact_citations == ("becuwe2004milia", "lee1996solitary", "sais1995down")
    # the fenced code block is not prose: its [@notacitation] does not count
    assert micc.body_citations == ("becuwe2004milia", "sais1995down", "lee1996solitary")
    assert micc.citation_keys == ("becuwe2004milia", "lee1996solitary", "sais1995down")
    sites = [c for c in micc.citations() if c.where == "facts.sites"]
    assert [(c.key, c.line) for c in sites] == [("becuwe2004milia", 13), ("lee1996solitary", 13)]
    assert sites[1].col > sites[0].col > 0
    body = [c for c in micc.citations() if c.where == "body"]
    lines = (VALID / "milia-like-idiopathic-calcinosis-cutis.md").read_text().splitlines()
    for c in body:
        assert lines[c.line - 1][c.col - 1 :].startswith("@" + c.key)


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("plain [@a]", ["a"]),
        ("two [@a; @b] and [@c, p. 3]", ["a", "b", "c"]),
        ("not [a link](x) nor `[@code]` nor email@x.org", []),
        ("[@key.] end", []),  # malformed: the citation engine reports it, not this module
        ("[@a](http://x) is a link", []),
    ],
)
def test_citation_keys_in(text: str, keys: list[str]) -> None:
    found = citation_keys_in(text)
    assert [k for k, _ in found] == keys
    for key, col in found:
        assert text[col - 1 :].startswith("@" + key)


def test_citations_written_in_a_fact_text_count(tmp_path: Path) -> None:
    source = replace('"Childhood"', '"Childhood [@lee1996solitary, p. 2]"')
    (tmp_path / "x.md").write_text(source, encoding="utf-8")
    subtype, problems = parse_subtype(source, "x", "x.md")
    assert problems == [] and subtype is not None
    assert "lee1996solitary" in subtype.fact_citations
    assert ("lee1996solitary", 9) in {(c.key, c.line) for c in subtype.citations()}


def test_citation_problems_name_file_line_and_key() -> None:
    subtypes = load_valid()
    known = {k for s in subtypes for k in s.citation_keys} - {"lee1996solitary"}
    problems = citation_problems(subtypes, known)
    assert {str(p).split(":")[1] for p in problems} == {"13", "22"}
    assert all("lee1996solitary" in p.message for p in problems)
    assert all(p.severity is Severity.ERROR for p in problems)


# --- invalid sources: every check names the file, the line and the field -----------------------

INVALID = [
    # (id, source, line, words that must appear in the message, words in the hint)
    ("yaml-syntax", replace("order: 2", "order: [2"), 7, ["YAML syntax error"], []),
    ("yaml-at-sign", replace("cite: [sais1995down]", "cite: [@sais1995down]"), 14, ["YAML"],
     ["'@'"]),
    ("unknown-field", replace("classification:", "classs: [x]\nclassification:"), 4, ["'classs'"],
     ["Did you mean 'classification'?", "Use one of"]),
    ("missing-name", replace("name: Milia-like idiopathic calcinosis cutis\n", ""), 1, ["'name'"],
     []),
    ("missing-summary", replace("summary: Small white papules [@becuwe2004milia].\n", ""), 1,
     ["'summary'"], ["summary:"]),
    ("missing-facts", BASE.split("facts:")[0] + "---\n## Definition\n", 1, ["'facts'"], []),
    ("summary-uncited", replace(" [@becuwe2004milia].\nfacts", ".\nfacts"), 7,
     ["'summary'", "no citation"], ["[@key]"]),
    ("name-not-string", replace("name: Milia-like idiopathic calcinosis cutis", "name: [a, b]"), 2,
     ["'name'", "a list"], []),
    ("name-empty", replace("name: Milia-like idiopathic calcinosis cutis", "name:"), 2,
     ["'name'"], []),
    ("aliases-not-list", replace("aliases: [MICC]", "aliases: MICC"), 3, ["'aliases'"],
     ["aliases: [MICC]"]),
    ("alias-not-string", replace("aliases: [MICC]", "aliases: [MICC, 3]"), 3, ["'aliases'"], []),
    ("classification-string", replace("classification: [idiopathic]", "classification: idiopathic"),
     4, ["'classification'"], ["[idiopathic]"]),
    ("classification-empty", replace("classification: [idiopathic]", "classification: []"), 4,
     ["'classification'"], []),
    ("classification-unknown", replace("[idiopathic]", "[idiopatic]"), 4,
     ["unknown classification 'idiopatic'"], ["Did you mean 'idiopathic'?"]),
    ("classification-twice", replace("[idiopathic]", "[idiopathic, idiopathic]"), 4,
     ["classification 'idiopathic'"], []),
    ("order-not-int", replace("order: 2", "order: two"), 6, ["'order'"], ["order: 2"]),
    ("order-bool", replace("order: 2", "order: true"), 6, ["'order'"], []),
    ("parent-file", replace("parent: idiopathic", "parent: idiopathic.md"), 5, ["parent"], []),
    ("parent-self", replace("parent: idiopathic", "parent: x"), 5, ["parent cycle: x → x"], []),
    ("summary-starts-with-citation", replace("summary: Small white papules [@becuwe2004milia].",
     "summary: [@becuwe2004milia] papules"), 7, ["YAML syntax error"], ["quote"]),
    ("summary-list", replace("summary: Small white papules [@becuwe2004milia].",
                             "summary: [papules, nodules]"), 7, ["'summary'", "a list"], ["quote"]),
    ("facts-list", replace("facts:\n  age:", "facts: [1]\nzfacts:\n  age:"), 8, ["'facts'"], []),
    ("fact-unknown", replace("  sex: null", "  sex: null\n  gender: null"), 11,
     ["unknown fact key 'gender'"], ["Use one of"]),
    ("fact-missing", replace("  sex: null\n", ""), 8, ["missing fact key 'sex'"], ["sex: null"]),
    ("fact-not-mapping", replace('age: {text: "Childhood", cite: [becuwe2004milia]}',
                                 'age: "Childhood"'), 9, ["'facts.age'"], ["cite"]),
    ("fact-no-text", replace('{text: "Childhood", cite', "{cite"), 9, ["fact 'age'", "'text'"], []),
    ("fact-text-empty", replace('text: "Childhood"', 'text: ""'), 9, ["'facts.age.text'"], []),
    ("fact-extra-field", replace('text: "Childhood",', 'text: "Childhood", source: x,'), 9,
     ["unknown field 'source'", "'age'"], []),
    ("fact-no-cite", replace('{text: "Childhood", cite: [becuwe2004milia]}', '{text: "Childhood"}'),
     9, ["fact 'age'", "'cite'"], ["null"]),
    ("fact-cite-string", replace("cite: [sais1995down]", "cite: sais1995down"), 14,
     ["'facts.associations.cite'"], ["cite: [key1, key2]"]),
    ("fact-cite-empty", replace("cite: [sais1995down]", "cite: []"), 14,
     ["'facts.associations.cite'"], []),
    ("fact-cite-at", replace("cite: [sais1995down]", 'cite: ["@sais1995down"]'), 14,
     ["'@sais1995down'", "'associations'"], ["no '@'"]),
    ("calcium-bad-value", replace("calcium: {value: normal", "calcium: {value: high"), 11,
     ["bad calcium value 'high'"], ["normal, raised, variable"]),
    ("phosphate-no-value", replace("phosphate: {value: normal, ", "phosphate: {"), 12,
     ["fact 'phosphate'", "'value'"], []),
    ("calcium-with-text", replace("calcium: {value: normal", 'calcium: {text: "normal"'), 11,
     ["unknown field 'text'", "'calcium'"], ["value"]),
    ("calcium-note-number", replace("{value: normal,", "{value: normal, note: 3,"), 11,
     ["'facts.calcium.note'"], []),
    ("duplicate-field", replace("order: 2", "order: 2\norder: 3"), 7, ["'order'", "twice"], []),
    ("no-front-matter", BASE.split("---\n", 2)[2], 1, ["missing front matter"], ["'---'"]),
    ("unclosed-front-matter", BASE.replace("---\n## Definition", "## Definition"), 1,
     ["not closed"], []),
    ("empty-front-matter", "---\n---\n## Definition\n", 1, ["empty"], ["name"]),
    ("front-matter-list", "---\n- a\n- b\n---\n## Definition\n", 2, ["mapping"], []),
    ("section-unknown", replace("## Mechanism", "## Mechanisms"), 20,
     ["unknown section heading 'Mechanisms'"], ["Did you mean 'Mechanism'?"]),
    ("section-case", replace("## Mechanism", "## mechanism"), 20, ["'mechanism'"],
     ["'## Mechanism'"]),
    ("section-order", replace("## Mechanism", "## Treatment") + "\n## Mechanism\n\nText.\n", 24,
     ["'Mechanism'", "out of order", "'Treatment'"], ["in this order"]),
    ("section-duplicate", BASE + "\n## Mechanism\n\nMore.\n", 24,
     ["duplicate section 'Mechanism'", "line 20"], []),
    ("section-references", BASE + "\n## References\n", 24, ["'References'"],
     ["citation engine"]),
    ("section-h1", replace("## Definition", "# Definition"), 16, ["level-1 heading"], ["name"]),
    ("text-before-sections", replace("## Definition", "Intro text.\n\n## Definition"), 16,
     ["before the first section"], []),
    ("setext-heading", replace("## Mechanism", "Mechanism\n---------"), 20,
     ["underlined heading 'Mechanism'"], ["## Mechanism"]),
    ("reviewed-not-a-date", replace("order: 2", "order: 2\nreviewed: last week"), 7,
     ["'reviewed'", "a date"], ["reviewed: 2026-12-02"]),
    ("differential-not-a-list", replace("order: 2", "order: 2\ndifferential: gout"), 7,
     ["'differential'"], ["condition"]),
    ("differential-row-missing-cite",
     replace("order: 2", 'order: 2\ndifferential:\n  - {condition: Gout, distinguish: "Urate"}'),
     8, ["row 1 of 'differential'", "condition, distinguish and cite"], ["cite"]),
    ("differential-row-empty-text",
     replace("order: 2", 'order: 2\ndifferential:\n  - {condition: "", distinguish: x, '
             "cite: [becuwe2004milia]}"),
     8, ["row 1 of 'differential' has an empty text"], ["condition"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("source", "line", "message", "hint"),
    [pytest.param(*case[1:], id=case[0]) for case in INVALID],
)
def test_invalid_source(
    tmp_path: Path, source: str, line: int, message: list[str], hint: list[str]
) -> None:
    problems = check(source, tmp=tmp_path)
    assert problems, "expected a problem"
    mine = [
        p
        for p in problems
        if p.path == "docs/subtypes/x.md" and all(w in p.message for w in message)
    ]
    assert mine, "\n".join(map(str, problems))
    first = mine[0]
    text = str(first)
    assert text.startswith(f"docs/subtypes/x.md:{line}:"), text
    for word in message:
        assert word in first.message, text
    for word in hint:
        assert word in first.hint, text
    assert first.hint, text
    assert all(p.severity is Severity.ERROR for p in problems)


def test_base_source_is_valid(tmp_path: Path) -> None:
    assert check(BASE, tmp=tmp_path) == []


def test_columns_point_at_the_value(tmp_path: Path) -> None:
    source = replace("classification: [idiopathic]", "classification: [idiopathic, idiopatic]")
    (problem,) = check(source, tmp=tmp_path)
    assert (problem.line, problem.col) == (4, 30)


def test_fenced_code_is_not_checked_for_headings(tmp_path: Path) -> None:
    source = BASE + "\n```markdown\n# Not a heading\n## Nor this\n```\n"
    assert check(source, tmp=tmp_path) == []


def test_bad_file_name(tmp_path: Path) -> None:
    problems = check(BASE, name="Bad_Name.md", tmp=tmp_path)
    assert [str(p).split(": ")[0] for p in problems] == ["docs/subtypes/Bad_Name.md:1:1"]
    assert "slug" in problems[0].message


WEIRD = [
    "---\n42\n---\n",
    "---\n[1, 2]\n---\n",
    "---\nname: {a: b}\nclassification: {x: 1}\nsummary: 3\nfacts: 5\n---\n",
    "---\n? [a, b]\n: c\n---\n",
    "---\n1: 2\nnull: 3\n---\n",
    "---\nfacts: {age: [1], sex: 2, calcium: {value: [normal]}, phosphate: {cite: {a: 1}}}\n---\n",
    "---\nfacts: {sites: {text: [x], cite: [[a]]}, associations: {text: x, cite: [null]}}\n---\n",
    "---\nname: !!python/object:os.system x\n---\n",
    "---\nname: &a [*a]\n---\n",
    "---\n\tname: tab\n---\n",
    "",
    "---\n",
    "\ufeff---\nname: x\n---\n",
]


@pytest.mark.parametrize("source", WEIRD)
def test_never_a_traceback(source: str) -> None:
    subtype, problems = parse_subtype(source, "x", "docs/subtypes/x.md")
    assert subtype is None
    assert problems
    for p in problems:
        assert p.path == "docs/subtypes/x.md" and p.line >= 1 and p.message and p.hint


# --- the tree ---------------------------------------------------------------------------------


def copy_valid(tmp_path: Path) -> Path:
    target = tmp_path / "subtypes"
    shutil.copytree(VALID, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_unknown_parent(tmp_path: Path) -> None:
    d = copy_valid(tmp_path)
    edit(d / "subepidermal-calcified-nodule.md", "parent: idiopathic", "parent: idiopatic")
    subtypes, problems = load_subtypes(d, "docs/subtypes")
    (problem,) = problems
    assert str(problem).startswith("docs/subtypes/subepidermal-calcified-nodule.md:5:1: ")
    assert "unknown parent 'idiopatic'" in problem.message
    assert "Did you mean 'idiopathic'?" in problem.hint
    assert "subepidermal-calcified-nodule" not in {s.slug for s in subtypes}


def test_parent_cycle_is_named_once(tmp_path: Path) -> None:
    d = copy_valid(tmp_path)
    edit(d / "tumoral-calcinosis.md", "order: 2", "parent: calcinosis-cutis-universalis")
    edit(d / "calcinosis-cutis-universalis.md", "order: 1", "parent: tumoral-calcinosis")
    subtypes, problems = load_subtypes(d, "docs/subtypes")
    (problem,) = problems
    assert str(problem).startswith("docs/subtypes/calcinosis-cutis-universalis.md:4:1: ")
    assert (
        "parent cycle: calcinosis-cutis-universalis → tumoral-calcinosis → "
        "calcinosis-cutis-universalis" in problem.message
    )
    assert "docs/subtypes/tumoral-calcinosis.md" in problem.hint
    assert {"tumoral-calcinosis", "calcinosis-cutis-universalis"}.isdisjoint(
        s.slug for s in subtypes
    )


def test_children_of_a_broken_subtype_are_left_out_silently(tmp_path: Path) -> None:
    d = copy_valid(tmp_path)
    edit(d / "idiopathic.md", "classification: [idiopathic]", "classification: [idiopatic]")
    subtypes, problems = load_subtypes(d, "docs/subtypes")
    assert [p.path for p in problems] == ["docs/subtypes/idiopathic.md"]
    assert {s.slug for s in subtypes}.isdisjoint(
        {"idiopathic", "milia-like-idiopathic-calcinosis-cutis", "subepidermal-calcified-nodule"}
    )


@pytest.mark.parametrize(
    ("file", "old", "new", "line", "words"),
    [
        ("dystrophic.md", "classification: [dystrophic]", "classification: [idiopathic]", 3,
         ["major type 'dystrophic'"]),
        ("dystrophic.md", "classification: [dystrophic]",
         "classification: [dystrophic]\nparent: idiopathic", 4, ["major type", "parent"]),
        ("tumoral-calcinosis.md", "name: Tumoral calcinosis", "name: Calcinosis cutis universalis",
         2, ["name 'Calcinosis cutis universalis'", "calcinosis-cutis-universalis.md"]),
    ],
)  # fmt: skip
def test_tree_checks(
    tmp_path: Path, file: str, old: str, new: str, line: int, words: list[str]
) -> None:
    d = copy_valid(tmp_path)
    edit(d / file, old, new)
    _, problems = load_subtypes(d, "docs/subtypes")
    (problem,) = problems
    assert str(problem).startswith(f"docs/subtypes/{file}:{line}:"), str(problem)
    for word in words:
        assert word in problem.message


def test_missing_directory(tmp_path: Path) -> None:
    subtypes, problems = load_subtypes(tmp_path / "nope", "docs/nope")
    assert subtypes == [] and len(problems) == 1 and problems[0].path == "docs/nope"


# --- nav ----------------------------------------------------------------------------------------


def test_nav_order() -> None:
    assert subtype_nav(load_valid()) == [
        {"Dystrophic calcinosis cutis": "subtypes/dystrophic.md"},
        {"Metastatic calcinosis cutis": "subtypes/metastatic.md"},
        {"Iatrogenic calcinosis cutis": "subtypes/iatrogenic.md"},
        {
            "Idiopathic calcinosis cutis": [
                "subtypes/idiopathic.md",
                {"Subepidermal calcified nodule": "subtypes/subepidermal-calcified-nodule.md"},
                {
                    "Milia-like idiopathic calcinosis cutis": (
                        "subtypes/milia-like-idiopathic-calcinosis-cutis.md"
                    )
                },
            ]
        },
        {
            "Rare types": [
                {"Calcinosis cutis universalis": "subtypes/calcinosis-cutis-universalis.md"},
                {"Tumoral calcinosis": "subtypes/tumoral-calcinosis.md"},
            ]
        },
    ]


def test_nav_sorts_by_order_then_name_and_skips_missing_types(tmp_path: Path) -> None:
    d = copy_valid(tmp_path)
    (d / "metastatic.md").unlink()
    edit(d / "tumoral-calcinosis.md", "order: 2\n", "")
    edit(d / "calcinosis-cutis-universalis.md", "order: 1\n", "")
    edit(d / "subepidermal-calcified-nodule.md", "order: 1", "order: 3")
    subtypes, problems = load_subtypes(d, "docs/subtypes")
    assert problems == []
    nav = subtype_nav(subtypes, prefix="")
    assert [next(iter(e)) for e in nav] == [
        "Dystrophic calcinosis cutis",
        "Iatrogenic calcinosis cutis",
        "Idiopathic calcinosis cutis",
        "Rare types",
    ]
    assert nav[2]["Idiopathic calcinosis cutis"][1:] == [
        {"Milia-like idiopathic calcinosis cutis": "milia-like-idiopathic-calcinosis-cutis.md"},
        {"Subepidermal calcified nodule": "subepidermal-calcified-nodule.md"},
    ]
    # unnumbered rare types: by name
    assert [next(iter(e)) for e in nav[3]["Rare types"]] == [
        "Calcinosis cutis universalis",
        "Tumoral calcinosis",
    ]


def test_nav_of_nested_variants(tmp_path: Path) -> None:
    d = copy_valid(tmp_path)
    edit(d / "subepidermal-calcified-nodule.md", "parent: idiopathic", "parent: tumoral-calcinosis")
    subtypes, problems = load_subtypes(d, "docs/subtypes")
    assert problems == []
    rare = subtype_nav(subtypes)[-1]["Rare types"]
    assert rare[1] == {
        "Tumoral calcinosis": [
            "subtypes/tumoral-calcinosis.md",
            {"Subepidermal calcified nodule": "subtypes/subepidermal-calcified-nodule.md"},
        ]
    }


# --- the subtype page ---------------------------------------------------------------------------


def glance_rows(page: str) -> dict[str, str]:
    box = page.split('!!! abstract "At a glance"', 1)[1].split("## ", 1)[0]
    rows = [line.strip() for line in box.splitlines() if line.strip().startswith("|")]
    cells = [re.split(r"(?<!\\)\|", row)[1:-1] for row in rows[2:]]
    return {c[0].strip(): c[1].strip() for c in cells}


def test_at_a_glance_rows() -> None:
    subtypes = load_valid()
    micc = by_slug(subtypes)["milia-like-idiopathic-calcinosis-cutis"]
    page = render_subtype_page(micc, subtypes)
    rows = glance_rows(page)
    assert list(rows) == [
        "Classification",
        "Kind",
        "Typical age",
        "Sex",
        "Serum calcium",
        "Serum phosphate",
        "Typical sites",
        "Key associations",
    ]
    assert rows["Classification"] == "[Idiopathic](idiopathic.md)"
    assert rows["Kind"] == "Variant of [Idiopathic calcinosis cutis](idiopathic.md)"
    assert rows["Typical age"] == "Childhood [@becuwe2004milia]"
    assert rows["Sex"] == NOT_DOCUMENTED
    assert rows["Serum calcium"] == "Normal [@becuwe2004milia]"
    assert rows["Typical sites"] == "Hands and feet [@becuwe2004milia; @lee1996solitary]"
    assert rows["Key associations"] == r"Down syndrome \| often [@sais1995down]"
    assert page.startswith(
        "# Milia-like idiopathic calcinosis cutis\n\n"
        "Small white papules that look like milia, mostly in children [@becuwe2004milia].\n\n"
        "**Also called:** MICC\n"
    )


def test_rare_type_rows_and_lab_notes() -> None:
    subtypes = load_valid()
    tumoral = by_slug(subtypes)["tumoral-calcinosis"]
    rows = glance_rows(render_subtype_page(tumoral, subtypes))
    assert rows["Classification"] == (
        "[Dystrophic](dystrophic.md) or [Idiopathic](idiopathic.md) (variably classed)"
    )
    assert rows["Kind"] == "Rare type"
    assert rows["Serum phosphate"] == "Raised (often) [@kannan2008tumoral]"


def place_section(page: str) -> str:
    return page.split("## Place in the classification", 1)[1].split("\n## ", 1)[0]


def test_place_in_classification_links() -> None:
    subtypes = load_valid()
    s = by_slug(subtypes)
    micc = place_section(render_subtype_page(s["milia-like-idiopathic-calcinosis-cutis"], subtypes))
    assert "- **Variant of:** [Idiopathic calcinosis cutis](idiopathic.md)" in micc
    assert "[Subepidermal calcified nodule](subepidermal-calcified-nodule.md)" in micc
    assert "[all subtypes compared](../classification.md)" in micc

    idio = place_section(render_subtype_page(s["idiopathic"], subtypes))
    assert (
        "- **Variants:** [Subepidermal calcified nodule](subepidermal-calcified-nodule.md), "
        "[Milia-like idiopathic calcinosis cutis](milia-like-idiopathic-calcinosis-cutis.md)"
    ) in idio
    assert "[Tumoral calcinosis](tumoral-calcinosis.md)" in idio
    assert (
        "- **Other major types:** [Dystrophic calcinosis cutis](dystrophic.md), "
        "[Metastatic calcinosis cutis](metastatic.md), [Iatrogenic calcinosis cutis](iatrogenic.md)"
    ) in idio

    rare = place_section(render_subtype_page(s["tumoral-calcinosis"], subtypes))
    assert "[Dystrophic](dystrophic.md) or [Idiopathic](idiopathic.md)" in rare
    assert "- **Other rare types:** [Calcinosis cutis universalis]" in rare

    # metastatic has no variants and no rare types classed under it: no empty bullets
    meta = place_section(render_subtype_page(s["metastatic"], subtypes))
    assert "Variants" not in meta and "Rare types" not in meta


def test_subtype_page_url_for_and_body_position() -> None:
    subtypes = load_valid()
    micc = by_slug(subtypes)["milia-like-idiopathic-calcinosis-cutis"]
    page = render_subtype_page(micc, subtypes, url_for=lambda slug: f"../{slug}/index.md")
    assert "[Idiopathic calcinosis cutis](../idiopathic/index.md)" in page
    assert page.endswith(micc.body)
    first = page.count("\n", 0, len(page) - len(micc.body)) + 1
    assert page.splitlines()[first - 1] == "## Definition"


def test_subtype_page_renders_as_markdown() -> None:
    subtypes = load_valid()
    micc = by_slug(subtypes)["milia-like-idiopathic-calcinosis-cutis"]
    html = markdown.markdown(render_subtype_page(micc, subtypes), extensions=EXTENSIONS)
    box = html.split('<div class="admonition abstract">', 1)[1].split("</div>", 1)[0]
    assert '<p class="admonition-title">At a glance</p>' in box
    assert box.count("<tr>") == 9  # header + 8 rows
    assert "Down syndrome | often" in box
    assert '<h2 id="place-in-the-classification">' in html


# --- the classification page and its diagram -----------------------------------------------------


def svg_of(page: str) -> ET.Element:
    start, end = page.index("<svg"), page.index("</svg>") + len("</svg>")
    return ET.fromstring(page[start:end])


def test_diagram_has_a_linked_node_for_every_subtype() -> None:
    subtypes = load_valid()
    svg = svg_of(render_classification_page(subtypes, url_for))
    assert svg.get("role") in {"img", "group"}
    title, desc = svg.find(f"{SVG_NS}title"), svg.find(f"{SVG_NS}desc")
    assert title is not None and title.text and desc is not None and desc.text
    assert svg.get("aria-labelledby") == title.get("id")
    assert svg.get("aria-describedby") == desc.get("id")
    links = {a.get(XLINK_HREF): a for a in svg.iter(f"{SVG_NS}a")}
    assert set(links) == {url_for(s.slug) for s in subtypes}
    for s in subtypes:
        text = " ".join(t.text or "" for t in links[url_for(s.slug)].iter(f"{SVG_NS}tspan"))
        assert text == s.name
        assert s.name in desc.text


def test_diagram_edges() -> None:
    svg = svg_of(render_classification_page(load_valid(), url_for))
    edges = {
        (p.get("data-from"), p.get("data-to")): p.get("stroke-dasharray")
        for p in svg.iter(f"{SVG_NS}path")
        if p.get("data-from")
    }
    assert edges == {
        ("idiopathic", "subepidermal-calcified-nodule"): None,
        ("idiopathic", "milia-like-idiopathic-calcinosis-cutis"): None,
        ("tumoral-calcinosis", "dystrophic"): "6 4",
        ("tumoral-calcinosis", "idiopathic"): "6 4",
        ("calcinosis-cutis-universalis", "dystrophic"): "6 4",
        ("calcinosis-cutis-universalis", "idiopathic"): "6 4",
    }


def test_single_class_rare_type_has_a_solid_edge(tmp_path: Path) -> None:
    d = copy_valid(tmp_path)
    edit(d / "tumoral-calcinosis.md", "[dystrophic, idiopathic]", "[metastatic]")
    subtypes, _ = load_subtypes(d, "docs/subtypes")
    svg = svg_of(render_classification_page(subtypes, url_for))
    (edge,) = (p for p in svg.iter(f"{SVG_NS}path") if p.get("data-from") == "tumoral-calcinosis")
    assert edge.get("data-to") == "metastatic" and edge.get("stroke-dasharray") is None


def test_diagram_follows_the_palette_and_has_no_script() -> None:
    page = render_classification_page(load_valid(), url_for)
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "<script" not in svg and "javascript:" not in svg
    assert not re.search(r"\son[a-z]+=", svg)  # no event handler attributes
    assert "currentColor" in svg
    colours = re.findall(r'(?:fill|stroke|color)="([^"]+)"', svg)
    assert set(colours) <= {"currentColor", "none"}, set(colours)


def test_diagram_is_deterministic() -> None:
    subtypes = load_valid()
    first = render_classification_page(subtypes, url_for)
    assert render_classification_page(list(reversed(subtypes)), url_for) == first


def test_diagram_survives_python_markdown() -> None:
    page = render_classification_page(load_valid(), url_for)
    html = markdown.markdown(page, extensions=EXTENSIONS)
    figure = page[page.index("<figure") : page.index("</figure>") + len("</figure>")]
    assert figure in html  # kept verbatim: not escaped, not wrapped, not rewritten
    assert "<p><figure" not in html and "<p><svg" not in html
    assert "\n\n" not in figure  # one raw HTML block


def table_rows(page: str) -> list[list[str]]:
    table = page.split("## Comparison", 1)[1]
    rows = [line for line in table.splitlines() if line.startswith("|")]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


def test_comparison_table() -> None:
    subtypes = load_valid()
    rows = table_rows(render_classification_page(subtypes, url_for))
    assert rows[0] == [
        "Subtype",
        "Kind",
        "Classed as",
        "Typical age",
        "Sex",
        "Serum calcium",
        "Serum phosphate",
        "Typical sites",
    ]
    names = [r[0] for r in rows[2:]]
    assert names == [f"[{s.name}](subtypes/{s.slug}.md)" for s in ordered_subtypes(subtypes)]
    micc = next(r for r in rows if "milia-like" in r[0])
    assert micc[1] == "Variant of [Idiopathic calcinosis cutis](subtypes/idiopathic.md)"
    assert micc[3] == "Childhood [@becuwe2004milia]"
    assert micc[7] == "Hands and feet [@becuwe2004milia; @lee1996solitary]"


def test_classification_page_reuses_cited_summaries_only() -> None:
    subtypes = load_valid()
    page = render_classification_page(
        subtypes, url_for, intro="Our own intro [@reiter2011diagnostic]."
    )
    assert "Our own intro [@reiter2011diagnostic]." in page
    for s in subtypes:
        assert s.summary in page
    # every citation on the page comes from a source's summary or facts, or the given intro
    allowed = {k for s in subtypes for k in (*s.summary_citations, *s.fact_citations)}
    assert {k for k, _ in citation_keys_in(page)} <= allowed | {"reiter2011diagnostic"}


def test_adding_a_subtype_shows_up_everywhere(tmp_path: Path) -> None:
    d = copy_valid(tmp_path)
    (d / "idiopathic-scrotal-calcinosis.md").write_text(
        replace(
            "name: Milia-like idiopathic calcinosis cutis", "name: Idiopathic scrotal calcinosis"
        )
        .replace("aliases: [MICC]\n", "")
        .replace("order: 2", "order: 3"),
        encoding="utf-8",
    )
    subtypes, problems = load_subtypes(d, "docs/subtypes")
    assert problems == []
    assert "idiopathic-scrotal-calcinosis" in {s.slug for s in subtypes}
    nav = subtype_nav(subtypes)
    assert nav[3]["Idiopathic calcinosis cutis"][-1] == {
        "Idiopathic scrotal calcinosis": "subtypes/idiopathic-scrotal-calcinosis.md"
    }
    page = render_classification_page(subtypes, url_for)
    assert any("Idiopathic scrotal calcinosis" in r[0] for r in table_rows(page))
    hrefs = {a.get(XLINK_HREF) for a in svg_of(page).iter(f"{SVG_NS}a")}
    assert "subtypes/idiopathic-scrotal-calcinosis/" in hrefs
    idio = render_subtype_page(by_slug(subtypes)["idiopathic"], subtypes)
    assert "[Idiopathic scrotal calcinosis](idiopathic-scrotal-calcinosis.md)" in idio


def test_sections_constant_matches_the_schema() -> None:
    assert SECTIONS[0] == "Definition" and SECTIONS[-1] == "Prognosis" and len(SECTIONS) == 8


# --- golden files -------------------------------------------------------------------------------


def test_golden_subtype_page() -> None:
    subtypes = load_valid()
    micc = by_slug(subtypes)["milia-like-idiopathic-calcinosis-cutis"]
    page = render_subtype_page(micc, subtypes)
    assert_golden("milia-like-idiopathic-calcinosis-cutis.md", page, GOLDEN)


def test_golden_classification_page() -> None:
    page = render_classification_page(load_valid(), url_for)
    assert_golden("classification.md", page, GOLDEN)


def test_golden_helper_reports_a_readable_diff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UPDATE_GOLDEN", raising=False)
    (tmp_path / "x.md").write_text("a\nb\n", encoding="utf-8")
    with pytest.raises(pytest.fail.Exception) as info:
        assert_golden("x.md", "a\nc\n", tmp_path)
    assert "-b\n+c" in str(info.value)


def test_diagram_of_deeper_trees(tmp_path: Path) -> None:
    d = copy_valid(tmp_path)
    # a variant of a rare type (drawn left of it) and a variant of a variant (further right)
    edit(d / "subepidermal-calcified-nodule.md", "parent: idiopathic", "parent: tumoral-calcinosis")
    (d / "deep.md").write_text(
        replace("name: Milia-like idiopathic calcinosis cutis", "name: Deep variant").replace(
            "parent: idiopathic", "parent: milia-like-idiopathic-calcinosis-cutis"
        ),
        encoding="utf-8",
    )
    subtypes, problems = load_subtypes(d, "docs/subtypes")
    assert problems == []
    svg = svg_of(render_classification_page(subtypes, url_for))
    assert {a.get(XLINK_HREF) for a in svg.iter(f"{SVG_NS}a")} == {
        url_for(s.slug) for s in subtypes
    }
    x = {
        a.get(XLINK_HREF): float(rect.get("x", "0"))
        for a in svg.iter(f"{SVG_NS}a")
        for rect in a.iter(f"{SVG_NS}rect")
    }
    assert x[url_for("subepidermal-calcified-nodule")] < x[url_for("tumoral-calcinosis")]
    assert x[url_for("tumoral-calcinosis")] < x[url_for("idiopathic")]
    assert x[url_for("idiopathic")] < x[url_for("milia-like-idiopathic-calcinosis-cutis")]
    assert x[url_for("milia-like-idiopathic-calcinosis-cutis")] < x[url_for("deep")]


def test_renderers_survive_a_broken_tree() -> None:
    """The loader drops cycles, but the renderers must not loop on records built by hand."""
    subtypes = load_valid()
    s = by_slug(subtypes)
    broken = [
        *(
            v
            for k, v in s.items()
            if k not in {"tumoral-calcinosis", "calcinosis-cutis-universalis"}
        ),
        with_(s["tumoral-calcinosis"], parent="calcinosis-cutis-universalis"),
        with_(s["calcinosis-cutis-universalis"], parent="tumoral-calcinosis"),
        with_(s["metastatic"], slug="orphan", name="Orphan", parent="nowhere"),
    ]
    assert len(ordered_subtypes(broken)) == len(broken)
    subtype_nav(broken)
    page = render_classification_page(broken, url_for)
    ET.fromstring(page[page.index("<svg") : page.index("</svg>") + 6])
    for subtype in broken:
        render_subtype_page(subtype, broken)


DIFFERENTIAL = replace(
    "order: 2",
    "order: 2\nreviewed: 2026-12-02\ndifferential:\n"
    '  - {condition: "Gout | tophi", distinguish: "Urate, not calcium", cite: [sais1995down]}\n'
    '  - {condition: Milia, distinguish: "No calcium on biopsy", cite: [becuwe2004milia, '
    "lee1996solitary]}",
)


def test_differential_and_review_date_are_read_and_rendered(tmp_path: Path) -> None:
    subtype, problems = parse_subtype(DIFFERENTIAL, "x", "docs/subtypes/x.md")
    assert problems == [] and subtype is not None
    assert subtype.reviewed == "2026-12-02"
    assert [(d.condition, d.cite, d.line) for d in subtype.differential] == [
        ("Gout | tophi", ("sais1995down",), 9),
        ("Milia", ("becuwe2004milia", "lee1996solitary"), 10),
    ]
    page = render_subtype_page(subtype, [subtype])
    table = page[page.index("## Differential diagnosis") :]
    assert table.splitlines()[2:6] == [
        "| Condition | How to tell it apart |",
        "| --- | --- |",
        "| Gout \\| tophi | Urate, not calcium [@sais1995down] |",
        "| Milia | No calcium on biopsy [@becuwe2004milia; @lee1996solitary] |",
    ]
    overview = render_classification_page([subtype], lambda slug: f"{slug}/")
    assert "| [Milia-like idiopathic calcinosis cutis](subtypes/x.md) | Milia |" in overview


@pytest.mark.parametrize(
    ("text", "evidence", "warned"),
    [
        ("Childhood", {"becuwe2004milia": "case-report"}, True),
        ("Reported in a child", {"becuwe2004milia": "case-report"}, False),
        ("Childhood", {"becuwe2004milia": "review"}, False),
        ("Childhood", {}, False),  # evidence not recorded: nothing to say
    ],
)
def test_a_typical_fact_resting_on_case_reports_is_a_warning(
    text: str, evidence: dict[str, str], warned: bool
) -> None:
    from calcinosis_site.extension import typical_fact_problems

    source = replace('age: {text: "Childhood"', f'age: {{text: "{text}"')
    subtype, _ = parse_subtype(source, "x", "docs/subtypes/x.md")
    assert subtype is not None
    problems = typical_fact_problems([subtype], {"sais1995down": "review", **evidence})
    found = [str(p) for p in problems if "fact 'age'" in p.message]
    assert found == (
        [
            "docs/subtypes/x.md:9:3: fact 'age' is presented as typical, but every source "
            "cited for it is a case report (becuwe2004milia). Word it 'Reported in …', or cite "
            "a review or a series that states it"
        ]
        if warned
        else []
    )
    assert all(p.severity is Severity.WARNING for p in problems)


def test_review_date_goes_under_the_title() -> None:
    from calcinosis_site.extension import with_review_date

    assert with_review_date("# Title\n\nText.", "2026-12-02").splitlines()[:4] == [
        "# Title",
        "",
        '<p class="page-reviewed">Last reviewed: <time datetime="2026-12-02">2 December 2026'
        "</time></p>",
        "",
    ]
    assert with_review_date("Text.", None) == "Text."
