"""The classification diagram: a layered tree drawn as inline, accessible SVG at build time.

Columns, left to right: rare types (and, further left, their variants), the major types, then
the variants of the major types (deeper variants further right). Each major type's variants are
stacked beside it; each rare type is placed level with the major types it is classed under and
joined to each of them (a dashed line when it is classed under more than one).

The output is deterministic (no randomness, fixed number formatting), has no script, and takes
its colours from ``currentColor`` so it follows the page's light or dark palette. The ``<svg>`` is
wrapped in a ``<figure>`` (a block-level tag for Python-Markdown, so it is not put in a ``<p>``)
and contains no blank line (so it stays one raw HTML block).

The ``<svg>`` has ``role="group"`` rather than ``role="img"``: an ``img`` has presentational
children, which would hide its links from assistive technology while leaving them focusable. Its
name and description come from ``<title>`` and ``<desc>`` (``aria-labelledby``/``describedby``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import TypeAlias

NODE_W = 184
COL_GAP = 84
MARGIN = 12
HEADER_H = 34
LEGEND_H = 40
LINE_H = 16
PAD_Y = 9
ROW_GAP = 14
BLOCK_GAP = 0.35  # extra slots between the blocks of two major (or rare) types
WRAP = 22  # characters per line of a label
FONT_SIZE = 13

_XOf: TypeAlias = Callable[[int], float]
_YOf: TypeAlias = Callable[[float], float]


@dataclass(frozen=True)
class DiagramNode:
    """One box of the diagram.

    id: unique id (the subtype's slug).
    label: the text of the box (plain text, escaped here).
    href: link target, relative to the page that shows the diagram.
    kind: ``major``, ``rare`` or ``variant``.
    parent: id of the node it sits under (a variant), or ``None``.
    classed_as: ids of the major types a rare type is joined to.
    """

    id: str
    label: str
    href: str
    kind: str
    parent: str | None = None
    classed_as: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Box:
    node: DiagramNode
    col: int
    slot: float
    lines: tuple[str, ...]


def render_diagram(
    nodes: Sequence[DiagramNode],
    title: str,
    description: str,
    caption: str = "Select a subtype to open its page. The table below gives the same "
    "information as text.",
    id_prefix: str = "bibcite-classification",
) -> str:
    """Return ``<figure>…<svg>…</svg><figcaption>…</figcaption></figure>`` for the nodes.

    Nodes are drawn in the given order within their column (the caller sorts siblings).
    """
    boxes = _layout(nodes)
    grid = _grid(boxes)
    out = [
        *_svg_start(grid, title, description, id_prefix),
        *_column_headers(boxes, grid),
        *_edges(boxes, grid),
        *_node_links(boxes, grid),
        *_legend(grid),
        "</svg>",
    ]
    if caption:
        out.append(f"<figcaption>{escape(caption)}</figcaption>")
    out.append("</figure>")
    return "\n".join(out)


@dataclass(frozen=True)
class _Grid:
    """Where the columns and slots of the diagram are drawn, and its size."""

    cols: list[int]
    slot_h: int
    width: int
    height: float

    def x_of(self, col: int) -> float:
        """The x of the left side of a column's boxes."""
        return MARGIN + col * (NODE_W + COL_GAP)

    def y_of(self, slot: float) -> float:
        """The y of the middle of a slot."""
        return HEADER_H + slot * self.slot_h + self.slot_h / 2


def _grid(boxes: dict[str, _Box]) -> _Grid:
    """The grid that fits the boxes: every slot as tall as the tallest box, plus a gap."""
    slot_h = max((PAD_Y * 2 + LINE_H * len(b.lines) for b in boxes.values()), default=32)
    slot_h += ROW_GAP
    cols = sorted({b.col for b in boxes.values()}) or [0]
    n_cols = cols[-1] + 1
    n_slots = max((b.slot + 1 for b in boxes.values()), default=1.0)
    width = MARGIN * 2 + n_cols * NODE_W + (n_cols - 1) * COL_GAP
    height = HEADER_H + n_slots * slot_h + LEGEND_H
    return _Grid(cols, slot_h, width, height)


def _box_h(b: _Box) -> float:
    """The height of a box: its lines and their padding."""
    return PAD_Y * 2 + LINE_H * len(b.lines)


def _svg_start(grid: _Grid, title: str, description: str, id_prefix: str) -> list[str]:
    """The lines that open the figure and the ``<svg>``: its name, description and style."""
    width, height = grid.width, grid.height
    return [
        '<figure class="bibcite-diagram">',
        # Links as xlink:href, not href: mkdocs-material's instant navigation re-assigns
        # `el.href` of every [href] element of a page it loads, which throws on an SVG <a>
        # (its href is a read-only SVGAnimatedString) and stops the page from loading. Each
        # link says role="link": crawlers that look for href see a link all the same (and the
        # tree and table below link every page with plain HTML links).
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'class="bibcite-diagram__svg" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" width="{_n(width)}" height="{_n(height)}" '
        f'role="group" aria-labelledby="{id_prefix}-title" aria-describedby="{id_prefix}-desc" '
        f'font-size="{FONT_SIZE}" style="max-width: 100%; height: auto;">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(description)}</desc>',
        "<style>"
        ".bibcite-diagram__node:hover rect,.bibcite-diagram__node:focus rect"
        "{fill-opacity:0.2;stroke-width:2.5}"
        ".bibcite-diagram__node:focus-visible{outline:2px solid;outline-offset:2px}"
        "</style>",
    ]


def _column_headers(boxes: dict[str, _Box], grid: _Grid) -> list[str]:
    """The group of column headers: each column is named after the kinds of box it holds."""
    kinds_by_col: dict[int, set[str]] = {}
    for b in boxes.values():
        kinds_by_col.setdefault(b.col, set()).add(b.node.kind)
    out = ['<g class="bibcite-diagram__headers" fill="currentColor" font-weight="bold" '
           'text-anchor="middle">']  # fmt: skip
    for col in grid.cols:
        kinds = kinds_by_col.get(col, set())
        label = (
            "Major types" if "major" in kinds else "Rare types" if "rare" in kinds else "Variants"
        )
        x = grid.x_of(col) + NODE_W / 2
        out.append(f'<text x="{_n(x)}" y="{_n(HEADER_H - 14)}">{label}</text>')
    out.append("</g>")
    return out


def _edges(boxes: dict[str, _Box], grid: _Grid) -> list[str]:
    """The group of links, drawn before the boxes so that they pass under them."""
    out = ['<g class="bibcite-diagram__edges" fill="none" stroke="currentColor" '
           'stroke-opacity="0.55" stroke-width="1.5">']  # fmt: skip
    links: list[tuple[_Box, _Box, bool]] = []
    for b in boxes.values():
        parent = boxes.get(b.node.parent) if b.node.parent else None
        if parent is not None:
            links.append((parent, b, False))
        dashed = len(b.node.classed_as) > 1
        links.extend((b, boxes[t], dashed) for t in b.node.classed_as if t in boxes)
    ports = _ports(links, grid.y_of, _box_h)
    for i, (src, dst, dashed) in enumerate(links):
        out.append(_edge(src, dst, grid.x_of, ports[i], dashed))
    out.append("</g>")
    return out


def _node_links(boxes: dict[str, _Box], grid: _Grid) -> list[str]:
    """The group of boxes, each a link to its page."""
    out = ['<g class="bibcite-diagram__nodes">']
    for b in boxes.values():
        out += _node_link(b, grid)
    out.append("</g>")
    return out


def _node_link(b: _Box, grid: _Grid) -> list[str]:
    """One box as an ``<a>``: its rectangle and its lines of text (bold for a major type)."""
    x, cy, h = grid.x_of(b.col), grid.y_of(b.slot), _box_h(b)
    major = b.node.kind == "major"
    out = [
        f'<a class="bibcite-diagram__node bibcite-diagram__node--{escape(b.node.kind)}" '
        f'role="link" xlink:href="{escape(b.node.href)}">',
        f'<rect x="{_n(x)}" y="{_n(cy - h / 2)}" width="{NODE_W}" height="{_n(h)}" rx="6" '
        f'fill="currentColor" fill-opacity="{"0.12" if major else "0.05"}" '
        f'stroke="currentColor" stroke-width="{"2" if major else "1"}"/>',
    ]
    weight = ' font-weight="bold"' if major else ""
    out.append(f'<text fill="currentColor" text-anchor="middle"{weight}>')
    first = cy - (len(b.lines) - 1) * LINE_H / 2
    for i, line in enumerate(b.lines):
        out.append(
            f'<tspan x="{_n(x + NODE_W / 2)}" y="{_n(first + i * LINE_H)}" '
            f'dominant-baseline="central">{escape(line)}</tspan>'
        )
    out += ["</text>", "</a>"]
    return out


def _legend(grid: _Grid) -> list[str]:
    """The group of the legend, along the bottom: a solid and a dashed line, explained."""
    ly = grid.height - LEGEND_H / 2
    lx = MARGIN + 250
    return [
        '<g class="bibcite-diagram__legend" fill="currentColor">',
        f'<path d="M{_n(MARGIN)} {_n(ly)}h36" fill="none" stroke="currentColor" '
        f'stroke-width="1.5"/>',
        f'<text x="{_n(MARGIN + 44)}" y="{_n(ly)}" dominant-baseline="central">'
        "variant of, or classed as</text>",
        f'<path d="M{_n(lx)} {_n(ly)}h36" fill="none" stroke="currentColor" '
        f'stroke-width="1.5" stroke-dasharray="6 4"/>',
        f'<text x="{_n(lx + 44)}" y="{_n(ly)}" dominant-baseline="central">'
        "variably classed (one of several types)</text>",
        "</g>",
    ]


class _Stacker:
    """Places nodes at (depth, slot): a leaf at the next free slot, a parent amid its children."""

    def __init__(self, nodes: Sequence[DiagramNode]) -> None:
        ids = {n.id for n in nodes}
        self.children: dict[str, list[DiagramNode]] = {}
        for n in nodes:
            if n.parent is not None and n.parent in ids and n.parent != n.id:
                self.children.setdefault(n.parent, []).append(n)
        self.placed: dict[str, tuple[int, float]] = {}  # id -> (depth, slot); depth < 0 = left
        self.seen: set[str] = set()

    def place(self, n: DiagramNode, depth: int, step: int, cursor: list[float]) -> float:
        """The slot of ``n``, once it and its descendants are placed from ``cursor[0]`` on."""
        self.seen.add(n.id)
        kids = [k for k in self.children.get(n.id, []) if k.id not in self.seen]
        if kids:
            ys = [self.place(k, depth + step, step, cursor) for k in kids]
            y = (ys[0] + ys[-1]) / 2
        else:
            y = cursor[0]
            cursor[0] += 1
        self.placed[n.id] = (depth, y)
        return y


def _layout(nodes: Sequence[DiagramNode]) -> dict[str, _Box]:
    """Columns and vertical slots (fractional: a parent sits midway between its children)."""
    ids = {n.id for n in nodes}
    tops = [n for n in nodes if n.parent is None or n.parent not in ids or n.parent == n.id]
    stacker = _Stacker(nodes)
    # right side: each major type and its variants, stacked
    cursor = [0.0]
    for n in tops:
        if n.kind == "major" and n.id not in stacker.seen:
            stacker.place(n, 0, 1, cursor)
            cursor[0] += BLOCK_GAP
    _place_left_side(stacker, [n for n in tops if n.kind != "major"], cursor[0])
    shift = -min([0, *(depth for depth, _ in stacker.placed.values())])
    wrapped = {
        n.id: tuple(textwrap.wrap(n.label, WRAP, break_long_words=False) or [""]) for n in nodes
    }
    by_id = {n.id: n for n in nodes}
    placed = sorted(stacker.placed.items(), key=lambda kv: _order(nodes, kv[0]))
    return {k: _Box(by_id[k], depth + shift, slot, wrapped[k]) for k, (depth, slot) in placed}


def _place_left_side(stacker: _Stacker, others: Sequence[DiagramNode], right_end: float) -> None:
    """Places each rare type (and its variants) as near as it can to its major types."""
    placed = stacker.placed
    # (wanted slot of its root, index, root, its nodes at slots from 0, its height in slots)
    blocks: list[tuple[float, int, DiagramNode, dict[str, tuple[int, float]], float]] = []
    for index, n in enumerate(others):
        if n.id in stacker.seen:
            continue
        before = dict(placed)
        local = [0.0]
        stacker.place(n, -1, -1, local)
        mine = {k: v for k, v in placed.items() if k not in before}
        targets = [placed[t][1] for t in n.classed_as if t in placed and placed[t][0] == 0]
        wanted = sum(targets) / len(targets) if targets else float("inf")
        blocks.append((wanted, index, n, mine, local[0]))
    blocks.sort(key=lambda b: (b[0], b[1]))
    cursor_left = 0.0
    starts: list[float] = []
    for wanted, _, n, mine, size in blocks:
        centre = mine[n.id][1]
        start = cursor_left if wanted == float("inf") else max(cursor_left, wanted - centre)
        starts.append(start)
        cursor_left = start + size + BLOCK_GAP
    # when the rare types run below the major types, move them up (not above the top)
    lift = max(0.0, min((cursor_left - right_end), starts[0])) if starts else 0.0
    for (_, _, _, mine, _), start in zip(blocks, starts, strict=True):
        for k, (depth, y) in mine.items():
            placed[k] = (depth, y + start - lift)


def _order(nodes: Sequence[DiagramNode], node_id: str) -> int:
    """The index of a node in the given order."""
    return next(i for i, n in enumerate(nodes) if n.id == node_id)


def _ports(
    links: Sequence[tuple[_Box, _Box, bool]], y_of: _YOf, box_h: Callable[[_Box], float]
) -> list[tuple[float, float]]:
    """The y of both ends of each link: links meeting one side of a box are spread over the
    middle of that side, in the order of their other ends, so they do not start at one point."""
    ends: dict[tuple[str, bool], list[tuple[float, int, int]]] = {}  # (box, right side?) -> ...
    for i, (src, dst, _) in enumerate(links):
        forward = dst.col >= src.col
        ends.setdefault((src.node.id, forward), []).append((y_of(dst.slot), i, 0))
        ends.setdefault((dst.node.id, not forward), []).append((y_of(src.slot), i, 1))
    ys = [[0.0, 0.0] for _ in links]
    boxes = {b.node.id: b for link in links for b in link[:2]}
    for (box_id, _), attached in ends.items():
        box = boxes[box_id]
        centre, span = y_of(box.slot), box_h(box) * 0.6
        attached.sort()
        n = len(attached)
        for k, (_, i, end) in enumerate(attached):
            ys[i][end] = centre if n == 1 else centre - span / 2 + span * k / (n - 1)
    return [(a, b) for a, b in ys]


def _edge(src: _Box, dst: _Box, x_of: _XOf, ys: tuple[float, float], dashed: bool) -> str:
    """A smooth curve between facing sides of two boxes."""
    y1, y2 = ys
    if dst.col >= src.col:
        x1, x2 = x_of(src.col) + NODE_W, x_of(dst.col)
    else:
        x1, x2 = x_of(src.col), x_of(dst.col) + NODE_W
    mx = (x1 + x2) / 2
    kind = "variable" if dashed else "solid"
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    return (
        f'<path class="bibcite-diagram__edge bibcite-diagram__edge--{kind}" '
        f'data-from="{escape(src.node.id)}" data-to="{escape(dst.node.id)}"{dash} '
        f'd="M{_n(x1)} {_n(y1)}C{_n(mx)} {_n(y1)} {_n(mx)} {_n(y2)} {_n(x2)} {_n(y2)}"/>'
    )


def _n(value: float) -> str:
    """A coordinate: at most one decimal, no trailing zeros (deterministic)."""
    text = f"{round(value, 1):.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
