"""What a page says about itself: "Cite this page", schema.org JSON-LD, Google Scholar's tags.

Pure functions of a :class:`PageInfo` and the CSL-JSON items of the works the page cites
(bibcite keeps one per entry: :attr:`bibcite.reference.Reference.csl`). The extension puts the
"Cite this page" block at the end of each page and the head tags where the theme's template
prints them (``overrides/main.html``).
"""

from __future__ import annotations

import datetime
import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from calcinosis_site.model import Subtype

SCHEMA = "https://schema.org"


@dataclass(frozen=True)
class PageInfo:
    """A page as it is cited.

    title: the page's title. url: its address on the hosted site. reviewed: when it was last
    reviewed (``YYYY-MM-DD``), if known. site_name, site_url, editors: the site's.
    """

    title: str
    url: str
    reviewed: str | None
    site_name: str
    site_url: str
    editors: str


@dataclass(frozen=True)
class Condition:
    """The medical condition a page is about (schema.org ``MedicalCondition``).

    name; aliases: other names; code: its ICD-10 code where one is verified, else "";
    differential: (condition, how to tell it apart) pairs; treatments: treatment names.
    """

    name: str
    aliases: tuple[str, ...] = ()
    code: str = ""
    differential: tuple[tuple[str, str], ...] = ()
    treatments: tuple[str, ...] = ()


def condition_of(subtype: Subtype) -> Condition:
    """A subtype as a condition, from its structured content (no ICD-10 code: none of the
    subtypes has one of its own that a public source was seen to give)."""
    return Condition(
        subtype.name,
        subtype.aliases,
        differential=tuple(
            (row.condition, _plain(row.distinguish)) for row in subtype.differential
        ),
        treatments=tuple(t.name for t in subtype.treatments),
    )


def _plain(markdown: str) -> str:
    """A cell's text without Markdown emphasis and citations, for structured data."""
    import re

    text = re.sub(r"\s*\[(?:[^\[\]]*@[^\[\]]*)\]", "", markdown)
    return re.sub(r"[*_`]", "", text).strip()


def _nlm_date(iso: str) -> str:
    day = datetime.date.fromisoformat(iso)
    return f"{day.year} {day:%b} {day.day}"


def citation_text(page: PageInfo) -> str:
    """The page's own reference in the site's style (NLM, as the source article is cited),
    without the date accessed, which the reader's browser adds."""
    reviewed = f" Last reviewed {_nlm_date(page.reviewed)}." if page.reviewed else ""
    return f"{page.editors}. {page.title}. {page.site_name}.{reviewed} Available at: {page.url}."


def cite_this_page(page: PageInfo) -> str:
    """The "Cite this page" block: the reference, and a button that copies it (shown by
    ``cite.js``, which also fills in today's date as the date accessed)."""
    text = html.escape(citation_text(page), quote=False)
    return (
        '<section class="cite-page" aria-labelledby="cite-this-page" data-search-exclude="">\n'
        '<h2 id="cite-this-page">Cite this page</h2>\n'
        f'<p class="cite-page-text" id="cite-page-text">{text} '
        '<span class="cite-page-accessed">Accessed: [date].</span></p>\n'
        '<p><button type="button" class="cite-page-copy" '
        'data-copy="cite-page-text" hidden>Copy citation</button> '
        '<span class="cite-page-status" role="status"></span></p>\n'
        "</section>"
    )


def _person(name: Mapping[str, str]) -> str:
    return ", ".join(filter(None, (name.get("family"), name.get("given"))))


def _date(item: Mapping[str, Any], sep: str) -> str:
    parts = item.get("issued", {}).get("date-parts", [[]])[0]
    return sep.join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts))


def _reference_meta(item: Mapping[str, Any]) -> str:
    """One ``citation_reference`` value: Highwire fields joined by ``; ``."""
    fields = [("citation_title", item.get("title", ""))]
    fields += [("citation_author", _person(a)) for a in item.get("author", ())]
    journal = (
        "citation_journal_title" if item.get("type") == "article-journal" else "citation_publisher"
    )
    fields += [
        (journal, item.get("container-title", "")),
        ("citation_publication_date", _date(item, "/")),
        ("citation_volume", item.get("volume", "")),
        ("citation_issue", item.get("issue", "")),
        ("citation_firstpage", str(item.get("page", "")).split("-")[0].split(";")[0]),
        ("citation_doi", item.get("DOI", "")),
        ("citation_pmid", item.get("PMID", "")),
        ("citation_public_url", item.get("URL", "")),
    ]
    return "; ".join(f"{k}={str(v).replace(';', ',')}" for k, v in fields if str(v).strip())


def highwire_tags(page: PageInfo, works: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Google Scholar's ``citation_*`` meta tags for the page, as (name, content) pairs."""
    tags = [("citation_title", page.title), ("citation_author", page.editors)]
    if page.reviewed:
        tags.append(("citation_online_date", page.reviewed.replace("-", "/")))
    tags += [("citation_publisher", page.site_name), ("citation_public_url", page.url)]
    tags += [("citation_language", "en")]
    tags += [("citation_reference", _reference_meta(item)) for item in works]
    return tags


def _work(item: Mapping[str, Any]) -> dict[str, Any]:
    """A cited work as schema.org data."""
    work: dict[str, Any] = {
        "@type": "ScholarlyArticle" if item.get("type") == "article-journal" else "CreativeWork",
        "name": item.get("title", ""),
    }
    authors = [
        {"@type": "Person", **({"givenName": a["given"]} if a.get("given") else {}),
         "familyName": a.get("family", "")}
        for a in item.get("author", ())
    ]  # fmt: skip
    if authors:
        work["author"] = authors
    if item.get("issued"):
        work["datePublished"] = _date(item, "-")
    if item.get("container-title"):
        kind = "Periodical" if item.get("type") == "article-journal" else "CreativeWork"
        work["isPartOf"] = {"@type": kind, "name": item["container-title"]}
    if item.get("DOI"):
        work["sameAs"] = f"https://doi.org/{item['DOI']}"
    elif item.get("URL"):
        work["url"] = item["URL"]
    if item.get("PMID"):
        work["identifier"] = {"@type": "PropertyValue", "propertyID": "PMID", "value": item["PMID"]}
    return work


def _condition(condition: Condition) -> dict[str, Any]:
    data: dict[str, Any] = {"@type": "MedicalCondition", "name": condition.name}
    if condition.aliases:
        data["alternateName"] = list(condition.aliases)
    if condition.code:
        data["code"] = {"@type": "MedicalCode", "codeValue": condition.code,
                        "codingSystem": "ICD-10"}  # fmt: skip
    if condition.differential:
        data["differentialDiagnosis"] = [
            {
                "@type": "DDxElement",
                "diagnosis": {"@type": "MedicalCondition", "name": name},
                "distinguishingSign": {"@type": "MedicalSignOrSymptom", "name": sign},
            }
            for name, sign in condition.differential
        ]
    if condition.treatments:
        data["possibleTreatment"] = [
            {"@type": "MedicalTherapy", "name": name} for name in condition.treatments
        ]
    return data


def json_ld(
    page: PageInfo, works: Sequence[Mapping[str, Any]], condition: Condition | None
) -> dict[str, Any]:
    """The page as a schema.org ``MedicalWebPage``, about its condition if it has one."""
    data: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "MedicalWebPage",
        "name": page.title,
        "url": page.url,
        "inLanguage": "en",
        "isPartOf": {"@type": "WebSite", "name": page.site_name, "url": page.site_url},
        "reviewedBy": {"@type": "Organization", "name": page.editors},
    }
    if page.reviewed:
        data["lastReviewed"] = page.reviewed
    if condition is not None:
        data["about"] = _condition(condition)
    if works:
        data["citation"] = [_work(item) for item in works]
    return data


def head_html(
    page: PageInfo, works: Sequence[Mapping[str, Any]], condition: Condition | None
) -> str:
    """The tags that go in the page's ``<head>``: Scholar's, then the JSON-LD."""
    metas = "".join(
        f'<meta name="{name}" content="{html.escape(content)}">\n'
        for name, content in highwire_tags(page, works)
    )
    data = json.dumps(json_ld(page, works, condition), ensure_ascii=False, indent=1)
    # "</" would end the script element early.
    script = data.replace("</", "<\\/")
    return f'{metas}<script type="application/ld+json">\n{script}\n</script>\n'
