"""The formatting stage: LaTeX to Unicode/HTML, escaping, problems, memoization."""

from __future__ import annotations

import codecs
import html
import re
import xml.etree.ElementTree as etree
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pybtex.database import Entry, Person

from bibcite.bibliography import BibEntry, BibSource, load_bibliography, parse_bibliographies
from bibcite.formatting import (
    FormattedReference,
    doi_url,
    format_entry,
    pubmed_url,
    reference_item,
    web_url,
)
from bibcite.problems import Severity
from bibcite.style import MedscapeStyle, decode_latex

REPO = Path(__file__).resolve().parents[1]
SOURCE_REFERENCES = REPO / "tests" / "data" / "source-references.txt"


def entries(bibtex: str, path: str = "t.bib") -> list[BibEntry]:
    bibliography, _ = parse_bibliographies([BibSource(path, bibtex)])
    assert bibliography is not None
    return list(bibliography.entries)


def with_title(title: str, **more: str) -> BibEntry:
    extra = "".join(f", {k}={{{v}}}" for k, v in more.items())
    head = "@article{k, author={Reiter, N.}, journal={J}, year={2001}"
    return entries(f"{head}, title={{{title}}}{extra}}}")[0]


def strip_tags(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def assert_xml(markup: str) -> etree.Element:
    """The reference list inserts the HTML through an XML parser: it must parse."""
    return etree.fromstring(f"<span>{markup}</span>")


# -- the real bibliography --------------------------------------------------------------------


def test_all_entries_text_and_html_agree() -> None:
    bibliography, problems = load_bibliography(REPO / "bibliography.bib")
    assert bibliography is not None and problems == []
    for entry in bibliography.entries:
        ref, found = format_entry(entry)
        assert found == []
        assert ref.key == entry.key
        assert ref.text and "\n" not in ref.text
        assert strip_tags(ref.html) == ref.text
        assert_xml(ref.html)


def test_html_of_every_source_reference_matches_the_source() -> None:
    expected = {
        int(m.group(1)): re.sub(r"(\s*\[(?:Medline|Full Text)\]\.?)+\s*$", "", m.group(2))
        for m in re.finditer(
            r"^(\d+)\.\s+(\S.*\[Medline\].*)$", SOURCE_REFERENCES.read_text("utf-8"), re.M
        )
    }
    assert sorted(expected) == list(range(1, 35))
    bibliography, _ = load_bibliography(REPO / "bibliography.bib")
    assert bibliography is not None
    for entry in bibliography.entries[:34]:
        ref, problems = format_entry(entry)
        assert problems == []
        got = re.sub(r"\s", "", strip_tags(ref.html))
        assert got == re.sub(r"\s", "", expected[entry.index]), entry.key


# -- LaTeX ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latex", "text", "markup"),
    [
        ('G{\\"o}del', "Gödel", "Gödel"),
        ('G\\"{o}del', "Gödel", "Gödel"),
        ("Jucgl{\\`a}", "Jucglà", "Jucglà"),
        ("Peyr{\\'i}", "Peyrí", "Peyrí"),
        ('Reguia{\\"\\i}', "Reguiaï", "Reguiaï"),
        ("{\\c c}a va", "ça va", "ça va"),
        ("Stra\\ss e", "Straße", "Straße"),
        ("{\\o}re", "øre", "øre"),
        ("1--2", "1–2", "1–2"),
        ("a---b", "a—b", "a—b"),
        ("1-2", "1-2", "1-2"),
        ("A \\& B", "A & B", "A &amp; B"),
        ("50\\%", "50%", "50%"),
        ("a~b", "a\u00a0b", "a\u00a0b"),
        ("\\emph{Nature} cover", "Nature cover", "<em>Nature</em> cover"),
        ("\\textit{in vivo}", "in vivo", "<em>in vivo</em>"),
        ("\\textbf{Bold}", "Bold", "<strong>Bold</strong>"),
        ("{\\em in vitro} study", "in vitro study", "<em>in vitro</em> study"),
        ("{\\it E. coli}", "E. coli", "<em>E. coli</em>"),
        ('\\emph{G{\\"o}del}', "Gödel", "<em>Gödel</em>"),
        ("Ca\\textsuperscript{2+}", "Ca2+", "Ca<sup>2+</sup>"),
        ("{Calcinosis} {DNA}", "Calcinosis DNA", "Calcinosis DNA"),
        ("$\\alpha$-actin", "α-actin", "α-actin"),
        ("\\textsc{Small} caps", "Small caps", "Small caps"),
        ("braces \\{x\\}", "braces {x}", "braces {x}"),
        ("back\\textbackslash slash", "back\\slash", "back\\slash"),
        ("$^{99m}$Tc MDP", "99mTc MDP", "<sup>99m</sup>Tc MDP"),
        ("Na$_2$S$_2$O$_3$", "Na2S2O3", "Na<sub>2</sub>S<sub>2</sub>O<sub>3</sub>"),
        ("$p < 0.05$", "p < 0.05", "p &lt; 0.05"),
        ("TGF-$\\beta$ and \\ensuremath{\\alpha}", "TGF-β and α", "TGF-β and α"),
        ("5 $\\mu$g", "5 µg", "5 µg"),
        ("\\$5", "$5", "$5"),
        ("\\`{\\i}", "ì", "ì"),
        ("``quoted''", "“quoted”", "“quoted”"),
        ("\\textquotedblleft x\\textquotedblright", "“x”", "“x”"),
        ("37\\textdegree C", "37°C", "37°C"),
        ("line\\\\break", "line break", "line break"),
        ("soft\\-hyphen", "soft\u00adhyphen", "soft\u00adhyphen"),  # a soft hyphen
    ],
)
def test_latex_decoding(latex: str, text: str, markup: str) -> None:
    ref, problems = format_entry(with_title(latex))
    assert problems == []
    assert ref.text == f"Reiter N. {text}. J. 2001."
    assert ref.html == f"Reiter N. {markup}. J. 2001."
    assert_xml(ref.html)


@given(st.text(alphabet="ab1-", max_size=30))
def test_dashes_decode_as_latexcodec_decodes_them(value: str) -> None:
    # Values whose only LaTeX is dashes (page ranges) are decoded without latexcodec.
    text, issues = decode_latex(value)
    assert issues == []
    assert str(text) == codecs.decode(value, "ulatex")  # type: ignore[call-overload]


def test_href_becomes_a_link() -> None:
    ref, problems = format_entry(with_title("See \\href{https://example.org/?a=1&b=2}{here}"))
    assert problems == []
    assert ref.text == "Reiter N. See here. J. 2001."
    assert '<a href="https://example.org/?a=1&amp;b=2">here</a>' in ref.html
    assert_xml(ref.html)


def test_undecodable_latex_is_a_problem_with_file_line_key_and_field() -> None:
    bib = "% comment\n\n@article{good, title={T}, author={A, B}, journal={J}, year={2001}}\n\n" \
          "@article{bad,\n  author={Reiter, N.},\n  title={The \\weird{x} case},\n" \
          "  journal={J}, year={2001}}\n"  # fmt: skip
    entry = entries(bib, "docs/refs.bib")[1]
    ref, problems = format_entry(entry)
    assert ref.text == "Reiter N. The \\weird{x} case. J. 2001."  # still rendered, raw
    assert len(problems) == 1
    problem = problems[0]
    assert problem.severity is Severity.WARNING
    assert (problem.path, problem.line) == ("docs/refs.bib", 5)
    assert "'bad'" in problem.message and "'title'" in problem.message
    assert "\\weird" in problem.message
    assert str(problem).startswith("docs/refs.bib:5:1: entry 'bad', field 'title'")


def test_undecodable_latex_in_a_name() -> None:
    entry = entries("@article{k, author={\\foo{Bar}, A.}, title={T}, journal={J}, year={2001}}")[0]
    ref, problems = format_entry(entry)
    assert ref.text.startswith("\\foo{Bar} A. T.")
    assert [p.message.split(":")[0] for p in problems] == ["entry 'k', field 'author'"]


def test_unbalanced_braces_are_reported_and_shown_raw() -> None:
    text, issues = decode_latex("a {b")
    assert str(text) == "a {b" and issues == ["unbalanced braces"]
    text, issues = decode_latex("a } b")
    assert str(text) == "a } b" and issues == ["unbalanced braces"]


# -- escaping ---------------------------------------------------------------------------------


def test_html_is_escaped() -> None:
    ref, problems = format_entry(
        with_title('<script>alert("x")</script> & <b>bold</b>', journal="J <i>&amp;</i>")
    )
    assert problems == []
    assert "<script>" not in ref.html and "<b>" not in ref.html and "<i>" not in ref.html
    assert '&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;' in ref.html
    assert ref.text.startswith('Reiter N. <script>alert("x")</script> & <b>bold</b>.')
    root = assert_xml(ref.html)
    assert list(root) == []  # no element at all: everything is text


def test_names_are_escaped() -> None:
    entry = entries("@article{k, author={<img src=x onerror=y>, A.}, title={T}, year={1}}")[0]
    ref, _ = format_entry(entry)
    assert "<img" not in ref.html and "&lt;img" in ref.html


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ('https://example.org/a"onmouseover="x', True),
        ("https://example.org/a?x=<y>&z", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<script>", False),
    ],
)
def test_urls_are_escaped_and_only_http_is_linked(url: str, linked: bool) -> None:
    entry = entries(f"@online{{k, title={{T}}, year={{2020}}, url={{{url}}}}}")[0]
    ref, _ = format_entry(entry)
    root = assert_xml(ref.html)
    links = root.findall("a")
    assert len(links) == (1 if linked else 0)
    if linked:
        assert links[0].get("href") == url
    assert ref.text.endswith(f"Available at: {url}")
    assert strip_tags(ref.html) == ref.text


# -- robustness -------------------------------------------------------------------------------


def test_a_failing_style_yields_a_fallback_and_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self: MedscapeStyle, e: object) -> object:
        raise RuntimeError("broken template")

    monkeypatch.setattr(MedscapeStyle, "format_article", boom)
    ref, problems = format_entry(with_title("Some {\\'e}tude"))
    assert ref == FormattedReference("k", "k. Some étude.", "k. Some étude.")
    assert len(problems) == 1 and "broken template" in problems[0].message
    assert problems[0].line == 1


def test_an_empty_entry_shows_its_key() -> None:
    entry = entries("@article{lonely, note={}}")[0]
    ref, _ = format_entry(entry)
    assert ref.text == "lonely"


def test_unknown_style_falls_back_to_medscape() -> None:
    entry = with_title("T")
    ref, problems = format_entry(entry, "no-such-style")
    assert ref.text == "Reiter N. T. J. 2001."
    assert len(problems) == 1 and "no-such-style" in problems[0].message


def test_another_pybtex_style_can_be_used() -> None:
    ref, problems = format_entry(with_title('T {\\"o} 1--2', pages="3--4"), "unsrt")
    assert problems == []
    assert "N.\u00a0Reiter" in ref.text and "ö" in ref.text and "3–4" in ref.text
    assert "bibtex-protected" not in ref.html
    assert strip_tags(ref.html) == ref.text
    assert_xml(ref.html)


# -- any input --------------------------------------------------------------------------------

_TOKENS = [*"ab <>&\"{}\\$^_~-.,:;%#'", "\\emph", "\\'", '\\"', "\\foo", "\\href"]
_LATEXISH = st.lists(st.sampled_from(_TOKENS), max_size=30).map("".join)


@settings(max_examples=500)  # more than the profile's 200: cheap
@given(title=_LATEXISH, journal=_LATEXISH, name=_LATEXISH)
def test_any_field_text_formats_without_raising(title: str, journal: str, name: str) -> None:
    entry = BibEntry(
        "k",
        1,
        "t.bib",
        3,
        "",
        Entry(
            "article",
            fields={"title": title, "journal": journal, "year": "2001"},
            persons={"author": [Person(last=name or "A", first=name)]},
        ),
    )
    ref, problems = format_entry(entry)
    assert_xml(ref.html)
    # the same text, whitespace aside (a tag may keep a space that the text collapses)
    assert strip_tags(ref.html).split() == ref.text.split()
    assert all((p.path, p.line) == ("t.bib", 3) and "'k'" in p.message for p in problems)


# -- shortcuts checked against what they replace ---------------------------------------------

FIXTURE_BIBS = [REPO / "bibliography.bib", *sorted((REPO / "tests/fixtures").rglob("*.bib"))]
HOSTILE_VALUES = [
    "A & B <i>x</i> \"q\" 'a' &amp; &lt;", "{\\em Em} and \\textbf{bold} -- x", "$^{99m}$Tc",
    "Plain", "", "Caf{\\'e} {ACRONYM}", "un{balanced", "tab\there  and  spaces",
]  # fmt: skip


def _fixture_entries() -> list[BibEntry]:
    found: list[BibEntry] = []
    for path in FIXTURE_BIBS:
        bibliography, _ = load_bibliography(path)
        if bibliography is not None:
            found.extend(bibliography.entries)
    found += [with_title(v, note=v) for v in HOSTILE_VALUES]
    found += entries(
        "@online{w, title={T}, year={2020}, url={https://e.org/?a=1&b=\"2\"<x>'y'}}\n"
        "@misc{m, author={Caf{\\'e}, A. and O'Brien, {\\&} B. and others}, title={X & Y}}"
    )
    return found


def test_plain_text_is_what_pybtex_renders_as_plain_text() -> None:
    """The text comes from the HTML (tags stripped, unescaped), not a second rendering: it
    equals pybtex's plain-text backend on the same rich text, for every fixture entry."""
    from pybtex.backends.plaintext import Backend

    from bibcite import formatting

    class Plain(Backend):  # type: ignore[misc]
        symbols = {"ndash": "–", "newblock": " ", "nbsp": "\u00a0"}  # noqa: RUF012

    style = MedscapeStyle()
    checked = 0
    for entry in _fixture_entries():
        rich = style.format_entry("1", entry.entry).text
        markup = rich.render(formatting._HTML)
        assert formatting._text_of(markup) == rich.render(Plain()), entry.key
        checked += 1
    assert checked > 40


def test_list_items_are_what_python_markdown_would_serialize() -> None:
    """List items are built as strings; they equal the element tree Python-Markdown's
    serializer writes (every ``&`` escaped first), for every fixture entry."""
    from markdown.serializers import to_html_string

    def escape_ampersands(el: etree.Element) -> etree.Element:
        for node in el.iter():
            node.text = node.text and node.text.replace("&", "&amp;")
            node.tail = node.tail and node.tail.replace("&", "&amp;")
            for name, value in node.attrib.items():
                node.set(name, value.replace("&", "&amp;"))
        return el

    def serialized(entry: BibEntry, ref: FormattedReference) -> str:
        li = etree.Element("li")
        try:
            span = etree.fromstring(f'<span class="reference-text">{ref.html}</span>')
        except etree.ParseError:
            span = etree.Element("span", {"class": "reference-text"})
            span.text = ref.text
        li.append(span)
        span.tail = " "
        etype = entry.entry.type.lower()
        web = web_url(entry) if etype in {"online", "misc", "electronic", "www"} else None
        pubmed = ("reference-pubmed", pubmed_url(entry), "PubMed")
        links = [("reference-web", web, "Online")] if web else [
            pubmed, ("reference-doi", doi_url(entry), "DOI")
        ]  # fmt: skip
        for cls, href, text in links:
            if href:
                attrs = {"class": cls, "href": href, "rel": "noopener", "data-search-exclude": ""}
                a = etree.SubElement(li, "a", attrs)
                a.text, a.tail = text, " "
        return to_html_string(escape_ampersands(li))[len("<li>") : -len("</li>")]

    for entry in _fixture_entries():
        ref, _ = format_entry(entry)
        assert reference_item(entry, ref.text, ref.html) == serialized(entry, ref), entry.key
        broken = FormattedReference(entry.key, "a < b & c", "<em>unclosed")
        item = reference_item(entry, broken.text, broken.html)
        assert item == serialized(entry, broken), entry.key
