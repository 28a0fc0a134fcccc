"""A deterministic, print-friendly layout of the coalition map (positions only; the SVG is drawn by a template).

A force-directed drawing of hundreds of actors and thousands of agreement ties is unreadable on paper. The map
instead places each coalition as a cluster on a ring (largest first, clockwise from the top), packs its members
in a sunflower pattern, and draws only what a reader needs: bands between coalitions whose width shows how much
their members agree, and the ties of bridge actors. Same analysis, same picture.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from tracker.analysis.coalitions import Coalition, CoalitionAnalysis

WIDTH, HEIGHT = 1000.0, 620.0
MARGIN = 70.0
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
PALETTE = ["#1f5fa6", "#c0392b", "#2e8b57", "#8e44ad", "#d68910", "#16a2b8", "#7b5e3b", "#c2185b", "#556b2f",
           "#34495e"]
UNALIGNED_COLOUR = "#9aa0a6"
MAX_LABELS = 60


@dataclass
class MapNode:
    actor_id: int
    name: str
    x: float
    y: float
    r: float
    colour: str
    bridge: bool
    labelled: bool
    anchor: str = "start"


@dataclass
class MapCluster:
    key: str
    label: str
    size: int
    colour: str
    x: float
    y: float
    r: float


@dataclass
class MapLink:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    kind: str  # "band" between coalitions, "bridge" from a bridge actor


@dataclass
class CoalitionMap:
    width: float
    height: float
    nodes: list[MapNode] = field(default_factory=list)
    clusters: list[MapCluster] = field(default_factory=list)
    links: list[MapLink] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.nodes

    def colour(self, key: str) -> str:
        """The colour a coalition (by key) has on the map, for legends elsewhere."""
        return next((c.colour for c in self.clusters if c.key == key), UNALIGNED_COLOUR)


def _sunflower(n: int, spacing: float) -> list[tuple[float, float]]:
    """n points filling a disc evenly (Vogel's model): seat i at radius ~ sqrt(i), turned by the golden angle."""
    points = []
    for i in range(n):
        radius = spacing * math.sqrt(i + 0.5)
        points.append((radius * math.cos(i * GOLDEN_ANGLE), radius * math.sin(i * GOLDEN_ANGLE)))
    return points


def coalition_map(analysis: CoalitionAnalysis) -> CoalitionMap:
    """Positions for every positioned actor, clusters for coalitions, bands and bridge ties between them."""
    groups: list[tuple[str, str, str, list[tuple[int, str, bool]]]] = []
    affinity = coalition_affinity(analysis)
    colour = {c.key: PALETTE[index % len(PALETTE)] for index, c in enumerate(analysis.coalitions)}
    for coalition in ring_order(analysis.coalitions, affinity):
        members = [(m.actor.id, m.actor.name, m.bridge) for m in coalition.members]
        groups.append((coalition.key, coalition.label, colour[coalition.key], members))
    if analysis.unaligned:
        groups.append(("", "unaligned", UNALIGNED_COLOUR, [(a.id, a.name, False) for a in analysis.unaligned]))
    total = sum(len(g[3]) for g in groups)
    result = CoalitionMap(WIDTH, HEIGHT)
    if total == 0:
        return result
    node_r = 7.0 if total <= 60 else 5.0 if total <= 150 else 3.6
    spacing = node_r * 2.3
    radii = [spacing * math.sqrt(len(g[3]) + 0.5) + node_r for g in groups]
    gap = 60.0
    ring = sum(2 * r + gap for r in radii) / (2 * math.pi) if len(groups) > 1 else 0.0
    centres = []
    angle = -math.pi / 2
    for r in radii:
        share = (2 * r + gap) / (2 * math.pi * ring) * 2 * math.pi if ring else 0.0
        angle += share / 2
        centres.append((ring * math.cos(angle), ring * math.sin(angle)))
        angle += share / 2
    # Fit the picture into the canvas, keeping aspect ratio and room for labels.
    discs = list(zip(centres, radii, strict=True))
    xs = [c[0] - r for c, r in discs] + [c[0] + r for c, r in discs]
    ys = [c[1] - r for c, r in discs] + [c[1] + r for c, r in discs]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    scale = min((WIDTH - 2 * MARGIN - 140) / span_x, (HEIGHT - 2 * MARGIN) / span_y, 2.2)
    off_x = WIDTH / 2 - (max(xs) + min(xs)) / 2 * scale
    off_y = HEIGHT / 2 - (max(ys) + min(ys)) / 2 * scale

    def place(x: float, y: float) -> tuple[float, float]:
        return round(off_x + x * scale, 1), round(off_y + y * scale, 1)

    label_all = total <= MAX_LABELS
    where: dict[int, tuple[float, float]] = {}
    cluster_at: dict[str, tuple[float, float]] = {}
    for (key, label, colour, members), (cx, cy), r in zip(groups, centres, radii, strict=True):
        x, y = place(cx, cy)
        result.clusters.append(MapCluster(key, label, len(members), colour, x, y, round(r * scale, 1)))
        cluster_at[key] = (x, y)
        # Bridges take the outermost seats; otherwise alphabetical order from the centre outwards.
        ordered = sorted(members, key=lambda m: (m[2], m[1].lower()))
        for (actor_id, name, bridge), (dx, dy) in zip(ordered, _sunflower(len(ordered), spacing), strict=True):
            nx_, ny_ = place(cx + dx, cy + dy)
            where[actor_id] = (nx_, ny_)
            result.nodes.append(MapNode(
                actor_id, name, nx_, ny_, node_r, colour, bridge, labelled=label_all or bridge,
                anchor="start" if dx >= 0 else "end",
            ))
    _links(analysis, result, where, cluster_at, node_r, affinity)
    return result


def coalition_affinity(analysis: CoalitionAnalysis) -> dict[tuple[str, str], float]:
    """Mean agreement (kappa summed over agreeing pairs / all member pairs) between each two coalitions."""
    home = {m.actor.id: c.key for c in analysis.coalitions for m in c.members}
    sizes = {c.key: c.size for c in analysis.coalitions}
    between: dict[tuple[str, str], float] = defaultdict(float)
    for a, b, data in analysis.graph.edges(data=True):
        ka, kb = home.get(a), home.get(b)
        if ka and kb and ka != kb:
            first, second = sorted((ka, kb))
            between[(first, second)] += data["weight"]
    return {pair: weight / (sizes[pair[0]] * sizes[pair[1]]) for pair, weight in sorted(between.items())}


def ring_order(coalitions: list[Coalition], affinity: dict[tuple[str, str], float]) -> list[Coalition]:
    """Largest coalition first, then each time the one closest to the last placed: allies end up side by side."""
    if not coalitions:
        return []
    placed, rest = [coalitions[0]], list(coalitions[1:])
    while rest:
        last = placed[-1].key
        nearest = max(rest, key=lambda c: affinity.get(tuple(sorted((last, c.key))), 0.0))  # type: ignore[arg-type]
        placed.append(nearest)
        rest.remove(nearest)
    return placed


def _links(analysis: CoalitionAnalysis, result: CoalitionMap, where: dict[int, tuple[float, float]],
           cluster_at: dict[str, tuple[float, float]], node_r: float,
           affinity: dict[tuple[str, str], float]) -> None:
    for (ka, kb), density in affinity.items():
        if density < 0.05:
            continue
        (x1, y1), (x2, y2) = cluster_at[ka], cluster_at[kb]
        result.links.append(MapLink(x1, y1, x2, y2, round(2 + 16 * density, 1), "band"))
    radius = {c.key: c.r for c in result.clusters}
    for bridge in analysis.bridges:
        x1, y1 = where[bridge.actor.id]
        for other in bridge.ties:
            cx, cy = cluster_at[other]
            # Stop at the rim of the other coalition's disc rather than at its centre.
            dx, dy = x1 - cx, y1 - cy
            length = math.hypot(dx, dy) or 1.0
            x2, y2 = round(cx + dx / length * radius[other], 1), round(cy + dy / length * radius[other], 1)
            result.links.append(MapLink(x1, y1, x2, y2, round(max(1.0, node_r / 3), 1), "bridge"))
