"""Nothing lost: every citation written in the sources reaches the real site, linked.

Sources: every ``[@...]`` group in the prose of ``docs/*.md`` and ``docs/subtypes/*.md`` (code
spans, fences, HTML comments and ``\\[@`` left out, as Markdown does), plus each subtype fact's
``cite`` list (rendered as one group in the at-a-glance box), and each row's ``cite`` of the
differential diagnosis and the treatments. For each page of a real strict build:

- the page shows exactly as many citation groups as its source has, with the same keys (in the
  same order for hand-written pages; generated subtype pages lay out summary, facts and body);
- each number of each group links (``href``) to an ``li`` of that page's reference list, and
  the ``li`` carries that number; no group shows an unknown key or an error;
- every key the source cites is in the page's reference list, on the References page, and the
  References page's "Cited on" links back to the page.

The source side is read here with a small scanner of its own (not the plugin's), so a citation
the plugin failed to find counts as lost.
"""

from __future__ import annotations

import html.parser
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from support import REPO

pytestmark = pytest.mark.slow

DOCS = REPO / "docs"
FACTS = ("age", "sex", "calcium", "phosphate", "sites", "associations")
_GROUP = re.compile(r"(?<!\\)\[(@[^\[\]]*)\](?!\()")
_KEY = re.compile(r"@([A-Za-z0-9_](?:[A-Za-z0-9_:.\-]*[A-Za-z0-9_])?)")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


# --- the sources -------------------------------------------------------------------------------


def mask_code(markdown: str) -> str:
    """The Markdown with fenced code, code spans and HTML comments blanked out."""
    out: list[str] = []
    fence: str | None = None
    for line in markdown.splitlines():
        m = _FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)
            out.append("")
        elif fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            out.append("")
        else:
            out.append(line)
    text = "\n".join(out)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    return re.sub(r"(`+)(?:(?!\1).)+?\1", "", text)


def groups_in(markdown: str) -> list[tuple[str, ...]]:
    """The keys of each citation group, in order (a key repeated in a group counts once)."""
    return [
        tuple(dict.fromkeys(_KEY.findall(m.group(1)))) for m in _GROUP.finditer(mask_code(markdown))
    ]


@dataclass(frozen=True)
class Source:
    path: Path
    page: str  # the built page, relative to the site
    groups: tuple[tuple[str, ...], ...]
    ordered: bool  # the page shows the groups in source order


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    _, front, body = text.split("---\n", 2)
    data = yaml.safe_load(front)
    assert isinstance(data, dict)
    return data, body


def subtype_groups(path: Path) -> list[tuple[str, ...]]:
    data, body = split_front_matter(path.read_text(encoding="utf-8"))
    groups = groups_in(str(data["summary"]))
    facts = data["facts"]
    assert isinstance(facts, dict)
    for key in FACTS:
        fact = facts.get(key)
        if fact:
            groups += groups_in(str(fact.get("text", "")) + " " + str(fact.get("note", "")))
            groups.append(tuple(dict.fromkeys(fact["cite"])))
    for field_name in ("differential", "treatments"):  # each row's cite is one group
        rows = data.get(field_name) or []
        assert isinstance(rows, list)
        groups += [tuple(dict.fromkeys(row["cite"])) for row in rows]
    return groups + groups_in(body)


def page_of(md: Path) -> str:
    rel = md.relative_to(DOCS).with_suffix("")
    return "index.html" if rel.name == "index" else f"{rel.as_posix()}/index.html"


def sources() -> list[Source]:
    # Pages that are a marker for generated content (the bibliography, the classification
    # overview) have no hand-written citations to compare; their content is tested elsewhere.
    out = [
        Source(md, page_of(md), tuple(groups_in(text)), True)
        for md in sorted(DOCS.glob("*.md"))
        if "::bibliography::" not in (text := md.read_text(encoding="utf-8"))
        and "::classification::" not in text
    ]
    out += [
        Source(md, page_of(md), tuple(subtype_groups(md)), False)
        for md in sorted((DOCS / "subtypes").glob("*.md"))
    ]
    return out


SOURCES = sources()


# --- the built pages ---------------------------------------------------------------------------


@dataclass
class Group:
    refs: list[tuple[str, str]] = field(default_factory=list)  # (shown number or range, href)
    classes: list[str] = field(default_factory=list)  # classes of the elements inside


@dataclass
class PageParser(html.parser.HTMLParser):
    """Citation groups (``span.citation``) and reference list items of a page's article."""

    groups: list[Group] = field(default_factory=list)
    items: dict[str, int] = field(default_factory=dict)  # li id -> value, page's reference list
    cited_on: dict[str, list[str]] = field(default_factory=dict)  # li id -> hrefs (References)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._depth = 0  # > 0 inside a citation group
        self._ref: tuple[str, list[str]] | None = None  # href, text of the current number
        self._li: str | None = None
        self._in_list = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if self._depth:
            self._depth += tag == "span"
            self.groups[-1].classes += classes
            if "citation-ref" in classes:
                self._ref = (a.get("href", ""), [])
        elif tag == "span" and "citation" in classes:
            self._depth = 1
            self.groups.append(Group(classes=list(classes)))
        if tag == "ol" and "references" in classes:
            self._in_list = True
        if tag == "li" and self._in_list and a.get("id", "").startswith("ref-"):
            self._li = a["id"]
            self.items[self._li] = int(a.get("value", "0"))
            self.cited_on[self._li] = []
        if tag == "a" and self._li and {"cited-on-page", "cited-on-spot"} & set(classes):
            self.cited_on[self._li].append(a.get("href", ""))

    def handle_endtag(self, tag: str) -> None:
        if self._ref is not None and tag in ("a", "span"):
            href, text = self._ref
            self.groups[-1].refs.append(("".join(text), href))
            self._ref = None
        if self._depth and tag == "span":
            self._depth -= 1
        if tag == "ol":
            self._in_list = False

    def handle_data(self, data: str) -> None:
        if self._ref is not None:
            self._ref[1].append(data)


def parse_page(markup: str) -> PageParser:
    parser = PageParser()
    parser.feed(markup)
    parser.close()
    return parser


def numbers(shown: str) -> list[int]:
    lo, _, hi = shown.partition("\u2013")
    return list(range(int(lo), int(hi or lo) + 1))


@dataclass(frozen=True)
class Site:
    root: Path
    keys: tuple[str, ...]  # the .bib's keys in file order (global number = position + 1)

    def article(self, page: str) -> str:
        text = (self.root / page).read_text(encoding="utf-8")
        start = text.index('<article class="md-content__inner md-typeset">')
        return text[start : text.index("</article>", start)]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    out = tmp_path_factory.mktemp("nothing-lost") / "site"
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    bib = (REPO / "bibliography.bib").read_text(encoding="utf-8")
    keys = tuple(re.findall(r"^@\w+\{([^,\s]+),", bib, flags=re.MULTILINE))
    return Site(out, keys)


def rendered_groups(site: Site, page: str) -> tuple[PageParser, list[tuple[str, ...]]]:
    """The page's groups as the keys they link to, checking each number against the list."""
    parsed = parse_page(site.article(page))
    by_number = {value: li.removeprefix("ref-") for li, value in parsed.items.items()}
    out = []
    for i, group in enumerate(parsed.groups, start=1):
        bad = {"citation-error", "citation-unknown"} & set(group.classes)
        assert not bad, f"{page}: group {i} is shown as {bad}"
        keys: list[str] = []
        for shown, href in group.refs:
            run = numbers(shown)
            for n in run:
                assert n in by_number, f"{page}: group {i} shows {n}, not in the page's list"
                keys.append(by_number[n])
            first = by_number[run[0]]
            assert href == f"#ref-{first}", f"{page}: group {i}: {shown} links to {href}"
            assert site.keys.index(first) + 1 == run[0], f"{page}: {first} is not number {run[0]}"
        assert keys, f"{page}: group {i} links to nothing"
        out.append(tuple(keys))
    return parsed, out


def canonical(groups: list[tuple[str, ...]] | tuple[tuple[str, ...], ...]) -> list[frozenset[str]]:
    return [frozenset(g) for g in groups]


# --- the tests ---------------------------------------------------------------------------------


def test_the_sources_cite() -> None:
    """Guards the scanner: the real sources have many groups, on every content page."""
    assert sum(len(s.groups) for s in SOURCES) > 200
    assert len([s for s in SOURCES if s.groups]) >= 15


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.path.relative_to(DOCS).as_posix())
def test_every_citation_reaches_its_page(site: Site, source: Source) -> None:
    parsed, shown = rendered_groups(site, source.page)
    written = canonical(source.groups)
    if source.ordered:
        assert canonical(shown) == written, f"{source.page}: groups differ from the source"
    else:
        missing = Counter(written) - Counter(canonical(shown))
        extra = Counter(canonical(shown)) - Counter(written)
        assert not missing and not extra, f"{source.page}: lost {missing}, invented {extra}"
    cited = {k for g in source.groups for k in g}
    listed = {li.removeprefix("ref-") for li in parsed.items}
    assert listed == cited, f"{source.page}: reference list {listed ^ cited} differs"
    for key in cited:
        assert parsed.items[f"ref-{key}"] == site.keys.index(key) + 1


def test_every_cited_entry_is_on_the_references_page(site: Site) -> None:
    parsed = parse_page(site.article("references/index.html"))
    assert [li.removeprefix("ref-") for li in parsed.items] == list(site.keys)
    for source in SOURCES:
        url = "../" + source.page.removesuffix("index.html")
        for key in {k for g in source.groups for k in g}:
            links = parsed.cited_on[f"ref-{key}"]
            assert any(href.split("#")[0] == url for href in links), (
                f"References: {key} does not link back to {source.page} ({links})"
            )


def test_every_number_on_every_page_resolves(site: Site) -> None:
    """Generated pages too (classification, References): no number points nowhere."""
    pages = sorted(p.relative_to(site.root).as_posix() for p in site.root.rglob("index.html"))
    checked = 0
    for page in pages:
        _, groups = rendered_groups(site, page)
        checked += len(groups)
    assert checked > 200
