"""Persisting an analysis in the coalitions tables, so read-only SQL queries can list coalitions and members."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from igtracker.analysis.coalitions import CoalitionAnalysis
from igtracker.models import Coalition, CoalitionMember


def save_snapshot(session: Session, analysis: CoalitionAnalysis) -> list[Coalition]:
    """Store the analysis's coalitions, replacing any earlier snapshot for the same date and scope.

    The caller commits. Positions are stored per coalition (its line per issue) and per member.
    """
    old = select(Coalition.id).where(Coalition.as_of == analysis.as_of, Coalition.scope == analysis.scope)
    session.execute(delete(CoalitionMember).where(CoalitionMember.coalition_id.in_(old)))
    session.execute(
        delete(Coalition).where(Coalition.as_of == analysis.as_of, Coalition.scope == analysis.scope)
    )
    rows = []
    for coalition in analysis.coalitions:
        row = Coalition(
            as_of=analysis.as_of,
            scope=analysis.scope,
            key=coalition.key,
            label=coalition.label[:300],
            cohesion=round(coalition.cohesion, 4),
            positions={i: line.to_dict() for i, line in coalition.lines.items()},
            members=[
                CoalitionMember(actor_id=m.actor.id, positions=m.positions, bridge=m.bridge)
                for m in coalition.members
            ],
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows
