"""The citation core imports nothing from MkDocs, so it can move to another engine."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = [
    "bibcite.bibliography",
    "bibcite.syntax",
    "bibcite.numbering",
    "bibcite.style",
    "bibcite.formatting",
    "bibcite.cache",
    "bibcite.render",
    "bibcite.engine",
    "bibcite.subtypes",
    "bibcite.diagram",
    "bibcite.problems",
]
# MkDocs made unimportable: any import of it, direct or indirect, fails.
PROBE = """
import sys
sys.modules["mkdocs"] = None
import importlib
importlib.import_module(sys.argv[1])
leaked = sorted(m for m in sys.modules if m.startswith("mkdocs") and sys.modules[m] is not None)
assert not leaked, leaked
"""


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
