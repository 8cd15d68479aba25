"""Stage 4: format entries with a pybtex style into plain text and safe HTML, each entry once.

:func:`format_entry` never raises: LaTeX it cannot decode is printed raw and reported as a
:class:`~bibcite.problems.Problem` (naming the .bib file, the entry's line, the key and the
field); a style that fails on an entry yields a minimal fallback (``key. Title.``) and a problem.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import json
import re
import xml.etree.ElementTree as etree
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

from pybtex.backends.html import Backend as HtmlBackend
from pybtex.backends.plaintext import Backend as PlainTextBackend
from pybtex.plugin import find_plugin
from pybtex.richtext import Text

from bibcite.bibliography import BibEntry
from bibcite.entry_data import entry_bibtex, entry_csl
from bibcite.escaping import escape_attribute, escape_text
from bibcite.problems import Problem, Severity
from bibcite.reference import Reference
from bibcite.style import RENDERED_FIELDS, RENDERED_ROLES, decode_latex, name_values

DEFAULT_STYLE = "medscape"
#: Entry types that are web pages: linked to themselves rather than to a PubMed search.
WEB_TYPES = frozenset({"online", "misc", "electronic", "www"})


_SAFE_URL = re.compile(r"(?i)^(?:https?://|mailto:|/|#)")
_SPACES = re.compile(r"[ \t\r\n]+")


class _SafeHtmlBackend(HtmlBackend):  # type: ignore[misc]
    """pybtex's HTML backend, without ``bibtex-protected`` spans and with escaped, checked URLs."""

    # Characters, not entities: the HTML must also parse as XML (``&nbsp;`` does not).
    symbols = {"ndash": "–", "newblock": " ", "nbsp": "\u00a0"}  # noqa: RUF012

    def format_protected(self, text: str) -> str:
        return text

    @staticmethod
    def format_href(url: str, text: str, external: bool = False) -> str:
        if not text:
            return ""
        if not _SAFE_URL.match(url.strip()):
            return text  # javascript: and the like: no link, the text only
        return f'<a href="{escape_attribute(url.strip())}">{text}</a>'


_HTML = _SafeHtmlBackend()
_PLAIN = PlainTextBackend()


@functools.cache
def _style(name: str) -> Any:
    return find_plugin("pybtex.style.formatting", name)()


@dataclass(frozen=True)
class _Issue:
    field: str
    message: str
    hint: str
    severity: Severity = Severity.WARNING


_LATEX_HINT = (
    "The text is shown raw; write the character in UTF-8 or use a standard LaTeX accent such as "
    '{\\"o}'
)


def _latex_issues(entry: BibEntry) -> list[_Issue]:
    issues: list[_Issue] = []
    fields = entry.entry.fields
    for name in RENDERED_FIELDS:
        value = fields.get(name)
        if value is None:
            continue
        for issue in decode_latex(str(value))[1]:
            issues.append(_Issue(name, f"cannot convert LaTeX: {issue}", _LATEX_HINT))
    for role in RENDERED_ROLES:
        for person in entry.entry.persons.get(role, ()):
            for value in name_values(person):
                for issue in decode_latex(value)[1]:
                    issues.append(_Issue(role, f"cannot convert LaTeX in '{person}': {issue}",
                                         _LATEX_HINT))  # fmt: skip
    return issues


def _render(entry: BibEntry, style: str) -> tuple[str, str, list[_Issue]]:
    """Run the style on one entry: (text, html, issues)."""
    issues: list[_Issue] = []
    try:
        pybtex_style = _style(style)
    except Exception:  # not installed (PluginNotFound), or its module failed to import
        issues.append(_Issue("", f"unknown formatting style '{style}'",
                             f"Use '{DEFAULT_STYLE}' or an installed pybtex style; "
                             f"'{DEFAULT_STYLE}' was used"))  # fmt: skip
        pybtex_style = _style(DEFAULT_STYLE)
    issues.extend(_latex_issues(entry))
    try:
        rich = pybtex_style.format_entry(str(entry.index), entry.entry, entry.database).text
        markup = rich.render(_HTML)
        text = _text_of(markup)
    except Exception as exc:  # a style failing on odd input must not stop the build
        issues.append(_Issue("", f"cannot format the entry ({type(exc).__name__}: {exc})",
                             "It is shown as its key and title; check its fields"))  # fmt: skip
        text = markup = ""
    if not text.strip():
        title = decode_latex(entry.title)[0] if entry.title.strip() else Text()
        rich = Text(entry.key, ". ", title).add_period() if title else Text(entry.key)
        markup = rich.render(_HTML)
        text = _text_of(markup)
    return _SPACES.sub(" ", text).strip(), _SPACES.sub(" ", markup).strip(), issues


_TAG = re.compile(r"<[^>]*>")


def _text_of(markup: str) -> str:
    """The plain text of the HTML backend's output: what pybtex's plain-text backend renders
    from the same rich text (tags are the only markup; every ``<`` of the text is escaped), at
    a tenth of the cost of a second rendering."""
    return html.unescape(_TAG.sub("", markup)) if "<" in markup or "&" in markup else markup


@dataclass(frozen=True)
class FormattedReference:
    """key; text: plain text (for tooltips and search); html: the same with markup, every field
    escaped exactly as Python-Markdown's serializer escapes (text: ``&<>``; attributes: also
    ``"``), so that it can go into a page as it is."""

    key: str
    text: str
    html: str


def format_entry(
    entry: BibEntry, style: str = DEFAULT_STYLE
) -> tuple[FormattedReference, list[Problem]]:
    """Format one entry with the style: its text and HTML, and the problems found (never
    raises)."""
    text, markup, issues = _render(entry, style)
    return FormattedReference(entry.key, text, markup), _problems(entry, issues)


def make_reference(
    entry: BibEntry,
    style: str = DEFAULT_STYLE,
    badges: Sequence[tuple[str, str]] = (),
    export: bool = False,
) -> tuple[Reference, list[Problem]]:
    """An entry ready for pages: formatted, with its badges and its PubMed, DOI or web links.

    ``badges``: (field, label) pairs; an entry with the field gets the label, its ``{}`` the
    field's value (hyphens as spaces), after its text: in lists, in tooltips and in search.
    ``export``: also keep the entry as BibTeX and CSL-JSON, for readers to download."""
    formatted, problems = format_entry(entry, style)
    shown = [
        (name, label.replace("{}", str(entry.entry.fields[name]).replace("-", " ")))
        for name, label in badges
        if str(entry.entry.fields.get(name, "")).strip()
    ]
    text = formatted.text + "".join(f" [{label}]" for _, label in shown)
    item = reference_item(entry, formatted.text, formatted.html, shown)
    short = short_author(entry)
    ref = Reference(entry.key, entry.index, entry.path, entry.line, text, item, short)
    if export:
        csl = json.dumps(entry_csl(entry), ensure_ascii=False, sort_keys=True)
        ref = dataclasses.replace(ref, bibtex=entry_bibtex(entry), csl=csl)
    return ref, problems


def short_author(entry: BibEntry) -> str:
    """The short author form of author-in-text citations, from the authors (else the editors):
    one, the surname (``Smith``); two, ``Weinel and Callen``; three or more, ``Reiter et al.``
    (also when the list ends in ``and others``). Computed once per entry, kept in its record."""
    persons = entry.entry.persons
    people = persons.get("author") or persons.get("editor") or []
    surnames = [_surname(p) for p in people]
    if not surnames:
        return ""
    if len(surnames) > 2 or "others" in surnames[1:]:
        return f"{surnames[0]} et al."
    return " and ".join(surnames)


def _surname(person: Any) -> str:
    """The ``von`` and last names, decoded from LaTeX (raw where they cannot be)."""
    last = " ".join([*person.prelast_names, *person.last_names])
    text, _ = decode_latex(last)  # problems are reported when the name is formatted
    return _SPACES.sub(" ", str(text)).strip()


def _problems(entry: BibEntry, issues: list[_Issue]) -> list[Problem]:
    out = []
    for issue in issues:
        where = f"entry '{entry.key}'" + (f", field '{issue.field}'" if issue.field else "")
        out.append(Problem(entry.path, entry.line, 1 if entry.line else 0,
                           f"{where}: {issue.message}", issue.hint, issue.severity))  # fmt: skip
    return out


def pubmed_url(entry: BibEntry) -> str:
    """The PubMed record where the PMID is known, else a PubMed search for the title."""
    pmid = str(entry.entry.fields.get("pmid", "")).strip()
    if re.fullmatch(r"\d{1,9}", pmid):
        return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    return f"https://pubmed.ncbi.nlm.nih.gov/?term={quote_plus(_plain_title(entry.title))}"


_PLAIN = PlainTextBackend()


@functools.cache  # bounded by the bibliography
def _plain_title(title: str) -> str:
    # A backend instance, not render_as("text"): pybtex looks a backend up by name through
    # importlib.metadata on every call (85 % of a 200-page build, see BENCHMARKS.md).
    text, issues = decode_latex(title)
    if issues:  # undecodable LaTeX is reported by the formatter; search the bare title
        return re.sub(r"[{}\\]", "", title)
    return str(text.render(_PLAIN))


def doi_url(entry: BibEntry) -> str | None:
    """https://doi.org/<doi>, or None. Only a DOI-shaped value becomes a link."""
    doi = str(entry.entry.fields.get("doi", "")).strip()
    doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", "", doi, flags=re.IGNORECASE)
    if not re.fullmatch(r"10\.\d{4,9}/\S+", doi):
        return None
    # < and > (old SICI DOIs have them) are not URL characters: percent-encoded like " and &.
    return "https://doi.org/" + quote(doi, safe="/:;()._-")


def _markup(text: str, markup: str) -> str:
    """The formatted reference's HTML, checked: it is escaped XHTML, as Python-Markdown's
    serializer writes it (:class:`bibcite.formatting.FormattedReference`); anything that does
    not parse is shown as its plain text rather than inserted raw."""
    try:
        etree.fromstring(f"<span>{markup}</span>")
    except etree.ParseError:
        return escape_text(text)
    return markup


def web_url(entry: BibEntry) -> str | None:
    """The ``url`` of a web source (``@online``/``@misc``), if it is an http(s) address."""
    url = str(entry.entry.fields.get("url", "")).strip()
    return url if re.match(r"(?i)https?://[^\s\"'<>]+$", url) else None


def reference_item(
    entry: BibEntry, text: str, markup: str, badges: Sequence[tuple[str, str]] = ()
) -> str:
    """The inner HTML of an entry's list item, the same on every page: the formatted reference,
    its badges ((field, label) pairs) and its links (PubMed and DOI, or the web page), escaped
    as Python-Markdown escapes."""
    parts = [f'<span class="reference-text">{_markup(text, markup)}</span>']
    parts += [
        f'<span class="reference-badge reference-badge-{escape_attribute(name)}">'
        f"{escape_text(label)}</span>"
        for name, label in badges
    ]
    web = web_url(entry) if entry.entry.type.lower() in WEB_TYPES else None
    if web:  # a web page is not in PubMed: link the page itself
        links = [("reference-web", web, "Online")]
    else:
        links = [("reference-pubmed", pubmed_url(entry), "PubMed")]
        doi = doi_url(entry)
        if doi:
            links.append(("reference-doi", doi, "DOI"))
    for cls, href, label in links:
        parts.append(
            f'<a class="{cls}" data-search-exclude="" href="{escape_attribute(href)}" '
            f'rel="noopener">{label}</a>'
        )
    return " ".join(parts) + " "
