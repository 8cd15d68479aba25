"""LaTeX in BibTeX fields, decoded to pybtex rich text, with what could not be decoded.

:func:`decode_latex` is what the formatting style prints and what :mod:`bibcite.formatting`
checks every printed field with (a warning names what it cannot convert).
"""

from __future__ import annotations

import codecs
import functools
import re
from dataclasses import dataclass

import latexcodec  # noqa: F401  (registers the "ulatex" codec)
from pybtex.richtext import BaseText, HRef, String, Tag, Text

# LaTeX decoding
# --------------------------------------------------------------------------------------------

#: Commands taking one argument, rendered as an HTML tag (None: the argument as plain text).
_ARG_COMMANDS: dict[str, str | None] = {
    "emph": "em", "textit": "em", "textsl": "em", "mathit": "em",
    "textbf": "strong", "mathbf": "strong",
    "textsc": None, "textrm": None, "textup": None, "textnormal": None, "textsf": None,
    "texttt": None, "textmd": None, "mbox": None, "hbox": None, "text": None, "mathrm": None,
    "textsuperscript": "sup",
    "textsubscript": "sub",
    "url": None, "nolinkurl": None, "NoCaseChange": None,
}  # fmt: skip
#: Declarations switching the font for the rest of the group: ``{\em text}``.
_SWITCHES: dict[str, str | None] = {
    "em": "em", "it": "em", "itshape": "em", "sl": "em", "slshape": "em",
    "bf": "strong", "bfseries": "strong",
    "rm": None, "sc": None, "scshape": None, "sf": None, "tt": None, "upshape": None,
    "normalfont": None, "mdseries": None, "relax": None,
}  # fmt: skip
#: Commands that print nothing.
_SILENT = frozenset({"relax", "protect", "/", "-", "@", "noopsort", "ignorespaces"})

# Private-use placeholders for characters that must survive brace parsing.
_LBRACE, _RBRACE, _BACKSLASH, _DOLLAR = "\ue000", "\ue001", "\ue002", "\ue003"
_ESCAPES = (
    (re.compile(r"\\\$"), _DOLLAR),
    (re.compile(r"\\textbackslash(?:\{\}|\s*)"), _BACKSLASH),
    (re.compile(r"\\textbraceleft(?:\{\}|\s*)|\\\{"), _LBRACE),
    (re.compile(r"\\textbraceright(?:\{\}|\s*)|\\\}"), _RBRACE),
)
#: Text symbols latexcodec leaves alone.
_SYMBOLS = {
    "textquotedblleft": "\u201c", "textquotedblright": "\u201d", "textquoteleft": "\u2018",
    "textquoteright": "\u2019", "textquotesingle": "'", "textquotedbl": '"',
    "textemdash": "\u2014", "textendash": "\u2013", "textdegree": "\u00b0", "textmu": "\u00b5",
    "texttimes": "\u00d7", "textpm": "\u00b1", "textellipsis": "\u2026", "ldots": "\u2026",
    "dots": "\u2026", "textless": "<", "textgreater": ">", "textasciitilde": "~",
    "textunderscore": "_", "textbar": "|", "S": "\u00a7", "P": "\u00b6", "dag": "\u2020",
    "ddag": "\u2021", "textregistered": "\u00ae", "texttrademark": "\u2122",
    "textcopyright": "\u00a9", "$": "$", "&": "&", "%": "%", "#": "#", "_": "_",
}  # fmt: skip
_SPACES = (("\\\\", " "), ("\\,", "\u2009"), ("\\;", " "), ("\\:", " "), ("\\!", ""))
_COMMAND = re.compile(r"\\([A-Za-z]+|[^A-Za-z\s])\s*")
_TRAILING_COMMAND = re.compile(r"\\([A-Za-z]+)\s*$")
_LEADING_SWITCH = re.compile(r"^\s*\\([A-Za-z]+)(?:\s+|$|(?=[^A-Za-z]))")


_MATH = re.compile(r"\$([^$]+)\$")
_MATH_COMMAND = re.compile(r"\\[A-Za-z]+")
_SCRIPT = re.compile(r"([\^_])(\{[^{}]*\}|\$\\[A-Za-z]+\$|[^\s{}$])")
_ENSUREMATH = re.compile(r"\\ensuremath\s*\{([^{}]*)\}")
_DOTLESS = re.compile(r"\{\\([ij])\}")


def _math(m: re.Match[str]) -> str:
    """Rewrite one math span: ``$^{99m}$Tc`` → ``\\textsuperscript{99m}Tc`` and
    ``$\\alpha_1$`` → ``$\\alpha$\\textsubscript{1}``.

    Symbols stay in math mode, one by one, for latexcodec; sub- and superscripts become text
    commands; the rest is plain text.
    """
    inner = _MATH_COMMAND.sub(lambda c: f"${c.group(0)}$", m.group(1))

    def script(s: re.Match[str]) -> str:
        arg = s.group(2)
        command = "\\textsuperscript" if s.group(1) == "^" else "\\textsubscript"
        return command + (arg if arg.startswith("{") else "{" + arg + "}")

    return _SCRIPT.sub(script, inner)


def _restore(s: str) -> str:
    return (
        s.replace(_LBRACE, "{")
        .replace(_RBRACE, "}")
        .replace(_BACKSLASH, "\\")
        .replace(_DOLLAR, "$")
    )


_NEEDS_CODEC = re.compile(r"[\\~$`%\t\n\r\f\v]|--|''|,,|!`|\?`|^ | $|  ")
_BRACE = re.compile(r"[{}]")


def decode_latex(value: str) -> tuple[Text, list[str]]:
    """Turn a BibTeX field value into rich text (braces removed, accents decoded).

    Returns the text and a list of issues (human-readable, e.g. ``unknown LaTeX command
    '\\foo'``); when there are issues the undecodable parts are kept raw in the text.
    """
    text, issues = _decode_latex(value)
    return text, list(issues)


# A value is decoded once for the formatter's check of every field and the style's rendering of
# the same fields, and once for values that recur (journals, names): pybtex's rich text is never
# changed in place, so a decoded value can be shared. Bounded: the unique values (titles) of a
# large bibliography would otherwise all stay in memory.
@functools.lru_cache(maxsize=4096)
def _decode_latex(value: str) -> tuple[Text, tuple[str, ...]]:
    if _NEEDS_CODEC.search(value) is None and _BRACE.search(value) is None:
        # Plain text (most field values): nothing below would change it.
        return (Text(String(value)) if value else Text()), ()
    issues: list[str] = []
    raw = value
    for pattern, placeholder in _ESCAPES:
        raw = pattern.sub(placeholder, raw)
    for old, new in _SPACES:
        raw = raw.replace(old, new)
    raw = _ENSUREMATH.sub(r"$\1$", raw)
    raw = _DOTLESS.sub(r"{\1}", raw)  # {\i} as an accent's base: \'{\i} is í
    raw = _MATH.sub(_math, raw)
    try:
        # latexcodec is the costliest step and changes nothing in most values: skip it unless
        # one of the sequences it decodes is present (every key of its table contains one).
        needed = {m.group() for m in _NEEDS_CODEC.finditer(raw)}
        if needed <= {"--"}:  # dashes only: page ranges and dates, most of the values
            decoded = raw.replace("---", "\u2014").replace("--", "\u2013")
        else:
            decoded = codecs.decode(raw, "ulatex")  # type: ignore[call-overload]
    except Exception as exc:  # latexcodec raising on odd input: keep the text raw
        issues.append(f"cannot decode LaTeX ({exc})")
        decoded = raw
    tree = _parse_braces(decoded)
    if tree is None:
        issues.append("unbalanced braces")
        return Text(_restore(decoded)), tuple(issues)
    return Text(*_convert(tree, issues)), tuple(issues)


@dataclass
class _Group:
    """A ``{...}`` group of the field text."""

    children: list[str | _Group]


def _parse_braces(s: str) -> list[str | _Group] | None:
    """Split ``s`` into text and nested brace groups; None if the braces do not balance.

    (pybtex's own LaTeXParser merges adjacent groups, which loses ``\\href{url}{text}``.)
    """
    stack: list[list[str | _Group]] = [[]]
    start = 0
    for m in _BRACE.finditer(s):
        pos, ch = m.start(), m.group()
        if pos > start:
            stack[-1].append(s[start:pos])
        start = pos + 1
        if ch == "{":
            group = _Group([])
            stack[-1].append(group)
            stack.append(group.children)
        elif len(stack) == 1:
            return None
        else:
            stack.pop()
    if len(stack) != 1:
        return None
    if start < len(s):
        stack[0].append(s[start:])
    return stack[0]


def _convert(nodes: list[str | _Group], issues: list[str]) -> list[BaseText]:
    """Unwrap brace groups and apply font commands; record unknown commands in ``issues``."""
    out: list[BaseText] = []
    i = 0
    while i < len(nodes):
        node_ = nodes[i]
        i += 1
        if isinstance(node_, _Group):
            out.extend(_convert_group(node_, issues))
            continue
        trailing = _TRAILING_COMMAND.search(node_)
        if trailing is None or i >= len(nodes) or not isinstance(nodes[i], _Group):
            out.extend(_convert_string(node_, issues))
            continue
        out.extend(_convert_string(node_[: trailing.start()], issues))
        name = trailing.group(1)
        arg = nodes[i]
        assert isinstance(arg, _Group)
        i += 1
        if name == "href" and i < len(nodes) and isinstance(nodes[i], _Group):
            url = _restore(_flatten(arg))
            link_text = nodes[i]
            assert isinstance(link_text, _Group)
            i += 1
            out.append(HRef(url, *_convert_group(link_text, issues)))
            continue
        out.extend(_apply_command(name, arg, issues))
    return out


def _flatten(group: _Group) -> str:
    return "".join(c if isinstance(c, str) else _flatten(c) for c in group.children)


def _convert_group(group: _Group, issues: list[str]) -> list[BaseText]:
    """A ``{...}`` group: may start with a switch such as ``\\em``."""
    children = group.children
    if children and isinstance(children[0], str):
        m = _LEADING_SWITCH.match(children[0])
        if m and m.group(1) in _SWITCHES:
            inner = _convert([children[0][m.end() :], *children[1:]], issues)
            tag = _SWITCHES[m.group(1)]
            return [Tag(tag, *inner)] if tag else inner
    return _convert(children, issues)


def _apply_command(name: str, arg: _Group, issues: list[str]) -> list[BaseText]:
    inner = _convert_group(arg, issues)
    if name in _ARG_COMMANDS:
        tag = _ARG_COMMANDS[name]
        return [Tag(tag, *inner)] if tag else inner
    issues.append(f"unknown LaTeX command '\\{name}'")
    return [String(f"\\{name}{{"), *inner, String("}")]


def _convert_string(s: str, issues: list[str]) -> list[BaseText]:
    out: list[BaseText] = []
    pos = 0
    for m in _COMMAND.finditer(s):
        name = m.group(1)
        if name in _SILENT or name in _SWITCHES or name in _SYMBOLS:
            out.append(String(_restore(s[pos : m.start()]) + _SYMBOLS.get(name, "")))
            pos = m.end()
            continue
        issues.append(f"unknown LaTeX command '\\{name}'")
    out.append(String(_restore(s[pos:])))
    return [p for p in out if str(p)]
