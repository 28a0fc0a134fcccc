"""The coalition map's layout: labels inside the canvas and apart, bands between rims, colours by key."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from igtracker.analysis import analyse
from igtracker.briefing_map import CoalitionMap, MapNode, _label_box, coalition_map, key_colour
from tests.conftest import sqlite_only
from tests.factories import StoreBuilder, build_dispute

END_OF_WEEK = datetime(2026, 11, 15, 23, 59, 59, tzinfo=UTC)


def label_boxes(result: CoalitionMap) -> list[tuple[MapNode, tuple[float, float, float, float]]]:
    out = []
    for node in result.nodes:
        if node.labelled:
            side = {"start": "right", "end": "left"}.get(node.anchor) or ("above" if node.ly < node.y else "below")
            out.append((node, _label_box(node, node.label, side, result.font_size)[0]))
    return out


def assert_reads_cleanly(result: CoalitionMap) -> None:
    boxes = label_boxes(result)
    for node, (x0, y0, x1, y1) in boxes:
        assert x0 >= 0 and x1 <= result.width and y0 >= 0 and y1 <= result.height, node.name  # never cut
        for other in result.nodes:  # never over a dot
            nearest_x, nearest_y = min(max(other.x, x0), x1), min(max(other.y, y0), y1)
            assert math.hypot(other.x - nearest_x, other.y - nearest_y) >= other.r - 0.5, (node.name, other.name)
    for i, (a, box_a) in enumerate(boxes):  # never over another label
        for b, box_b in boxes[i + 1:]:
            apart = box_a[2] <= box_b[0] or box_b[2] <= box_a[0] or box_a[3] <= box_b[1] or box_b[3] <= box_a[1]
            assert apart, (a.name, b.name)
    for link in (link for link in result.links if link.kind == "band"):  # bands run between rims, not over dots
        for node in result.nodes:
            dx, dy = link.x2 - link.x1, link.y2 - link.y1
            t = max(0.0, min(1.0, ((node.x - link.x1) * dx + (node.y - link.y1) * dy) / (dx * dx + dy * dy)))
            distance = math.hypot(node.x - link.x1 - t * dx, node.y - link.y1 - t * dy)
            assert distance >= link.width / 2 + node.r, node.name


@sqlite_only
def test_the_dispute_map_reads_cleanly(session: Session) -> None:
    build_dispute(session)
    analysis = analyse(session, END_OF_WEEK)
    result = coalition_map(analysis)
    assert_reads_cleanly(result)
    assert sum(n.labelled for n in result.nodes) >= 0.9 * len(result.nodes)
    itu = next(n for n in result.nodes if n.name == "International Telecommunication Union")
    assert itu.label == "ITU"  # a long name shortened; the table and the tooltip keep it whole
    assert {c.key: c.colour for c in result.clusters} == {c.key: key_colour(c.key) for c in analysis.coalitions}


@sqlite_only
def test_a_crowded_map_still_reads_cleanly(session: Session) -> None:
    b = StoreBuilder(session, END_OF_WEEK)
    b.issues()
    for n in range(57):  # just under the number of actors beyond which only bridges are labelled
        actor = b.actor(f"actor-{n}", f"Actor with a long name number {n}")
        side = "support" if n % 3 else "oppose"
        for issue in ("control", "surveillance", "taxation")[: 1 + n % 3]:
            b.stance(actor, issue, side, stated_at=END_OF_WEEK)
    session.commit()
    result = coalition_map(analyse(session, END_OF_WEEK))
    assert_reads_cleanly(result)
    assert sum(n.labelled for n in result.nodes) >= 0.6 * len(result.nodes)  # crowded, yet mostly labelled
