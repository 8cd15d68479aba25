"""What-if builds: ``mkdocs build`` with candidate speed-ups monkeypatched into the plugin.

Measures a proposed change before anyone edits the plugin. Written against the plugin as of
commit 2710371; ``findplugin``, ``pubmed``, ``latexfast`` and ``searchexclude`` are in the plugin
since fa11e25 (applying them again is harmless). A patch whose target is gone is skipped with a
note on stderr.

    WHATIF=latexmemo,plaintitle python benchmarks/whatif_build.py build -q -d /tmp/s

Patches (comma-separated in ``WHATIF``):

- ``findplugin``: memoize ``pybtex.plugin.find_plugin`` (pybtex scans every installed
  distribution's entry points on each call; ``Text.render_as("text")`` calls it every time);
- ``pubmed``: memoize ``bibcite.render.pubmed_url`` per entry;
- ``latexfast``: skip latexcodec for values it would not change (see BENCHMARKS.md);
- ``latexmemo``: memoize ``decode_latex`` by value (each field is decoded twice today);
- ``plaintitle``: no size bound on the memo of PubMed search titles (fa11e25 keeps 4096; the
  References page of a 10000-entry bibliography misses it for every entry);
- ``plainentry``: render.py's ``_item``/``web_url`` read ``entry.type``/``entry.fields`` instead of
  ``entry.entry.…``, so a warm build never builds pybtex ``Entry`` objects (10000 of them:
  ~0.5 s and ~44 MB);
- ``searchexclude``: mark each page's reference list ``data-search-exclude`` for Material.
"""

from __future__ import annotations

import codecs
import functools
import os
import re
import sys
import types
from typing import Any


def apply(patches: set[str]) -> None:
    import pybtex.plugin

    import bibcite.engine
    import bibcite.formatting
    import bibcite.render
    import bibcite.style

    def skip(name: str) -> None:
        print(f"whatif: patch '{name}' does not apply to this plugin version", file=sys.stderr)

    if "findplugin" in patches:
        pybtex.plugin.find_plugin = functools.lru_cache(maxsize=None)(pybtex.plugin.find_plugin)
    if "pubmed" in patches:
        if hasattr(bibcite.render, "pubmed_url"):
            cached = functools.lru_cache(maxsize=None)(bibcite.render.pubmed_url)
            setattr(bibcite.render, "pubmed_url", cached)  # noqa: B010
        else:
            skip("pubmed")
    if "latexfast" in patches:
        needs = re.compile(r"[\\~$`%\t\n\r\f\v]|--|''|,,|!`|\?`|^ | $|  ")

        class _Codecs:
            @staticmethod
            def decode(s: str, encoding: str) -> Any:
                if encoding == "ulatex" and not needs.search(s):
                    return s
                return codecs.decode(s, encoding)  # type: ignore[call-overload]

        if getattr(bibcite.style, "codecs", None) is codecs:
            setattr(bibcite.style, "codecs", _Codecs)  # noqa: B010
        else:
            skip("latexfast")
    if "latexmemo" in patches:
        original = bibcite.style.decode_latex

        @functools.lru_cache(maxsize=200_000)
        def _memo(value: str) -> tuple[Any, tuple[str, ...]]:
            text, issues = original(value)
            return text, tuple(issues)

        def decode_latex(value: str) -> tuple[Any, list[str]]:
            text, issues = _memo(value)
            return text, list(issues)

        for module in (bibcite.style, bibcite.formatting):
            if hasattr(module, "decode_latex"):
                setattr(module, "decode_latex", decode_latex)  # noqa: B010
    if "plaintitle" in patches:
        current = getattr(bibcite.render, "_plain_title", None)
        if current is not None and hasattr(current, "__wrapped__"):
            unbounded = functools.lru_cache(maxsize=None)(current.__wrapped__)
            setattr(bibcite.render, "_plain_title", unbounded)  # noqa: B010
        else:
            skip("plaintitle")
    if "plainentry" in patches:
        original_item = getattr(bibcite.render, "_item", None)
        if original_item is not None:

            class _Light:
                """The BibEntry, but ``.entry`` gives type and fields without building pybtex's
                Entry (as render._item would if it read ``entry.type``/``entry.fields``)."""

                def __init__(self, entry: Any) -> None:
                    self._e = entry
                    self.entry = types.SimpleNamespace(type=entry.type, fields=entry.fields)

                def __getattr__(self, name: str) -> Any:
                    return getattr(self._e, name)

            def _item(entry: Any, *args: Any) -> Any:
                return original_item(_Light(entry), *args)

            setattr(bibcite.render, "_item", _item)  # noqa: B010
        else:
            skip("plainentry")
    if "searchexclude" in patches:
        original_list = bibcite.render.render_reference_list

        def render_reference_list(*args: Any, **kwargs: Any) -> Any:
            ol = original_list(*args, **kwargs)
            ol.set("data-search-exclude", "")
            return ol

        for module in (bibcite.render, bibcite.engine):
            if hasattr(module, "render_reference_list"):
                setattr(module, "render_reference_list", render_reference_list)  # noqa: B010


def main() -> None:
    apply({p.strip() for p in os.environ.get("WHATIF", "").split(",") if p.strip()})
    from mkdocs.__main__ import cli

    sys.argv = ["mkdocs", *sys.argv[1:]]
    cli()


if __name__ == "__main__":
    main()
