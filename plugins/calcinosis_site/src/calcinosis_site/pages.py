"""The Markdown of subtype pages and of the classification overview."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from calcinosis_site.diagram import DiagramNode, render_diagram
from calcinosis_site.model import (
    FACT_KEYS,
    FACT_LABELS,
    NOT_DOCUMENTED,
    TYPES,
    Fact,
    Kind,
    Subtype,
    _one_line,
    children_of,
    ordered_subtypes,
)


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
    classification", then ``subtype.body`` verbatim, then the differential diagnosis table
    (:func:`differential_section`).

    ``url_for(slug)`` gives the Markdown link target of another subtype's page relative to this
    one (default ``<slug>.md``: the pages share a directory). ``classification_page`` is the link
    target of the classification overview (empty: no link).
    """
    link = url_for or (lambda slug: f"{slug}.md")
    items = list(all_subtypes)
    by_slug = {s.slug: s for s in items}
    out = [f"# {_md_escape(subtype.name)}", "", subtype.summary, ""]
    if subtype.aliases:
        out += [f"**Also called:** {'; '.join(_md_escape(a) for a in subtype.aliases)}", ""]
    out += _at_a_glance(subtype, by_slug, link)
    out += ["", "## Place in the classification", ""]
    out += _place_bullets(subtype, by_slug, children_of(items), link)
    if classification_page:
        out.append(f"- **Overview:** [all subtypes compared]({classification_page})")
    out.append("")
    body = subtype.body.rstrip("\n") + "\n"
    return "\n".join(out) + "\n" + body + differential_section(subtype)


def _at_a_glance(
    subtype: Subtype, by_slug: Mapping[str, Subtype], link: Callable[[str], str]
) -> list[str]:
    """The lines of the "At a glance" box: a table of classification, kind, facts, treatments."""
    rows = [
        ("Classification", _classification_cell(subtype, by_slug, link)),
        ("Kind", _kind_cell(subtype, by_slug, link)),
        *((FACT_LABELS[k], _fact_cell(subtype.facts.get(k))) for k in FACT_KEYS),
    ]
    if subtype.treatments:
        rows.append(("Treatments reported", _treatments_cell(subtype)))
    out = ['!!! abstract "At a glance"', "", "    | Feature | Details |", "    | --- | --- |"]
    out += [f"    | {label} | {cell} |" for label, cell in rows]
    return out


def _place_bullets(
    subtype: Subtype,
    by_slug: Mapping[str, Subtype],
    tree: Mapping[str | None, list[Subtype]],
    link: Callable[[str], str],
) -> list[str]:
    """The bullets of "Place in the classification": the subtype's relatives, by kind."""
    out: list[str] = []

    def bullet(label: str, subtypes: Sequence[Subtype]) -> None:
        if subtypes:
            links = ", ".join(f"[{_md_escape(s.name)}]({link(s.slug)})" for s in subtypes)
            out.append(f"- **{label}:** {links}")

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
    return out


def _treatments_cell(subtype: Subtype) -> str:
    return "; ".join(
        f"{_md_escape(t.name)} [{'; '.join(f'@{k}' for k in t.cite)}]" for t in subtype.treatments
    )


def differential_section(subtype: Subtype) -> str:
    """The page's differential diagnosis as a table (after the body), or nothing."""
    if not subtype.differential:
        return ""
    rows = [
        f"| {_md_escape(row.condition)} | {_table_safe(row.distinguish)} "
        f"[{'; '.join(f'@{k}' for k in row.cite)}] |"
        for row in subtype.differential
    ]
    head = "| Condition | How to tell it apart |\n| --- | --- |"
    return "\n## Differential diagnosis\n\n" + head + "\n" + "\n".join(rows) + "\n"


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

    def md_link(slug: str) -> str:
        return f"{pages_prefix}{slug}.md"

    def page_link(s: Subtype) -> str:
        return f"[{_md_escape(s.name)}]({md_link(s.slug)})"

    out = [f"# {title}", "", (intro or _DEFAULT_INTRO).strip(), ""]
    out += ["## Diagram", "", classification_svg(items, url_for), ""]
    out += ["## Types and subtypes", "", *_subtype_list(items, page_link), ""]
    out += ["## Comparison", "", *_comparison_table(items, md_link, page_link), ""]
    out += _differential_overview(items, page_link)
    return "\n".join(out)


_DEFAULT_INTRO = (
    "This page shows how the subtype pages of this site are grouped. Each subtype is filed "
    "under one or more major types: dystrophic, metastatic, iatrogenic and idiopathic. "
    "Variants sit under the subtype they belong to. A rare type is joined to every major "
    "type it is classed under; a dashed line means that it is variably classed. Each "
    "subtype's page gives the details, with their sources."
)


def _subtype_list(items: Sequence[Subtype], page_link: Callable[[Subtype], str]) -> list[str]:
    """The nested list of the major types, then of the rare types, each with its summary."""
    tree = children_of(items)
    top = tree.get(None, [])
    majors = sorted((s for s in top if s.kind is Kind.MAJOR), key=lambda s: TYPES.index(s.slug))
    out: list[str] = []

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
    return out


def _comparison_table(
    items: Sequence[Subtype],
    md_link: Callable[[str], str],
    page_link: Callable[[Subtype], str],
) -> list[str]:
    """The rows of the table that compares the subtypes: kind, classification, facts."""
    by_slug = {s.slug: s for s in items}
    head = [
        "Subtype",
        "Kind",
        "Classed as",
        *(FACT_LABELS[k] for k in FACT_KEYS if k != "associations"),
    ]
    out = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for s in items:
        cells = [
            page_link(s),
            _kind_cell(s, by_slug, md_link),
            _classification_cell(s, by_slug, md_link, self_link=True),
            *(_fact_cell(s.facts.get(k)) for k in FACT_KEYS if k != "associations"),
        ]
        out.append("| " + " | ".join(cells) + " |")
    return out


def _differential_overview(
    items: Sequence[Subtype], page_link: Callable[[Subtype], str]
) -> list[str]:
    """The lines of the differential diagnosis section (all subtypes in one table), or none."""
    with_differential = [s for s in items if s.differential]
    if not with_differential:
        return []
    out = ["## Differential diagnosis", "", "What each subtype can be mistaken for.", ""]
    out += ["| Subtype | Condition | How to tell it apart |", "| --- | --- | --- |"]
    for s in with_differential:
        for row in s.differential:
            cite = "; ".join(f"@{k}" for k in row.cite)
            out.append(f"| {page_link(s)} | {_md_escape(row.condition)} | "
                       f"{_table_safe(row.distinguish)} [{cite}] |")  # fmt: skip
    out.append("")
    return out


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


def _table_safe(text: str) -> str:
    return re.sub(r"(?<!\\)\|", r"\\|", _one_line(text))


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]|<>#])", r"\\\1", _one_line(text))
