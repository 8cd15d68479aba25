"""Three what-ifs on the bibcite leg's output at one size: what that output costs MkDocs by itself.

From a benchmark corpus and the site its bibcite leg built, writes a project that writes the
same pages (``tests/test_whatif.py`` checks it for ``oracle`` and ``unrendered``); the first two
are built with the baseline's configuration (Material, search; no citation plugin):

- ``raw``: the Markdown already holds bibcite's final HTML: each citation group replaced by its
  rendered ``<span class="citation">`` (raw inline HTML), each page's References heading and list
  appended (a raw HTML block), the bibliography pages as Markdown files holding their lists. What
  a plugin rendering into the Markdown, rather than late (see README, "Design"), would cost.
  (A tooltip over several lines in a list item breaks Markdown's inline HTML: two pages of the
  large corpus differ.)
- ``oracle``: the corpus as the baseline has it, plus a hook that replaces each page's output by
  bibcite's, read from its site: the same files written, with no work to make them. The floor
  for any citation plugin with this output (less the search indexing of the bibliography, which
  sees a one-line page here).
- ``unrendered``: bibcite as it is (its configuration, its warm cache), except that a hook
  replaces its rendering (``on_post_page``) by bibcite's final page read from its site. What is
  left is what no way of rendering can remove (rendering in another process, or a cache of
  rendered pages, would at best make rendering free): the syntax in Python-Markdown, the
  bibliography's text for the search index, and the output.

    python benchmarks/whatif_output.py raw benchmarks/.work/large /tmp/raw
    (cd /tmp/raw && mkdocs build -q -f mkdocs.whatif.yml)

A measurement aid for BENCHMARKS.md; it assumes the corpus's simple Markdown (no code spans).
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

GROUP = re.compile(r"\[(@[^\[\]]*)\]")
RENDERED = re.compile(r'<span class="citation" id="cite-\d+">\[.*?\]</span>', re.DOTALL)
REFERENCES = re.compile(r'<ol class="references" data-search-exclude="">\n.*?</ol>', re.DOTALL)
BIBLIOGRAPHY = re.compile(r'<ol class="references bibliography">\n.*?</ol>', re.DOTALL)
HEADING = re.compile(r"<h1[^>]*>(.*?)<a class=\"headerlink\".*?</h1>", re.DOTALL)
ARTICLE = re.compile(r'<article class="md-content__inner md-typeset">(.*?)</article>', re.DOTALL)


def page_html(site: Path, src: str) -> str:
    """The article HTML bibcite wrote for the page ``src`` (``a/b.md`` -> ``a/b/index.html``)."""
    stem = src[: -len(".md")]
    out = site / ("index.html" if stem == "index" else f"{stem}/index.html")
    m = ARTICLE.search(out.read_text(encoding="utf-8"))
    if m is None:
        raise SystemExit(f"{out}: no article")
    return m.group(1)


def raw_page(markdown: str, article: str) -> str:
    """``markdown`` with its citations and reference list as bibcite rendered them."""
    rendered = RENDERED.findall(article)
    groups = GROUP.findall(markdown)
    if len(rendered) != len(groups):
        raise SystemExit(f"{len(groups)} groups in the source, {len(rendered)} rendered")
    spans = iter(rendered)
    text = GROUP.sub(lambda m: next(spans), markdown)
    listing = REFERENCES.search(article)
    if listing is not None:
        text += (
            '\n\n## References { #references data-search-exclude="" }\n\n' + listing.group(0) + "\n"
        )
    return text


def bibliography_pages(site: Path) -> list[Path]:
    """The bibcite leg's bibliography pages, in order."""
    parts = sorted(
        (site / "references").glob("part-*/index.html"), key=lambda p: int(p.parent.name[5:])
    )
    return [site / "references" / "index.html", *parts]


def bibliography_source(n: int) -> str:
    return "references.md" if n == 1 else f"references/part-{n}.md"


def with_hook(config: str, hook: str) -> str:
    """A corpus configuration (``config``, the YAML text) with the hook file ``hook`` added."""
    return config.replace("plugins:", f"hooks:\n  - {hook}\nplugins:", 1)


def write_config(corpus: Path, out: Path, parts: int, hook: str = "") -> None:
    """The baseline's configuration, the bibliography pages after the first out of the nav (as
    bibcite has them), and ``hook``, if any."""
    config = (corpus / "mkdocs.baseline.yml").read_text(encoding="utf-8")
    config = config.replace("baseline leg", "what-if (benchmarks/whatif_output.py)")
    if hook:
        config = with_hook(config, hook)
    not_in_nav = "".join(f"  /{bibliography_source(n)}\n" for n in range(2, parts + 1))
    config += "not_in_nav: |\n" + not_in_nav if not_in_nav else ""
    (out / "mkdocs.whatif.yml").write_text(config, encoding="utf-8")


def write_raw(corpus: Path, site: Path, out: Path) -> None:
    docs = corpus / "docs"
    for md in sorted(docs.rglob("*.md")):
        src = md.relative_to(docs).as_posix()
        target = out / "docs" / src
        target.parent.mkdir(parents=True, exist_ok=True)
        text = md.read_text(encoding="utf-8")
        if src != "all-references.md":
            text = raw_page(text, page_html(site, src))
        target.write_text(text, encoding="utf-8")
    pages = bibliography_pages(site)
    for n, path in enumerate(pages, start=1):
        article = ARTICLE.search(path.read_text(encoding="utf-8"))
        heading = HEADING.search(article.group(1)) if article else None
        if article is None or heading is None or not BIBLIOGRAPHY.search(article.group(1)):
            raise SystemExit(f"{path}: no bibliography list")
        body = article.group(1)[heading.end() :].strip()  # the introduction, links and list
        target = out / "docs" / bibliography_source(n)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"# {heading.group(1)}\n\n{body}\n", encoding="utf-8")
    write_config(corpus, out, len(pages))


ORACLE_HOOK = """\
\"\"\"What-if: each page's final HTML is already known (bibcite's), put in place at no cost.\"\"\"
import os

SITE = {site!r}


def on_post_page(output, page, config):
    with open(os.path.join(SITE, page.file.dest_uri), encoding="utf-8") as f:
        return f.read()
"""


def write_oracle(corpus: Path, site: Path, out: Path) -> None:
    shutil.copytree(corpus / "docs", out / "docs")
    pages = bibliography_pages(site)
    for n in range(1, len(pages) + 1):
        target = out / "docs" / bibliography_source(n)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("# References\n", encoding="utf-8")
    (out / "oracle_hook.py").write_text(
        ORACLE_HOOK.format(site=str(site.resolve())), encoding="utf-8"
    )
    write_config(corpus, out, len(pages), hook="oracle_hook.py")


UNRENDERED_HOOK = """\
\"\"\"What-if: bibcite, but rendering is free (each final page read from its site).\"\"\"
import os

SITE = {site!r}


def on_config(config):
    plugin = config.plugins["bibcite"]
    events = config.plugins.events["post_page"]
    for n, method in enumerate(events):
        if getattr(method, "__self__", None) is plugin:

            def post_page(output, *, page, config):
                plugin.pages.pop(page.file.src_uri, None)  # as bibcite does: memory comparable
                with open(os.path.join(SITE, page.file.dest_uri), encoding="utf-8") as f:
                    return f.read()

            events[n] = post_page
    return config
"""


def write_unrendered(corpus: Path, site: Path, out: Path) -> None:
    shutil.copytree(corpus / "docs", out / "docs")
    shutil.copy(corpus / "bibliography.bib", out / "bibliography.bib")
    if (corpus / ".cache").is_dir():  # warm: bibcite's cache as its warm leg has it
        shutil.copytree(corpus / ".cache", out / ".cache")
    (out / "unrendered_hook.py").write_text(
        UNRENDERED_HOOK.format(site=str(site.resolve())), encoding="utf-8"
    )
    config = with_hook((corpus / "mkdocs.yml").read_text(encoding="utf-8"), "unrendered_hook.py")
    (out / "mkdocs.whatif.yml").write_text(config, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("raw", "oracle", "unrendered"))
    ap.add_argument("corpus", type=Path, help="a corpus directory made by benchmarks/run.py")
    ap.add_argument("out", type=Path)
    ap.add_argument("--site", default="site-bibcite-warm", help="the bibcite leg's site dir")
    args = ap.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    write = {"raw": write_raw, "oracle": write_oracle, "unrendered": write_unrendered}[args.what]
    write(args.corpus, args.corpus / args.site, args.out)


if __name__ == "__main__":
    main()
