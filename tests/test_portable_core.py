"""The package boundaries: bibcite needs no MkDocs but in its adapter, knows nothing of this
site's content model, and has no import cycle, lazy imports included."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO

PACKAGES = {
    "bibcite": REPO / "plugins" / "bibcite" / "src" / "bibcite",
    "calcinosis_site": REPO / "plugins" / "calcinosis_site" / "src" / "calcinosis_site",
}
# Every module of bibcite but the MkDocs adapter: a new module is covered as it comes.
CORE = sorted(
    f"bibcite.{path.stem}"
    for path in PACKAGES["bibcite"].glob("*.py")
    if path.stem not in {"mkdocs_plugin", "__init__"}
)
# MkDocs made unimportable: any import of it, direct or indirect, fails.
PROBE = """
import sys
sys.modules["mkdocs"] = None
import importlib
importlib.import_module(sys.argv[1])
leaked = sorted(m for m in sys.modules if m.startswith("mkdocs") and sys.modules[m] is not None)
assert not leaked, leaked
"""


def _probe(module: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE, module], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_without_mkdocs(module: str) -> None:
    done = _probe(module)
    assert done.returncode == 0, done.stderr


def test_the_adapter_does_need_mkdocs() -> None:
    """The probe really blocks MkDocs: the one module that wires MkDocs fails under it."""
    done = _probe("bibcite.mkdocs_plugin")
    assert done.returncode != 0 and "mkdocs" in done.stderr


def test_bibcite_knows_nothing_of_subtypes() -> None:
    mentions = [
        f"{path.name}:{n}"
        for path in PACKAGES["bibcite"].glob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "subtype" in line.lower() or "calcinosis" in line.lower()
    ]
    assert mentions == []


def _imports(package: str, path: Path) -> set[str]:
    """The modules of the project's two packages that ``path`` imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        found |= {n for n in names if n.split(".")[0] in PACKAGES and n.count(".") == 1}
    return found - {package}


def test_no_import_cycles() -> None:
    graph = {
        f"{package}.{path.stem}": _imports(package, path)
        for package, folder in PACKAGES.items()
        for path in folder.glob("*.py")
        if path.stem != "__init__"
    }
    graph = {module: {m for m in deps if m in graph} for module, deps in graph.items()}
    assert len(graph) > 15

    def cycle_from(module: str, trail: tuple[str, ...]) -> tuple[str, ...] | None:
        for dep in graph[module]:
            if dep in trail:
                return (*trail[trail.index(dep) :], dep)
            if found := cycle_from(dep, (*trail, dep)):
                return found
        return None

    cycles = [c for m in graph if (c := cycle_from(m, (m,)))]
    assert cycles == []
