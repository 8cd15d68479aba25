"""The error catalogue: bad input never breaks or silently corrupts the site.

Every case is one small change to a fixture site (``tests/fixtures/sites/basic``, or ``subtypes``
for subtype sources), built with the real ``mkdocs build --strict``. The table states exactly what
must happen: the build fails (exit code 1) with these messages, each the full
``path:line:col: message. hint`` line, and nothing else; or it succeeds; and in both cases what the
pages show (a warning-only strict build still writes every page before it aborts). Never a
traceback, never a citation or an entry dropped without a word. ``tests/test_build.py`` holds the
first scenarios (unknown key, ``[@]``, ``[@a;;@b]``, duplicate keys, ...); this file extends them.
README.md's "Errors" section documents the same table.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bibcite.bibliography import BibSource, load_bibliography, parse_bibliographies

from support import Build, RecordingHandler, build, build_here, convert, copy_site, edit_project

BIB = "refs.bib"
PAGE = "docs/other.md"  # 3 lines; text appended as "\n..." starts on line 5
# refs.bib of both fixture sites has 36 lines; an entry appended as "\n@..." starts on line 38.
CITE_APPENDED = "\nNew entry [@zeta2005].\n"
IGNORED = "Move it into an entry, or start the line with % to mark it as a comment"
SYNTAX_HINT = (
    "Write citations as [@key], [@a; @b] or [@key, p. 3]; escape a literal bracket as \\[@"
)
LATEX_HINT = (
    "The text is shown raw; write the character in UTF-8 or use a standard LaTeX accent such as "
    '{\\"o}'
)


def entry(key: str, etype: str = "article", **fields: str) -> str:
    """A BibTeX entry, one field a line (so lines are predictable): ``entry("k", title="T")``."""
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields.items())
    return f"@{etype}{{{key},\n{body}}}\n"


FULL = {"author": "Zeta, Z.", "title": "Zeta study", "journal": "J Zeta", "year": "2005"}


def without(name: str) -> dict[str, str]:
    return {k: v for k, v in FULL.items() if k != name}


@dataclass(frozen=True)
class Case:
    """One bad (or tricky but valid) input and exactly what the build must do with it.

    write / append: files (relative to the project) to overwrite / to extend.
    replace: (file, old, new) edits; ``old`` must occur in the file.
    ok: the strict build succeeds. messages: every problem line of the output, in order.
    rendered / absent: (page, HTML) that the page's article must / must not contain.
    groups: (page, n): the page shows exactly n citation groups (none dropped or invented).
    said: other output (MkDocs' own messages), as substrings.
    """

    name: str
    site: str = "basic"
    write: dict[str, str | bytes] = field(default_factory=dict)
    append: dict[str, str] = field(default_factory=dict)
    replace: tuple[tuple[str, str, str], ...] = ()
    ok: bool = True
    messages: tuple[str, ...] = ()
    rendered: tuple[tuple[str, str], ...] = ()
    absent: tuple[tuple[str, str], ...] = ()
    groups: tuple[tuple[str, int], ...] = ()
    said: tuple[str, ...] = ()


OTHER = "other/index.html"
NODULAR = "docs/subtypes/nodular.md"
PLAQUE = """---
name: Plaque things
classification: [idiopathic]
parent: nodular
summary: A plaque [@gamma2002second].
facts:
  age: null
  sex: null
  calcium: {value: normal, cite: [gamma2002second]}
  phosphate: {value: normal, cite: [gamma2002second]}
  sites: null
  associations: null
---
## Definition

A firm plaque [@gamma2002second].
"""
BASIC_BIB = "\n" + entry("zeta2005", **FULL)

CASES = [
    # --- the .bib file --------------------------------------------------------------------
    Case(
        "stray text before the first entry (BibTeX ignores it silently)",
        replace=((BIB, "@article{alpha2001first,", "Notes for later\n@article{alpha2001first,"),),
        ok=False,
        messages=(
            f"refs.bib:1:1: text outside any entry is ignored: 'Notes for later'. {IGNORED}",
        ),
        groups=((OTHER, 2),),
    ),
    Case(
        "a field after the entry's closing brace is reported, not dropped",
        append={
            BIB: "\n@article{zeta2005,\n  author = {Zeta, Z.},\n  title = {Zeta study},\n"
            "  journal = {J Zeta},\n  year = {2005},\n}\n  pages = {1-2},\n}\n",
            PAGE: CITE_APPENDED,
        },
        ok=False,
        messages=(
            f"refs.bib:44:3: text outside any entry is ignored: 'pages = {{1-2}},'. {IGNORED}",
        ),
        rendered=((OTHER, "Zeta study"),),
    ),
    Case(
        "% lines, @comment, @preamble and a UTF-8 byte order mark are not stray text",
        replace=(
            (
                BIB,
                "@article{alpha2001first,",
                "\ufeff% references for the tests\n@comment{alpha2001first: a comment, not a "
                'duplicate}\n@preamble{"\\newcommand{\\noop}[1]{}"}\n@article{alpha2001first,',
            ),
        ),
        groups=((OTHER, 2), ("index.html", 4)),
    ),
    Case(
        "@string abbreviation is expanded",
        append={
            BIB: "\n@string{jz = {Journal of Zeta}}\n@article{zeta2005,\n  author = {Zeta, Z.},\n"
            "  title = {Zeta study},\n  journal = jz,\n  year = {2005},\n}\n",
            PAGE: CITE_APPENDED,
        },
        rendered=((OTHER, "Journal of Zeta"),),
        groups=((OTHER, 3),),
    ),
    Case(
        "undefined @string abbreviation",
        append={
            BIB: "\n@article{zeta2005,\n  author = {Zeta, Z.},\n  title = {Zeta study},\n"
            "  journal = jz,\n  year = {2005},\n}\n",
            PAGE: CITE_APPENDED,
        },
        ok=False,
        messages=(
            "refs.bib:41:1: malformed BibTeX: undefined string 'jz' (in the entry starting on "
            "line 38). Put the value in braces or define it: @string{jz = {...}}",
        ),
    ),
    Case(
        "unknown entry type: warned, still rendered",
        append={BIB: "\n" + entry("zeta2005", "paper", **FULL), PAGE: CITE_APPENDED},
        ok=False,
        messages=(
            "refs.bib:38:1: entry 'zeta2005' has unknown type '@paper'. Use one of: article, "
            "book, booklet, inbook, incollection, inproceedings, manual, mastersthesis, misc, "
            "online, phdthesis, proceedings, techreport, unpublished",
        ),
        rendered=((OTHER, "Zeta study"), ("references/index.html", "Zeta study")),
        groups=((OTHER, 3),),
    ),
    Case(
        "entry without author: warned, rendered from its other fields",
        append={BIB: "\n" + entry("zeta2005", **without("author")), PAGE: CITE_APPENDED},
        ok=False,
        messages=(
            "refs.bib:38:1: entry 'zeta2005' has no 'author' field. Add the author so the "
            "reference can be shown in full",
        ),
        rendered=((OTHER, "Zeta study"), ("references/index.html", "Zeta study")),
    ),
    Case(
        "entry without journal",
        append={BIB: "\n" + entry("zeta2005", **without("journal")), PAGE: CITE_APPENDED},
        ok=False,
        messages=(
            "refs.bib:38:1: entry 'zeta2005' has no 'journal' field. Add the journal so the "
            "reference can be shown in full",
        ),
        rendered=((OTHER, "Zeta study"),),
    ),
    Case(
        "entry without year",
        append={BIB: "\n" + entry("zeta2005", **without("year")), PAGE: CITE_APPENDED},
        ok=False,
        messages=(
            "refs.bib:38:1: entry 'zeta2005' has no 'year' field. Add the year so the "
            "reference can be shown in full",
        ),
        rendered=((OTHER, "Zeta study"),),
    ),
    Case(
        "an empty title counts as missing",
        append={BIB: "\n" + entry("zeta2005", **{**FULL, "title": " "}), PAGE: CITE_APPENDED},
        ok=False,
        messages=(
            "refs.bib:38:1: entry 'zeta2005' has no 'title' field. Add the title so the "
            "reference can be shown in full",
        ),
        rendered=((OTHER, "J Zeta"),),
    ),
    Case(
        "LaTeX command pybtex cannot decode: shown raw, warned with the field",
        append={
            BIB: "\n" + entry("zeta2005", **{**FULL, "title": "Zeta \\frobnicate{x} study"}),
            PAGE: CITE_APPENDED,
        },
        ok=False,
        messages=(
            "refs.bib:38:1: entry 'zeta2005', field 'title': cannot convert LaTeX: unknown "
            f"LaTeX command '\\frobnicate'. {LATEX_HINT}",
        ),
        rendered=((OTHER, "frobnicate"),),
    ),
    Case(
        "names with too many commas",
        append={
            BIB: "\n" + entry("zeta2005", **{**FULL, "author": "Zeta, Z., Eta, H."}),
            PAGE: CITE_APPENDED,
        },
        ok=False,
        messages=(
            "refs.bib:39:13: malformed BibTeX: Too many commas in 'Zeta, Z., Eta, H.'. Separate "
            "names with ' and ', each written 'Last, First'",
        ),
    ),
    Case(
        "entry without a key",
        append={BIB: "\n" + entry("", **FULL)},
        ok=False,
        messages=(
            "refs.bib:38:1: malformed BibTeX: entry key expected. Fix the entry's braces, "
            "commas and quotes",
        ),
    ),
    Case(
        "unterminated quoted value",
        append={
            BIB: '\n@article{zeta2005,\n  author = {Zeta, Z.},\n  title = "Zeta study,\n'
            "  journal = {J Zeta},\n  year = {2005},\n}\n",
            PAGE: CITE_APPENDED,
        },
        ok=False,
        messages=(
            "refs.bib:43:1: malformed BibTeX: unbalanced braces (in the entry starting on "
            "line 38). Fix the entry's braces, commas and quotes",
        ),
    ),
    Case(
        "a field without a name",
        append={
            BIB: "\n@article{zeta2005,\n  author = {Zeta, Z.},\n  = {Zeta study},\n}\n",
            PAGE: CITE_APPENDED,
        },
        ok=False,
        messages=(
            "refs.bib:40:1: malformed BibTeX: '}' expected (in the entry starting on line 38). "
            "Fix the entry's braces, commas and quotes",
        ),
    ),
    Case(
        "unclosed brace in the middle of the file: the entries after it are not lost silently",
        replace=((BIB, "title = {Third study},", "title = {Third study,"),),
        ok=False,
        messages=(
            "refs.bib:29:1: malformed BibTeX: '}' expected (in the entry starting on line 21). "
            "Fix the entry's braces, commas and quotes",
        ),
    ),
    Case(
        "empty .bib file (0 bytes)",
        write={BIB: ""},
        ok=False,
        messages=(
            "refs.bib:1:1: bibliography has no entries. Add the references the pages cite",
            *(
                f"docs/{where}: unknown citation key '{key}'. Fix the key or add an entry "
                f"'{key}' to refs.bib"
                for where, key in [
                    ("index.md:3:9", "gamma2002second"),
                    ("index.md:3:40", "alpha2001first"),
                    ("index.md:3:40", "delta2003third"),
                    ("index.md:3:40", "gamma2002second"),
                    ("index.md:4:11", "delta2003third"),
                    ("index.md:10:7", "gamma2002second"),
                    ("other.md:3:8", "epsilon2004fourth"),
                    ("other.md:3:39", "alpha2001first"),
                ]
            ),
        ),
        rendered=((OTHER, "?epsilon2004fourth"), (OTHER, "?alpha2001first")),
        groups=((OTHER, 2), ("index.html", 4)),
    ),
    Case(
        "a .bib saved as UTF-16",
        write={BIB: entry("zeta2005", **FULL).encode("utf-16")},
        ok=False,
        messages=("refs.bib:1:1: bibliography is not UTF-8 (byte 0xff). Save the file as UTF-8",),
    ),
    Case(
        "bibliography option naming a folder",
        replace=(("mkdocs.yml", "bibliography: refs.bib", "bibliography: docs"),),
        ok=False,
        messages=(
            "docs:0:0: cannot read the bibliography file (Is a directory). Check the file's "
            "permissions",
        ),
    ),
    # --- citations in Markdown --------------------------------------------------------------
    Case(
        "citation in a heading: rendered, TOC label and id stay clean",
        append={PAGE: "\n## Results [@gamma2002second]\n"},
        rendered=(
            (
                OTHER,
                '<h2 id="results">Results <span class="citation" id="cite-3" data-search-exclude="">',
            ),
            (OTHER, 'href="#ref-gamma2002second"'),
        ),
        groups=((OTHER, 3),),
    ),
    Case(
        "unknown key in a heading: located",
        append={PAGE: "\n## Results [@nokey2000]\n"},
        ok=False,
        messages=(
            "docs/other.md:5:12: unknown citation key 'nokey2000'. Fix the key or add an "
            "entry 'nokey2000' to refs.bib",
        ),
        rendered=((OTHER, "?nokey2000"),),
        groups=((OTHER, 3),),
    ),
    Case(
        "citations in a table",
        append={PAGE: "\n| Study | Ref |\n|---|---|\n| Third | [@delta2003third] |\n"},
        rendered=(
            (
                OTHER,
                '<td><span class="citation" id="cite-3" data-search-exclude="">[<a class="citation-ref"',
            ),
        ),
        groups=((OTHER, 3),),
    ),
    Case(
        "unknown key in a table cell: located",
        append={PAGE: "\n| Study | Ref |\n|---|---|\n| X | [@delta2003thrid] |\n"},
        ok=False,
        messages=(
            "docs/other.md:7:7: unknown citation key 'delta2003thrid'; did you mean "
            "'delta2003third'? Fix the key or add an entry 'delta2003thrid' to refs.bib",
        ),
        rendered=((OTHER, "?delta2003thrid"),),
    ),
    Case(
        "citation in an admonition",
        append={PAGE: '\n!!! note "Note"\n    As shown [@delta2003third].\n'},
        rendered=((OTHER, 'As shown <span class="citation" id="cite-3" data-search-exclude="">'),),
        groups=((OTHER, 3),),
    ),
    Case(
        "citation in a footnote",
        append={PAGE: "\nClaim.[^n]\n\n[^n]: Shown in [@delta2003third].\n"},
        rendered=((OTHER, 'Shown in <span class="citation" id="cite-3" data-search-exclude="">'),),
        groups=((OTHER, 3),),
    ),
    Case(
        "citation in link text: numbers are not links inside the link",
        append={PAGE: "\n[As shown [@delta2003third]](index.md) there.\n"},
        rendered=((OTHER, '<span class="citation-ref" title="Delta D. Third study.'),),
        absent=((OTHER, '<a class="citation-ref" href="#delta2003third"'),),
        groups=((OTHER, 3),),
    ),
    Case(
        "code spans, fences and indented code are left untouched",
        append={
            PAGE: "\nCode ``x [@nokey1] y``.\n\n```text\n[@nokey2; @nokey3]\n```\n\n"
            "    [@nokey4] indented\n"
        },
        rendered=(
            (OTHER, "<code>x [@nokey1] y</code>"),
            (OTHER, "[@nokey2; @nokey3]"),
            (OTHER, "[@nokey4] indented"),
        ),
        groups=((OTHER, 2),),
    ),
    Case(
        "e-mail addresses and a link whose text starts with @ are not citations",
        append={
            PAGE: "\nWrite to info@alpha2001first.org or <x@nokey.org>; [@nokey](https://example.org).\n"
        },
        rendered=((OTHER, '<a href="https://example.org">@nokey</a>'),),
        groups=((OTHER, 2),),
    ),
    Case(
        "escaped bracket is literal text, not a citation",
        append={PAGE: "\nLiteral \\[@nokey2000] here.\n"},
        rendered=((OTHER, "Literal [@nokey2000] here."),),
        groups=((OTHER, 2),),
    ),
    Case(
        "nested brackets",
        append={PAGE: "\nNested [[@delta2003third]].\n"},
        rendered=((OTHER, 'Nested [<span class="citation" id="cite-3" data-search-exclude="">'),),
        groups=((OTHER, 3),),
    ),
    Case(
        "the same key twice in a group counts once",
        append={PAGE: "\nTwice [@delta2003third; @delta2003third].\n"},
        rendered=(
            (
                OTHER,
                '<p>Twice <span class="citation" id="cite-3" data-search-exclude="">[<a class="citation-ref" '
                'href="#ref-delta2003third" title="Delta D. Third study. J Other. 2003. 3:7-8.">'
                "3</a>]</span>.</p>",
            ),
        ),
        groups=((OTHER, 3),),
    ),
    Case(
        "a group over a line break is a citation, not lost text",
        append={PAGE: "\nWrapped [@delta2003third;\n@gamma2002second].\n"},
        rendered=((OTHER, 'href="#ref-gamma2002second"'), (OTHER, 'href="#ref-delta2003third"')),
        absent=((OTHER, "[@delta2003third"),),
        groups=((OTHER, 3),),
    ),
    Case(
        "a malformed group over a line break: message on one line, located",
        append={PAGE: "\n> Quoted [@delta2003third;\n> ;@gamma2002second].\n"},
        ok=False,
        messages=(
            "docs/other.md:5:10: empty citation item in '[@delta2003third; ;@gamma2002second]'. "
            + SYNTAX_HINT,
        ),
        groups=((OTHER, 3),),
    ),
    Case(
        "two groups side by side are two citations (not a reference link, not lost)",
        append={PAGE: "\nSide [@delta2003third][@gamma2002second].\n"},
        rendered=((OTHER, 'href="#ref-gamma2002second"'), (OTHER, 'href="#ref-delta2003third"')),
        groups=((OTHER, 4),),
    ),
    Case(
        "a paragraph starting with a group and a colon is not a link definition",
        append={PAGE: "\n[@delta2003third; @gamma2002second]: found\n"},
        rendered=((OTHER, "</span>: found</p>"),),
        groups=((OTHER, 3),),
    ),
    Case(
        "a group followed by an unclosed parenthesis is still a citation",
        append={PAGE: "\nOpen [@delta2003third](see the review.\n"},
        rendered=((OTHER, "</span>(see the review.</p>"),),
        groups=((OTHER, 3),),
    ),
    Case(
        "a citation in image text is reported, not dropped",
        append={PAGE: "\nSee ![A figure [@delta2003third]](figure.png) here.\n"},
        write={"docs/figure.png": b"\x89PNG\r\n\x1a\n"},
        ok=False,
        messages=(
            "docs/other.md:5:16: citation '[@delta2003third]' is not rendered: it is in image "
            'text or in a raw HTML block. Move it into the text, or add markdown="1" to the HTML '
            "block; escape a literal bracket as \\[@",
        ),
        groups=((OTHER, 2),),
    ),
    Case(
        "a citation in a raw HTML block is reported; with markdown=1 it renders",
        append={
            PAGE: '\n<div class="box">\nBoxed [@delta2003third] and <code>[@nokey]</code>.\n'
            '</div>\n\n<div class="box" markdown="1">\nBoxed [@gamma2002second].\n</div>\n'
        },
        ok=False,
        messages=(
            "docs/other.md:6:7: citation '[@delta2003third]' is not rendered: it is in image "
            'text or in a raw HTML block. Move it into the text, or add markdown="1" to the HTML '
            "block; escape a literal bracket as \\[@",
        ),
        rendered=((OTHER, 'Boxed <span class="citation" id="cite-3" data-search-exclude="">'),),
        groups=((OTHER, 3),),
    ),
    Case(
        "pandoc's forms in a real build: author-in-text, prefix, locator, suppress-author",
        append={
            PAGE: "\nAs @delta2003third [p. 3] said [see @gamma2002second, pp. 1-2; "
            "-@delta2003third].\n"
        },
        rendered=(
            (OTHER, 'data-search-exclude="">Delta [<a class="citation-ref" '),
            (OTHER, "</a>, p. 3]</span> said "),
            (OTHER, '>[see <a class="citation-ref" href="#ref-gamma2002second"'),
            (OTHER, "</a>, pp. 1\u20132; <a"),
        ),
        groups=((OTHER, 4),),
    ),
    Case(
        "a bare unknown @word fails a strict build, located, shown as written",
        append={PAGE: "\nAsk @nobody here, not a@b.org or `@code` or \\@escaped.\n"},
        ok=False,
        messages=(
            "docs/other.md:5:5: unknown citation key 'nobody' in '@nobody'. Fix the key or add "
            "an entry 'nobody' to refs.bib, or write \\@nobody if it is not a citation",
        ),
        rendered=((OTHER, 'title="Unknown reference: nobody">@nobody</span>'),),
        groups=((OTHER, 3),),
    ),
    Case(
        "trailing semicolon",
        append={PAGE: "\nTrailing [@delta2003third;].\n"},
        ok=False,
        messages=(
            f"docs/other.md:5:10: empty citation item in '[@delta2003third;]'. {SYNTAX_HINT}",
        ),
        rendered=(
            (
                OTHER,
                '<span class="citation citation-error" id="cite-3" data-search-exclude="">[@delta2003third;]',
            ),
        ),
    ),
    Case(
        "space after @",
        append={PAGE: "\nSpace [@ delta2003third].\n"},
        ok=False,
        messages=(
            "docs/other.md:5:7: malformed citation '[@ delta2003third]' (at '@ delta2003third')"
            f". {SYNTAX_HINT}",
        ),
        rendered=((OTHER, "[@ delta2003third]"),),
    ),
    Case(
        "locator without a comma",
        append={PAGE: "\nPage [@delta2003third p. 3].\n"},
        ok=False,
        messages=(
            "docs/other.md:5:6: malformed citation '[@delta2003third p. 3]' (at "
            f"'@delta2003third p. 3'). {SYNTAX_HINT}",
        ),
    ),
    Case(
        "the same unknown key on two lines: both located",
        append={PAGE: "\nOne [@nokey2000].\n\nTwo [@nokey2000].\n"},
        ok=False,
        messages=(
            "docs/other.md:5:5: unknown citation key 'nokey2000'. Fix the key or add an entry "
            "'nokey2000' to refs.bib",
            "docs/other.md:7:5: unknown citation key 'nokey2000'. Fix the key or add an entry "
            "'nokey2000' to refs.bib",
        ),
        groups=((OTHER, 4),),
    ),
    # --- subtype sources ------------------------------------------------------------------
    Case(
        "subtype source without a required field",
        site="subtypes",
        replace=(
            (
                "docs/subtypes/nodular.md",
                "summary: A single nodule [@gamma2002second, p. 5].\n",
                "",
            ),
        ),
        ok=False,
        messages=(
            "docs/subtypes/nodular.md:1:1: missing required field 'summary'. Add it, e.g. "
            '`summary: "One sentence in our own words [@key]."`',
        ),
    ),
    Case(
        "subtype source with an unknown field",
        site="subtypes",
        replace=(
            (
                "docs/subtypes/nodular.md",
                "parent: idiopathic\n",
                "parent: idiopathic\nsynonyms: [x]\n",
            ),
        ),
        ok=False,
        messages=(
            "docs/subtypes/nodular.md:5:1: unknown field 'synonyms'. Use one of: name, aliases, "
            "classification, parent, order, summary, facts, reviewed, differential, treatments",
        ),
    ),
    Case(
        "unknown classification",
        site="subtypes",
        replace=(
            (
                "docs/subtypes/nodular.md",
                "classification: [idiopathic]",
                "classification: [idiopatic]",
            ),
        ),
        ok=False,
        messages=(
            "docs/subtypes/nodular.md:3:18: unknown classification 'idiopatic'. Did you mean "
            "'idiopathic'? Use one of: dystrophic, metastatic, iatrogenic, idiopathic",
        ),
    ),
    Case(
        "unknown parent",
        site="subtypes",
        replace=(("docs/subtypes/nodular.md", "parent: idiopathic", "parent: idiopatic"),),
        ok=False,
        messages=(
            "docs/subtypes/nodular.md:4:1: unknown parent 'idiopatic'. Did you mean "
            "'idiopathic'? Use the slug (file name without .md) of: dystrophic, idiopathic, "
            "nodular",
        ),
    ),
    Case(
        "parent cycle between two variants",
        site="subtypes",
        write={"docs/subtypes/plaque.md": PLAQUE},
        replace=(("docs/subtypes/nodular.md", "parent: idiopathic", "parent: plaque"),),
        ok=False,
        messages=(
            "docs/subtypes/nodular.md:4:1: parent cycle: nodular → plaque → nodular. A subtype "
            "cannot sit under itself; change `parent` in one of: docs/subtypes/nodular.md, "
            "docs/subtypes/plaque.md",
        ),
    ),
    Case(
        "unknown key in a fact's cite list: an error at the key, before any page repeats it",
        site="subtypes",
        replace=((NODULAR, "cite: [alpha2001first]}", "cite: [alpha2001frist]}"),),
        ok=False,
        messages=(
            "docs/subtypes/nodular.md:11:32: unknown citation key 'alpha2001frist'; did you mean "
            "'alpha2001first'? Fix the key or add an entry 'alpha2001frist' to refs.bib",
        ),
    ),
    Case(
        "unknown key in a subtype's body",
        site="subtypes",
        replace=((NODULAR, "One hard nodule [@gamma2002second]", "One hard nodule [@gama2002]"),),
        ok=False,
        messages=(
            "docs/subtypes/nodular.md:16:17: unknown citation key 'gama2002'; did you mean "
            "'gamma2002second'? Fix the key or add an entry 'gama2002' to refs.bib",
        ),
    ),
    Case(
        "a fact with an empty cite list",
        site="subtypes",
        replace=((NODULAR, "cite: [alpha2001first]}", "cite: []}"),),
        ok=False,
        messages=(
            "docs/subtypes/nodular.md:11:31: field 'facts.sites.cite' must be a non-empty list "
            "of strings, not an empty list. Write it like `cite: [key1, key2]`",
        ),
    ),
]


def apply(case: Case, project: Path) -> None:
    edit_project(project, case.write, case.append, case.replace)


_LEVEL = re.compile(r"^(?:WARNING|ERROR)\s+-\s+")
_PROBLEM = re.compile(r"^\S+:\d+:\d+: ")


def problem_lines(output: str) -> list[str]:
    """The ``path:line:col: message. hint`` lines of a build's output, in order."""
    lines = (_LEVEL.sub("", line) for line in output.splitlines())
    return [line for line in lines if _PROBLEM.match(line)]


def citation_groups(html: str) -> int:
    return len(re.findall(r'<span class="citation(?: citation-error)?" id="cite-\d+"', html))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input(case: Case, tmp_path: Path) -> None:
    project = copy_site(case.site, tmp_path)
    apply(case, project)

    result = build_here(project)

    assert "Traceback" not in result.output, result.output
    assert result.returncode == (0 if case.ok else 1), result.output
    assert problem_lines(result.output) == list(case.messages), result.output
    for text in case.said:
        assert text in result.output, result.output
    check_pages(case, result)


def check_pages(case: Case, result: Build) -> None:
    for page, text in case.rendered:
        assert text in result.article(page), f"{page} lacks {text!r}:\n{result.article(page)}"
    for page, text in case.absent:
        assert text not in result.article(page), f"{page} has {text!r}"
    for page, n in case.groups:
        assert citation_groups(result.article(page)) == n, result.article(page)


# --- the .bib parser on its own (the changes made for this catalogue) ---------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("junk\n" + entry("a", **FULL), [(1, 1, "junk")]),
        (entry("a", **FULL) + "}\n", [(7, 1, "}")]),
        (entry("a", **FULL) + "\n  % note\n  year = {1},\n" + entry("b", **FULL), [(9, 3, "year")]),
        ("% c\n@comment{x}\n" + entry("a", **FULL), []),
        ('@string(j = "J")\n@preamble{"x"}\n' + entry("a", **FULL).replace("{J Zeta}", "j"), []),
        (
            "@article(a,\n author={A, B},\n title={T},\n journal={J},\n year={1})\n x\n",
            [(6, 2, "x")],
        ),
    ],
)
def test_text_outside_entries_is_reported(text: str, expected: list[tuple[int, int, str]]) -> None:
    bib, problems = parse_bibliographies([BibSource("x.bib", text)])
    assert bib is not None
    stray = [(p.line, p.col, p.message) for p in problems]
    assert [(line, col) for line, col, _ in stray] == [(line, col) for line, col, _ in expected]
    for (_, _, message), (_, _, start) in zip(stray, expected, strict=True):
        assert message.startswith(f"text outside any entry is ignored: '{start}")


def test_byte_order_mark_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "x.bib"
    path.write_bytes(b"\xef\xbb\xbf" + entry("a", **FULL).encode())
    bib, problems = load_bibliography(path)
    assert problems == []
    assert bib is not None and bib.keys == ("a",)


def test_long_stray_text_is_shortened() -> None:
    _, problems = parse_bibliographies([BibSource("x.bib", "x" * 100 + "\n" + entry("a", **FULL))])
    assert str(problems[0]) == (
        f"x.bib:1:1: text outside any entry is ignored: '{'x' * 39}…'. {IGNORED}"
    )


# --- a 10 MB bibliography ---------------------------------------------------------------------

BIG_ENTRIES = 2000
BIG_SECONDS = 120  # measured ~20 s on 2 cores; a quadratic step would take minutes


def big_bib(n: int) -> str:
    """``n`` realistic entries with a long abstract each (not rendered), about 10 MB in all."""
    abstract = ("Calcium deposits were studied in the skin of patients. " * 90).strip()
    return "".join(
        entry(
            f"big{i}",
            author=f"Author{i}, A. and Second, B. and Third, C.",
            title=f"Study number {i} of calcified things",
            journal="J Things",
            year=str(1950 + i % 70),
            volume=str(i % 40 + 1),
            pages=f"{i}-{i + 5}",
            abstract=abstract,
        )
        for i in range(n)
    )


@pytest.mark.slow
@pytest.mark.slow
def test_ten_megabyte_bibliography_builds(tmp_path: Path) -> None:
    project = copy_site("basic", tmp_path)
    text = big_bib(BIG_ENTRIES)
    assert len(text.encode()) > 10_000_000
    with (project / BIB).open("a", encoding="utf-8") as f:
        f.write(text)
    keys = [f"big{i}" for i in range(BIG_ENTRIES)]
    groups = [
        "[" + "; ".join(f"@{k}" for k in keys[i : i + 10]) + "]" for i in range(0, len(keys), 10)
    ]
    with (project / PAGE).open("a", encoding="utf-8") as f:
        f.write("\n" + "\n\n".join(f"Claim {n} {g}." for n, g in enumerate(groups)) + "\n")

    start = time.monotonic()
    result = build(project)
    elapsed = time.monotonic() - start

    assert "Traceback" not in result.output, result.output
    assert result.returncode == 0, result.output[-3000:]
    assert problem_lines(result.output) == []
    assert elapsed < BIG_SECONDS, f"{elapsed:.0f} s"
    article = result.article(OTHER)
    assert citation_groups(article) == 2 + len(groups)
    assert article.count('<li id="ref-big') == BIG_ENTRIES
    bibliography = result.article("references/index.html")
    assert bibliography.count('<li id="ref-') == 4 + BIG_ENTRIES
    assert "Study number 1999 of calcified things" in bibliography


# --- citations Markdown keeps as text ----------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "unrendered"),
    [
        ("![alt [@a]](img.png) and [@b]", ["[@a]"]),
        ("<div>\n[@a] <code>[@c]</code> <!-- [@d] -->\n</div>\n", ["[@a]"]),
        ('<div markdown="1">\n[@a]\n</div>\n', []),
        ("<p>[@a; @b]</p>\n\nx [@c]", ["[@a; @b]"]),
        ("`[@a]` \\[@b] a@b.org [@x](https://e.org) <span>[@c]</span>", []),
        ("```\n[@a]\n```\n\n    [@b] code\n\n<!-- [@c] -->\n", []),
        ("x [@a;;@b]", []),  # malformed: rendered as an error, reported as such
    ],
)
def test_citations_kept_as_text_are_found(source: str, unrendered: list[str]) -> None:
    recorder = RecordingHandler()
    convert(source, recorder)
    assert recorder.unrendered == unrendered
