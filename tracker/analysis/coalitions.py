"""Coalitions: actors who agree more than chance, found as communities of the agreement graph.

The graph joins two actors when their chance-corrected agreement (see ``agreement``) reaches ``MIN_KAPPA``; edge
weights are the kappa values. Communities come from networkx's Louvain method with a fixed seed and sorted input,
so the same store always yields the same coalitions. Each coalition is labelled with the positions that set it
apart (from the codebook's support/oppose labels), and scored for cohesion with the Rice index: per issue
|support - oppose| / (support + oppose) over its members, pooled over issues (1 = united, 0 = evenly split).
"""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import networkx as nx
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.analysis.agreement import Agreement, pairwise_agreement
from tracker.analysis.matrix import MIXED, NEUTRAL, OPPOSE, SUPPORT, ActorInfo, Cell, StanceMatrix, stance_matrix
from tracker.models import Bloc

SEED = 20261125
MIN_KAPPA = 0.2
RESOLUTION = 1.0
DOMINANT_SHARE = 0.66  # share of a coalition's members on one side for it to count as the coalition's line
DOMINANT_COVERAGE = 0.5  # share of its members that must take a side at all
BRIDGE_SHARE = 0.35  # share of an actor's ties reaching into other coalitions to call it a bridge
LABEL_POSITIONS = 2


@dataclass
class Member:
    actor: ActorInfo
    positions: dict[str, str]
    bridge: bool = False
    outside_share: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.actor.id,
            "slug": self.actor.slug,
            "name": self.actor.name,
            "kind": self.actor.kind,
            "country": self.actor.country,
            "positions": self.positions,
            "bridge": self.bridge,
        }


@dataclass(frozen=True)
class IssueLine:
    """How a group stands on one issue: counts per side and the dominant side, if any."""

    support: int
    oppose: int
    size: int

    @property
    def taken(self) -> int:
        return self.support + self.oppose

    @property
    def share(self) -> float:
        return max(self.support, self.oppose) / self.taken if self.taken else 0.0

    @property
    def coverage(self) -> float:
        return self.taken / self.size if self.size else 0.0

    @property
    def dominant(self) -> str | None:
        if self.taken == 0 or self.support == self.oppose:
            return None
        if self.share < DOMINANT_SHARE or self.coverage < DOMINANT_COVERAGE:
            return None
        return SUPPORT if self.support > self.oppose else OPPOSE

    @property
    def balance(self) -> float:
        return (self.support - self.oppose) / self.taken if self.taken else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "support": self.support, "oppose": self.oppose, "dominant": self.dominant, "share": round(self.share, 3)
        }


@dataclass
class Coalition:
    key: str
    label: str
    cohesion: float
    members: list[Member]
    lines: dict[str, IssueLine]

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def positions(self) -> dict[str, str]:
        """The coalition's line per issue where it has one (issue id -> support|oppose)."""
        return {i: line.dominant for i, line in self.lines.items() if line.dominant}

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "cohesion": round(self.cohesion, 3),
            "size": self.size,
            "positions": self.positions,
            "issues": {i: line.to_dict() for i, line in self.lines.items()},
            "members": [m.to_dict() for m in self.members],
        }


@dataclass
class CampEntry:
    actor: ActorInfo
    cell: Cell | None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.actor.id, "slug": self.actor.slug, "name": self.actor.name}
        if self.cell is not None:
            data.update(position=self.cell.position, confidence=self.cell.confidence, basis=self.cell.basis)
        return data


@dataclass
class Camps:
    """One issue's camps: who supports, who opposes, who has not taken a side (mixed, neutral or silent)."""

    issue_id: str
    support: list[CampEntry]
    oppose: list[CampEntry]
    undeclared: list[CampEntry]

    def to_dict(self) -> dict[str, Any]:
        return {
            "issue": self.issue_id,
            "support": [e.to_dict() for e in self.support],
            "oppose": [e.to_dict() for e in self.oppose],
            "undeclared": [e.to_dict() for e in self.undeclared],
        }


@dataclass
class Bridge:
    actor: ActorInfo
    coalition: str
    outside_share: float
    ties: dict[str, float]  # other coalition key -> summed agreement

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.actor.id,
            "slug": self.actor.slug,
            "name": self.actor.name,
            "coalition": self.coalition,
            "outside_share": round(self.outside_share, 3),
            "ties": {k: round(v, 3) for k, v in self.ties.items()},
        }


@dataclass
class BlocView:
    """A bloc (EU, BRICS, ...) seen through the analysis: its line per issue and where its members sit."""

    slug: str
    name: str
    members: list[ActorInfo]
    lines: dict[str, IssueLine]
    cohesion: float
    coalitions: dict[str, int]  # coalition key -> members in it ("" for unaligned or silent members)

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "members": [m.slug for m in self.members],
            "cohesion": round(self.cohesion, 3),
            "issues": {i: line.to_dict() for i, line in self.lines.items()},
            "coalitions": self.coalitions,
        }


@dataclass
class CoalitionAnalysis:
    as_of: datetime
    scope: str
    matrix: StanceMatrix
    agreements: list[Agreement]
    graph: nx.Graph
    coalitions: list[Coalition]
    unaligned: list[ActorInfo]
    camps: dict[str, Camps]
    bridges: list[Bridge]
    blocs: list[BlocView] = field(default_factory=list)

    def coalition_of(self, actor_id: int) -> Coalition | None:
        for coalition in self.coalitions:
            if any(m.actor.id == actor_id for m in coalition.members):
                return coalition
        return None

    def to_dict(self) -> dict[str, Any]:
        """The analysis as JSON-ready data (what `tracker coalitions --format json` prints)."""
        return {
            "as_of": self.as_of.isoformat(),
            "scope": self.scope,
            "issues": {
                i.id: {"name": i.name, "support_label": i.support_label, "oppose_label": i.oppose_label}
                for i in self.matrix.issues.values()
            },
            "coalitions": [c.to_dict() for c in self.coalitions],
            "unaligned": [{"id": a.id, "slug": a.slug, "name": a.name} for a in self.unaligned],
            "bridges": [b.to_dict() for b in self.bridges],
            "camps": {i: c.to_dict() for i, c in self.camps.items()},
            "blocs": [b.to_dict() for b in self.blocs],
        }


def agreement_graph(matrix: StanceMatrix, agreements: list[Agreement], min_kappa: float = MIN_KAPPA) -> nx.Graph:
    """Actors taking any side are nodes (sorted, for determinism); pairs agreeing beyond chance are edges."""
    graph = nx.Graph()
    graph.add_nodes_from(matrix.positioned_actors())
    graph.add_weighted_edges_from(
        (ag.a, ag.b, ag.kappa) for ag in agreements if ag.kappa >= min_kappa
    )
    return graph


def issue_lines(matrix: StanceMatrix, actor_ids: list[int]) -> dict[str, IssueLine]:
    lines = {}
    for issue_id in matrix.issues:
        positions = Counter(matrix.position(a, issue_id) for a in actor_ids)
        lines[issue_id] = IssueLine(positions[SUPPORT], positions[OPPOSE], len(actor_ids))
    return lines


def rice_cohesion(lines: dict[str, IssueLine]) -> float:
    """Pooled Rice index: 1 when every member on every issue is on the same side, 0 when evenly split."""
    taken = sum(line.taken for line in lines.values())
    return sum(abs(line.support - line.oppose) for line in lines.values()) / taken if taken else 0.0


def coalition_label(matrix: StanceMatrix, lines: dict[str, IssueLine], overall: dict[str, IssueLine]) -> str:
    """The positions that define a coalition: dominant, widely held, and most unlike the other actors."""
    ranked = []
    for issue_id, line in lines.items():
        if line.dominant is None:
            continue
        distinct = abs(line.balance - overall[issue_id].balance)
        ranked.append((line.coverage * line.share * (0.5 + distinct), issue_id, line.dominant))
    ranked.sort(key=lambda t: (-t[0], t[1]))
    labels = [matrix.issues[i].label(position) for _s, i, position in ranked[:LABEL_POSITIONS]]
    return ", ".join(labels) if labels else "no common line"


def _communities(graph: nx.Graph) -> list[list[int]]:
    if graph.number_of_edges() == 0:
        return [[n] for n in sorted(graph.nodes)]
    found = nx.community.louvain_communities(graph, weight="weight", resolution=RESOLUTION, seed=SEED)
    return [sorted(c) for c in found]


def find_coalitions(matrix: StanceMatrix, graph: nx.Graph) -> tuple[list[Coalition], list[ActorInfo]]:
    """Communities of two or more actors become coalitions (largest first); the rest are unaligned."""
    groups = _communities(graph)
    slug = {a: matrix.actors[a].slug for a in graph.nodes}
    groups.sort(key=lambda g: (-len(g), min(slug[a] for a in g)))
    overall = issue_lines(matrix, sorted(graph.nodes))
    coalitions: list[Coalition] = []
    unaligned: list[ActorInfo] = []
    seen_labels: Counter[str] = Counter()
    for group in groups:
        if len(group) < 2:
            unaligned.append(matrix.actors[group[0]])
            continue
        lines = issue_lines(matrix, group)
        label = coalition_label(matrix, lines, overall)
        seen_labels[label] += 1
        if seen_labels[label] > 1:
            label = f"{label} ({seen_labels[label]})"
        members = sorted(
            (Member(matrix.actors[a], matrix.positions(a)) for a in group), key=lambda m: m.actor.name.lower()
        )
        coalitions.append(Coalition(f"c{len(coalitions) + 1}", label, rice_cohesion(lines), members, lines))
    unaligned.sort(key=lambda a: a.name.lower())
    return coalitions, unaligned


def find_bridges(graph: nx.Graph, coalitions: list[Coalition]) -> list[Bridge]:
    """Actors with a large share of their agreement ties reaching into other coalitions."""
    home = {m.actor.id: c.key for c in coalitions for m in c.members}
    bridges: list[Bridge] = []
    for coalition in coalitions:
        for member in coalition.members:
            ties: dict[str, float] = defaultdict(float)
            total = 0.0
            for neighbour, data in graph[member.actor.id].items():
                total += data["weight"]
                other = home.get(neighbour)
                if other is not None and other != coalition.key:
                    ties[other] += data["weight"]
            outside = sum(ties.values())
            member.outside_share = outside / total if total else 0.0
            if ties and member.outside_share >= BRIDGE_SHARE:
                member.bridge = True
                bridges.append(Bridge(member.actor, coalition.key, member.outside_share, dict(sorted(ties.items()))))
    bridges.sort(key=lambda b: (-b.outside_share, b.actor.name.lower()))
    return bridges


def issue_camps(matrix: StanceMatrix) -> dict[str, Camps]:
    """Per issue: supporters and opponents (surest first), then everyone active who has not taken a side."""
    camps = {}
    for issue_id in matrix.issues:
        support, oppose, undeclared = [], [], []
        for actor in matrix.all_actors.values():
            cell = matrix.cell(actor.id, issue_id)
            if cell is not None and cell.position == SUPPORT:
                support.append(CampEntry(actor, cell))
            elif cell is not None and cell.position == OPPOSE:
                oppose.append(CampEntry(actor, cell))
            elif actor.active or (cell is not None and cell.position in (MIXED, NEUTRAL)):
                undeclared.append(CampEntry(actor, cell))

        def strongest(entry: CampEntry) -> tuple[float, str]:
            return (-(entry.cell.confidence if entry.cell else 0.0), entry.actor.name.lower())

        camps[issue_id] = Camps(
            issue_id, sorted(support, key=strongest), sorted(oppose, key=strongest), sorted(undeclared, key=strongest)
        )
    return camps


def bloc_views(session: Session, matrix: StanceMatrix, coalitions: list[Coalition]) -> list[BlocView]:
    home = {m.actor.id: c.key for c in coalitions for m in c.members}
    views = []
    for bloc in session.scalars(select(Bloc).order_by(Bloc.name)):
        members = sorted(
            (matrix.all_actors[a.id] for a in bloc.members if a.id in matrix.all_actors), key=lambda a: a.name.lower()
        )
        ids = [m.id for m in members]
        lines = issue_lines(matrix, ids)
        where = Counter(home.get(a, "") for a in ids)
        views.append(BlocView(bloc.slug, bloc.name, members, lines, rice_cohesion(lines), dict(sorted(where.items()))))
    return views


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: the analysis allocates hundreds of thousands of small, acyclic objects,
    and repeated collections over them cost a quarter of its time. Cycles are collected afterwards as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def analyse(session: Session, as_of: datetime | None = None, issue: str | None = None, *,
            evidence: bool = True) -> CoalitionAnalysis:
    """The coalition analysis as of a date (default: now), over all issues or one (``evidence``: see stance_matrix)."""
    with gc_paused():
        matrix = stance_matrix(session, as_of, issue, evidence=evidence)
        agreements = pairwise_agreement(matrix)
        graph = agreement_graph(matrix, agreements)
        coalitions, unaligned = find_coalitions(matrix, graph)
        bridges = find_bridges(graph, coalitions)
    return CoalitionAnalysis(
        as_of=matrix.as_of,
        scope=issue or "overall",
        matrix=matrix,
        agreements=agreements,
        graph=graph,
        coalitions=coalitions,
        unaligned=unaligned,
        camps=issue_camps(matrix),
        bridges=bridges,
        blocs=bloc_views(session, matrix, coalitions),
    )
