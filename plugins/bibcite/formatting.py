"""Stage 2: format bibliography entries with a pybtex style into plain text and safe HTML.

:func:`format_entry` never raises: LaTeX it cannot decode is printed raw and reported as a
:class:`~bibcite.problems.Problem` (naming the .bib file, the entry's line, the key and the
field); a style that fails on an entry yields a minimal fallback (``key. Title.``) and a problem.
:class:`ReferenceFormatter` memoizes the results by entry fingerprint, style and style version,
so ``mkdocs serve`` rebuilds only format what changed.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from pybtex.backends.html import Backend as HtmlBackend
from pybtex.plugin import find_plugin
from pybtex.richtext import Text

from bibcite.bibliography import BibEntry
from bibcite.cache import FormattedCache
from bibcite.problems import Problem, Severity
from bibcite.style import RENDERED_FIELDS, RENDERED_ROLES, decode_latex, name_values
from bibcite.versions import DEFAULT_STYLE, style_version

_SAFE_URL = re.compile(r"(?i)^(?:https?://|mailto:|/|#)")
_SPACES = re.compile(r"[ \t\r\n]+")


def escape_text(text: str) -> str:
    """Text as Python-Markdown's serializer escapes it once every ``&`` is escaped
    (:func:`bibcite.syntax.escape_ampersands`): ``&``, ``<`` and ``>``; quotes stay."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(value: str) -> str:
    """An attribute value as Python-Markdown's serializer escapes it (every ``&`` first)."""
    return escape_text(value).replace('"', "&quot;")


@dataclass(frozen=True)
class FormattedReference:
    """key; text: plain text (for tooltips and search); html: the same with markup, every field
    escaped exactly as Python-Markdown's serializer escapes (text: ``&<>``; attributes: also
    ``"``), so that it can go into a page as it is."""

    key: str
    text: str
    html: str


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
_styles: dict[str, Any] = {}


def _style(name: str) -> Any:
    if name not in _styles:
        _styles[name] = find_plugin("pybtex.style.formatting", name)()
    return _styles[name]


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
        style = DEFAULT_STYLE
        pybtex_style = _style(style)
    issues.extend(_latex_issues(entry))
    try:
        rich = pybtex_style.format_entry(str(entry.index), entry.entry).text
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


def _problems(entry: BibEntry, bib_path: str, issues: list[_Issue]) -> list[Problem]:
    out = []
    for issue in issues:
        where = f"entry '{entry.key}'" + (f", field '{issue.field}'" if issue.field else "")
        out.append(Problem(bib_path, entry.line, 1 if entry.line else 0,
                           f"{where}: {issue.message}", issue.hint, issue.severity))  # fmt: skip
    return out


def latex_problems(entry: BibEntry, bib_path: str) -> list[Problem]:
    """The LaTeX the style cannot convert in ``entry``, without formatting it (for callers that
    take the formatted text from a cache but still want the warnings)."""
    return _problems(entry, bib_path, _latex_issues(entry))


def format_entry(
    entry: BibEntry, bib_path: str, style: str = DEFAULT_STYLE
) -> tuple[FormattedReference, list[Problem]]:
    """Format one entry. Returns the reference and the problems found (never raises)."""
    text, markup, issues = _render(entry, style)
    return FormattedReference(entry.key, text, markup), _problems(entry, bib_path, issues)


class ReferenceFormatter:
    """Formats each entry once: memoized by (entry.fingerprint, style name, style version).

    ``problems`` gets the problems of :meth:`format` calls, cached entries included, each problem
    once until :meth:`take_problems` empties the list (so every rebuild reports them again);
    ``formatted_count`` counts the entries actually run through pybtex.
    """

    def __init__(self, style: str = DEFAULT_STYLE, disk: FormattedCache | None = None) -> None:
        self.style = style
        self.disk = disk
        self.problems: list[Problem] = []
        self.formatted_count = 0
        self._reported: set[Problem] = set()
        self._cache: dict[tuple[str, str, str], tuple[str, str, list[_Issue]]] = {}

    def format(self, entry: BibEntry, bib_path: str) -> FormattedReference:
        """The formatted reference; its problems are appended to ``self.problems``."""
        key = (entry.fingerprint, self.style, style_version(self.style))
        cached = self._cache.get(key)
        if cached is None:
            cached = self._from_disk(entry) or self._render(entry)
            self._cache[key] = cached
        text, markup, issues = cached
        for problem in _problems(entry, bib_path, issues):
            if problem not in self._reported:  # an entry cited on many pages: report once
                self._reported.add(problem)
                self.problems.append(problem)
        return FormattedReference(entry.key, text, markup)

    def _from_disk(self, entry: BibEntry) -> tuple[str, str, list[_Issue]] | None:
        found = self.disk.get(entry.fingerprint) if self.disk is not None else None
        # Only entries formatted without problems are stored, and the fingerprint covers every
        # field: a hit has no problems to report.
        return (*found, []) if found is not None else None

    def _render(self, entry: BibEntry) -> tuple[str, str, list[_Issue]]:
        text, markup, issues = _render(entry, self.style)
        self.formatted_count += 1
        if self.disk is not None and not issues:
            self.disk.put(entry.fingerprint, text, markup)
        return text, markup, issues

    def save(self) -> str | None:
        """Write the on-disk cache if it changed. Returns why it could not be written, if so."""
        if self.disk is None:
            return None
        self.disk.save()
        return self.disk.error

    def take_problems(self) -> list[Problem]:
        """Return the problems gathered so far and empty the list."""
        problems, self.problems = self.problems, []
        self._reported.clear()
        return problems
