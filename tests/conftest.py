"""Shared pytest fixtures: small and generic; suite-specific ones live next to their tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# The property tests draw the same examples on every run by default, so a build is green or
# red for the code, not for the draw; HYPOTHESIS_PROFILE=explore draws new ones, ten times as
# many, to look for new disagreements (each one found becomes a row of a table).
_PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("repeatable", _PROPERTY, max_examples=200, derandomize=True)
settings.register_profile("explore", _PROPERTY, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The project folder (holds mkdocs.yml)."""
    return REPO_ROOT
