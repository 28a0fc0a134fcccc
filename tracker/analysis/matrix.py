"""The stance matrix: each actor's position on each issue as of a date, with the evidence behind it.

Aggregation rules, in order:

1. Only stances stated on or before the date count (``stated_at``, or ``created_at`` when the statement date is
   unknown), so the matrix for a past date can be recomputed exactly.
2. An analyst's coding wins: the newest analyst stance not superseded as of the date is the cell's position.
3. Otherwise machine stances (rule or model coders) that were not rejected by an analyst are pooled: each weighs its
   confidence times an exponential recency decay (half-life ``HALF_LIFE_DAYS``), doubled once an analyst confirmed
   it. Neutral stances are not positions: they are kept as evidence of engagement but never push a cell either way.
   The weighted balance of support against opposition gives the cell's score; a balance too close to zero is
   "mixed". Machine stances count from one coder (the configured one by default); analysts' always.

The rule lives once, in ``pooling`` (``Pool``); ``positions`` keeps its results in the `positions` table, which the
matrix, `v_current_stances` and the named queries read instead of pooling every stance again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from igtracker.analysis.pooling import EVIDENCE_PER_CELL, OPPOSE, SUPPORT, Cell, Evidence, Key, pool_stances
from igtracker.errors import NotFoundError, TrackerError
from igtracker.models import Actor, Bloc, Document, Issue, Stance, bloc_memberships


@dataclass(frozen=True)
class ActorInfo:
    id: int
    slug: str
    name: str
    kind: str
    country: str | None
    blocs: tuple[str, ...] = ()
    active: bool = True


@dataclass(frozen=True)
class IssueInfo:
    id: str
    name: str
    support_label: str
    oppose_label: str
    codebook_version: str | None

    def label(self, position: str) -> str:
        """The human label of a position on this issue, e.g. 'for intergovernmental control'."""
        if position == SUPPORT:
            return self.support_label
        if position == OPPOSE:
            return self.oppose_label
        return f"{position} on {self.name.lower()}"


@dataclass
class StanceMatrix:
    """Actors x issues as of a date. Only actors with at least one counted stance have cells."""

    as_of: datetime
    actors: dict[int, ActorInfo]
    issues: dict[str, IssueInfo]
    cells: dict[tuple[int, str], Cell]
    all_actors: dict[int, ActorInfo] = field(default_factory=dict)

    def cell(self, actor_id: int, issue_id: str) -> Cell | None:
        return self.cells.get((actor_id, issue_id))

    def position(self, actor_id: int, issue_id: str) -> str | None:
        """support/oppose/mixed/neutral, or None when the actor never spoke on the issue."""
        cell = self.cells.get((actor_id, issue_id))
        return cell.position if cell else None

    def positions(self, actor_id: int) -> dict[str, str]:
        """The sides an actor takes, issue id -> support|oppose."""
        return {
            issue_id: cell.position
            for issue_id in self.issues
            if (cell := self.cells.get((actor_id, issue_id))) is not None and cell.taken
        }

    def positioned_actors(self) -> list[int]:
        """Actors taking a side on at least one issue, by id."""
        return sorted({a for (a, _i), c in self.cells.items() if c.taken})

    def iter_cells(self, issue_id: str) -> Iterator[Cell]:
        for actor_id in self.actors:
            cell = self.cells.get((actor_id, issue_id))
            if cell is not None:
                yield cell


def _as_of(value: datetime | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: pass a timezone-aware datetime")
    return value.astimezone(UTC)


def load_issues(session: Session, issue: str | None = None) -> dict[str, IssueInfo]:
    query = select(Issue).order_by(Issue.id)
    if issue is not None:
        query = query.where(Issue.id == issue)
    issues = {
        i.id: IssueInfo(
            id=i.id,
            name=i.name,
            support_label=i.support_label or f"for {i.name.lower()}",
            oppose_label=i.oppose_label or f"against {i.name.lower()}",
            codebook_version=i.codebook_version,
        )
        for i in session.scalars(query)
    }
    if issue is not None and not issues:
        known = ", ".join(session.scalars(select(Issue.id).order_by(Issue.id))) or "none; load the codebook first"
        raise NotFoundError(f"no issue {issue!r} in the store (known issues: {known})")
    return issues


def load_actors(session: Session) -> dict[int, ActorInfo]:
    """Every actor with its bloc slugs (inactive ones too: old stances still name them)."""
    blocs: dict[int, list[str]] = defaultdict(list)
    rows = session.execute(
        select(bloc_memberships.c.actor_id, Bloc.slug)
        .join(Bloc, Bloc.id == bloc_memberships.c.bloc_id)
        .order_by(Bloc.slug)
    )
    for actor_id, slug in rows:
        blocs[actor_id].append(slug)
    return {
        row.id: ActorInfo(
            row.id, row.slug, row.name, row.kind, row.country, tuple(blocs.get(row.id, ())), bool(row.active)
        )
        for row in session.execute(
            select(Actor.id, Actor.slug, Actor.name, Actor.kind, Actor.country, Actor.active).order_by(Actor.id)
        )
    }


def _load_evidence(session: Session, wanted: dict[int, float]) -> dict[int, Evidence]:
    """The quotes of the chosen stances (stances without a quote are skipped)."""
    ids = sorted(wanted)
    rows: dict[int, Evidence] = {}
    sqlite = session.connection().dialect.name == "sqlite"
    size = 900 if sqlite else 5000  # SQLite builds before 3.32 allow 999 parameters
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        query = (
            select(
                Stance.id, Stance.evidence, Stance.note, Stance.position,
                Stance.url, Document.url, Document.title, func.coalesce(Stance.stated_at, Stance.created_at),
                Stance.coder_kind, Document.language,
            )
            .outerjoin(Document, Document.id == Stance.document_id)
            .where(Stance.id.in_(chunk))
        )
        for sid, evidence, note, position, url, doc_url, title, stated, kind, language in (
            session.connection().execute(query).fetchall()
        ):
            quote = (evidence or note or "").strip()
            if not quote:
                continue
            rows[sid] = Evidence(
                stance_id=sid, quote=quote, position=position, url=url or doc_url, stated_at=stated,
                coder_kind=kind, weight=round(wanted[sid], 4), document_title=title, language=language,
            )
    return rows


def stance_matrix(session: Session, as_of: datetime | None = None, issue: str | None = None, *,
                  evidence: bool = True, coder: str | None = None) -> StanceMatrix:
    """Each actor's position on each issue as of a date (default: now), with the strongest evidence per cell.

    Machine stances count only from `coder` (default: the configured one, `TRACKER_CODER`), since other coders
    may have coded the same documents for comparison; analysts' codings always count. The cells come from the
    kept positions (`igtracker.analysis.positions`), moved to the date; for a coder whose positions are not kept,
    from one pass over the stances. ``evidence=False`` skips loading the quotes (e.g. for last week's picture,
    which is only compared).
    """
    from igtracker.analysis.positions import kept_pools
    from igtracker.config import get_settings

    as_of = _as_of(as_of)
    coder = coder or get_settings().coder
    issues = load_issues(session, issue)
    all_actors = load_actors(session)
    pools = kept_pools(session, as_of, issue, coder, evidence=evidence)
    if pools is None:
        pools = pool_stances(session, as_of, issue, coder)
    cells: dict[Key, Cell] = {}
    wanted: dict[int, float] = {}
    plan: dict[Key, list[int]] = {}
    for key, pool in pools.items():
        if key[1] not in issues or key[0] not in all_actors or not pool.count:
            continue
        cell = cells[key] = pool.cell(*key)
        if not evidence:
            continue
        chosen = pool.evidence_ids(cell)
        plan[key] = [sid for sid, _w in chosen]
        wanted.update(chosen)
    quotes = _load_evidence(session, wanted) if evidence else {}
    for key, sids in plan.items():
        cells[key].evidence = [quotes[s] for s in sids if s in quotes][:EVIDENCE_PER_CELL]
    actors = {a: all_actors[a] for a in sorted({a for a, _i in cells})}
    return StanceMatrix(as_of=as_of, actors=actors, issues=issues, cells=cells, all_actors=all_actors)


class InvalidDateError(TrackerError, ValueError):
    """A date given by the user could not be read."""


def parse_as_of(text: str) -> datetime:
    """A date or datetime from the command line: a bare date means the end of that day, naive times are UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidDateError(
            f"--as-of {text!r} is not a date; use YYYY-MM-DD or an ISO datetime such as 2026-11-15T12:00"
        ) from exc
    if len(text.strip()) == 10:  # a bare date: include everything said that day
        value = value.replace(hour=23, minute=59, second=59, microsecond=999999)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
