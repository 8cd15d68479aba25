"""Deterministic synthetic corpus for the build benchmarks: a complete mini MkDocs project.

``generate(out, pages, entries, cites)`` writes, from a seeded RNG (same arguments, same bytes):

- ``bibliography.bib``: ``entries`` BibTeX entries with realistic fields (several authors, some
  ``and others``, LaTeX accents such as ``M{\\"u}ller``, ``von`` parts, ``{ACRONYM}`` braces,
  ``\\&``, ``--`` page ranges, month macros and names, volumes, issues, DOIs under the ``10.5555``
  test prefix; mostly articles, also books, chapters, proceedings and web pages);
- ``docs/``: ``index.md`` and ``pages`` pages in ``part-NN/`` folders, each with headings,
  paragraphs, a list and an admonition, and ``cites`` citation groups: single ``[@key]`` and
  grouped ``[@a; @b]``, each a key drawn mostly from the page's own neighbourhood of the
  bibliography, sometimes from anywhere (popular references are cited on many pages);
  ``docs/all-references.md`` holds ``\\full_bibliography`` for the mkdocs-bibtex leg only (bibcite
  generates its own References page; the other legs exclude this file);
- three configurations sharing all of it, one per benchmark leg, each theme ``material`` with
  ``font: false`` and ``navigation.prune``: ``mkdocs.yml`` (bibcite), ``mkdocs.baseline.yml``
  (no citation plugin: citations stay plain text) and ``mkdocs.bibtex.yml`` (mkdocs-bibtex).

Run ``python benchmarks/corpus.py OUT --pages 10 --entries 34 --cites 10`` or ``--size small``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

#: Bumped whenever the generated files change, so stale corpora are regenerated.
GENERATOR_VERSION = "2"
PAGES_PER_PART = 50
GROUPED_SHARE = 0.3  # share of citation groups citing 2-4 keys
LOCAL_SHARE = 0.75  # share of keys drawn from the page's neighbourhood of the bibliography
FULL_BIB_PAGE = "all-references.md"


@dataclass(frozen=True)
class Size:
    pages: int
    entries: int
    cites: int  # citation groups per page


SIZES: dict[str, Size] = {
    "small": Size(10, 34, 10),
    "middle": Size(200, 2000, 20),
    "large": Size(1000, 10000, 20),
}


@dataclass(frozen=True)
class CorpusInfo:
    """What was written (also saved as ``corpus.json``)."""

    pages: int
    entries: int
    cites: int
    seed: int
    generator: str
    citation_groups: int
    citations: int
    distinct_keys_cited: int


# --- names: (LaTeX as in the .bib, ASCII for keys) ------------------------------------------
_LAST: tuple[tuple[str, str], ...] = (
    ('M{\\"u}ller', "muller"), ('Schr{\\"o}der', "schroder"), ("Garc{\\'\\i}a", "garcia"),
    ("Jim{\\'e}nez", "jimenez"), ("Nu{\\~n}ez", "nunez"), ("Fran{\\c{c}}ois", "francois"),
    ("Dvo{\\v{r}}{\\'a}k", "dvorak"), ('{\\AA}str{\\"o}m', "astrom"), ("S{\\o}rensen", "sorensen"),
    ("Gro{\\ss}", "gross"), ("L{\\'o}pez", "lopez"), ("Erd{\\H{o}}s", "erdos"),
    ("{\\c{C}}elik", "celik"), ("Ko{\\v{s}}ir", "kosir"), ("Le{\\'o}n", "leon"),
    ("Smith", "smith"), ("Chen", "chen"), ("Nakamura", "nakamura"), ("Okafor", "okafor"),
    ("Kowalski", "kowalski"), ("Rossi", "rossi"), ("O'Brien", "obrien"), ("Patel", "patel"),
    ("Kim", "kim"), ("Nguyen", "nguyen"), ("Johansson", "johansson"), ("Ivanova", "ivanova"),
    ("Haddad", "haddad"), ("Silva", "silva"), ("Andersen", "andersen"), ("Tanaka", "tanaka"),
    ("Moreau", "moreau"), ("Fischer", "fischer"), ("Walsh", "walsh"), ("Mensah", "mensah"),
    ("Zhang", "zhang"), ("Costa", "costa"), ("Ahmed", "ahmed"), ("Novak", "novak"),
    ("Bianchi", "bianchi"), ("Lindqvist", "lindqvist"), ("Dubois", "dubois"), ("Yilmaz", "yilmaz"),
    ("Hern{\\'a}ndez-Ruiz", "hernandezruiz"), ("Weber", "weber"), ("Kaur", "kaur"),
)  # fmt: skip
_VON: tuple[tuple[str, str], ...] = (("van der", "van der"), ("de", "de"), ("von", "von"))
_FIRST: tuple[str, ...] = (
    "Hans", "Ana Mar{\\'\\i}a", "J. R.", "Fran{\\c{c}}oise", "Ji{\\v{r}}{\\'\\i}", "Wei",
    "Yuki", "Chidi", "Piotr", "Giulia", "Sean", "Priya", "Min-jun", "Linh", "Erik", "Olga",
    "Karim", "Jo{\\~a}o", "Mette", "Hiro", "Claire", "Stefan", "Aoife", "Kwame", "Mei",
    "Luc{\\'\\i}a", "Omar", "Tom{\\'a}{\\v{s}}", "Elena", "Bj{\\\"o}rn", "M. K.", "A.",
)  # fmt: skip
_CORPORATE = ("{World Health Organization}", "{European Calcification Study Group}")

# --- titles and venues (own words; no real publication) -------------------------------------
_ADJ = (
    "dystrophic", "metastatic", "idiopathic", "iatrogenic", "calcifying", "chronic", "juvenile",
    "subcutaneous", "cutaneous", "ulcerative", "extensive", "localized", "recurrent", "rare",
)  # fmt: skip
_NOUN = (
    "calcinosis", "calcification", "panniculitis", "nodules", "deposits", "lesions",
    "mineralization", "plaques", "calciphylaxis", "ossification",
)  # fmt: skip
_CONTEXT = (
    "in {SLE}", "in juvenile dermatomyositis", "after liver transplantation",
    "in systemic sclerosis", "in chronic kidney disease", "after calcium gluconate infusion",
    "in {CREST} syndrome",
    "in children", "in adults", "in {Down} syndrome", "after trauma", "in hemodialysis patients",
    "on {MRI} and {CT}", "with normal serum calcium", "of the fingertips",
)  # fmt: skip
_KIND = (
    "a case report", "a retrospective cohort", "a systematic review", "a series of 12 patients",
    "a randomized trial", "clinical features and outcomes", "a review", "a pilot study",
    "report of two cases", "a 10-year experience",
)  # fmt: skip
_TREAT = (
    "diltiazem", "sodium thiosulfate", "bisphosphonates", "minocycline", "surgical excision",
    "extracorporeal shock wave lithotripsy", "topical treatment", "warfarin", "colchicine",
)  # fmt: skip
_JOURNAL = (
    "Journal of Synthetic Dermatology", "Archives of Imaginary Medicine",
    "Clinical and Experimental Rheumatology Reports", "Pediatric Skin \\& Bone",
    "Acta Dermato-Fictiva", "Bench Nephrology", "Dermatologic Surgery Quarterly",
    "International Journal of Benchmark Studies", "Calcified Tissue Letters",
    "Journal of Cutaneous Pathology and Imaging",
)  # fmt: skip
_PUBLISHER = (("Example Medical Press", "London"), ("Benchmark Academic", "New York"),
              ("Springer-Fictional", "Berlin"), ("{\\'E}ditions Test", "Paris"))  # fmt: skip
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = ("January", "March", "June", "September", "November")

# --- page text -------------------------------------------------------------------------------
_SUBJ = (
    "Calcium deposits in the dermis", "The dystrophic form", "Metastatic calcification",
    "Idiopathic disease in children", "Iatrogenic calcinosis", "Tumoral calcinosis",
    "The lesion", "Serum phosphate", "Plain radiography", "Ultrasonography", "Histology",
    "Surgical excision", "Topical therapy", "Intralesional treatment", "The course",
)  # fmt: skip
_VERB = (
    "is usually associated with", "was reported in", "may follow", "often presents with",
    "rarely causes", "responds poorly to", "can be confirmed by", "is distinguished from",
    "was described after", "has been treated with", "tends to resolve after",
)  # fmt: skip
_OBJ = (
    "connective tissue disease", "firm white papules", "normal calcium and phosphate levels",
    "ulceration and pain", "extravasation of calcium salts", "a von Kossa stain",
    "repeated heel sticks in neonates", "chronic kidney disease", "local tissue damage",
    "several months of therapy", "limited joint mobility", "secondary infection",
)  # fmt: skip
_HEADINGS = (
    "Background", "Clinical presentation", "Laboratory findings", "Imaging", "Histopathology",
    "Differential diagnosis", "Management", "Prognosis", "Case notes", "Open questions",
)  # fmt: skip


def _person(rng: random.Random) -> tuple[str, str]:
    """(BibTeX name, ASCII surname)."""
    last, ascii_last = rng.choice(_LAST)
    first = rng.choice(_FIRST)
    if rng.random() < 0.05:
        von, ascii_von = rng.choice(_VON)
        return f"{von} {last}, {first}", f"{ascii_von.replace(' ', '')}{ascii_last}"
    return f"{last}, {first}", ascii_last


def _authors(rng: random.Random) -> tuple[str, str]:
    """(author field, ASCII surname of the first author)."""
    if rng.random() < 0.02:
        corp = rng.choice(_CORPORATE)
        return corp, corp.strip("{}").split()[0].lower()
    n = rng.choices((1, 2, 3, 4, 5, 6, 8), weights=(10, 20, 22, 18, 12, 10, 8))[0]
    people = [_person(rng) for _ in range(n)]
    names = [p[0] for p in people]
    if n >= 6 and rng.random() < 0.5:
        names = [*names[:3], "others"]
    return " and ".join(names), people[0][1]


def _title(rng: random.Random) -> tuple[str, str]:
    """(title, first significant word in ASCII for the key)."""
    form = rng.randrange(4)
    adj, noun = rng.choice(_ADJ), rng.choice(_NOUN)
    if form == 0:
        t = f"{adj.capitalize()} {noun} {rng.choice(_CONTEXT)}: {rng.choice(_KIND)}"
    elif form == 1:
        t = f"Treatment of {adj} {noun} with {rng.choice(_TREAT)}: {rng.choice(_KIND)}"
    elif form == 2:
        y0 = rng.randrange(1990, 2012)
        t = f"{noun.capitalize()} {rng.choice(_CONTEXT)}, {y0}--{y0 + rng.randrange(3, 12)}"
    else:
        t = f"{adj.capitalize()} {noun}: {rng.choice(_KIND)}"
    return t, adj if form != 2 else noun


def _entry(rng: random.Random, i: int, keys: set[str]) -> tuple[str, str]:
    """One BibTeX entry: (key, text)."""
    etype = rng.choices(
        ("article", "book", "incollection", "inproceedings", "online"), weights=(80, 6, 6, 6, 2)
    )[0]
    author, surname = _authors(rng)
    title, word = _title(rng)
    year = rng.randrange(1975, 2025)
    key = f"{surname}{year}{word}"
    base, suffix = key, 0
    while key in keys:
        suffix += 1
        key = f"{base}{chr(ord('a') + (suffix - 1) % 26)}{(suffix - 1) // 26 or ''}"
    keys.add(key)
    fields: list[tuple[str, str]] = [("author", f"{{{author}}}"), ("title", f"{{{title}}}")]
    start = rng.randrange(1, 1800)
    pages = rng.choice(
        (f"{start}--{start + rng.randrange(1, 14)}", f"{start}--{start + rng.randrange(1, 5)}",
         f"e{rng.randrange(1000, 99999)}", f"S{rng.randrange(1, 99)}")
    )  # fmt: skip
    if etype == "article":
        fields += [("journal", f"{{{rng.choice(_JOURNAL)}}}"), ("year", f"{{{year}}}")]
        fields.append(("volume", f"{{{rng.randrange(1, 160)}}}"))
        if rng.random() < 0.8:
            fields.append(("number", f"{{{rng.randrange(1, 13)}}}"))
        fields.append(("pages", f"{{{pages}}}"))
        month_roll = rng.random()
        if month_roll < 0.45:
            fields.append(("month", rng.choice(_MONTHS)))  # a BibTeX macro, unbraced
        elif month_roll < 0.55:
            fields.append(("month", f"{{{rng.choice(_MONTH_NAMES)}}}"))
    elif etype == "book":
        publisher, address = rng.choice(_PUBLISHER)
        fields += [("publisher", f"{{{publisher}}}"), ("address", f"{{{address}}}"),
                   ("year", f"{{{year}}}")]  # fmt: skip
        if rng.random() < 0.4:
            fields.append(("edition", f"{{{rng.choice(('2nd', '3rd', '5th'))}}}"))
    elif etype in ("incollection", "inproceedings"):
        editor = " and ".join(_person(rng)[0] for _ in range(rng.randrange(1, 3)))
        publisher, address = rng.choice(_PUBLISHER)
        book = ("Proceedings of the {" + str(rng.randrange(5, 40)) + "th} Meeting on Skin Disease"
                if etype == "inproceedings" else f"Textbook of {rng.choice(_NOUN)}")  # fmt: skip
        fields += [("booktitle", f"{{{book}}}"), ("editor", f"{{{editor}}}"),
                   ("publisher", f"{{{publisher}}}"), ("address", f"{{{address}}}"),
                   ("year", f"{{{year}}}"), ("pages", f"{{{pages}}}")]  # fmt: skip
    else:
        seen = f"{min(year + 1, 2025)}-0{rng.randrange(1, 10)}-1{rng.randrange(10)}"
        fields += [
            ("year", f"{{{year}}}"),
            ("url", f"{{https://example.org/bench/{key}}}"),
            ("urldate", f"{{{seen}}}"),
        ]
    if etype != "online" and rng.random() < 0.7:
        fields.append(("doi", f"{{10.5555/bench.{year}.{i:05d}}}"))
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return key, f"@{etype}{{{key},\n{body}\n}}\n"


def _pick_keys(rng: random.Random, keys: Sequence[str], centre: int, n: int) -> list[str]:
    """``n`` distinct keys: most near ``centre`` (the page's topic), some popular ones."""
    m = len(keys)
    window = max(20, min(m, 60))
    chosen: list[str] = []
    while len(chosen) < min(n, m):
        if rng.random() < LOCAL_SHARE:
            j = (centre + rng.randrange(window) - window // 2) % m
        else:
            j = min(int(rng.paretovariate(1.0)) - 1, m - 1)  # heavy tail: a few popular keys
            j = (j * 7919) % m  # spread the popular ones over the file
        if keys[j] not in chosen:
            chosen.append(keys[j])
    return chosen


def _sentence(rng: random.Random) -> str:
    return f"{rng.choice(_SUBJ)} {rng.choice(_VERB)} {rng.choice(_OBJ)}"


def _page(rng: random.Random, number: int, keys: Sequence[str], cites: int,
          centre: int) -> tuple[str, int, int, set[str]]:  # fmt: skip
    """Markdown of one page: (text, groups, citations, keys cited)."""
    groups: list[str] = []
    cited: set[str] = set()
    n_cit = 0
    for _ in range(cites):
        size = 1 if rng.random() >= GROUPED_SHARE else rng.randrange(2, 5)
        ks = _pick_keys(rng, keys, centre, size)
        cited.update(ks)
        n_cit += len(ks)
        groups.append("[" + "; ".join(f"@{k}" for k in ks) + "]")
    # Sentences: about two per citation group, at least 30; groups go at the end of some.
    n_sent = max(30, 2 * cites)
    slots = sorted(rng.sample(range(n_sent), min(cites, n_sent)))
    marks = dict(zip(slots, groups, strict=True))
    sentences = [
        _sentence(rng) + (f" {marks[s]}" if s in marks else "") + "." for s in range(n_sent)
    ]
    title = f"{rng.choice(_ADJ).capitalize()} {rng.choice(_NOUN)}, topic {number}"
    out = [f"# {title}\n", " ".join(sentences[:3]) + "\n"]
    pos = 3
    headings = rng.sample(_HEADINGS, 4)
    per_section = (n_sent - pos) // 4
    for h, heading in enumerate(headings):
        end = n_sent if h == 3 else pos + per_section
        chunk = sentences[pos:end]
        pos = end
        out.append(f"## {heading}\n")
        if h == 1 and len(chunk) >= 6:
            out.append("\n".join(f"- {s}" for s in chunk[:4]) + "\n")
            chunk = chunk[4:]
        if h == 2 and len(chunk) >= 4:
            out.append('!!! note "Key point"\n\n    ' + " ".join(chunk[:2]) + "\n")
            chunk = chunk[2:]
        for i in range(0, len(chunk), 4):
            out.append(" ".join(chunk[i : i + 4]) + "\n")
    return "\n".join(out), len(groups), n_cit, cited


def _config(size: Size, leg: str) -> str:
    head = f"""\
# Generated by benchmarks/corpus.py: {leg} leg. Do not edit.
site_name: "Benchmark: {size.pages} pages, {size.entries} entries, {size.cites} citations/page"
site_url: https://example.org/bench/
theme:
  name: material
  font: false
  features:
    - navigation.prune
markdown_extensions:
  - admonition
  - attr_list
  - footnotes
  - tables
  - toc:
      permalink: true
"""
    exclude = f"exclude_docs: {FULL_BIB_PAGE}\n"
    plugins = "plugins:\n  - search\n"
    if leg == "bibcite":
        head += "  - bibcite:\n      bibliography: bibliography.bib\n      numbering: global\n"
        plugins += "  - bibcite\n"
    elif leg == "bibtex":
        plugins += "  - bibtex:\n      bib_file: bibliography.bib\n"
        exclude = ""
    return head + exclude + plugins


CONFIG_FILES = {"bibcite": "mkdocs.yml", "baseline": "mkdocs.baseline.yml",
                "bibtex": "mkdocs.bibtex.yml"}  # fmt: skip


def generate(out: str | Path, pages: int, entries: int, cites: int, seed: int = 0) -> CorpusInfo:
    """Write the corpus into ``out`` (its ``docs/`` is replaced). Same arguments, same bytes."""
    if pages < 1 or entries < 1 or cites < 0:
        raise ValueError("need pages >= 1, entries >= 1, cites >= 0")
    root = Path(out)
    rng = random.Random(f"bibcite-bench-{GENERATOR_VERSION}-{seed}")
    size = Size(pages, entries, cites)
    keys_seen: set[str] = set()
    bib = [f"% Synthetic bibliography for benchmarks (seed {seed}); no real publication.\n"]
    keys: list[str] = []
    for i in range(entries):
        key, text = _entry(rng, i, keys_seen)
        keys.append(key)
        bib.append(text)
    docs = root / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    docs.mkdir(parents=True)
    n_groups = n_cit = 0
    cited: set[str] = set()
    parts: dict[int, list[str]] = {}
    for p in range(pages):
        centre = (p * entries) // pages
        text, g, c, ks = _page(rng, p + 1, keys, cites, centre)
        n_groups, n_cit = n_groups + g, n_cit + c
        cited |= ks
        part = p // PAGES_PER_PART + 1
        rel = f"part-{part:02d}/page-{p + 1:04d}.md"
        parts.setdefault(part, []).append(rel)
        _write(docs / rel, text)
    index = ["# Benchmark corpus\n", f"{pages} pages in {len(parts)} parts, {entries} BibTeX "
             f"entries, {cites} citation groups a page.\n"]  # fmt: skip
    for part, rels in parts.items():
        index.append(f"- [Part {part}]({rels[0]}) ({len(rels)} pages)")
    _write(docs / "index.md", "\n".join(index) + "\n")
    _write(docs / FULL_BIB_PAGE, "# All references\n\n\\full_bibliography\n")
    # bibcite's bibliography page (plain text in the other legs: the same Markdown to convert)
    _write(docs / "references.md", "# References\n\n::bibliography::\n")
    _write(root / "bibliography.bib", "\n".join(bib))
    for leg, name in CONFIG_FILES.items():
        _write(root / name, _config(size, leg))
    info = CorpusInfo(pages, entries, cites, seed, GENERATOR_VERSION, n_groups, n_cit, len(cited))
    _write(root / "corpus.json", json.dumps(asdict(info), indent=2) + "\n")
    return info


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("out", type=Path, help="directory to write the project into")
    ap.add_argument("--size", choices=sorted(SIZES), help="a preset (pages, entries, cites)")
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--entries", type=int, default=34)
    ap.add_argument("--cites", type=int, default=10, help="citation groups per page")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    size = SIZES[args.size] if args.size else Size(args.pages, args.entries, args.cites)
    info = generate(args.out, size.pages, size.entries, size.cites, args.seed)
    print(json.dumps(asdict(info)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
