"""Every escape bibcite applies to text it puts in HTML, in one place.

The HTML bibcite writes goes into pages as raw HTML, next to what Python-Markdown's serializer
writes, so it is escaped the same way: element text ``& < >``, attribute values also ``"``.
"""

from __future__ import annotations

import re

_ENTITY_START = re.compile(r"&(?=[A-Za-z0-9#])")


def escape_text(text: str) -> str:
    """Element text, as Python-Markdown's serializer escapes it: ``&``, ``<`` and ``>``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(value: str) -> str:
    """An attribute value, as Python-Markdown's serializer escapes it."""
    return escape_text(value).replace('"', "&quot;")


def tooltip_text(text: str) -> str:
    """Plain text made safe for a ``title`` attribute that mkdocs-material's tooltips
    (``content.tooltips``) insert as HTML (``innerHTML``): ``<`` and an ``&`` that could start a
    character reference are escaped, so .bib text like ``<img onerror=...>`` stays text. Nothing
    else changes, so the browser's own tooltip (no JavaScript) still reads as the text."""
    return _ENTITY_START.sub("&amp;", text).replace("<", "&lt;")


def title_attribute(text: str) -> str:
    """A tooltip's ``title`` value: :func:`tooltip_text`, escaped as an attribute."""
    # Most references hold none of the characters escaped (20 000 tooltips in a large site).
    if "&" in text or "<" in text or ">" in text or '"' in text:
        return escape_attribute(tooltip_text(text))
    return text
