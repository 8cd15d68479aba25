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
to the generic ``Author. Title. Where. Date.`` of ``misc``. For web pages the non-standard field
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
from pybtex.style.labels.number import LabelStyle as NumberLabels
from pybtex.style.names.plain import NameStyle as PlainNames
from pybtex.style.sorting.none import SortingStyle as NoSorting
from pybtex.style.template import FieldIsMissing

from bibcite.latex import decode_latex

__all__ = [
    "RENDERED_FIELDS",
    "RENDERED_ROLES",
    "EntryFields",
    "MedscapeStyle",
    "Piece",
    "decode_latex",
    "format_person",
]


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


# --------------------------------------------------------------------------------------------
# Pieces of a reference
# --------------------------------------------------------------------------------------------

#: A piece of a reference: rich-text parts (pybtex's ``String``, ``Tag``, ``HRef``), flat and
#: none empty. The style works on lists and makes one ``Text`` per entry. pybtex's template
#: language makes and merges a ``Text`` at every node, which took most of the formatting time
#: (BENCHMARKS.md). The helpers below do what pybtex's ``join``, ``sentence`` and ``words`` do.
Piece = list[BaseText]

_TERMINATORS = (".", "?", "!")


def _join(sep: str, *pieces: Piece | None) -> Piece:
    """The non-empty pieces, ``sep`` between them."""
    out: Piece = []
    for piece in pieces:
        if piece:
            if out and sep:
                out.append(String(sep))
            out.extend(piece)
    return out


def _sentence(*pieces: Piece | None) -> Piece:
    """The pieces joined by ``, ``, with a period unless they end in ``.``, ``?`` or ``!``."""
    out = _join(", ", *pieces)
    if out and not out[-1].endswith(_TERMINATORS):
        out.append(String("."))
    return out


def _words(word: str, piece: Piece | None) -> Piece:
    """``word`` and the piece (``Accessed 2021 May 6``); nothing if the field is missing."""
    return [] if piece is None else _join(" ", [String(word)], piece)


def _names(persons: list[Any]) -> Piece | None:
    """The persons as ``Smith J, Doe A``; None if there are none."""
    if not persons:
        return None
    out: Piece = []
    for number, person in enumerate(persons):
        if number:
            out.append(String(", "))
        out.extend(format_person(person).parts)
    return out


class EntryFields:
    """An entry's fields and names as the style prints them. A missing or blank field is
    None; a field is looked up through ``crossref`` (pybtex resolves fields, not names)."""

    def __init__(self, entry: Any, bib_data: Any) -> None:
        self.entry = entry
        self.bib_data = bib_data

    def raw(self, name: str) -> str | None:
        try:
            value = str(self.entry._find_field(name, bib_data=self.bib_data))
        except KeyError:
            return None
        return value if value.strip() else None

    def text(self, name: str, apply: Callable[[Text], Text] | None = None) -> Piece | None:
        """The field decoded with :func:`decode_latex` (then ``apply``-ed)."""
        value = self.raw(name)
        if value is None:
            return None
        text = decode_latex(value)[0]
        return list((apply(text) if apply else text).parts)

    def first(self, *names: str) -> Piece | None:
        """The first of the fields ``names`` that the entry has."""
        for name in names:
            if (piece := self.text(name)) is not None:
                return piece
        return None

    def persons(self, role: str) -> list[Any]:
        """The entry's persons of ``role``, else those of the entry it crossrefs."""
        entry, seen = self.entry, set()
        entries = self.bib_data.entries if self.bib_data is not None else {}
        while entry is not None and entry.key not in seen:
            seen.add(entry.key)
            if entry.persons.get(role):
                return list(entry.persons[role])
            parent = entry.fields.get("crossref")
            entry = entries.get(parent) if parent else None
        return []

    def names(self, role: str) -> Piece | None:
        """``Smith J, Doe A`` (``et al.`` for ``others``); None if there are none."""
        return _names(self.persons(role))

    def editors(self) -> Piece | None:
        """``Smith J, Doe A, editors`` (``editor`` for one); None if there are none."""
        persons = self.persons("editor")
        if not persons:
            return None
        word = "editor" if len(persons) == 1 else "editors"
        return _join(", ", _names(persons), [String(word)])

    def date(self) -> Piece | None:
        """``2011 Jul``, ``2016 Feb 8``, ``2006``; None without a year."""
        year = self.text("year")
        if year is None:
            return None
        return _join(" ", year, self.text("month", _month), self.text("day"))

    def volume_issue_pages(self) -> Piece:
        """``65(1):1-12``, ``33 Suppl 2:60-2``, ``212``, ``1-12``."""
        pages = self.text("pages")
        volume = self.text("volume")
        if volume is not None:
            at_pages = None if pages is None else [String(":"), *pages]
            if found := _join("", volume, self.text("number", _issue), at_pages):
                return found
        return pages or []

    def web_link(self) -> Piece:
        """``Available at: URL`` (the URL raw, as a link in HTML when it is http(s))."""
        url = self.raw("url")
        if url is None:
            return []
        url = url.strip()
        return [String("Available at: "), HRef(url, url) if re.match(r"(?i)https?://", url)
                else String(url)]  # fmt: skip

    def publication(self) -> Piece:
        """``Edition ed. City: Publisher; Year.`` A book without a year cannot be printed."""
        publisher = self.first("publisher", "organization")
        where = None if publisher is None else _join(": ", self.first("address", "location"),
                                                        publisher)  # fmt: skip
        date = self.date()
        if date is None:
            raise FieldIsMissing("year", self.entry)
        edition = self.text("edition")
        ed = [] if edition is None else _sentence(_join(" ", edition, [String("ed")]))
        return _join(" ", ed, _sentence(_join("; ", where, date)))


class MedscapeStyle(BaseStyle):  # type: ignore[misc]
    """pybtex style ``medscape`` (entry point ``pybtex.style.formatting``). One method per
    entry type, each a list of the reference's parts; a subclass may replace any of them."""

    # pybtex's "plain", "number" and "none", as classes: by name, pybtex would look up each
    # among every installed package's entry points when the style is made (BENCHMARKS.md).
    default_name_style = PlainNames
    default_label_style = NumberLabels
    default_sorting_style = NoSorting

    #: Types printed like another: web pages, chapters, conference papers.
    aliases = {  # noqa: RUF012
        "electronic": "online", "www": "online", "webpage": "online",
        "inbook": "incollection", "conference": "inproceedings",
    }  # fmt: skip

    def format_entry(self, label: str, entry: Any, bib_data: Any = None) -> Any:
        etype = entry.type.lower()
        etype = self.aliases.get(etype, etype)
        method = getattr(self, f"format_{etype}", self.format_misc)
        return FormattedEntry(entry.key, Text(*method(EntryFields(entry, bib_data))), label)

    @staticmethod
    def _authors_or_editors(f: EntryFields) -> Piece:
        return _sentence(f.names("author")) or _sentence(f.editors())

    def format_article(self, f: EntryFields) -> Piece:
        return _join(
            " ",
            self._authors_or_editors(f),
            _sentence(f.text("title")),
            _sentence(f.first("journal", "journaltitle")),
            _sentence(f.date()),
            _sentence(f.volume_issue_pages()),
            _sentence(f.text("note")),
        )

    def format_online(self, f: EntryFields) -> Piece:
        where = f.first("organization", "publisher", "howpublished", "journal", "journaltitle")
        return _join(
            " ",
            self._authors_or_editors(f),
            _sentence(f.text("title")),
            _sentence(where),
            _sentence(_words("Updated", f.text("updated", _iso_date))) or _sentence(f.date()),
            _sentence(f.text("note")),
            f.web_link(),
            _sentence(_words("Accessed", f.text("urldate", _iso_date))),
        )

    def format_misc(self, f: EntryFields) -> Piece:
        where = f.first("howpublished", "organization", "institution", "school", "publisher",
                        "journal")  # fmt: skip
        return _join(
            " ",
            self._authors_or_editors(f),
            _sentence(f.text("title")),
            _sentence(where),
            _sentence(f.date()),
            _sentence(f.volume_issue_pages()),
            _sentence(f.text("note")),
            f.web_link(),
        )

    def format_book(self, f: EntryFields) -> Piece:
        return _join(
            " ",
            self._authors_or_editors(f),
            _sentence(f.text("title")),
            f.publication(),
            _sentence(f.text("note")),
        )

    def format_incollection(self, f: EntryFields) -> Piece:
        editors = f.editors()
        return _join(
            " ",
            _sentence(f.names("author")),
            _sentence(f.text("title")),
            [] if editors is None else _join(" ", [String("In:")], _sentence(editors)),
            _sentence(f.text("booktitle")),
            f.publication(),
            _sentence(_words("p.", f.text("pages"))),
            _sentence(f.text("note")),
        )

    def format_inproceedings(self, f: EntryFields) -> Piece:
        return self.format_incollection(f)
