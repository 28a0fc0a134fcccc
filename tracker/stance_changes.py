"""Which actor x issue cells a session's stance writes touch, so their kept positions are pooled again on commit.

Every way stances are written goes through a session: coding (`igtracker.coding.store_coding`), analysts' codings
and reviews (`igtracker.coding.analyst`), tests and imports. Listening to the sessions, rather than to each of those
callers, keeps `positions` in step whatever writes the stances: objects added, changed or deleted are noted after
each flush, bulk ORM statements (`session.execute(delete(Stance)...)`) before they run, and the noted cells are
pooled again (`igtracker.analysis.positions.update_positions`) just before the session commits, in its transaction.
A reader in the same session settles first (`igtracker.analysis.positions.settle`). The listeners import
`positions` when they fire, so that importing the store does not import the analysis. Plain SQL on a connection
bypasses this: run `tracker schedule run positions` (every position pooled again) after such a change.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from igtracker.models import Stance

Key = tuple[int, str]


def _keys_of(stance: Stance) -> set[Key]:
    """The cell a stance is in, and the one it left when its actor or issue changed."""
    keys = {(stance.actor_id, stance.issue_id)}
    state = inspect(stance)
    old_actor = state.attrs.actor_id.history.deleted or [stance.actor_id]
    old_issue = state.attrs.issue_id.history.deleted or [stance.issue_id]
    keys.add((old_actor[0], old_issue[0]))
    return keys


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    # Here new, dirty and deleted still hold what this flush wrote.
    touched = [o for o in chain(session.new, session.dirty, session.deleted) if isinstance(o, Stance)]
    if touched:
        from igtracker.analysis.positions import note_cells

        note_cells(session, set().union(*(_keys_of(s) for s in touched)))


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper  # an ORM statement (insert(Stance)); a Core one names the table
    target = mapper.class_ if mapper is not None else getattr(state.statement, "table", None)
    if target is not Stance and target is not Stance.__table__:
        return
    from igtracker.analysis.positions import note_cells

    if state.is_insert:
        params: Any = state.parameters or []
        rows = params if isinstance(params, list) else [params]
        note_cells(state.session, {(r.get("actor_id"), r.get("issue_id")) for r in rows})
        return
    where = state.statement.whereclause  # type: ignore[attr-defined]
    query = select(Stance.actor_id, Stance.issue_id).distinct()
    if where is not None:
        query = query.where(where)
    note_cells(state.session, {(a, i) for a, i in state.session.connection().execute(query, state.parameters or {})})


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    from igtracker.analysis.positions import settle

    settle(session)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    from igtracker.analysis.positions import forget_pending

    forget_pending(session)
