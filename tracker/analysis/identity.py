"""Stable coalition identities: this week's coalitions take last week's keys (C1, C2, ...) by shared membership.

Keys are what a reader follows from one briefing to the next (the map's colours follow them too). Without a
previous analysis a coalition's key follows its line (see ``coalitions.find_coalitions``); with one, the
coalitions are matched one-to-one to last week's by the Jaccard overlap of their members (the Hungarian method,
scipy's ``linear_sum_assignment``), each matched coalition keeps last week's key, and a new one takes the lowest
key not in use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import linear_sum_assignment

if TYPE_CHECKING:
    from igtracker.analysis.coalitions import Coalition

MIN_OVERLAP = 0.2  # Jaccard overlap below which two coalitions are not the same one


def _jaccard(a: set[int], b: set[int]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def match_keys(previous: list[Coalition], current: list[Coalition]) -> dict[str, str]:
    """Give ``current`` coalitions the keys of the ``previous`` ones they continue; returns new key -> old key."""
    members_before = [{m.actor.id for m in c.members} for c in previous]
    members_now = [{m.actor.id for m in c.members} for c in current]
    overlap = np.array([[_jaccard(now, before) for before in members_before] for now in members_now])
    assigned: dict[int, str] = {}
    if overlap.size:
        rows, cols = linear_sum_assignment(overlap, maximize=True)
        assigned = {int(r): previous[c].key for r, c in zip(rows, cols, strict=True) if overlap[r, c] >= MIN_OVERLAP}
    used = set(assigned.values())
    fresh = (f"c{n}" for n in range(1, len(previous) + len(current) + 2) if f"c{n}" not in used)
    renamed = {}
    for index, coalition in enumerate(current):
        key = assigned.get(index) or next(fresh)
        renamed[key] = coalition.key
        coalition.key = key
    return renamed
