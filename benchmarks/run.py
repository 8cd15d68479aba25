"""Build-time benchmark: the bibcite plugin against no citation plugin and mkdocs-bibtex.

For each corpus size (pages, BibTeX entries, citation groups per page; see ``corpus.py``) this
builds the same generated project, with the same theme (Material, ``navigation.prune``), as:

- ``baseline``: no citation plugin (citations stay plain text);
- ``bibcite``: this project's plugin, cold (its cache deleted before each build);
- ``bibcite-warm``: the same, with the on-disk cache of formatted references left by a
  previous build;
- ``bibtex``: mkdocs-bibtex 4.4.0 (pybtex ``plain`` style, footnotes; a full-bibliography page
  as bibcite has one), from its own venv ``.venv-bench-bibtex/``, made here if missing.

Every build is ``python -m mkdocs build`` in a fresh subprocess; wall time is measured around
it (interpreter start and imports included) and peak RSS comes from ``os.wait4``'s rusage of
that very child: the largest single process. The plugin may start a worker process (a child of
the build process) to parse the bibliography, so a thread also samples, every 20 ms while the
build runs, the RSS summed over the build process and all its descendants: the peak tree RSS
(a peak shorter than the interval can be missed). One untimed warm-up build per leg first, then
``--reps`` rounds, legs in a different order each round. Prints and writes (``--out``, default
``benchmarks/results/``) ``results.json`` and ``results.md``: medians, ratios and the issue's
targets.

Also measures a ``mkdocs serve`` rebuild (``serve_rebuild.py``) unless ``--no-serve``.

    python benchmarks/run.py                       # all sizes, 3 repetitions
    python benchmarks/run.py --sizes small,middle --reps 5
    python benchmarks/run.py --sizes large --reps 1 --legs baseline,bibcite
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
from benchmarks.corpus import CONFIG_FILES, GENERATOR_VERSION, SIZES, Size, generate  # noqa: E402
from bibcite.site import DEFAULT_CACHE_DIR  # noqa: E402

LEGS = ("baseline", "bibcite", "bibcite-warm", "bibtex", "zensical-baseline", "zensical",
        "zensical-warm")  # fmt: skip
WARM_OF = {"bibcite-warm": "bibcite", "zensical-warm": "zensical"}  # warm leg -> its cold leg
#: Zensical legs: the configuration each builds (Zensical without citations, or with bibcite).
ZENSICAL_OF = {"zensical-baseline": "baseline", "zensical": "bibcite", "zensical-warm": "bibcite"}
BIBTEX_VENV = ROOT / ".venv-bench-bibtex"
BIBTEX_LOCK = HERE / "requirements-bibtex.lock"
#: Targets of the issue, per size: (numerator, denominator, bound, "<=" or ">=").
TARGETS: dict[str, list[tuple[str, str, float, str]]] = {
    "small": [("bibcite", "baseline", 1.10, "<=")],
    "middle": [("bibcite", "baseline", 1.25, "<="), ("bibtex", "bibcite", 3.0, ">=")],
    "large": [("bibcite", "baseline", 1.5, "<="), ("bibcite-warm", "baseline", 1.25, "<="),
              ("bibtex", "bibcite", 3.0, ">=")],
}  # fmt: skip
RSS_TARGET = 1.3  # bibcite peak RSS / baseline peak RSS, every size
TREE_RSS_INTERVAL_S = 0.02  # sampling period of the RSS of the build's process tree
#: Ratios of medians reported, (numerator, denominator).
RATIO_PAIRS = (("bibcite", "baseline"), ("bibcite-warm", "baseline"), ("bibtex", "bibcite"),
               ("bibtex", "baseline"), ("zensical", "zensical-baseline"),
               ("zensical-warm", "zensical-baseline"))  # fmt: skip
_BUILT_IN = re.compile(r"Documentation built in ([0-9.]+) seconds")


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    maxrss_kib: int  # ru_maxrss of wait4: the largest single process
    tree_rss_kib: int | None  # peak sampled RSS summed over the build process and descendants
    mkdocs_s: float | None  # what MkDocs itself reports (no interpreter start, no imports)
    returncode: int


@dataclass
class LegResult:
    leg: str
    runs: list[Run] = field(default_factory=list)
    warnings: int = 0
    check: str = ""

    def summary(self) -> dict[str, Any]:
        walls = [r.wall_s for r in self.runs]
        built = [r.mkdocs_s for r in self.runs if r.mkdocs_s is not None]
        tree = [r.tree_rss_kib for r in self.runs if r.tree_rss_kib is not None]
        return {
            "median_wall_s": statistics.median(walls) if walls else None,
            "min_wall_s": min(walls) if walls else None,
            "max_wall_s": max(walls) if walls else None,
            "median_cpu_s": statistics.median(r.cpu_s for r in self.runs) if self.runs else None,
            "median_mkdocs_s": statistics.median(built) if built else None,
            "peak_rss_mib": max(r.maxrss_kib for r in self.runs) / 1024 if self.runs else None,
            "peak_tree_rss_mib": max(tree) / 1024 if tree else None,
            "reps": len(self.runs),
        }


class TreeRssSampler:
    """Peak of the RSS summed over a process and all its descendants, sampled in a thread.

    ``wait4``'s ``ru_maxrss`` is the peak of the largest single process; this adds up the
    build process and its worker process(es). Polls every ``interval`` seconds from
    ``start()`` until ``stop()``, so a peak shorter than that can be missed; shared pages are
    counted once per process. Processes that vanish between reads are skipped.
    """

    def __init__(self, pid: int, interval: float = TREE_RSS_INTERVAL_S) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_kib: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"tree-rss-{pid}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> int | None:
        """End the sampling; the peak in KiB, None if no sample could be read."""
        self._stop.set()
        self._thread.join()
        return self.peak_kib

    def _run(self) -> None:
        while True:
            total = sum(_rss_kib(pid) for pid in _process_tree(self.pid))
            if total and (self.peak_kib is None or total > self.peak_kib):
                self.peak_kib = total
            if self._stop.wait(self.interval):
                return


#: ``/proc/PID/task/TID/children`` exists only with ``CONFIG_PROC_CHILDREN``; else scan /proc.
_HAS_CHILDREN_FILES = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists()


def _process_tree(root: int) -> Iterator[int]:
    """``root`` and all its descendants (those alive now)."""
    children = _children_from_task_files if _HAS_CHILDREN_FILES else _children_from_stat_scan()
    todo, seen = [root], {root}
    while todo:
        pid = todo.pop()
        yield pid
        for child in children(pid):
            if child not in seen:
                seen.add(child)
                todo.append(child)


def _children_from_task_files(pid: int) -> list[int]:
    """Children of every thread of ``pid`` (needs ``CONFIG_PROC_CHILDREN``)."""
    out: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += (int(x) for x in f.read().split())
        except (OSError, ValueError):
            continue
    return out


def _children_from_stat_scan() -> Callable[[int], list[int]]:
    """A lookup of children, from the parent PIDs in ``/proc/*/stat`` (one scan of /proc)."""
    by_parent: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])  # after "comm": state, ppid
        except (OSError, ValueError, IndexError):
            continue
        by_parent.setdefault(ppid, []).append(int(name))
    return lambda pid: by_parent.get(pid, [])


def _rss_kib(pid: int) -> int:
    """VmRSS of ``pid`` in KiB; 0 if it is gone (or a zombie, which has none)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def python_for(leg: str) -> str:
    return str(BIBTEX_VENV / "bin" / "python") if leg == "bibtex" else sys.executable


def ensure_bibtex_venv() -> None:
    """Create ``.venv-bench-bibtex/`` from the pinned lock file if it is missing or stale."""
    stamp = BIBTEX_VENV / ".installed"
    if stamp.exists() and stamp.stat().st_mtime >= BIBTEX_LOCK.stat().st_mtime:
        return
    print(f"setting up {BIBTEX_VENV.name}/ (mkdocs-bibtex, pinned) ...", flush=True)
    if not (BIBTEX_VENV / "bin" / "python").exists():
        subprocess.run(["python3", "-m", "venv", str(BIBTEX_VENV)], check=True)
    pip = [str(BIBTEX_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "-r", str(BIBTEX_LOCK)], check=True)
    stamp.touch()


def build_once(project: Path, leg: str, log_file: Path) -> Run:
    uses_bibcite = leg.startswith("bibcite") or ZENSICAL_OF.get(leg) == "bibcite"
    config = CONFIG_FILES[ZENSICAL_OF.get(leg) or ("bibcite" if uses_bibcite else leg)]
    site = project / f"site-{leg}"
    shutil.rmtree(site, ignore_errors=True)
    if uses_bibcite and leg not in WARM_OF:  # a cold build: no cache of formatted references
        shutil.rmtree(project / DEFAULT_CACHE_DIR, ignore_errors=True)
    cmd = [python_for(leg), "-m", "mkdocs", "build", "-f", config, "-d", site.name]
    if leg in ZENSICAL_OF:  # Zensical reads the output folder from the configuration only
        wrapper = project / f"zensical-{leg}.yml"
        wrapper.write_text(f"INHERIT: {config}\nsite_dir: {site.name}\n", encoding="utf-8")
        cmd = [sys.executable, "-m", "zensical", "build", "--clean", "-f", wrapper.name]
    with open(log_file, "wb") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=project, stdout=log, stderr=subprocess.STDOUT)
        sampler = TreeRssSampler(proc.pid)
        sampler.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
        finally:
            tree_rss = sampler.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = log_file.read_text(errors="replace")
    m = _BUILT_IN.search(text)
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, tree_rss,
               float(m.group(1)) if m else None, proc.returncode)  # fmt: skip


def check_output(project: Path, leg: str) -> str:
    """One page's HTML must show citations resolved (or, for the baseline, left as text)."""
    page = project / f"site-{leg}" / "part-01" / "page-0001" / "index.html"
    if not page.exists():
        return f"missing {page.relative_to(project)}"
    raw = page.read_text(errors="replace").count("[@")
    if leg in ("baseline", "zensical-baseline"):
        return "ok" if raw else "expected plain [@key] text"
    return "ok" if raw == 0 else f"{raw} unresolved [@ in page-0001"


def bench_size(name: str, size: Size, legs: Sequence[str], reps: int, workdir: Path, seed: int,
               serve: int) -> dict[str, Any]:  # fmt: skip
    project = workdir / name
    load_before = os.getloadavg()
    revision_before = plugin_revision()
    t0 = time.perf_counter()
    info = generate(project, size.pages, size.entries, size.cites, seed)
    print(f"\n== {name}: {size.pages} pages, {size.entries} entries, {size.cites} groups/page "
          f"({info.citations} citations; corpus made in {time.perf_counter() - t0:.1f} s)",
          flush=True)  # fmt: skip
    logs = project / "logs"
    logs.mkdir(exist_ok=True)
    results = {leg: LegResult(leg) for leg in legs}
    for leg in legs:  # warm-up: OS file cache, .pyc files, and the on-disk cache for warm runs
        run = build_once(project, WARM_OF.get(leg, leg), logs / f"{leg}-warmup.log")
        if leg in WARM_OF:
            run = build_once(project, leg, logs / f"{leg}-warmup.log")
        text = (logs / f"{leg}-warmup.log").read_text(errors="replace")
        results[leg].warnings = text.count("WARNING")
        results[leg].check = check_output(project, leg) if run.returncode == 0 else "build failed"
        print(f"  warm-up {leg:13s} {run.wall_s:7.2f} s  rc={run.returncode}  "
              f"{results[leg].check}", flush=True)  # fmt: skip
        if run.returncode != 0:
            print(text[-3000:], file=sys.stderr)
    order = list(legs)
    shuffler = random.Random(seed)
    for rep in range(reps):
        shuffler.shuffle(order)
        for warm, cold in WARM_OF.items():  # a warm build right after its cold one
            if warm in order and cold in order:
                order.remove(warm)
                order.insert(order.index(cold) + 1, warm)
        for leg in order:
            if results[leg].check == "build failed":
                continue
            run = build_once(project, leg, logs / f"{leg}-{rep}.log")
            results[leg].runs.append(run)
            rss = run.maxrss_kib / 1024
            tree = "–" if run.tree_rss_kib is None else f"{run.tree_rss_kib / 1024:.0f}"
            print(f"  rep {rep + 1}/{reps} {leg:13s} {run.wall_s:7.2f} s  {rss:6.0f} MiB  "
                  f"(tree {tree} MiB)  (mkdocs: {run.mkdocs_s} s)", flush=True)  # fmt: skip
    out: dict[str, Any] = {
        "size": asdict(size),
        "corpus": asdict(info),
        "legs": {leg: {**r.summary(), "warnings_in_warmup": r.warnings, "check": r.check,
                       "runs": [asdict(x) for x in r.runs]} for leg, r in results.items()},
        "ratios": ratios({leg: r.summary() for leg, r in results.items()}),
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "plugin_revision": [revision_before, plugin_revision()],
    }  # fmt: skip
    if (project / DEFAULT_CACHE_DIR).exists():
        cached = (project / DEFAULT_CACHE_DIR).rglob("*")
        out["cache_files"] = sorted(str(p.relative_to(project)) for p in cached if p.is_file())
    if serve and "bibcite" in legs:
        page = "part-01/page-0001.md"
        for key, flags in (("serve", []), ("serve_dirty", ["--dirty"])):
            proc = subprocess.run([sys.executable, str(HERE / "serve_rebuild.py"), "mkdocs.yml",
                                   "--page", page, "--rebuilds", str(serve), *flags],
                                  cwd=project, capture_output=True, text=True)  # fmt: skip
            if proc.returncode == 0:
                out[key] = s = json.loads(proc.stdout.strip().splitlines()[-1])
                print(f"  {' '.join(['serve', *flags])}: first build {s['first_build_s']:.2f} s, "
                      f"rebuilds {', '.join(f'{x:.2f}' for x in s['rebuild_s'])} s, .bib "
                      f"re-parsed {s.get('bib_reparsed')}x, entries re-formatted "
                      f"{s.get('entries_reformatted')}", flush=True)  # fmt: skip
            else:
                out[key] = {"error": proc.stderr[-2000:]}
                print(f"  {key}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
    return out


def ratios(s: dict[str, dict[str, Any]]) -> dict[str, float]:
    def metric(leg: str, key: str) -> float | None:
        v = s.get(leg, {}).get(key)
        return float(v) if v else None

    wall = [(f"{num}/{den}", num, den, "median_wall_s") for num, den in RATIO_PAIRS]
    cpu = [(f"cpu {num}/{den}", num, den, "median_cpu_s") for num, den in RATIO_PAIRS]
    memory = [
        (f"{label} {num}/baseline", num, "baseline", key)
        for num in ("bibcite", "bibcite-warm", "bibtex")
        for label, key in (("rss", "peak_rss_mib"), ("tree rss", "peak_tree_rss_mib"))
    ]
    out: dict[str, float] = {}
    for name, num, den, key in wall + cpu + memory:
        a, b = metric(num, key), metric(den, key)
        if a and b:
            out[name] = a / b
    return out


def target_rows(name: str, r: dict[str, float]) -> list[tuple[str, float | None, str, str]]:
    rows = []
    for num, den, bound, op in TARGETS.get(name, []):
        v = r.get(f"{num}/{den}")
        ok = "n/a" if v is None else ("met" if (v <= bound if op == "<=" else v >= bound)
                                      else "MISSED")  # fmt: skip
        rows.append((f"{num}/{den}", v, f"{op} {bound}", ok))
    for leg in ("bibcite", "bibcite-warm"):
        v = r.get(f"rss {leg}/baseline")
        ok = "n/a" if v is None else ("met" if v <= RSS_TARGET else "MISSED")
        rows.append((f"peak RSS {leg}/baseline", v, f"<= {RSS_TARGET}", ok))
    return rows


def _version(python: str, dist: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    p = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else "not installed"


def plugin_revision() -> str:
    """The last commit that changed plugins/, '+dirty' if plugins/ has local changes."""
    head = subprocess.run(["git", "log", "-1", "--format=%h", "--", "plugins"], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "plugins"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()  # fmt: skip
    return (head or "unknown") + ("+dirty" if dirty else "")


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem_kib = int(line.split()[1])
    versions = {d: _version(sys.executable, d)
                for d in ("mkdocs", "mkdocs-material", "pybtex", "Markdown")}  # fmt: skip
    versions["python"] = platform.python_version()
    versions["bibcite (this project)"] = _version(sys.executable, "calcinosis-cutis-reference")
    bibtex_py = python_for("bibtex")
    if Path(bibtex_py).exists():
        versions["mkdocs-bibtex"] = _version(bibtex_py, "mkdocs-bibtex")
        versions["mkdocs (bibtex venv)"] = _version(bibtex_py, "mkdocs")
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(mem_kib / 1024**2, 1),
            "kernel": platform.release(), "versions": versions}  # fmt: skip


def markdown_report(data: dict[str, Any]) -> str:
    m = data["machine"]
    lines = [
        f"Run {data['started']} (UTC), {data['elapsed_s']:.0f} s in all. "
        f"Machine: {m['nproc']} cores, {m['cpu']}, {m['ram_gib']} GiB RAM, Linux {m['kernel']}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".",
        f"Command: `{data['command']}` (plugin at commit {data.get('plugin_revision', '?')})",
        "",
        "| size (pages, entries, groups/page) | leg | reps | median wall (s) | min–max (s) "
        "| median CPU (s) | MkDocs-reported (s) | peak RSS (MiB) | peak tree RSS (MiB) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, res in data["sizes"].items():
        sz = res["size"]
        label = f"{name} ({sz['pages']}, {sz['entries']}, {sz['cites']})"
        for leg, s in res["legs"].items():
            if not s["reps"]:
                lines.append(f"| {label} | {leg} | 0 | {s['check']} | | | | | |")
                continue
            lines.append(
                f"| {label} | {leg} | {s['reps']} | {s['median_wall_s']:.2f} | "
                f"{s['min_wall_s']:.2f}–{s['max_wall_s']:.2f} | {_fmt(s['median_cpu_s'])} | "
                f"{_fmt(s['median_mkdocs_s'])} | {s['peak_rss_mib']:.0f} | "
                f"{_fmt(s.get('peak_tree_rss_mib'), '.0f')} |"
            )
    loads = ", ".join(
        f"{n} {r['loadavg_before'][0]:.1f}→{r['loadavg_after'][0]:.1f}"
        for n, r in data["sizes"].items()
        if "loadavg_before" in r
    )
    lines += ["", f"1-minute load average before→after each size: {loads} (2 cores).", ""]
    for n, r in data["sizes"].items():
        revs = r.get("plugin_revision")
        if revs and revs[0] != revs[1]:
            lines += [
                f"**Note**: the plugin changed during the {n} size ({revs[0]} → {revs[1]}).",
                "",
            ]
    lines += [
        "Ratios of medians (wall time; CPU time = user + system of the build process and of "
        "its worker process, which it waits for). Targets are the issue's, on wall time and "
        "peak RSS.",
        "",
        "| size | ratio | wall | CPU | peak RSS | tree RSS | target | |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for name, res in data["sizes"].items():
        r = res["ratios"]
        targets = {label: (bound, ok) for label, _, bound, ok in target_rows(name, r)}
        for num, den in RATIO_PAIRS:
            label = f"{num}/{den}"
            if label not in r:
                continue
            rss = r.get(f"rss {num}/baseline") if den == "baseline" else None
            tree_rss = r.get(f"tree rss {num}/baseline") if den == "baseline" else None
            goals = [targets[k] for k in (label, f"peak RSS {label}") if k in targets]
            bound = "; ".join(
                ("RSS " if k.startswith("peak") else "") + targets[k][0]
                for k in (label, f"peak RSS {label}")
                if k in targets
            )
            verdict = "; ".join(ok for _, ok in goals)
            lines.append(f"| {name} | {label} | {_fmt(r[label])} | {_fmt(r.get('cpu ' + label))} "
                         f"| {_fmt(rss)} | {_fmt(tree_rss)} | {bound} | {verdict} |")  # fmt: skip
    lines += [
        "",
        "Peak RSS is `ru_maxrss` of the build process (`wait4`): the largest single process. "
        "Tree RSS is the sum over the build process and its worker process, sampled every "
        f"{TREE_RSS_INTERVAL_S * 1000:.0f} ms, so a short peak can be missed (shared pages "
        "count once per process). The RSS targets are on peak RSS.",
    ]
    serves = [(n, key, r[key]) for n, r in data["sizes"].items()
              for key in ("serve", "serve_dirty") if key in r]  # fmt: skip
    if serves:
        lines += ["", "`mkdocs serve` rebuild after editing one page (bibcite, one process; "
                  "`--dirty`: only changed pages converted):", "",
                  "| size | mode | first build (s) | rebuilds (s) | .bib re-parsed "
                  "| entries re-formatted |",
                  "|---|---|---:|---|---:|---:|"]  # fmt: skip
        for name, key, s in serves:
            mode = "`--dirty`" if key == "serve_dirty" else "full"
            if "error" in s:
                lines.append(f"| {name} | {mode} | failed | | | |")
                continue
            lines.append(f"| {name} | {mode} | {s['first_build_s']:.2f} | "
                         f"{', '.join(f'{x:.2f}' for x in s['rebuild_s'])} | "
                         f"{s.get('bib_reparsed')} | {s.get('entries_reformatted')} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def _fmt(v: float | None, spec: str = ".2f") -> str:
    return "–" if v is None else format(v, spec)


def parse_reps(spec: str) -> tuple[int, dict[str, int]]:
    """``3`` or ``3,large=1``: default repetitions, and per-size overrides."""
    default, per = 3, {}
    for part in spec.split(","):
        if "=" in part:
            k, v = part.split("=", 1)
            per[k.strip()] = int(v)
        elif part.strip():
            default = int(part)
    return default, per


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--sizes", default="small,middle,large",
                    help=f"comma-separated, of {', '.join(SIZES)} (default: all)")  # fmt: skip
    ap.add_argument("--reps", default="3", help="repetitions, e.g. 3 or '3,large=1' (>= 1)")
    ap.add_argument("--legs", default=",".join(LEGS),
                    help=f"comma-separated, of {', '.join(LEGS)} (default: all)")  # fmt: skip
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workdir", type=Path, default=HERE / ".work")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--no-serve", action="store_true", help="skip the serve-rebuild measurement")
    ap.add_argument("--serve-rebuilds", default="3",
                    help="rebuilds in the serve measurement, e.g. 3 or '3,large=1'")  # fmt: skip
    args = ap.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    legs = [x.strip() for x in args.legs.split(",") if x.strip()]
    unknown = [s for s in sizes if s not in SIZES] + [x for x in legs if x not in LEGS]
    if unknown:
        ap.error(f"unknown size or leg: {', '.join(unknown)}")
    default_reps, per_size = parse_reps(args.reps)
    serve_default, serve_per_size = parse_reps(args.serve_rebuilds)
    if "bibtex" in legs:
        ensure_bibtex_venv()
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    data: dict[str, Any] = {
        "started": started.strftime("%Y-%m-%d %H:%M"),
        "command": shlex.join(["python", "benchmarks/run.py", *(argv or sys.argv[1:])]),
        "generator": GENERATOR_VERSION,
        "plugin_revision": plugin_revision(),
        "machine": machine(),
        "sizes": {},
    }
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in sizes:
        reps = max(1, per_size.get(name, default_reps))
        serve = 0 if args.no_serve else max(1, serve_per_size.get(name, serve_default))
        data["sizes"][name] = bench_size(
            name, SIZES[name], legs, reps, args.workdir, args.seed, serve
        )
        data["elapsed_s"] = time.perf_counter() - t0
        _write_results(args.out, data)  # after each size: a long run leaves partial results
    report = markdown_report(data)
    print("\n" + report)
    print(f"results: {args.out / 'results.json'}, {args.out / 'results.md'}")
    return 0


def _write_results(out: Path, data: dict[str, Any]) -> None:
    (out / "results.json").write_text(json.dumps(data, indent=2) + "\n")
    (out / "results.md").write_text(markdown_report(data))


if __name__ == "__main__":
    raise SystemExit(main())
