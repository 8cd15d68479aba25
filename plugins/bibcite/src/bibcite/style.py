"""The ``medscape`` pybtex formatting style: references as the Medscape article prints them.

``Smith J, Jones K. A study of something. J Am Acad Dermatol. 2011 Jul. 65(1):1-12.``

That is NLM/Vancouver punctuation with Medscape's own twists: a full stop after the date, the
month abbreviated to three letters (``Jul``, or a range ``Jul-Aug`` as written in the .bib file),
and fields printed exactly as written: no case changes, no dash conversion of single hyphens.
Names are ``Last Initials`` without dots; ``and others`` prints ``et al.``.

Fields are decoded from LaTeX with :func:`decode_latex` (accents, ``--``, ``\\&``, ``\\emph{}``,
...). The style never raises on what it cannot decode: it prints the text raw, and
:func:`decode_latex` reports the issue so that :mod:`bibcite.formatting` can turn it into a
:class:`~bibcite.problems.Problem`.

Entry types: ``article``; ``online``/``misc``/``electronic``/``www`` (web pages, the source
article itself); ``book``, ``incollection``/``inbook``, ``inproceedings``; anything else falls back
to a generic ``Author. Title. Where. Date.`` template. For web pages the non-standard field
``updated`` (an ISO date, ``2016-02-08``) prints ``Updated 2016 Feb 8`` instead of the date.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

import latexcodec  # noqa: F401  (registers the "ulatex" codec)
from pybtex.richtext import BaseText, HRef, String, Text
from pybtex.style import FormattedEntry
from pybtex.style.formatting import BaseStyle
from pybtex.style.template import (
    FieldIsMissing,
    first_of,
    join,
    optional,
    sentence,
    words,
)
from pybtex.style.template import node as _pybtex_node

from bibcite.latex import decode_latex

__all__ = ["RENDERED_FIELDS", "RENDERED_ROLES", "MedscapeStyle", "decode_latex", "format_person"]


#: Fields the style prints, decoded from LaTeX (``url`` is printed raw).
RENDERED_FIELDS = (
    "title", "journal", "journaltitle", "booktitle", "edition", "address", "location", "publisher",
    "organization", "institution", "school", "howpublished", "month", "year", "day", "volume",
    "number", "pages", "note", "series", "chapter",
)  # fmt: skip
#: Person roles the style prints.
RENDERED_ROLES = ("author", "editor")

_MONTHS = {
    "january": "Jan", "february": "Feb", "march": "Mar", "april": "Apr", "may": "May",
    "june": "Jun", "july": "Jul", "august": "Aug", "september": "Sep", "october": "Oct",
    "november": "Nov", "december": "Dec",
}  # fmt: skip
_MONTH_BY_NUMBER = dict(enumerate(_MONTHS.values(), start=1))

# --------------------------------------------------------------------------------------------


def node(f: Callable[..., Text]) -> Any:
    """pybtex's ``@node`` decorator (typed: pybtex has no type hints)."""
    return _pybtex_node(f)


# --------------------------------------------------------------------------------------------
# Template nodes
# --------------------------------------------------------------------------------------------


def _entry_value(entry: Any, name: str, context: dict[str, Any]) -> str:
    try:
        value = entry._find_field(name, bib_data=context.get("bib_data"))
    except KeyError:
        raise FieldIsMissing(name, entry) from None
    if not str(value).strip():
        raise FieldIsMissing(name, entry)
    return str(value)


@node
def latex_field(
    children: Any,
    context: dict[str, Any],
    name: str,
    apply_func: Callable[[Text], Text] | None = None,
    raw: bool = False,
) -> Text:
    """The field ``name`` decoded with :func:`decode_latex` (``raw``: as written)."""
    if children:
        raise ValueError(children)
    value = _entry_value(context["entry"], name, context)
    text = Text(value) if raw else decode_latex(value)[0]
    return apply_func(text) if apply_func else text


@node
def first_field(children: Any, context: dict[str, Any], *names: str) -> Text:
    """The first of the fields ``names`` present in the entry."""
    for name in names:
        try:
            return latex_field(name).format_data(context)
        except FieldIsMissing:
            continue
    raise FieldIsMissing(names[0], context["entry"])


def _plain(value: str) -> str:
    return str(decode_latex(value)[0])


def _initials(given: Iterable[str]) -> str:
    """``["S.", "J."]`` → ``SJ``; ``["Jean-Pierre"]`` → ``JP``; ``["SJ"]`` stays ``SJ``."""
    out = []
    for name in given:
        plain = _plain(name).replace(".", " ").strip()
        for token in plain.split():
            letters = token.replace("-", "")
            if letters.isalpha() and letters.isupper() and len(letters) <= 4:
                out.append(letters)  # already initials, e.g. "SJ"
            else:
                out.extend(piece[0] for piece in token.split("-") if piece)
    return "".join(out)


def name_values(person: Any) -> list[str]:
    """The parts of a name :func:`format_person` decodes from LaTeX, each as it decodes it: the
    ``von`` and last names together, each given name, the ``Jr`` part. (Checking these for
    LaTeX problems, rather than the whole name, shares the decoding with the formatting.)"""
    last = " ".join([*person.prelast_names, *person.last_names])
    if last == "others" and not person.first_names and not person.middle_names:
        return []
    lineage = [" ".join(person.lineage_names)] if person.lineage_names else []
    return [last, *person.first_names, *person.middle_names, *lineage]


def format_person(person: Any) -> Text:
    """``Reiter, N.`` → ``Reiter N``; ``others`` → ``et al.``."""
    return _format_name(
        tuple(person.first_names), tuple(person.middle_names), tuple(person.prelast_names),
        tuple(person.last_names), tuple(person.lineage_names),
    )  # fmt: skip


# A name recurring across a bibliography is formatted once (the result is shared like decoded
# fields: pybtex's rich text is never changed in place).
@functools.lru_cache(maxsize=4096)
def _format_name(
    first: tuple[str, ...],
    middle: tuple[str, ...],
    prelast: tuple[str, ...],
    last_names: tuple[str, ...],
    lineage: tuple[str, ...],
) -> Text:
    last = " ".join([*prelast, *last_names])
    if last == "others" and not first and not middle:
        return Text("et al.")
    parts: list[BaseText] = [*decode_latex(last)[0].parts]
    initials = _initials([*first, *middle])
    if initials:
        parts.append(String(" " + initials))
    if lineage:
        parts.append(String(" " + _plain(" ".join(lineage))))
    return Text(*parts)


@node
def person_list(children: Any, context: dict[str, Any], role: str = "author") -> Text:
    """All persons of ``role``, ``Last Initials`` separated by commas."""
    if children:
        raise ValueError(children)
    persons = _persons(context, role)
    if not persons:
        raise FieldIsMissing(role, context["entry"])
    result: Text = Text(", ").join([format_person(p) for p in persons])
    return result


def _persons(context: dict[str, Any], role: str) -> list[Any]:
    """The entry's persons of ``role``, or those of the entry it crossrefs (pybtex resolves
    fields through ``crossref``, not names)."""
    entry, seen = context["entry"], set()
    bib_data = context.get("bib_data")
    while entry is not None and entry.key not in seen:
        seen.add(entry.key)
        if entry.persons.get(role):
            return list(entry.persons[role])
        parent = entry.fields.get("crossref")
        entry = bib_data.entries.get(parent) if bib_data is not None and parent else None
    return []


@node
def editor_list(children: Any, context: dict[str, Any]) -> Text:
    """``Smith J, Doe A, editors`` (``editor`` for one)."""
    if children:
        raise ValueError(children)
    persons = _persons(context, "editor")
    word = "editor" if len(persons) == 1 else "editors"
    return join(sep=", ")[person_list("editor"), word].format_data(context)


def _month(text: Text) -> Text:
    """``July`` → ``Jul``, ``7`` → ``Jul``; ranges (``Jul-Aug``) and others as written."""

    def one(word: str) -> str:
        w = word.strip()
        if w.isdigit() and int(w) in _MONTH_BY_NUMBER:
            return _MONTH_BY_NUMBER[int(w)]
        full = _MONTHS.get(w.lower())
        if full:
            return full
        for name, abbr in _MONTHS.items():
            if len(w) >= 3 and name.startswith(w.lower().rstrip(".")):
                return abbr
        return w

    s = str(text)
    if not re.fullmatch(r"[\w.]+(?:\s*[-/–]\s*[\w.]+)?", s):
        return text
    return Text(re.sub(r"[\w.]+", lambda m: one(m.group(0)), s))


def _iso_date(text: Text) -> Text:
    """``2016-02-08`` → ``2016 Feb 8``; anything else as written."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", str(text).strip())
    if not m or (m.group(2) and int(m.group(2)) not in _MONTH_BY_NUMBER):
        return text
    parts = [m.group(1)]
    if m.group(2):
        parts.append(_MONTH_BY_NUMBER[int(m.group(2))])
    if m.group(3):
        parts.append(str(int(m.group(3))))
    return Text(" ".join(parts))


def _issue(text: Text) -> Text:
    """``1`` → ``(1)``; supplements print bare: ``33 Suppl 2``."""
    s = str(text).strip()
    if re.match(r"(?i)suppl|supplement|spec|pt\b|part\b", s):
        return Text(" ", text)
    return Text("(", text, ")")


#: ``2011 Jul``, ``2016 Feb 8``, ``2006``.
date = words[latex_field("year"), optional[latex_field("month", apply_func=_month)],
             optional[latex_field("day")]]  # fmt: skip

#: ``65(1):1-12``, ``33 Suppl 2:60-2``, ``212``, ``1-12``.
volume_issue_pages = first_of[
    optional[
        join[
            latex_field("volume"),
            optional[latex_field("number", apply_func=_issue)],
            optional[":", latex_field("pages")],
        ]
    ],
    optional[latex_field("pages")],
]

authors = sentence(add_period=True)[person_list("author")]
authors_or_editors = first_of[
    optional[authors],
    optional[sentence[editor_list]],
]
title = optional[sentence[latex_field("title")]]
note = optional[sentence[latex_field("note")]]


@node
def web_link(children: Any, context: dict[str, Any]) -> Text:
    """``Available at: URL`` (the URL raw, as a link in HTML when it is http(s))."""
    if children:
        raise ValueError(children)
    url = _entry_value(context["entry"], "url", context).strip()
    shown: BaseText = HRef(url, url) if re.match(r"(?i)https?://", url) else String(url)
    return Text("Available at: ", shown)


class MedscapeStyle(BaseStyle):  # type: ignore[misc]
    """pybtex style ``medscape`` (entry point ``pybtex.style.formatting``)."""

    default_name_style = "plain"
    default_label_style = "number"
    default_sorting_style = "none"

    def format_entry(self, label: str, entry: Any, bib_data: Any = None) -> Any:
        context = {"entry": entry, "style": self, "bib_data": bib_data}
        text = self.get_template(entry).format_data(context)
        return FormattedEntry(entry.key, text, label)

    def get_template(self, entry: Any) -> Any:
        """The template for ``entry``'s type, or the generic one.

        Each template is made once per getter: they depend on the entry type only, and making
        one costs about a tenth of using it. (Keyed by the getter's function, so a subclass or a
        replaced getter gets its own.)"""
        etype = entry.type.lower()
        getter = getattr(self, f"get_{etype}_template", None)
        if getter is None:
            getter = {
                "electronic": self.get_online_template,
                "www": self.get_online_template,
                "webpage": self.get_online_template,
                "inbook": self.get_incollection_template,
                "conference": self.get_inproceedings_template,
            }.get(etype, self.get_misc_template)
        templates: dict[Any, Any] = self.__dict__.setdefault("_templates", {})
        key = getattr(getter, "__func__", getter)
        if key not in templates:
            templates[key] = getter(entry)
        return templates[key]

    def get_article_template(self, e: Any) -> Any:
        return join(sep=" ")[
            optional[authors_or_editors],
            title,
            optional[sentence[first_field("journal", "journaltitle")]],
            optional[sentence[date]],
            optional[sentence[volume_issue_pages]],
            note,
        ]

    def get_online_template(self, e: Any) -> Any:
        return join(sep=" ")[
            optional[authors_or_editors],
            title,
            optional[
                sentence[
                    first_field(
                        "organization", "publisher", "howpublished", "journal", "journaltitle"
                    )
                ]
            ],
            first_of[
                optional[sentence[words["Updated", latex_field("updated", apply_func=_iso_date)]]],
                optional[sentence[date]],
            ],
            note,
            optional[web_link],
            optional[sentence[words["Accessed", latex_field("urldate", apply_func=_iso_date)]]],
        ]

    def get_misc_template(self, e: Any) -> Any:
        return join(sep=" ")[
            optional[authors_or_editors],
            title,
            optional[
                sentence[
                    first_field(
                        "howpublished",
                        "organization",
                        "institution",
                        "school",
                        "publisher",
                        "journal",
                    )
                ]
            ],
            optional[sentence[date]],
            optional[sentence[volume_issue_pages]],
            note,
            optional[web_link],
        ]

    def _publication(self) -> Any:
        """``Edition. City: Publisher; Year.``"""
        place = first_field("address", "location")
        return join(sep=" ")[
            optional[sentence[words[latex_field("edition"), "ed"]]],
            sentence[
                join(sep="; ")[
                    optional[
                        join(sep=": ")[optional[place], first_field("publisher", "organization")]
                    ],
                    date,
                ]
            ],
        ]

    def get_book_template(self, e: Any) -> Any:
        return join(sep=" ")[
            optional[authors_or_editors],
            title,
            self._publication(),
            note,
        ]

    def get_incollection_template(self, e: Any) -> Any:
        return join(sep=" ")[
            optional[authors],
            title,
            optional[words["In:", sentence[editor_list]]],
            optional[sentence[latex_field("booktitle")]],
            self._publication(),
            optional[sentence[words["p.", latex_field("pages")]]],
            note,
        ]

    def get_inproceedings_template(self, e: Any) -> Any:
        return self.get_incollection_template(e)
