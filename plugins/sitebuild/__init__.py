"""Build helpers for the two outputs of ``make site``: the hosted site and the offline bundle.

Nothing here is part of the ``bibcite`` citation core.

- ``offline_hook``: MkDocs hook used by ``mkdocs.offline.yml`` (copies the iframe-worker shim
  from ``node_modules``, drops source maps and server-only files).
- ``offline_zip``: reproducible zip of the offline build
  (``python -m sitebuild.offline_zip SRC_DIR OUT_ZIP``).
- ``serve``: a tiny static server that serves a built site under a sub-path (tests, screenshots).
"""
