"""bibcite: numbered citations from a BibTeX file, for Markdown sites.

The citation core (``bibliography``, ``syntax``, ``numbering``, ``style``, ``formatting``,
``render``, ``subtypes``) imports nothing from MkDocs; only ``plugin`` does, and it only wires
MkDocs events to the core, so the core can move to another engine.
"""
