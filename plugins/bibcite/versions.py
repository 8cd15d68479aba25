"""The versions that key the caches, in a module of their own: reading a cache must not import
pybtex (a warm build never does)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

#: The ``medscape`` style's version. Bump whenever the style's output changes: it is part of
#: every cache key, so every entry is formatted again.
STYLE_VERSION = "1"
DEFAULT_STYLE = "medscape"


def style_version(name: str) -> str:
    """Version string of a formatting style, for cache keys."""
    if name == DEFAULT_STYLE:
        return STYLE_VERSION
    try:  # another pybtex style: it changes with pybtex
        return f"pybtex-{version('pybtex')}"
    except PackageNotFoundError:
        return "pybtex-unknown"
