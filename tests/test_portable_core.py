"""The citation core imports nothing from MkDocs, so it can move to another engine."""

from __future__ import annotations

import subprocess
import sys

import pytest

from support import REPO

# Every module of the package but the two that wire MkDocs: a new module is covered as it comes.
MKDOCS_GLUE = {"plugin", "mkdocs_site"}
CORE = sorted(
    f"bibcite.{path.stem}"
    for path in (REPO / "plugins" / "bibcite").glob("*.py")
    if path.stem not in MKDOCS_GLUE | {"__init__"}
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


def test_the_core_is_the_whole_package_but_the_glue() -> None:
    assert len(CORE) >= 15 and "bibcite.references" in CORE and "bibcite.compiler" in CORE


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_without_mkdocs(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, module], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_the_plugin_module_does_need_mkdocs() -> None:
    """The probe really blocks MkDocs: the one module that wires MkDocs fails under it."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "bibcite.plugin"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0 and "mkdocs" in done.stderr
