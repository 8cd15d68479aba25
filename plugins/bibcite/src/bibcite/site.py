"""Stage 3b: everything pages need, made once per build from the sources and the cache.

:func:`load_site` reads the .bib files and every page's Markdown, and returns a :class:`Site`:
each entry formatted once, every page's citations (:mod:`bibcite.index`) and the site-wide
problems. The cache (:mod:`bibcite.store`) keeps the formatted bibliography by the files'
bytes, each formatted entry by its content, and each page's citations by its text, so a
build after an edit formats and scans only what changed, and one with nothing changed
neither parses the .bib nor formats an entry.
"""

from __future__ import annotations

import difflib
import gc
import importlib.util
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, entry_points, version
from pathlib import Path
from typing import TYPE_CHECKING

from bibcite.bibtext import read_text, scan_keys
from bibcite.host import SiteConfig
from bibcite.index import PageRecord, SiteIndex, make_index, scan_page
from bibcite.numbering import Numbering
from bibcite.problems import Problem, Severity
from bibcite.reference import Reference
from bibcite.store import Store, digest
from bibcite.syntax import locate, parse_citation

if TYPE_CHECKING:  # imported when a .bib is parsed (pybtex): see _parse_and_format
    from bibcite.bibliography import Bibliography

#: (source path relative to the docs folder, its text) -> the Markdown bibcite sees; see
#: :func:`bibcite.register_page_source`.
PageSource = Callable[[str, str], str]

#: The cache's folder unless configured: beside ``.pytest_cache`` and the like, outside Zensical's
#: ``.cache/``, which ``zensical build --clean`` deletes with everything in it.
DEFAULT_CACHE_DIR = ".bibcite_cache"


@dataclass(frozen=True)
class Settings:
    """The extension's options (see the README).

    bibliography: the .bib files, relative to the project folder.
    numbering: global (by position in the files) or page (by first citation on each page).
    style: a pybtex formatting style. references_title: the heading of each reference list.
    cache_dir: where the cache lives, relative to the project folder ("" for none); not under
    ``.cache/``, which ``zensical build --clean`` deletes whole.
    badges: (field, label) pairs shown after each reference that has the field (``{}`` in the
    label is the field's value), e.g. ``("evidence", "{}")``.
    export: readers can download the references as BibTeX and RIS (each page's, each entry's
    on the bibliography, and the whole bibliography).
    """

    bibliography: tuple[str, ...]
    numbering: Numbering = Numbering.GLOBAL
    style: str = "medscape"
    references_title: str = "References"
    cache_dir: str = DEFAULT_CACHE_DIR
    badges: tuple[tuple[str, str], ...] = ()
    export: bool = False


@dataclass(frozen=True)
class Site:
    """What every page of one build shares.

    refs: every entry, formatted, by key, in bibliography order.
    index: every page's citations (None without a site: plain Markdown use).
    problems: the site-wide problems (the .bib files, unknown keys, uncited entries).
    parsed: whether the .bib files were parsed (not taken from the cache).
    formatted: how many entries were run through the style.
    known: the keys of the entries (while ``pending``, from a scan of the files' text).
    pending: the worker parsing and formatting the .bib files, if one is (see
    :func:`load_site`): ``refs`` is empty and ``problems`` has the cache's only, until
    :func:`complete` is given the site.
    """

    refs: Mapping[str, Reference]
    index: SiteIndex | None
    problems: tuple[Problem, ...]
    parsed: bool = False
    formatted: int = 0
    known: frozenset[str] = frozenset()
    pending: Future[_Parsed] | None = field(default=None, compare=False, repr=False)

    @property
    def failed(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)

    def page(self, path: str) -> PageRecord | None:
        """The index's record of the page whose source is ``path``; None without one."""
        return self.index.pages.get(path) if self.index else None


def _code_version() -> str:
    try:
        return version("bibcite")
    except PackageNotFoundError:  # run from a source tree
        return "source"


def style_key(style: str) -> str | None:
    """A digest of the code that formats and stores entries: bibcite's and pybtex's versions,
    the style's module source and bibcite's. None if no such style is installed."""
    found = [e for e in entry_points(group="pybtex.style.formatting") if e.name == style]
    if not found:
        return None
    module = found[0].value.split(":")[0]
    # The style's source and ours: what formats the entries and what stores them.
    sources = _sources(module, "bibcite.formatting", "bibcite.entry_data", "bibcite.site")
    return digest(_code_version(), version("pybtex"), found[0].value, *sources)


def _sources(*modules: str) -> list[bytes]:
    """The source of each module, for cache keys that change when the code does."""
    return [
        Path(spec.origin).read_bytes()
        for name in modules
        if (spec := importlib.util.find_spec(name)) and spec.origin
    ]


#: From this many entries on, a build started with ``background`` parses and formats the .bib
#: in a worker process while the engine converts pages (BENCHMARKS.md: at 2000 entries, pybtex
#: takes as long as the rest of the build; at 34, starting a process costs more than it saves).
WORKER_MIN_ENTRIES = 500
#: How long a build waits for its worker before doing the work itself.
WORKER_TIMEOUT_S = 600.0


def load_site(
    settings: Settings,
    config: SiteConfig | None,
    page_sources: Sequence[PageSource] = (),
    store: Store | None = None,
    background: bool = False,
) -> Site:
    """Load the bibliography and, with a site, index its pages. Never raises on bad input.

    ``background``: the caller needs only the keys until it calls :func:`complete` (the MkDocs
    adapter renders late), so a large .bib missing from the cache is parsed in a worker."""
    project = config.project_dir if config else Path(".")
    store = store or Store(project / settings.cache_dir if settings.cache_dir else None)
    job, parsed, problems = _prepare(settings, project, store)
    pending: Future[_Parsed] | None = None
    if job is not None and background and job.entries >= WORKER_MIN_ENTRIES:
        pending = _start_worker(job)
    elif job is not None:
        parsed = _parse_and_format(job, store)
    index = _index(config.docs_dir, page_sources, store) if config is not None else None
    if store.error:
        problems.append(Problem(settings.cache_dir, 0, 0, store.error,
                                "The build goes on without it; check the folder"))  # fmt: skip
    if pending is not None:
        return Site({}, index, tuple(problems), known=job.known if job else frozenset(),
                    pending=pending)  # fmt: skip
    return _site(parsed, index, problems, settings, config)


def complete(site: Site, settings: Settings, config: SiteConfig | None) -> Site:
    """``site`` with its worker's result: the entries, every problem, the page checks. A worker
    that fails or takes too long is replaced by the same work in this process, and said so."""
    if site.pending is None:
        return site
    problems = list(site.problems)
    try:
        parsed = site.pending.result(timeout=WORKER_TIMEOUT_S)
    except Exception as exc:  # a broken pool, a timeout, an error in the worker
        project = config.project_dir if config else Path(".")
        store = Store(project / settings.cache_dir if settings.cache_dir else None)
        job, parsed, _ = _prepare(settings, project, store)
        if job is not None:
            parsed = _parse_and_format(job, store)
        problems.append(Problem("bibcite", 0, 0,
            f"the worker process parsing the bibliography failed ({type(exc).__name__}: {exc})",
            "It was parsed in the build's process instead", Severity.INFO))  # fmt: skip
    return _site(parsed, site.index, problems, settings, config)


def _site(
    parsed: _Parsed,
    index: SiteIndex | None,
    problems: list[Problem],
    settings: Settings,
    config: SiteConfig | None,
) -> Site:
    refs = {row[0]: Reference(*row) for row in parsed.refs}
    problems = [*problems, *(_problem(p) for p in parsed.problems)]
    failed = any(p.severity is Severity.ERROR for p in problems)
    if index is not None and config is not None and not failed:  # else: the .bib's alone
        problems += _page_problems(index, refs, settings, config)
    return Site(refs, index, tuple(problems), parsed.parsed, parsed.formatted, frozenset(refs))


@dataclass(frozen=True)
class _Job:
    """What parsing and formatting the .bib files needs (sent to a worker: plain values).

    files: (path as shown, text) of each file. key: the cache key of the whole result.
    style_key: the formatting code's digest. entries, known: from a scan of the text.
    cache_dir: the cache's folder ("" for none).
    """

    files: tuple[tuple[str, str], ...]
    style: str
    badges: tuple[tuple[str, str], ...]
    export: bool
    key: str
    style_key: str
    cache_dir: str
    entries: int
    known: frozenset[str]


@dataclass(frozen=True)
class _Parsed:
    """The .bib files parsed and formatted: reference rows, problem rows, and what was done."""

    refs: tuple[tuple[str, int, str, int, str, str, str, str, str], ...] = ()
    problems: tuple[list[object], ...] = ()
    parsed: bool = False
    formatted: int = 0


def _start_worker(job: _Job) -> Future[_Parsed]:
    # Imported here: only a cold build of a large .bib needs them, and every build would pay
    # for their import.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    future = pool.submit(_parse_in_worker, job)
    pool.shutdown(wait=False)  # the worker exits once it has returned
    return future


def _parse_in_worker(job: _Job) -> _Parsed:
    # The worker is this job's own process, which ends with it: the cyclic garbage collector,
    # which pybtex's many small objects keep running, has nothing to free that the exit will
    # not (its time: BENCHMARKS.md).
    gc.disable()
    return _parse_and_format(job, Store(Path(job.cache_dir) if job.cache_dir else None))


def _prepare(
    settings: Settings, project: Path, store: Store
) -> tuple[_Job | None, _Parsed, list[Problem]]:
    """Read the .bib files: the cached result if there is one, else the job that makes it."""
    problems: list[Problem] = []
    files: list[tuple[str, str]] = []
    for name in settings.bibliography:
        text, _, read_problems = read_text(project / name, name)
        problems += read_problems
        if text is not None:
            files.append((name, text))
    key_of_style = style_key(settings.style)
    if key_of_style is None:
        problems.append(Problem("bibcite", 0, 0, f"unknown formatting style '{settings.style}'",
                                "Use 'medscape' or an installed pybtex style",
                                Severity.ERROR))  # fmt: skip
    if any(p.severity is Severity.ERROR for p in problems) or key_of_style is None:
        return None, _Parsed(), problems
    key_of_style = digest(key_of_style, repr(settings.badges), repr(settings.export))
    whole = "bib:" + digest(key_of_style, *(part for f in files for part in f))
    cached = store.get(whole)
    if isinstance(cached, dict) and "refs" in cached:
        rows = tuple(tuple(r) for r in cached["refs"])
        return None, _Parsed(rows, tuple(cached["problems"])), problems
    scanned = [key for _, text in files for key in scan_keys(text)]
    cache = str(project / settings.cache_dir) if settings.cache_dir else ""
    job = _Job(tuple(files), settings.style, settings.badges, settings.export, whole,
               key_of_style, cache, len(scanned), frozenset(scanned))  # fmt: skip
    return job, _Parsed(), problems


def _parse_and_format(job: _Job, store: Store) -> _Parsed:
    """Parse the .bib files and format what the cache does not have; store the result."""
    # Imported here, when the cache has no table for these files: pybtex and the style take
    # 16 MB and 80 ms to import, which a build with nothing new to parse never pays.
    from bibcite.bibliography import BibSource, parse_bibliographies

    bibliography, problems = parse_bibliographies([BibSource(*f) for f in job.files])
    if any(p.severity is Severity.ERROR for p in problems):
        return _Parsed((), tuple(_row(p) for p in problems), True, 0)
    refs, new = _format_entries(bibliography, job, store, problems)
    del bibliography  # not needed any more: freed before the cache's JSON is made (memory)
    rows = tuple((r.key, r.index, r.path, r.line, r.text, r.item, r.short_author, r.bibtex,
                  r.csl) for r in refs)  # fmt: skip
    result = _Parsed(rows, tuple(_row(p) for p in problems), True, len(new))
    new[job.key] = {"refs": rows, "problems": result.problems}  # JSON arrays, as lists would be
    store.put_many(new)
    return result


def _format_entries(
    bibliography: Bibliography, job: _Job, store: Store, problems: list[Problem]
) -> tuple[list[Reference], dict[str, object]]:
    """Every entry formatted, or read from the cache; the values to store; the problems found
    added to ``problems``."""
    from bibcite.formatting import make_reference

    # The key is in it: the exports hold it, and two entries may have the same fields.
    keys = {
        e.key: "entry:" + digest(job.style_key, e.key, e.fingerprint) for e in bibliography.entries
    }
    known = store.get_many(keys.values())
    refs: list[Reference] = []
    new: dict[str, object] = {}
    for entry in bibliography.entries:
        stored = known.get(keys[entry.key])
        if stored is not None:  # the badges are in the key: stored with the text and item
            text, item, short, bibtex, csl, stored_problems = stored
            refs.append(Reference(entry.key, entry.index, entry.path, entry.line, text, item,
                                  short, bibtex, csl))  # fmt: skip
            problems += [_problem(p) for p in stored_problems]
            continue
        ref, entry_problems = make_reference(entry, job.style, job.badges, job.export)
        refs.append(ref)
        problems += entry_problems
        new[keys[entry.key]] = [ref.text, ref.item, ref.short_author, ref.bibtex, ref.csl,
                                [_row(p) for p in entry_problems]]  # fmt: skip
    return refs, new


def _row(p: Problem) -> list[object]:
    return [p.path, p.line, p.col, p.message, p.hint, p.severity.value]


def _problem(row: list[object]) -> Problem:
    path, line, col, message, hint, severity = row
    return Problem(str(path), int(str(line)), int(str(col)), str(message), str(hint),
                   Severity(severity))  # fmt: skip


def _index(docs_dir: Path, page_sources: Sequence[PageSource], store: Store) -> SiteIndex:
    """Every page's citations, scanned from its Markdown or taken from the cache."""
    texts: dict[str, str] = {}  # as bibcite sees it
    for file in sorted(docs_dir.rglob("*.md")):
        path = file.relative_to(docs_dir).as_posix()
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue  # the engine reports a page it cannot read
        for source in page_sources:
            text = source(path, text)
        texts[path] = text
    # The code that scans and parses a page, and this module, which stores the result.
    scanner = digest(_code_version(), *_sources("bibcite.grammar", "bibcite.index", "bibcite.site"))
    keys = {path: "page:" + digest(scanner, path, text) for path, text in texts.items()}
    known = store.get_many(keys.values())
    records: list[PageRecord] = []
    new: dict[str, object] = {}
    for path, text in texts.items():
        stored = known.get(keys[path])
        if stored is not None:
            title, groups, has_bibliography, cites, malformed = stored
            cites = tuple((key, tuple(spots)) for key, spots in cites)
            records.append(
                PageRecord(path, title, tuple(groups), has_bibliography, cites, malformed)
            )
            continue
        record = scan_page(path, text)
        records.append(record)
        # JSON writes the tuples as arrays: no list copies needed (the same stored bytes)
        new[keys[path]] = [record.title, record.groups, record.has_bibliography, record.cites,
                           record.malformed]  # fmt: skip
    store.put_many(new)
    return make_index(records)


def _page_problems(
    index: SiteIndex, refs: Mapping[str, Reference], settings: Settings, config: SiteConfig
) -> list[Problem]:
    """Unknown keys and malformed groups on every page, and entries no page cites."""
    problems: list[Problem] = []
    docs = _shown(config.docs_dir, config.project_dir)
    for record in index.pages.values():
        if not record.malformed and all(key in refs for key, _ in record.cites):
            continue
        seen: dict[str, int] = {}
        source = ""  # the page as written, read only to locate a problem
        for raw in record.groups:
            occurrence = seen.get(raw, 0)
            seen[raw] = occurrence + 1
            items, error = parse_citation(raw)
            if not error and all(item.key in refs for item in items):
                continue
            source = source or _read(config.docs_dir / record.path)
            problems += group_problems(raw, occurrence, f"{docs}/{record.path}", source, refs,
                                       settings)  # fmt: skip
    # A group written by another extension (a generated overview) has no place in its page's
    # source: not reported where the same message is reported at a place.
    located = {p.message for p in problems if p.line}
    problems = [p for p in problems if p.line or p.message not in located]
    if refs:
        cited = index.cited_keys()
        by_file: dict[str, list[Reference]] = {}
        for ref in refs.values():
            if ref.key not in cited:
                by_file.setdefault(ref.path, []).append(ref)
        for path, uncited in by_file.items():
            names = ", ".join(r.key for r in uncited)
            count = "1 entry is" if len(uncited) == 1 else f"{len(uncited)} entries are"
            problems.append(Problem(path, uncited[0].line, 1, f"{count} never cited: {names}",
                                    "Cite them on a page or remove them"))  # fmt: skip
    return problems


def group_problems(
    raw: str,
    occurrence: int,
    path: str,
    source: str,
    refs: Mapping[str, Reference],
    settings: Settings,
) -> list[Problem]:
    """What is wrong with one citation group (``occurrence``: how many of the same text come
    before it on the page), located in the page's source."""
    items, error = parse_citation(raw)
    if error:
        line, col = locate(source, raw, occurrence)
        return [Problem(path, line, col, error, "Write citations as [@key], [@a; @b] or "
                        "[@key, p. 3]; escape a literal bracket as \\[@")]  # fmt: skip
    problems = []
    for item in items:
        if item.key in refs:
            continue
        line, col = locate(source, raw, occurrence, fallback=item.key)
        close = difflib.get_close_matches(item.key, list(refs), n=1)
        guess = f"; did you mean '{close[0]}'?" if close else ""
        files = " or ".join(settings.bibliography) or "the bibliography"
        message = f"unknown citation key '{item.key}'{guess}"
        hint = f"Fix the key or add an entry '{item.key}' to {files}"
        if item.author_in_text:  # a bare `@word` may not be meant as a citation
            message = f"unknown citation key '{item.key}' in '{raw}'{guess}"
            hint += f", or write \\@{raw.lstrip('-@')} if it is not a citation"
        problems.append(Problem(path, line, col, message, hint))
    return problems


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return ""


def _shown(path: Path, project: Path) -> str:
    try:
        return path.resolve().relative_to(project.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
