"""What moved since last week: positions that changed, actors that changed coalition (and which of their positions
changed), actors new to the dispute, coalitions that split or merged.

The previous week is recomputed as of seven days earlier with the same rules, rather than read from a stored
snapshot, so a recoding or an analyst's correction shows up consistently in both weeks; this week's coalitions
take the keys of last week's ones they continue (``identity.match_keys``), so a move is a change of key.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from igtracker.analysis.coalitions import Coalition, CoalitionAnalysis, analyse
from igtracker.analysis.matrix import ActorInfo
from igtracker.analysis.pooling import Evidence

WEEK = timedelta(days=7)
SIGNIFICANT_MEMBERS = 2  # a part of a coalition counts when it has at least this many members ...
SIGNIFICANT_SHARE = 0.25  # ... and at least this share of the coalition


@dataclass
class PositionChange:
    """An actor's position on an issue now versus a week earlier (None: no position then or now)."""

    actor: ActorInfo
    issue_id: str
    before: str | None
    after: str | None
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def switched(self) -> bool:
        """From support to oppose or back: the change a reader must not miss."""
        return {self.before, self.after} == {"support", "oppose"}

    @property
    def kind(self) -> str:
        if self.before is None:
            return "new"
        if self.after is None:
            return "dropped"
        return "changed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "actor": self.actor.slug, "name": self.actor.name, "issue": self.issue_id,
            "before": self.before, "after": self.after, "kind": self.kind,
        }


@dataclass
class CoalitionMove:
    """An actor in a different coalition than a week earlier ("" = unaligned), with its own position changes."""

    actor: ActorInfo
    before: str
    after: str
    before_label: str
    after_label: str
    because: list[PositionChange] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "actor": self.actor.slug, "name": self.actor.name, "before": self.before, "after": self.after,
            "because": [c.to_dict() for c in self.because],
        }


@dataclass
class CoalitionChange:
    """A split (one coalition now spread over several) or a merger (several now in one)."""

    kind: str  # "split" | "merged"
    before: list[str]  # labels last week
    after: list[str]  # labels now
    actors: list[ActorInfo]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "before": self.before, "after": self.after, "actors": [a.slug for a in self.actors]}


@dataclass
class Shifts:
    as_of: datetime
    previous_as_of: datetime
    changes: list[PositionChange]
    new_actors: list[ActorInfo]
    coalition_changes: list[CoalitionChange]
    coalitions_before: int
    coalitions_after: int
    moves: list[CoalitionMove] = field(default_factory=list)

    @property
    def changed(self) -> list[PositionChange]:
        """Actors that switched sides or moved from/to a mixed or neutral position."""
        return [c for c in self.changes if c.kind == "changed"]

    @property
    def new_positions(self) -> list[PositionChange]:
        return [c for c in self.changes if c.kind == "new"]

    @property
    def splits(self) -> list[CoalitionChange]:
        return [c for c in self.coalition_changes if c.kind == "split"]

    @property
    def mergers(self) -> list[CoalitionChange]:
        return [c for c in self.coalition_changes if c.kind == "merged"]

    @property
    def nothing_moved(self) -> bool:
        return not (self.changes or self.new_actors or self.coalition_changes or self.moves)

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "previous_as_of": self.previous_as_of.isoformat(),
            "changes": [c.to_dict() for c in self.changes],
            "new_actors": [a.slug for a in self.new_actors],
            "coalition_changes": [c.to_dict() for c in self.coalition_changes],
            "moves": [m.to_dict() for m in self.moves],
        }


def _position_changes(before: CoalitionAnalysis, after: CoalitionAnalysis) -> list[PositionChange]:
    changes = []
    keys = sorted(set(before.matrix.cells) | set(after.matrix.cells))
    for actor_id, issue_id in keys:
        old = before.matrix.position(actor_id, issue_id)
        new_cell = after.matrix.cell(actor_id, issue_id)
        new = new_cell.position if new_cell else None
        if old == new or (old is None and new == "neutral"):
            continue
        actor = after.matrix.all_actors.get(actor_id) or before.matrix.all_actors[actor_id]
        changes.append(PositionChange(actor, issue_id, old, new, new_cell.evidence if new_cell else []))
    changes.sort(key=lambda c: (
        {"changed": 0, "new": 1, "dropped": 2}[c.kind], not c.switched, c.actor.name.lower(), c.issue_id
    ))
    return changes


def _significant(parts: Counter[str], total: int) -> list[str]:
    return sorted(
        key for key, n in parts.items() if key and n >= SIGNIFICANT_MEMBERS and n >= SIGNIFICANT_SHARE * total
    )


def _coalition_changes(before: CoalitionAnalysis, after: CoalitionAnalysis) -> list[CoalitionChange]:
    """Match last week's coalitions with this week's by shared members (actors present in both weeks only)."""
    present = {m.actor.id for c in after.coalitions for m in c.members} | {a.id for a in after.unaligned}
    home_after = {m.actor.id: c.key for c in after.coalitions for m in c.members}
    home_before = {m.actor.id: c.key for c in before.coalitions for m in c.members}
    by_key_before: dict[str, Coalition] = {c.key: c for c in before.coalitions}
    by_key_after: dict[str, Coalition] = {c.key: c for c in after.coalitions}
    changes = []
    for old in before.coalitions:
        members = [m.actor.id for m in old.members if m.actor.id in present]
        parts = _significant(Counter(home_after.get(a, "") for a in members), len(members))
        if len(parts) > 1:
            actors = sorted((m.actor for m in old.members if m.actor.id in present), key=lambda a: a.name.lower())
            changes.append(CoalitionChange("split", [old.label], [by_key_after[k].label for k in parts], actors))
    for new in after.coalitions:
        members = [m.actor.id for m in new.members]
        sources = Counter(home_before.get(a, "") for a in members)
        parts = [
            key for key in sorted(sources)
            if key and sources[key] >= SIGNIFICANT_MEMBERS
            and sources[key] >= SIGNIFICANT_SHARE * sum(1 for m in by_key_before[key].members if m.actor.id in present)
        ]
        if len(parts) > 1:
            actors = sorted((m.actor for m in new.members), key=lambda a: a.name.lower())
            changes.append(CoalitionChange("merged", [by_key_before[k].label for k in parts], [new.label], actors))
    return changes


def _homes(analysis: CoalitionAnalysis) -> dict[int, tuple[str, str]]:
    """Actor id -> (coalition key, label), "" for the unaligned."""
    homes = {m.actor.id: (c.key, c.label) for c in analysis.coalitions for m in c.members}
    homes.update({a.id: ("", "unaligned") for a in analysis.unaligned})
    return homes


def _moves(before: CoalitionAnalysis, after: CoalitionAnalysis,
           changes: list[PositionChange]) -> list[CoalitionMove]:
    """Actors placed in both weeks whose coalition key differs, each with the position changes behind the move."""
    old, new = _homes(before), _homes(after)
    by_actor: dict[int, list[PositionChange]] = {}
    for change in changes:
        by_actor.setdefault(change.actor.id, []).append(change)
    moves = [
        CoalitionMove(after.matrix.actors[a], old[a][0], new[a][0], old[a][1], new[a][1], by_actor.get(a, []))
        for a in sorted(set(old) & set(new)) if old[a][0] != new[a][0]
    ]
    moves.sort(key=lambda m: m.actor.name.lower())
    return moves


def compare(before: CoalitionAnalysis, after: CoalitionAnalysis) -> Shifts:
    """What differs between two analyses (normally a week apart)."""
    known_before = set(before.matrix.actors)
    new_actors = sorted(
        (a for a_id, a in after.matrix.actors.items() if a_id not in known_before), key=lambda a: a.name.lower()
    )
    changes = _position_changes(before, after)
    return Shifts(
        as_of=after.as_of,
        previous_as_of=before.as_of,
        changes=changes,
        new_actors=new_actors,
        coalition_changes=_coalition_changes(before, after),
        coalitions_before=len(before.coalitions),
        coalitions_after=len(after.coalitions),
        moves=_moves(before, after, changes),
    )


def what_moved(session: Session, as_of: datetime | None = None, issue: str | None = None) -> Shifts:
    """Compare the analysis as of a date (default: now) with the one seven days earlier."""
    current, previous = week_pair(session, as_of, issue)
    return compare(previous, current)


def week_pair(session: Session, as_of: datetime | None = None,
              issue: str | None = None) -> tuple[CoalitionAnalysis, CoalitionAnalysis]:
    """The analysis as of a date and the one a week earlier, this week's coalitions keyed after last week's."""
    moment = as_of if as_of is not None else datetime.now(UTC)
    previous = analyse(session, moment - WEEK, issue, evidence=False)
    return analyse(session, moment, issue, previous=previous), previous
