"""Stage 5, beside rendering: the downloads readers take away (BibTeX, RIS), written from the
data :mod:`bibcite.entry_data` keeps for each entry, as ``data:`` URLs: a download that needs
no server, no script and no file of its own, so it works from ``file://`` and under any engine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

#: CSL type → RIS type.
_RIS_TYPES: Mapping[str, str] = {
    "article-journal": "JOUR",
    "book": "BOOK",
    "chapter": "CHAP",
    "paper-conference": "CPAPER",
    "thesis": "THES",
    "report": "RPRT",
    "webpage": "ELEC",
}


def _pages(page: str) -> tuple[str, str]:
    first, _, last = re.split(r"[;,]", page)[0].partition("-")
    return first.strip(), last.strip("- ").strip()


def ris_record(item: Mapping[str, Any]) -> str:
    """One RIS record, ``TY  -`` to ``ER  -``."""
    lines = [("TY", _RIS_TYPES.get(str(item.get("type")), "GEN"))]
    lines += [("AU", ", ".join(filter(None, (a.get("family"), a.get("given")))))
              for a in item.get("author", ())]  # fmt: skip
    lines.append(("TI", item.get("title", "")))
    container = "JO" if item.get("type") == "article-journal" else "T2"
    lines.append((container, item.get("container-title", "")))
    parts = item.get("issued", {}).get("date-parts", [[]])[0]
    if parts:
        lines.append(("PY", str(parts[0])))
        if len(parts) > 1:
            lines.append(("DA", "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts))))
    lines += [("VL", item.get("volume", "")), ("IS", item.get("issue", ""))]
    if item.get("page"):
        first, last = _pages(str(item["page"]))
        lines += [("SP", first), ("EP", last)]
    lines += [("DO", item.get("DOI", "")), ("UR", item.get("URL", ""))]
    if item.get("PMID"):
        lines.append(("AN", f"PMID:{item['PMID']}"))
    lines.append(("ID", item.get("id", "")))
    body = "".join(f"{tag}  - {value}\r\n" for tag, value in lines if str(value).strip())
    return body + "ER  - \r\n"


def ris(items: Iterable[Mapping[str, Any]]) -> str:
    return "\r\n".join(ris_record(item) for item in items)


#: Characters a data: URL may hold as they are (the rest is percent-encoded: line breaks, which
#: URL parsers drop; spaces; ``%`` and ``#``, which they read). Leaving these plain keeps the
#: downloads smaller (spaces stay encoded: a URL holds none).
_DATA_URL_SAFE = "!$'()*+,-./:;=?@[]_{}~"


def data_url(text: str, media_type: str) -> str:
    """A ``data:`` URL holding ``text``: a download that needs no server and no script, so it
    works from ``file://`` and under any engine. (Quotes and ``&`` are left to the caller's
    attribute escaping.)"""
    return f"data:{media_type};charset=utf-8,{quote(text, safe=_DATA_URL_SAFE)}"


#: (label, file suffix, media type) of each export format.
FORMATS: Sequence[tuple[str, str, str]] = (
    ("BibTeX", "bib", "application/x-bibtex"),
    ("RIS", "ris", "application/x-research-info-systems"),
)


def export_texts(bibtex: Sequence[str], csl: Sequence[str]) -> dict[str, str]:
    """The downloads' contents by file suffix, from the entries' BibTeX records and CSL-JSON
    items (as :class:`bibcite.reference.Reference` keeps them)."""
    return {"bib": "\n".join(bibtex), "ris": ris(json.loads(item) for item in csl if item)}
