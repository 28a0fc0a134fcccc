"""Kept positions: the stance matrix's cells, stored in `positions` and kept in step with the stances.

Pooling every stance on every read costs seconds at a million stances, so the cells are kept, by the one
implementation of the rule (`pooling.Pool`):

- ``update_positions`` pools the cells a session's stance writes touched again, as of now, before it commits
  (`igtracker.stance_changes` notes them: coding, analysts' codings, confirmations and rejections alike);
- ``refresh_positions`` pools every cell again as of a date: the daily `positions` job (confidence fades with
  time, stances dated in the future come due) and a new or re-keyed table;
- ``kept_pools`` gives the stance matrix the pools as of any date: each kept pool is moved from its row's date T
  to the date X (every weight decays alike, so the totals decay by one factor), the stances said or superseded
  between T and X are folded in or out, and the few cells this cannot decide (an analyst coding or a quoted
  stance leaving) are pooled again from their stances.

Positions are kept for one machine coder, the configured one (`settings.coder`, default "ensemble"), plus
analysts, which is what the stance matrix counts; each row names that coder. A write under another configured
coder re-keys the table (a full pass); a matrix asked for another coder pools from the stances instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, inspect, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from igtracker.analysis.pooling import (
    NEUTRAL,
    OPPOSE,
    SUPPORT,
    Key,
    Pool,
    counted_scope,
    has_quote,
    key_chunks,
    pool_stances,
)
from igtracker.models import Position, Stance

REPOOL_SHARE = 0.5  # when more than this share of the cells must be pooled again, one pass over all is faster
positions = Position.__table__


def _days(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 86400.0


def configured_coder() -> str:
    """The coder whose stances the analysis and the briefing count (`TRACKER_CODER`)."""
    from igtracker.config import get_settings

    return get_settings().coder


def kept_coder(session: Session) -> str | None:
    """The machine coder the kept positions count (None while the table is empty)."""
    return session.connection().execute(select(positions.c.coder).limit(1)).scalar()


def keeps(session: Session, coder: str) -> bool:
    """Whether the table holds `coder`'s positions (an empty one does while no stance counts for it)."""
    kept = kept_coder(session)
    if kept is not None:
        return kept == coder
    return session.connection().execute(select(Stance.id).where(counted_scope(coder)).limit(1)).first() is None


# Writing ---------------------------------------------------------------------------------------------------------


def _row(key: Key, pool: Pool, coder: str, as_of: datetime) -> dict[str, Any]:
    cell = pool.cell(*key)
    chosen = pool.evidence_ids(cell)
    return {
        "actor_id": key[0], "issue_id": key[1], "coder": coder, "as_of": as_of, "position": cell.position,
        "score": cell.score, "confidence": cell.confidence, "basis": cell.basis, "stances": pool.count,
        "support_count": pool.counts[SUPPORT], "oppose_count": pool.counts[OPPOSE],
        "neutral_count": pool.counts[NEUTRAL], "score_sum": pool.score_sum, "support_weight": pool.support,
        "oppose_weight": pool.oppose, "neutral_weight": pool.neutral,
        "stance_id": chosen[0][0] if chosen else None, "pool": pool.state(),
    }


def _upsert(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert or replace rows (another writer may have kept the same cell meanwhile)."""
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(positions)
    kept = {c.name: statement.excluded[c.name] for c in positions.columns if not c.primary_key}
    statement = statement.on_conflict_do_update(index_elements=["actor_id", "issue_id"], set_=kept)
    for start in range(0, len(rows), 1000):
        connection.execute(statement, rows[start : start + 1000])


def update_positions(session: Session, keys: Iterable[Key], coder: str | None = None) -> None:
    """Pool `keys` again from their stances as of now and keep the result (cells left without stances go)."""
    keys = set(keys)
    if not keys or not inspect(session.connection()).has_table(positions.name):
        return  # a store not yet migrated to kept positions: the migration pools them
    coder = coder or configured_coder()
    if not keeps(session, coder):
        refresh_positions(session, coder=coder)
        return
    now = datetime.now(UTC)
    pools = pool_stances(session, now, coder=coder, keys=keys)
    connection = session.connection()
    emptied = [k for k in keys if k not in pools or not pools[k].count]
    for chunk in key_chunks(emptied):
        cells = or_(*(and_(positions.c.actor_id == a, positions.c.issue_id == i) for a, i in chunk))
        connection.execute(delete(positions).where(cells))
    _upsert(connection, [_row(k, p, coder, now) for k, p in pools.items() if p.count])


def refresh_positions(session: Session, as_of: datetime | None = None, *, coder: str | None = None) -> int:
    """Pool every cell again as of a date (default: now) and keep the result; the number of positions kept."""
    coder = coder or configured_coder()
    as_of = as_of or datetime.now(UTC)
    pools = pool_stances(session, as_of, coder=coder)
    connection = session.connection()
    connection.execute(delete(positions))
    rows = [_row(k, p, coder, as_of) for k, p in pools.items() if p.count]
    _upsert(connection, rows)
    return len(rows)


def oldest_position(session: Session) -> datetime | None:
    """The date of the least recently pooled position (None: none kept)."""
    return session.scalar(select(Position.as_of).order_by(Position.as_of).limit(1))


# Reading ---------------------------------------------------------------------------------------------------------


def _pools_from_rows(session: Session, issue: str | None, coder: str) -> dict[Key, tuple[datetime, Pool]]:
    query = select(
        positions.c.actor_id, positions.c.issue_id, positions.c.as_of, positions.c.support_weight,
        positions.c.oppose_weight, positions.c.neutral_weight, positions.c.support_count, positions.c.oppose_count,
        positions.c.neutral_count, positions.c.score_sum, positions.c.pool,
    ).where(positions.c.coder == coder)
    if issue is not None:
        query = query.where(positions.c.issue_id == issue)
    kept = {}
    for actor, issue_id, as_of, sw, ow, nw, sc, oc, nc, score_sum, state in session.connection().execute(query):
        counts = {SUPPORT: sc, OPPOSE: oc, NEUTRAL: nc}
        kept[(actor, issue_id)] = (as_of, Pool.from_state(sw, ow, nw, counts, score_sum, state))
    return kept


def _changed_between(session: Session, start: datetime, end: datetime, issue: str | None, coder: str) -> Any:
    """The counted stances said, or (analysts') superseded, after `start` and by `end`."""
    between = or_(
        and_(Stance.stated_at > start, Stance.stated_at <= end),
        and_(Stance.stated_at.is_(None), Stance.created_at > start, Stance.created_at <= end),
        and_(Stance.superseded_at > start, Stance.superseded_at <= end),
    )
    query = select(
        Stance.id, Stance.actor_id, Stance.issue_id, Stance.position, Stance.score, Stance.confidence,
        Stance.coder_kind, Stance.review_status, has_quote, Stance.stated_at, Stance.created_at, Stance.superseded_at,
    ).where(between, counted_scope(coder))
    if issue is not None:
        query = query.where(Stance.issue_id == issue)
    return session.execute(query)  # ORM-level, for timezone-aware datetimes


def _counted(kind: str, said: datetime, superseded: datetime | None, moment: datetime) -> bool:
    return said <= moment and (kind != "analyst" or superseded is None or superseded > moment)


PENDING = "positions_pending"  # session.info key: the cells to pool again (noted by igtracker.stance_changes)


def note_cells(session: Session, keys: Iterable[Key]) -> None:
    """Mark cells whose position must be pooled again before the session commits."""
    session.info.setdefault(PENDING, set()).update(k for k in keys if k[0] is not None and k[1] is not None)


def forget_pending(session: Session) -> None:
    """Drop the noted cells (the session rolled back: nothing it wrote stands)."""
    session.info.pop(PENDING, None)


def settle(session: Session) -> None:
    """Pool the noted cells again now (flushing first), so the session's own reads see them."""
    if not session.info.get(PENDING):
        return
    session.flush()
    keys = session.info.pop(PENDING, set())
    if keys:
        update_positions(session, keys)


def kept_pools(session: Session, as_of: datetime, issue: str | None, coder: str, *,
               evidence: bool = True) -> dict[Key, Pool] | None:
    """The pools as of a date from the kept positions, or None when they are not kept for `coder`.

    ``evidence=False``: a quoted stance may leave a pool without pooling it again (its quotes are not shown).
    """
    settle(session)
    if not keeps(session, coder):
        return None
    kept = _pools_from_rows(session, issue, coder)
    pools = {key: pool.moved(_days(as_of, dated)) for key, (dated, pool) in kept.items()}
    moments = [as_of, *(dated for dated, _p in kept.values())]
    again: set[Key] = set()
    for sid, actor, issue_id, position, score, confidence, kind, review, quoted, stated, created, superseded in (
        _changed_between(session, min(moments), max(moments), issue, coder)
    ):
        key = (actor, issue_id)
        if key not in kept:
            again.add(key)
            continue
        said = stated or created
        before, now = _counted(kind, said, superseded, kept[key][0]), _counted(kind, said, superseded, as_of)
        if before == now:
            continue
        age = _days(as_of, said)
        if kind == "analyst":
            again.add(key)
        elif now:
            pools[key].add(sid, position, score, confidence, age, kind, review, bool(quoted))
        elif not pools[key].remove(sid, position, score, confidence, age, kind, review, evidence=evidence):
            again.add(key)
    if len(again) > REPOOL_SHARE * max(len(pools), 1):
        return pool_stances(session, as_of, issue, coder)
    for key in again:
        pools.pop(key, None)
    pools.update(pool_stances(session, as_of, issue, coder, keys=again) if again else {})
    return pools
