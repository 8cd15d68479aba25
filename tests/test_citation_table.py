"""Every citation form, one row each: what you write, and the HTML or the located warning you get.

Each row is converted by the real extension (``markdown.Markdown(extensions=[bibcite])``) under
a host that knows the page (as the MkDocs adapter does), with the real pybtex formatting
:data:`BIB` and the site's up-front index of ``docs/page.md``. ``html``: the page's first
paragraph as rendered, tooltips (``title``) left out (:func:`test_every_number_has_a_tooltip_and_a
_backlink` checks those); ``warnings``: every problem reported for the page, in order, as the
build prints it (``path:line:col: message. hint``).

Rows marked ``peer`` are the citation cases of mkdocs-bibtex (shyamd/mkdocs-bibtex, its
``test_files/`` and tests), transcribed; ``note`` says where this project's numeric output
differs from the peer's author–year output. Pandoc's manual ("Citation syntax") gives the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import pytest

import bibcite.host
from bibcite.extension import BibciteExtension
from bibcite.host import Host, PageContext, SiteConfig
from bibcite.index import scan_page
from bibcite.problems import Problem

from support import convert

#: Entries in this order are numbered 1, 2, ... (global numbering).
BIB = r"""@string{jcut = "J Cutan"}
@article{reiter2011,
  author = {Reiter, N. and El-Shabrawi, L. and Leinweber, B. and Berghold, A. and Aberer, E.},
  title = {Calcinosis cutis: part I}, journal = {J Am Acad Dermatol}, year = {2011}}
@article{weinel2009,
  author = {Weinel, S. and Callen, J. P.},
  title = {Calcinosis cutis}, journal = {Arch Dermatol}, year = {2009}}
@article{smith2001,
  author = {Smith, A.}, title = {One author}, journal = {J}, year = {2001}}
@article{doi:10.1000/xyz,
  author = {Doe, J. and Roe, R. and others}, title = {Colon key}, journal = {J}, year = {2002}}
@article{a+b,
  author = {Plus, P.}, title = {Plus key}, journal = {J}, year = {2003}}
@article{Müller2020,
  author = {M{\"u}ller, K.}, title = {Unicode key}, journal = {J}, year = {2020}}
@article{strjournal,
  author = {String, S.}, title = {Macro}, journal = jcut # " Pathol", year = {2004}}
@incollection{childchap,
  author = {Child, C.}, title = {A chapter}, crossref = {parentbook}, pages = {3--4}}
@book{parentbook,
  editor = {Editor, E.}, title = {The Book}, booktitle = {The Book}, publisher = {Pub},
  year = {1999}}
@article{test,
  title={Test Title}, author={Author, First and Author, Second},
  journal={Testing Journal}, volume={1}, year={2019}, publisher={Test_Publisher}}
@article{test2,
  title={{Test Title (TT)}}, author={Author, First and Author, Second},
  journal={Testing Journal (TJ)}, volume={1}, year={2019}, publisher={Test_Publisher (TP)}}
@article{Bivort2016,
  title = {Evidence for Selective Attention in the Insect Brain},
  author = {De Bivort, Benjamin L. and Van Swinderen, Bruno},
  year = {2016}, volume = {15}, pages = {1--7}, journal = {Current Opinion in Insect Science}}
@article{test_citavi,
  title={{Test Title (TT)}}, author={Author, First and Author, Second},
  journal={Testing Journal (TJ)}, volume={1}, year={2019}, publisher={Test_Publisher (TP)},
  url = {\url{https://doi.org/10.21577/0103-5053.20190253}}}
"""
PAGE = "docs/page.md"
HINT = "Write citations as [@key], [@a; @b] or [@key, p. 3]; escape a literal bracket as \\[@"


def unknown(line: int, col: int, key: str, guess: str = "") -> str:
    guessed = f"; did you mean '{guess}'?" if guess else ""
    return (
        f"{PAGE}:{line}:{col}: unknown citation key '{key}'{guessed}"
        f"{' ' if guessed else '. '}Fix the key or add an entry '{key}' to refs.bib"
    )


@dataclass(frozen=True)
class Row:
    """One case. markdown: the page. html: its first paragraph (``None``: not checked);
    warnings: every problem for the page; contains: other HTML the page must hold;
    bibs: the .bib files (name: text) when not :data:`BIB`; note: how the peer differs."""

    name: str
    markdown: str
    html: str | None = None
    warnings: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()
    bibs: dict[str, str] = field(default_factory=dict)
    note: str = ""


def cite(n: int, key: str, gid: int = 1) -> str:
    """A group of one number, as rendered (tooltip left out)."""
    return (
        f'<span class="citation" id="cite-{gid}" data-search-exclude="">[<a class="citation-ref" '
        f'href="#ref-{key}" title>{n}</a>]</span>'
    )


def span(body: str, gid: int = 1) -> str:
    return f'<span class="citation" id="cite-{gid}" data-search-exclude="">{body}</span>'


def ref(n: int | str, key: str) -> str:
    return f'<a class="citation-ref" href="#ref-{key}" title>{n}</a>'


ROWS: list[Row] = []  # filled below, grouped by form


@dataclass(frozen=True)
class Rendered:
    html: str
    problems: list[Problem]


def render(tmp_path: Path, row: Row) -> Rendered:
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    bibs = row.bibs or {"refs.bib": BIB}
    for name, text in bibs.items():
        (project / name).write_text(text, encoding="utf-8")
    (project / PAGE).write_text(row.markdown, encoding="utf-8")
    problems: list[Problem] = []
    host = Host(problems.append)
    host.page = PageContext("page.md", "page/", SiteConfig(project, project / "docs"), object())
    previous, bibcite.host.installed = bibcite.host.installed, host
    try:
        md = markdown.Markdown(
            extensions=[
                BibciteExtension(bibliography=list(bibs), cache_dir=""),
                "toc",
                "md_in_html",
            ]
        )
        html = md.convert(row.markdown)
    finally:
        bibcite.host.installed = previous
    return Rendered(html, problems)


def page_problems(problems: list[Problem]) -> list[str]:
    """The problems of the page and of the .bib's syntax (not "never cited": no page cites
    every entry of :data:`BIB`)."""
    return [str(p) for p in problems if "never cited" not in p.message]


def first_paragraph(html: str) -> str:
    m = re.search(r"<p>.*?</p>", html, re.DOTALL)
    return re.sub(r' title="[^"]*"', " title", m.group(0) if m else "")


def p(*parts: str) -> str:
    return f"<p>{''.join(parts)}</p>"


# --- bracketed groups ----------------------------------------------------------------------
ROWS += [
    Row("one key", "A [@reiter2011].", p("A ", cite(1, "reiter2011"), ".")),
    Row(
        "several keys, a run compressed",
        "[@reiter2011; @weinel2009; @smith2001]",
        p(span(f"[{ref('1–3', 'reiter2011')}]")),
    ),
    Row(
        "no space after ;",
        "[@smith2001;@reiter2011]",
        p(span(f"[{ref(1, 'reiter2011')}, {ref(3, 'smith2001')}]")),
    ),
    Row("spaces inside the brackets", "[ @reiter2011 ]", p(cite(1, "reiter2011"))),
    Row(
        "prefix, locator and suffix per item (the issue's example)",
        "[see @reiter2011, pp. 33-35 and passim; also @smith2001, ch. 1]",
        p(
            span(
                f"[see {ref(1, 'reiter2011')}, pp. 33–35 and passim; "
                f"also {ref(3, 'smith2001')}, ch. 1]"
            )
        ),
    ),
    Row(
        "a prefix on the first item only",
        "[e.g., @reiter2011; @weinel2009]",
        p(span(f"[e.g., {ref(1, 'reiter2011')}; {ref(2, 'weinel2009')}]")),
    ),
    Row(
        "a suffix without a locator",
        "[@smith2001, and passim]",
        p(span(f"[{ref(3, 'smith2001')}, and passim]")),
    ),
    Row(
        "ranges only across items with nothing but the key",
        "[@reiter2011; @weinel2009; @smith2001; see @a+b; @doi:10.1000/xyz; @strjournal]",
        p(
            span(
                f"[{ref('1–3', 'reiter2011')}; see {ref(5, 'a+b')}; "
                f"{ref(4, 'doi:10.1000/xyz')}, {ref(7, 'strjournal')}]"
            )
        ),
    ),
    Row("suppress-author", "[-@reiter2011]", p(cite(1, "reiter2011"))),
    Row(
        "suppress-author with a locator",
        "[-@weinel2009, p. 4]",
        p(span(f"[{ref(2, 'weinel2009')}, p. 4]")),
    ),
    Row(
        "brackets inside a prefix",
        "[see [x] @reiter2011]",
        p(span(f"[see [x] {ref(1, 'reiter2011')}]")),
    ),
    Row(
        "escaped brackets in a prefix are shown as brackets",
        "[see \\[x\\] @reiter2011]",
        p(span(f"[see [x] {ref(1, 'reiter2011')}]")),
    ),
    Row(
        "a group over a line break",
        "[@reiter2011;\n@weinel2009]",
        p(span(f"[{ref(1, 'reiter2011')}, {ref(2, 'weinel2009')}]")),
    ),
    Row(
        "a group in link text: numbers are not links",
        "[see [@smith2001]](https://example.org/)",
        '<p><a href="https://example.org/">see <span class="citation" id="cite-1" '
        'data-search-exclude="">[<span class="citation-ref" title>3</span>]</span></a></p>',
    ),
]

# --- locators ------------------------------------------------------------------------------
ROWS += [
    Row(name, f"[@smith2001, {written}]", p(span(f"[{ref(3, 'smith2001')}, {shown}]")))
    for name, written, shown in [
        ("locator p.", "p. 3", "p. 3"),
        ("locator pp. with a range", "pp. 3-5", "pp. 3–5"),
        ("locator ch.", "ch. 2", "ch. 2"),
        ("locator chap.", "chap. 2", "chap. 2"),
        ("locator chaps. (plural)", "chaps. 2-3", "chaps. 2–3"),
        ("locator fig.", "fig. 4", "fig. 4"),
        ("locator figs. (plural)", "figs. 4, 5", "figs. 4, 5"),
        ("locator sec.", "sec. 1", "sec. 1"),
        ("locator secs. (plural)", "secs. 1-2", "secs. 1–2"),
        ("locator vol.", "vol. 2", "vol. 2"),
        ("locator vols. (plural)", "vols. 2-3", "vols. 2–3"),
        ("locator para.", "para. 7", "para. 7"),
        ("locator paras. (plural)", "paras. 7-9", "paras. 7–9"),
        ("a bare number is a page", "33", "p. 33"),
        ("a bare range is pages", "33-35", "pp. 33–35"),
        ("a locator and a suffix", "p. 33 and passim", "p. 33 and passim"),
    ]
]

# --- author-in-text ------------------------------------------------------------------------
ROWS += [
    Row(
        "author-in-text, three or more authors",
        "@reiter2011 reviewed it.",
        p(span(f"Reiter et al. [{ref(1, 'reiter2011')}]"), " reviewed it."),
    ),
    Row(
        "author-in-text, two authors",
        "As @weinel2009 say.",
        p("As ", span(f"Weinel and Callen [{ref(2, 'weinel2009')}]"), " say."),
    ),
    Row(
        "author-in-text, one author",
        "@smith2001.",
        p(span(f"Smith [{ref(3, 'smith2001')}]"), "."),
    ),
    Row(
        "author-in-text, 'and others' is et al.",
        "@doi:10.1000/xyz.",
        p(span(f"Doe et al. [{ref(4, 'doi:10.1000/xyz')}]"), "."),
    ),
    Row(
        "author-in-text with a locator",
        "@reiter2011 [p. 33] says",
        p(span(f"Reiter et al. [{ref(1, 'reiter2011')}, p. 33]"), " says"),
    ),
    Row(
        "author-in-text with a locator and a suffix",
        "@weinel2009 [ch. 2, table 1] says",
        p(span(f"Weinel and Callen [{ref(2, 'weinel2009')}, ch. 2, table 1]"), " says"),
    ),
    Row(
        "author-in-text in parentheses",
        "(@smith2001)",
        p("(", span(f"Smith [{ref(3, 'smith2001')}]"), ")"),
    ),
    Row(
        "author-in-text and a group on one line",
        "@smith2001 and [@weinel2009]",
        p(span(f"Smith [{ref(3, 'smith2001')}]"), " and ", cite(2, "weinel2009", gid=2)),
    ),
    Row(
        "author-in-text with a crossref child: its own author",
        "@childchap",
        p(span(f"Child [{ref(8, 'childchap')}]")),
    ),
    Row(
        "author-in-text without authors: editors",
        "@parentbook",
        p(span(f"Editor [{ref(9, 'parentbook')}]")),
    ),
    Row(
        "a bare unknown @word is a located warning, shown as written",
        "Ask @nobody here.",
        p("Ask ", span('<span class="citation-unknown" title>@nobody</span>'), " here."),
        warnings=(
            f"{PAGE}:1:5: unknown citation key 'nobody' in '@nobody'. Fix the key or add an "
            "entry 'nobody' to refs.bib, or write \\@nobody if it is not a citation",
        ),
    ),
]

ROWS += [
    Row(
        "an unknown key in a group and author-in-text: each located",
        "[@nobody] and @nobody.",
        None,
        warnings=(
            unknown(1, 1, "nobody"),
            f"{PAGE}:1:15: unknown citation key 'nobody' in '@nobody'. Fix the key or add an "
            "entry 'nobody' to refs.bib, or write \\@nobody if it is not a citation",
        ),
    ),
]

NOT_RENDERED = (
    "is not rendered: it is in image text or in a raw HTML block. Move it into the text, or add "
    'markdown="1" to the HTML block; write \\@ for an @'
)
ROWS += [
    Row(
        "author-in-text in image text: located, not lost",
        "![Figure from @smith2001](f.png) and @weinel2009",
        None,
        warnings=(f"{PAGE}:1:15: citation '@smith2001' {NOT_RENDERED}",),
        contains=('alt="Figure from @smith2001"', "Weinel and Callen ["),
    ),
    Row(
        "author-in-text in a raw HTML block: located; its tags, e-mails and URLs are not",
        '<div class="box">\nAs @smith2001 wrote, mail <a href="mailto:a@b.org">a@b.org</a>, '
        '<span data-x="@y">x</span>.\n</div>\n\nText [@weinel2009].',
        p("Text ", cite(2, "weinel2009"), "."),
        warnings=(f"{PAGE}:2:4: citation '@smith2001' {NOT_RENDERED}",),
    ),
]

# --- keys ----------------------------------------------------------------------------------
ROWS += [
    Row(
        "a key with ':' and '/' (a DOI)",
        "[@doi:10.1000/xyz]",
        p(cite(4, "doi:10.1000/xyz")),
    ),
    Row("a key with '+'", "[@a+b]", p(cite(5, "a+b"))),
    Row("a key with a Unicode letter", "[@Müller2020]", p(cite(6, "Müller2020"))),
    Row("a curly-brace key", "[@{a+b}]", p(cite(5, "a+b"))),
    Row(
        "a curly-brace key, author-in-text, then punctuation",
        "@{doi:10.1000/xyz}.",
        p(span(f"Doe et al. [{ref(4, 'doi:10.1000/xyz')}]"), "."),
    ),
    Row(
        "trailing punctuation is not part of a key",
        "See @smith2001: and @a+b.",
        p(
            "See ",
            span(f"Smith [{ref(3, 'smith2001')}]"),
            ": and ",
            span(f"Plus [{ref(5, 'a+b')}]", gid=2),
            ".",
        ),
    ),
    Row(
        "a 500-character key: a located warning",
        f"[@{'k' * 500}]",
        None,
        warnings=(unknown(1, 1, "k" * 500),),
    ),
]

# --- code spans inside a group: text in a prefix, never a key --------------------------------
ROWS += [
    Row(
        "a code span where the key goes",
        "See [@`smith2001`] now.",
        p(
            "See ",
            '<span class="citation citation-error" id="cite-1" data-search-exclude="">'
            "[@`smith2001`]</span>",
            " now.",
        ),
        warnings=(f"{PAGE}:1:5: malformed citation '[@`smith2001`]' (at '@`smith2001`'). {HINT}",),
    ),
    Row(
        "a code span holding @, brackets and ; in a prefix",
        "[see `[@b]; @c` @smith2001; @reiter2011]",
        p(span(f"[see `[@b]; @c` {ref(3, 'smith2001')}; {ref(1, 'reiter2011')}]")),
    ),
    Row(
        "a code span holding an opening bracket, in a prefix",
        "[`[` @smith2001]",
        p(span(f"[`[` {ref(3, 'smith2001')}]")),
    ),
]

# --- fences Markdown does not take as code: text, so their citations count --------------------
ROWS += [
    Row("an unclosed fence", "```\nSee [@smith2001].\n", p("```\nSee ", cite(3, "smith2001"), ".")),
    Row(
        "a fence closed only by a longer fence",
        "```\nSee [@smith2001].\n````\n",
        p("```\nSee ", cite(3, "smith2001"), ".\n````"),
    ),
    Row(
        "a fence header Markdown rejects",
        "```@smith2001\n",
        p("```", span(f"Smith [{ref(3, 'smith2001')}]")),
    ),
]

# --- not citations: neither a citation nor a warning ---------------------------------------
ROWS += [
    Row(name, text, p(shown))
    for name, text, shown in [
        ("an e-mail address", "Write to a.b+c@x.org.", "Write to a.b+c@x.org."),
        ("a URL with @", "See https://x.org/@y now.", "See https://x.org/@y now."),
        ("a query with =@", "Go to x.org/?u=@y.", "Go to x.org/?u=@y."),
        ("an escaped @", "Not \\@smith2001 here.", "Not @smith2001 here."),
        ("an escaped bracket", "Not \\[@smith2001] here.", "Not [@smith2001] here."),
        ("a code span", "Code `@smith2001 [@a]`.", "Code <code>@smith2001 [@a]</code>."),
        ("a word@word in brackets", "Handle [email@a] is text.", "Handle [email@a] is text."),
        ("an @ alone", "Meet @ noon.", "Meet @ noon."),
    ]
]
ROWS += [
    Row("fenced code", "```\n@smith2001 [@a]\n```\n", None, contains=("@smith2001 [@a]",)),
    Row("indented code", "Text.\n\n    @smith2001 [@a]\n", None, contains=("@smith2001 [@a]",)),
    Row("an autolinked e-mail", "<a@b.org>", None),
    Row("a link whose text is @key", "[@smith2001](https://x.org/)", None),
]


# --- mkdocs-bibtex's cases (shyamd/mkdocs-bibtex: test_files/test_citation.py, test_plugin.py,
# test_integration.py and test_files/test.bib), one row each --------------------------------
AUTHORS = "Author and Author"
PEER_YEAR = "the peer renders author–year, e.g. (Author and Author 2019); bibcite renders numbers"
ROWS += [
    Row(
        "peer: basic citation '@test'",
        "@test",
        p(span(f"{AUTHORS} [{ref(10, 'test')}]")),
        note="the peer only parses it; bibcite renders author-in-text: short author and number",
    ),
    Row(
        "peer: citation with prefix 'see @test'",
        "see @test",
        p("see ", span(f"{AUTHORS} [{ref(10, 'test')}]")),
        note="outside brackets 'see' is prose (pandoc); the peer parses it as a prefix",
    ),
    Row(
        "peer: citation with suffix '@test, p. 123'",
        "@test, p. 123",
        p(span(f"{AUTHORS} [{ref(10, 'test')}]"), ", p. 123"),
        note="outside brackets ', p. 123' is prose (pandoc); in brackets it is a locator",
    ),
    Row(
        "peer: citation with prefix and suffix 'see @test, p. 123'",
        "see @test, p. 123",
        p("see ", span(f"{AUTHORS} [{ref(10, 'test')}]"), ", p. 123"),
        note="as the two rows above",
    ),
    Row(
        "peer: suppressed author '-@test'",
        "-@test",
        p(span(f"[{ref(10, 'test')}]")),
        note="the peer gives the year alone (2019); bibcite the number alone",
    ),
    Row(
        "peer: multiple citations '@test; @test2'",
        "@test; @test2",
        p(
            span(f"{AUTHORS} [{ref(10, 'test')}]"),
            "; ",
            span(f"{AUTHORS} [{ref(11, 'test2')}]", gid=2),
        ),
    ),
    Row(
        "peer: complex multiple citations, outside brackets",
        "see @test, p. 123; @test2, p. 456",
        p(
            "see ",
            span(f"{AUTHORS} [{ref(10, 'test')}]"),
            ", p. 123; ",
            span(f"{AUTHORS} [{ref(11, 'test2')}]", gid=2),
            ", p. 456",
        ),
    ),
    Row(
        "peer: citation block '[see @test, p. 123]'",
        "[see @test, p. 123]",
        p(span(f"[see {ref(10, 'test')}, p. 123]")),
        note="peer (pandoc style): (see Author and Author 2019a, p. 123)",
    ),
    Row(
        "peer: multiple citation blocks",
        "[see @test, p. 123] Some text [@test2]",
        p(span(f"[see {ref(10, 'test')}, p. 123]"), " Some text ", cite(11, "test2", gid=2)),
    ),
    Row("peer: not a citation", "not a citation", p("not a citation")),
    Row("peer: e-mail exclusion", "user@example.com", p("user@example.com")),
    Row(
        "peer: complex citation block with unknown keys (test1, test3)",
        "[see @test1, p. 123; @test2, p. 456; -@test3]",
        p(
            span(
                '[see <span class="citation-unknown" title>?test1</span>, p. 123; '
                f'{ref(11, "test2")}, p. 456; <span class="citation-unknown" title>?test3</span>]'
            )
        ),
        warnings=(
            f"{PAGE}:1:1: unknown citation key 'test1'; did you mean 'test'? Fix the key or add "
            "an entry 'test1' to refs.bib",
            f"{PAGE}:1:1: unknown citation key 'test3'; did you mean 'test'? Fix the key or add "
            "an entry 'test3' to refs.bib",
        ),
        note="the peer's test only parses it; its .bib has no test1 or test3",
    ),
    Row(
        "peer: links are not citations",
        "This is [google](www.google.com).",
        p('This is <a href="www.google.com">google</a>.'),
    ),
    Row(
        "peer: inline citation '@citation' (key from the .bib instead)",
        "This is an inline citation @test",
        p("This is an inline citation ", span(f"{AUTHORS} [{ref(10, 'test')}]")),
    ),
    Row(
        "peer: inline citation in parentheses",
        "This is also a valid inline citation (@test).",
        p("This is also a valid inline citation (", span(f"{AUTHORS} [{ref(10, 'test')}]"), ")."),
    ),
    Row(
        "peer: a mailto link is not a citation",
        "Please [email me](mailto=me@me.com).",
        p('Please <a href="mailto=me@me.com">email me</a>.'),
    ),
    Row(
        "peer: git@github.com in fenced code is not a citation",
        "```sh\ngit clone git@github.com/shyamd/mkdocs-bibtex.git\n```\n",
        None,
        contains=("git clone git@github.com/shyamd/mkdocs-bibtex.git",),
    ),
    Row(
        "peer: a bracketed citation is not author-in-text",
        "This text contains unprocessed citation [@test]",
        p("This text contains unprocessed citation ", cite(10, "test")),
    ),
    Row(
        "peer: '[see @test p22]' (a locator without its comma)",
        "This text contains unprocessed citation [see @test p22]",
        p(
            "This text contains unprocessed citation ",
            '<span class="citation citation-error" id="cite-1" data-search-exclude="">'
            "[see @test p22]</span>",
        ),
        warnings=(
            f"{PAGE}:1:41: malformed citation '[see @test p22]' (at 'see @test p22'). {HINT}",
        ),
        note="the peer leaves it as text without a word; bibcite shows it and warns",
    ),
    Row(
        "peer: an escaped \\@mystuff",
        "This is not an inline citation \\@mystuff",
        p("This is not an inline citation @mystuff"),
    ),
    Row(
        "peer: basic rendering of two groups",
        "Here is a citation [@test] and another one [@test2].",
        p("Here is a citation ", cite(10, "test"), " and another one ", cite(11, "test2", 2), "."),
        note="the peer renders footnotes [^test]; bibcite numbers and a References list",
    ),
    Row(
        "peer: pandoc rendering, [@test] and [@Bivort2016]",
        "Here is a citation [@test] and another [@Bivort2016].",
        p("Here is a citation ", cite(10, "test"), " and another ", cite(12, "Bivort2016", 2), "."),
        note=PEER_YEAR + " and (De Bivort and Van Swinderen 2016)",
    ),
    Row(
        "peer: citation features, suppressed author in brackets",
        "See [-@test] for more.",
        p("See ", cite(10, "test"), " for more."),
        note="peer: (2019a); bibcite: the number",
    ),
    Row(
        "peer: citation features, prefix and locator",
        "As shown by [see @test, p. 123].",
        p("As shown by ", span(f"[see {ref(10, 'test')}, p. 123]"), "."),
        note="peer: (see Author and Author 2019a, p. 123)",
    ),
    Row(
        "peer: citation features, multiple sources",
        "Multiple sources [@test; @test2].",
        p("Multiple sources ", span(f"[{ref(10, 'test')}, {ref(11, 'test2')}]"), "."),
        note="peer: (Author and Author 2019a, b)",
    ),
    Row(
        "peer: an unknown key",
        "Invalid citation [@nonexistent]",
        p(
            "Invalid citation ",
            span('[<span class="citation-unknown" title>?nonexistent</span>]'),
        ),
        warnings=(unknown(1, 18, "nonexistent"),),
        note="the peer drops it without a word",
    ),
    Row(
        "peer: a link and a citation",
        "This is not a citation [google](www.google.com). But this is a citation [@test].",
        p(
            'This is not a citation <a href="www.google.com">google</a>. But this is a citation ',
            cite(10, "test"),
            ".",
        ),
    ),
    Row(
        "peer: a bare unknown '@inline_cite'",
        "This only has an @inline_cite.",
        p(
            "This only has an ",
            span('<span class="citation-unknown" title>@inline_cite</span>'),
            ".",
        ),
        warnings=(
            f"{PAGE}:1:18: unknown citation key 'inline_cite' in '@inline_cite'. Fix the key or "
            "add an entry 'inline_cite' to refs.bib, or write \\@inline_cite if it is not a "
            "citation",
        ),
        note="the peer, inline references off, leaves it as text without a word",
    ),
    Row(
        "peer: test_citavi's \\url{} in the url field",
        "[@test_citavi]",
        p(cite(13, "test_citavi")),
        contains=("Author F, Author S. Test Title (TT). Testing Journal (TJ). 2019. 1.",),
        note="an article links to PubMed, not to its url (bibcite links web types to their url)",
    ),
    Row(
        "peer: \\bibliography (bibcite's list goes at the end by itself)",
        "Citation [@test]\n\n\\bibliography",
        p("Citation ", cite(10, "test")),
        contains=('<h2 data-search-exclude="" id="references"', '<li id="ref-test" value="10">'),
        note="the peer's \\bibliography marker is text here; bibcite's is ::references::",
    ),
    Row(
        "peer: \\full_bibliography (bibcite: ::bibliography::)",
        "Full bibliography [@test]\n\n::bibliography::\n",
        p("Full bibliography ", cite(10, "test")),
        contains=('<li id="ref-test2" value="11">', '<li id="ref-Bivort2016" value="12">'),
    ),
]

# --- the bibliography's input (issue 13, item 3) ------------------------------------------
A = "@article{a1,\n  author = {Alpha, A.},\n  title = {First},\n  journal = {J}, year = {2001}}\n"
B = "@article{b1,\n  author = {Beta, B.},\n  title = {Second},\n  journal = {J}, year = {2002}}\n"
ROWS += [
    Row(
        "crossref: the child has its parent's year, editors and publisher",
        "[@childchap]",
        p(cite(8, "childchap")),
        contains=("Child C. A chapter. In: Editor E, editor. The Book. Pub; 1999. p. 3–4.",),
    ),
    Row(
        "@string and # concatenation",
        "[@strjournal]",
        p(cite(7, "strjournal")),
        contains=("String S. Macro. J Cutan Pathol. 2004.",),
    ),
    Row(
        "several .bib files, numbered in order",
        "[@a1; @b1]",
        p(span(f"[{ref(1, 'a1')}, {ref(2, 'b1')}]")),
        bibs={"a.bib": A, "b.bib": B},
    ),
    Row(
        "a key in two files: an error naming both places",
        "[@a1]",
        None,
        warnings=(
            "b.bib:1:10: duplicate citation key 'a1', first defined on a.bib:1. Give each entry "
            "its own key",
        ),
        bibs={"a.bib": A, "b.bib": A},
    ),
]

# --- placement (issue 13, item 4) ---------------------------------------------------------
ROWS += [
    Row(
        "the reference list goes at the end by default",
        "Text [@smith2001].\n\nMore text.\n",
        p("Text ", cite(3, "smith2001"), "."),
        contains=('<p>More text.</p>\n<h2 data-search-exclude="" id="references"',),
    ),
    Row(
        "::references:: puts it where it is written",
        "Text [@smith2001].\n\n::references::\n\nAfter the list.\n",
        p("Text ", cite(3, "smith2001"), "."),
        contains=("</ol><p>After the list.</p>",),
    ),
    Row(
        "::bibliography:: lists every entry",
        "::bibliography::\n",
        None,
        contains=('<li id="ref-reiter2011" value="1">', '<li id="ref-test_citavi" value="13">'),
    ),
]


# --- the tests -----------------------------------------------------------------------------


def rows() -> Iterator[object]:
    for row in ROWS:
        yield pytest.param(row, id=row.name)


@pytest.mark.parametrize("row", list(rows()))
def test_citation_form(tmp_path: Path, row: Row) -> None:
    got = render(tmp_path, row)
    assert page_problems(got.problems) == list(row.warnings)
    # The site's index (numbers, "cited on") finds exactly what the Markdown parse finds.
    assert list(scan_page("page.md", row.markdown).groups) == [
        g.raw for g in convert(row.markdown)[0]
    ]
    if row.html is not None:
        assert first_paragraph(got.html) == row.html
    for part in row.contains:
        assert part in got.html


@pytest.mark.parametrize(
    "row", [r for r in ROWS if not r.warnings and not r.bibs and "::bib" not in r.markdown]
)
def test_every_number_has_a_tooltip_and_a_backlink(tmp_path: Path, row: Row) -> None:
    """Each linked number carries the full reference as its tooltip, and the entry it links to
    has a backlink to that citation."""
    html = render(tmp_path, row).html
    for m in re.finditer(r'<span class="citation" id="(cite-\d+)".*?</span>', html):
        for link in re.finditer(r'<a class="citation-ref" href="#([^"]+)" title="([^"]+)">', m[0]):
            assert len(link[2]) > 10, link[0]
            item = re.search(rf'<li id="{re.escape(link[1])}".*?</li>', html, re.DOTALL)
            assert item is not None and f'href="#{m[1]}"' in item[0]
