"""The briefing's coalition map: a deterministic, print-friendly layout (the SVG is drawn by reports/templates).

Presentation, not analysis: the canvas, the palette and where labels go live here, in the report layer. A
force-directed drawing of hundreds of actors and thousands of agreement ties is unreadable on paper. The map
instead places each coalition as a cluster on a ring (largest first, clockwise from the top), packs its members
in a sunflower pattern, and draws only what a reader needs: bands between the rims of coalitions whose width
shows how much their members agree (never across member dots), and the ties of bridge actors. A coalition's
colour follows its key, so it keeps its colour from week to week as it keeps its key. Labels are placed beside
their dot where they overlap no other label or dot and stay inside the canvas; a long name is shortened (the full
name is in the tooltip and the coalition table), and a label that fits nowhere is left out. Same analysis, same
picture.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from igtracker.analysis.coalitions import Coalition, CoalitionAnalysis
from igtracker.display import clip

WIDTH, HEIGHT = 1000.0, 620.0
MARGIN = 70.0
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
PALETTE = ["#1f5fa6", "#c0392b", "#2e8b57", "#8e44ad", "#d68910", "#16a2b8", "#7b5e3b", "#c2185b", "#556b2f",
           "#34495e"]
UNALIGNED_COLOUR = "#9aa0a6"
MAX_LABELS = 60
LABEL_CHARS = 18  # longer names are shortened on the map
CHAR_WIDTH = 0.56  # average glyph width of the map's sans-serif font, in ems
KEY_FONT = 14.0


def key_colour(key: str) -> str:
    """The colour of a coalition by its key (c1 -> the first colour, ...): stable as long as the key is."""
    digits = key[1:]
    return PALETTE[(int(digits) - 1) % len(PALETTE)] if digits.isdigit() else UNALIGNED_COLOUR


def short_name(name: str, slug: str) -> str:
    """A map label: the name, or for a long one its acronym-like id (ICANN, CEPT) or the name shortened."""
    if len(name) <= LABEL_CHARS:
        return name
    if len(slug) <= 6 and slug.isalpha():
        return slug.upper()
    return clip(name, LABEL_CHARS)


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
    leaning: bool = False
    label: str = ""
    lx: float = 0.0
    ly: float = 0.0


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
    font_size: float = 10.0
    nodes: list[MapNode] = field(default_factory=list)
    clusters: list[MapCluster] = field(default_factory=list)
    links: list[MapLink] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.nodes

    def colour(self, key: str) -> str:
        """The colour a coalition (by key) has on the map, for legends elsewhere."""
        return key_colour(key) if key else UNALIGNED_COLOUR


def _sunflower(n: int, spacing: float) -> list[tuple[float, float]]:
    """n points filling a disc evenly (Vogel's model): seat i at radius ~ sqrt(i), turned by the golden angle."""
    points = []
    for i in range(n):
        radius = spacing * math.sqrt(i + 0.5)
        points.append((radius * math.cos(i * GOLDEN_ANGLE), radius * math.sin(i * GOLDEN_ANGLE)))
    return points


def coalition_map(analysis: CoalitionAnalysis) -> CoalitionMap:
    """Positions for every positioned actor, clusters for coalitions, bands and bridge ties between them."""
    groups: list[tuple[str, str, str, list[tuple[int, str, str, bool, bool]]]] = []
    affinity = coalition_affinity(analysis)
    for coalition in ring_order(analysis.coalitions, affinity):
        members = [(m.actor.id, m.actor.name, m.actor.slug, m.bridge, m.leaning) for m in coalition.members]
        groups.append((coalition.key, coalition.label, key_colour(coalition.key), members))
    if analysis.unaligned:
        groups.append(("", "unaligned", UNALIGNED_COLOUR,
                       [(a.id, a.name, a.slug, False, False) for a in analysis.unaligned]))
    total = sum(len(g[3]) for g in groups)
    result = CoalitionMap(WIDTH, HEIGHT, font_size=10.0 if total <= MAX_LABELS else 8.0)
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
        ordered = sorted(members, key=lambda m: (m[3], m[1].lower()))
        for (actor_id, name, slug, bridge, leaning), (dx, dy) in zip(ordered, _sunflower(len(ordered), spacing),
                                                                     strict=True):
            nx_, ny_ = place(cx + dx, cy + dy)
            where[actor_id] = (nx_, ny_)
            result.nodes.append(MapNode(
                actor_id, name, nx_, ny_, round(node_r * (0.75 if leaning else 1.0), 1), colour, bridge,
                labelled=label_all or bridge, leaning=leaning, label=short_name(name, slug),
            ))
    _links(analysis, result, where, cluster_at, node_r, affinity)
    place_labels(result)
    return result


Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def _overlaps(box: Box, others: list[Box]) -> bool:
    return any(box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3] for o in others)


def _label_box(node: MapNode, text: str, side: str, size: float) -> tuple[Box, float, float, str]:
    """Where a label goes on one side of its dot: its box, its text anchor point and anchor."""
    width, gap = len(text) * size * CHAR_WIDTH, node.r + 2.5
    if side == "right":
        x, y, anchor = node.x + gap, node.y + size * 0.35, "start"
        return (x, y - size * 0.8, x + width, y + size * 0.25), x, y, anchor
    if side == "left":
        x, y, anchor = node.x - gap, node.y + size * 0.35, "end"
        return (x - width, y - size * 0.8, x, y + size * 0.25), x, y, anchor
    y = node.y - gap - size * 0.25 if side == "above" else node.y + gap + size * 0.8
    return (node.x - width / 2, y - size * 0.8, node.x + width / 2, y + size * 0.25), node.x, y, "middle"


def place_labels(result: CoalitionMap) -> None:
    """Put each label beside its dot where it is inside the canvas and overlaps no label, dot or coalition key;
    shorten it if it fits nowhere, and leave it out (the tooltip and the table name the actor) if it still does
    not."""
    size = result.font_size
    taken: list[Box] = [(n.x - n.r, n.y - n.r, n.x + n.r, n.y + n.r) for n in result.nodes]
    for c in result.clusters:
        text = f"{c.key.upper() or 'Unaligned'} · {c.size}"
        width = len(text) * KEY_FONT * CHAR_WIDTH
        top = c.y - c.r - 14
        taken.append((c.x - width / 2, top - KEY_FONT, c.x + width / 2, top + 4))
    order = sorted((n for n in result.nodes if n.labelled), key=lambda n: (not n.bridge, n.name.lower()))
    for node in order:
        node.labelled = False
        own = (node.x - node.r, node.y - node.r, node.x + node.r, node.y + node.r)
        others = [b for b in taken if b != own]
        sides = ("right", "left", "above", "below") if node.x >= result.width / 2 else ("left", "right", "above",
                                                                                          "below")
        for text in dict.fromkeys((node.label, clip(node.label, 10))):
            for side in sides:
                box, x, y, anchor = _label_box(node, text, side, size)
                inside = box[0] >= 2 and box[1] >= 2 and box[2] <= result.width - 2 and box[3] <= result.height - 2
                if inside and not _overlaps(box, others):
                    node.label, node.lx, node.ly, node.anchor, node.labelled = text, round(x, 1), round(y, 1), \
                        anchor, True
                    taken.append(box)
                    break
            if node.labelled:
                break


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
    radius = {c.key: c.r + 8 for c in result.clusters}  # the cluster's halo, as drawn
    for (ka, kb), density in affinity.items():
        if density < 0.05:
            continue
        (x1, y1), (x2, y2) = cluster_at[ka], cluster_at[kb]
        length = math.hypot(x2 - x1, y2 - y1)
        if length <= radius[ka] + radius[kb] + 4:
            continue  # halos touch: a band would cross member dots
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        # From rim to rim: a band never runs across member dots.
        result.links.append(MapLink(
            round(x1 + ux * radius[ka], 1), round(y1 + uy * radius[ka], 1),
            round(x2 - ux * radius[kb], 1), round(y2 - uy * radius[kb], 1), round(2 + 16 * density, 1), "band",
        ))
    for bridge in analysis.bridges:
        x1, y1 = where[bridge.actor.id]
        for other in bridge.ties:
            cx, cy = cluster_at[other]
            # Stop at the rim of the other coalition's disc rather than at its centre.
            dx, dy = x1 - cx, y1 - cy
            length = math.hypot(dx, dy) or 1.0
            rim = radius[other] - 8
            x2, y2 = round(cx + dx / length * rim, 1), round(cy + dy / length * rim, 1)
            result.links.append(MapLink(x1, y1, x2, y2, round(max(1.0, node_r / 3), 1), "bridge"))
