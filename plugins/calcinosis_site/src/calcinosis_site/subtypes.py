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

from calcinosis_site.loading import (
    citation_problems,
    load_subtypes,
    parse_subtype,
)
from calcinosis_site.model import (
    FACT_KEYS,
    FACT_LABELS,
    FIELDS,
    LAB_FACTS,
    LAB_VALUES,
    NOT_DOCUMENTED,
    OPTIONAL_FIELDS,
    REQUIRED_FIELDS,
    SECTIONS,
    TYPES,
    Citation,
    Fact,
    Kind,
    Subtype,
    children_of,
    citation_keys_in,
    ordered_subtypes,
)  # fmt: skip
from calcinosis_site.pages import (
    classification_svg,
    render_classification_page,
    render_subtype_page,
    subtype_nav,
)

__all__ = [
    "FACT_KEYS", "FACT_LABELS", "FIELDS", "LAB_FACTS", "LAB_VALUES", "NOT_DOCUMENTED",
    "OPTIONAL_FIELDS", "REQUIRED_FIELDS", "SECTIONS", "TYPES", "Citation", "Fact", "Kind",
    "Subtype", "children_of", "citation_keys_in", "citation_problems", "classification_svg",
    "load_subtypes", "ordered_subtypes", "parse_subtype", "render_classification_page",
    "render_subtype_page", "subtype_nav",
]  # fmt: skip
