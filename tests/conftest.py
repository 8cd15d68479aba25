"""Shared pytest fixtures: small and generic; suite-specific ones live next to their tests."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The project folder (holds mkdocs.yml)."""
    return REPO_ROOT
