"""A Flow drawn as a vertical SVG diagram, server-side and dependency-free:
boxes stacked in step order, a path straight down to the next box, and any
other path (a branch's false path, an exit) routed in its own lane on the
right so no two cross a box."""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .flow import TRIGGER, Flow, Node

LEFT, TOP, BOX_WIDTH, LINE, PADDING, GAP = 20, 20, 380, 18, 10, 46
LANE, EXITS_WIDTH = 26, 280
BOLD = ' font-weight="bold"'
CHARS_PER_LINE = 52  # what fits in a box at 13px; the table beside has the full text
FILLS = {TRIGGER: "#e8f0fe", "email": "#ffffff", "wait": "#f4f4f7", "branch": "#fff4e5", "update": "#eef8f0",
         "exit": "#fde8e8", "end": "#e9e9ee"}


@dataclass(frozen=True)
class Box:
    node: Node
    y: int
    height: int

    @property
    def middle(self) -> int:
        return self.y + self.height // 2


def _lines(node: Node) -> list[str]:
    lines = [*node.details, *([node.counts] if node.counts else [])]
    return [line if len(line) <= CHARS_PER_LINE else line[:CHARS_PER_LINE - 1] + "…" for line in lines]


def _layout(flow: Flow) -> dict[str, Box]:
    boxes, y = {}, TOP
    for node in flow.nodes:
        height = 2 * PADDING + LINE * (1 + len(_lines(node)))
        boxes[node.key] = Box(node, y, height)
        y += height + GAP
    return boxes


def _node_svg(box: Box) -> str:
    node, x = box.node, LEFT + PADDING
    texts = [f'<text x="{x}" y="{box.y + PADDING + 13}"{BOLD}>{escape(node.title)}</text>']
    for number, line in enumerate(_lines(node), 1):
        texts.append(f'<text x="{x}" y="{box.y + PADDING + 13 + number * LINE}">{escape(line)}</text>')
    return (f'<g class="node node-{node.kind}" id="node-{node.key}">'
            f'<rect x="{LEFT}" y="{box.y}" width="{BOX_WIDTH}" height="{box.height}" rx="6" '
            f'fill="{FILLS.get(node.kind, "#ffffff")}" stroke="#5c5c66" />{"".join(texts)}</g>')


def _edge_svg(source: Box, target: Box, label: str, lane: int | None) -> str:
    centre = LEFT + BOX_WIDTH // 2
    if lane is None:  # straight down to the next box
        path = f"M{centre},{source.y + source.height} L{centre},{target.y - 2}"
        label_at = (centre + 8, source.y + source.height + GAP // 2 + 4)
    else:
        right, x = LEFT + BOX_WIDTH, LEFT + BOX_WIDTH + LANE * (lane + 1)
        path = f"M{right},{source.middle} L{x},{source.middle} L{x},{target.middle} L{right + 2},{target.middle}"
        label_at = (right + 4, source.middle - 5)
    text = f'<text x="{label_at[0]}" y="{label_at[1]}" font-style="italic">{escape(label)}</text>' if label else ""
    return (f'<g class="edge" data-source="{source.node.key}" data-target="{target.node.key}" '
            f'data-label="{escape(label)}"><path d="{path}" fill="none" stroke="#3d3d45" stroke-width="1.5" '
            f'marker-end="url(#drip-arrow)" />{text}</g>')


def flow_svg(flow: Flow) -> SafeString:
    boxes = _layout(flow)
    order = [node.key for node in flow.nodes]
    edges, lanes = [], 0
    for edge in flow.edges:
        adjacent = order.index(edge.target) == order.index(edge.source) + 1
        edges.append(_edge_svg(boxes[edge.source], boxes[edge.target], edge.label, None if adjacent else lanes))
        lanes += 0 if adjacent else 1
    exits_x = LEFT + BOX_WIDTH + LANE * (lanes + 1) + 20
    exits = [_("Leaves the journey at any point")] + (flow.exits or [_("(no exit events)")])
    exits_svg = "".join(
        f'<text x="{exits_x + PADDING}" y="{TOP + PADDING + 13 + number * LINE}"'
        f'{BOLD if number == 0 else ""}>{escape(line)}</text>' for number, line in enumerate(exits))
    exits_height = 2 * PADDING + LINE * len(exits)
    width = exits_x + EXITS_WIDTH + LEFT
    last = boxes[order[-1]]
    height = max(last.y + last.height, TOP + exits_height) + TOP
    title = _("Map of the sequence “%(name)s”") % {"name": flow.sequence.name}
    description = _("%(steps)d steps from the trigger %(event)s to the end; the table beside lists the same flow.") % {
        "steps": len(order) - 2, "event": flow.sequence.trigger_event}
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="drip-flow" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="drip-flow-title drip-flow-desc" '
        f'font-family="Helvetica, Arial, sans-serif" font-size="13" fill="#1d1d1d">'
        f'<title id="drip-flow-title">{escape(title)}</title><desc id="drip-flow-desc">{escape(description)}</desc>'
        '<defs><marker id="drip-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#3d3d45" /></marker></defs>'
        + "".join(_node_svg(box) for box in boxes.values()) + "".join(edges)
        + f'<g class="exits"><rect x="{exits_x}" y="{TOP}" width="{EXITS_WIDTH}" height="{exits_height}" rx="6" '
          f'fill="{FILLS["exit"]}" stroke="#5c5c66" stroke-dasharray="4 3" />{exits_svg}</g></svg>')
