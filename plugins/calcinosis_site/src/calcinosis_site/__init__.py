"""The calcinosis cutis site's own code: its content model and its build helpers.

``extension`` (a Python-Markdown extension, for MkDocs and Zensical) renders the subtype pages'
frame from their front matter and the classification overview, with ``subtypes`` (the model:
loading, checks, rendering) and ``diagram`` (the classification as SVG). ``offline_hook``,
``offline_zip``, ``outputs`` and ``serve`` build and serve the two outputs.
"""
