"""bibcite: numbered citations from BibTeX, as a Python-Markdown extension.

Stages, one module each, in one direction: ``bibliography`` (pybtex) → ``syntax`` (the
Markdown extension API) → ``index`` (every page's citations) → ``numbering`` → ``formatting``
(a pybtex style, ``style``) → ``render`` (HTML). ``site`` makes a build's shared data, with
``store`` (the cache); ``extension`` is the Python-Markdown extension; ``host`` holds what
differs between engines; ``mkdocs_plugin`` and ``zensical_build`` are the engine adapters.
"""

from bibcite.extension import BibciteExtension, makeExtension, register_page_source
from bibcite.host import PageContext, page_context
from bibcite.problems import Problem, Severity
from bibcite.syntax import parse_citation

__all__ = [
    "BibciteExtension",
    "PageContext",
    "Problem",
    "Severity",
    "makeExtension",
    "page_context",
    "parse_citation",
    "register_page_source",
]
