"""The pooling rule, once: how the stances on one actor x issue add up to a position as of a date.

``Pool`` folds counted stances in (confidence x recency decay, confirmed ones doubled, an analyst's coding wins)
and decides the cell. ``pool_stances`` applies it to the stored stances; ``igtracker.analysis.positions`` keeps its
totals in the `positions` table and ``igtracker.analysis.matrix`` reads them. The rules themselves are described in
``igtracker.analysis.matrix``.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, DateTime, Float, and_, case, cast, extract, func, literal, or_, select
from sqlalchemy.orm import Session

from igtracker.models import Stance

HALF_LIFE_DAYS = 180.0
CONFIRMED_WEIGHT = 2.0
MIXED_THRESHOLD = 0.25  # |balance| below this is "mixed": the evidence points both ways
EVIDENCE_PER_CELL = 3

SUPPORT, OPPOSE, NEUTRAL, MIXED = "support", "oppose", "neutral", "mixed"
TAKEN = (SUPPORT, OPPOSE)  # the positions that count as taking a side


@dataclass(frozen=True)
class Evidence:
    """One quote behind a cell, with where and when it was said."""

    stance_id: int
    quote: str
    position: str
    url: str | None
    stated_at: datetime | None
    coder_kind: str
    weight: float
    document_title: str | None = None
    language: str | None = None  # the document's (ISO 639-1): the quote stays in it


@dataclass
class Cell:
    """An actor's position on an issue: support, oppose, mixed or neutral, with a score in -1..1."""

    actor_id: int
    issue_id: str
    position: str
    score: float
    confidence: float
    basis: str  # "analyst" or "machine"
    stances: int
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def taken(self) -> bool:
        """Whether the actor takes a side (support or oppose) on the issue."""
        return self.position in TAKEN


def recency_weight(age_days: float, half_life_days: float = HALF_LIFE_DAYS) -> float:
    """Exponential decay: a statement half a year old counts half as much as one made today."""
    return 0.5 ** (max(age_days, 0.0) / half_life_days)


def stance_weight(confidence: float, age_days: float, review_status: str) -> float:
    """A machine stance's weight in its cell: confidence x recency, doubled once confirmed.

    Unclamped: a stance said after a pool's date (negative age) weighs what moving the pool there gives it.
    """
    weight = confidence * 0.5 ** (age_days / HALF_LIFE_DAYS)
    return weight * CONFIRMED_WEIGHT if review_status == "confirmed" else weight


Key = tuple[int, str]  # (actor id, issue id)


def _empty_per_position() -> dict[str, int]:
    return {SUPPORT: 0, OPPOSE: 0, NEUTRAL: 0}


@dataclass
class Pool:
    """The pooling rule for one actor x issue: totals as of a date, from which its cell is decided.

    ``add`` folds a counted stance in (the rule's only weighting), ``cell`` decides the position. The totals are
    kept in the `positions` table and moved to another date by ``moved`` (every weight decays alike) plus ``add``
    or ``remove`` of the stances said in between; ``remove`` answers False when the totals cannot tell the result
    (a quoted stance shown as evidence or an analyst coding leaves), and the cell is pooled again from its stances.
    Only the ``EVIDENCE_PER_CELL`` heaviest quoted stances per position are kept, which is all a cell quotes.
    """

    support: float = 0.0
    oppose: float = 0.0
    neutral: float = 0.0
    counts: dict[str, int] = field(default_factory=_empty_per_position)  # every counted stance, per position
    machine: dict[str, int] = field(default_factory=_empty_per_position)  # machine stances, per position
    score_sum: float = 0.0
    analyst: tuple[float, int, str, float] | None = None  # (age in days, id, position, score)
    # Per position, a min-heap of the heaviest machine stances, those with a quote first: (quoted, weight, -id).
    quotable: dict[str, list[tuple[int, float, int]]] = field(
        default_factory=lambda: {SUPPORT: [], OPPOSE: [], NEUTRAL: []}
    )

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    def add(self, sid: int, position: str, score: float, confidence: float, age: float, kind: str, review: str,
            quoted: bool) -> None:
        """Fold in a counted stance said ``age`` days before the pool's date."""
        self.counts[position] += 1
        self.score_sum += score or 0.0
        if kind == "analyst":
            if self.analyst is None or (-age, sid) > (-self.analyst[0], self.analyst[1]):  # newest, then last coded
                self.analyst = (age, sid, position, score)
            return
        weight = stance_weight(confidence, age, review)
        self.machine[position] += 1
        if position == SUPPORT:
            self.support += weight
        elif position == OPPOSE:
            self.oppose += weight
        else:
            self.neutral += weight
        heap = self.quotable[position]
        if len(heap) < EVIDENCE_PER_CELL:
            heapq.heappush(heap, (int(quoted), weight, -sid))
        else:
            heapq.heappushpop(heap, (int(quoted), weight, -sid))

    def remove(self, sid: int, position: str, score: float, confidence: float, age: float, kind: str,
               review: str, *, evidence: bool = True) -> bool:
        """Fold out a stance counted in the pool; False when the pool can no longer tell its cell (an analyst's
        coding left) or, with ``evidence``, its quotes (a quoted stance left: the next one is not kept)."""
        if kind == "analyst":
            return False
        heap = self.quotable[position]
        if any(s == -sid for _q, _w, s in heap):
            if evidence:
                return False
            heap[:] = [entry for entry in heap if entry[2] != -sid]
            heapq.heapify(heap)
        self.counts[position] -= 1
        self.machine[position] -= 1
        self.score_sum -= score or 0.0
        weight = stance_weight(confidence, age, review)
        left = self.machine[position]  # none left: exactly nothing, not what subtraction leaves over
        if position == SUPPORT:
            self.support = self.support - weight if left else 0.0
        elif position == OPPOSE:
            self.oppose = self.oppose - weight if left else 0.0
        else:
            self.neutral = self.neutral - weight if left else 0.0
        return True

    def moved(self, days: float) -> Pool:
        """The same stances ``days`` later (earlier when negative): weights decay, ages grow."""
        factor = 0.5 ** (days / HALF_LIFE_DAYS)
        analyst = None if self.analyst is None else (self.analyst[0] + days, *self.analyst[1:])
        return Pool(
            self.support * factor, self.oppose * factor, self.neutral * factor, dict(self.counts),
            dict(self.machine), self.score_sum, analyst,  # type: ignore[arg-type]
            {p: [(q, w * factor, s) for q, w, s in heap] for p, heap in self.quotable.items()},
        )

    def cell(self, actor_id: int, issue_id: str) -> Cell:
        if self.analyst is not None:
            _at, _sid, position, score = self.analyst
            sign = {SUPPORT: 1.0, OPPOSE: -1.0}.get(position, 0.0)
            return Cell(actor_id, issue_id, position, score if score else sign, 1.0, "analyst", self.count)
        taken = self.support + self.oppose
        if taken <= 0:
            return Cell(actor_id, issue_id, NEUTRAL, 0.0, 0.0, "machine", self.count)
        balance = (self.support - self.oppose) / taken
        position = MIXED if abs(balance) < MIXED_THRESHOLD else (SUPPORT if balance > 0 else OPPOSE)
        # Confidence grows with the weight of evidence (one confident, fresh statement ~ 0.5) and with its agreement.
        confidence = (1.0 - math.exp(-taken / 1.3)) * abs(balance)
        return Cell(actor_id, issue_id, position, balance, round(confidence, 4), "machine", self.count)

    def evidence_ids(self, cell: Cell) -> list[tuple[int, float]]:
        """The stances to quote: the analyst's, then the heaviest machine stances on the cell's side, quoted first
        (the first is the one `v_current_stances` shows; unquoted ones are skipped when the quotes are loaded)."""
        chosen: list[tuple[int, float]] = []
        if self.analyst is not None:
            chosen.append((self.analyst[1], 1.0))
        if cell.taken:
            candidates = self.quotable[cell.position]
        else:
            candidates = [*self.quotable[SUPPORT], *self.quotable[OPPOSE], *self.quotable[NEUTRAL]]
        # Quoted first, then heaviest; among equal weights the older stance (lower id) wins.
        for _quoted, weight, neg_sid in heapq.nlargest(EVIDENCE_PER_CELL, candidates):
            chosen.append((-neg_sid, weight))
        return chosen

    def state(self) -> dict[str, object]:
        """What the totals' columns do not hold (see ``from_state``)."""
        return {"machine": self.machine, "analyst": list(self.analyst) if self.analyst else None,
                "quotable": {p: [[q, w, -s] for q, w, s in sorted(heap, reverse=True)]
                             for p, heap in self.quotable.items()}}

    @classmethod
    def from_state(cls, support: float, oppose: float, neutral: float, counts: dict[str, int], score_sum: float,
                   state: dict) -> Pool:  # type: ignore[type-arg]
        quotable = {p: [(int(q), float(w), -int(s)) for q, w, s in state["quotable"].get(p, [])]
                    for p in (SUPPORT, OPPOSE, NEUTRAL)}
        for heap in quotable.values():
            heapq.heapify(heap)
        analyst = state.get("analyst")
        return cls(support, oppose, neutral, dict(counts), {p: int(n) for p, n in state["machine"].items()},
                   score_sum, tuple(analyst) if analyst else None, quotable)  # type: ignore[arg-type]


def _age_in_days(session: Session, as_of: datetime) -> ColumnElement[float]:
    """Days between a stance's date and ``as_of``, computed by the database.

    Converting a million timestamps into Python datetimes costs more than the pooling itself, so the age is
    computed in SQL (julianday on SQLite, epoch arithmetic on PostgreSQL).
    """
    when = func.coalesce(Stance.stated_at, Stance.created_at)
    naive = as_of.astimezone(UTC).replace(tzinfo=None)
    if session.connection().dialect.name == "sqlite":
        julian_as_of = as_of.timestamp() / 86400.0 + 2440587.5  # the Julian day number of the Unix epoch
        return literal(julian_as_of) - func.julianday(when)
    # extract() yields numeric on PostgreSQL: cast, or every row arrives as a slow Decimal.
    return cast(extract("epoch", literal(naive, DateTime) - when), Float) / 86400.0


# Whether a stance has a quote to show (cheap test; blank-but-not-empty quotes are skipped when loaded).
has_quote = case((or_(Stance.evidence != "", Stance.note != ""), 1), else_=0)
KEYS_PER_QUERY = 100  # ORed equalities per query (SQLite limits an expression's depth)
STREAM_ROWS = 20_000


def key_chunks(keys: Iterable[Key]) -> Iterator[list[Key]]:
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), KEYS_PER_QUERY):
        yield ordered[start : start + KEYS_PER_QUERY]


def cells_in(keys: list[Key]) -> ColumnElement[bool]:
    """Stances in these actor x issue cells, as equalities ORed: both databases then search the (actor, issue) index
    once per cell (SQLite scans the whole table for a row-value IN list)."""
    return or_(*(and_(Stance.actor_id == actor, Stance.issue_id == issue) for actor, issue in keys))


def counted_scope(coder: str | None) -> ColumnElement[bool]:
    """The stances a coder's matrix counts at all: not rejected; its machine stances (or any coder's) and analysts'."""
    scope = Stance.review_status != "rejected"
    if coder is not None:  # one coder's machine stances (several coders may have coded the same documents)
        scope = scope & or_(Stance.coder_kind == "analyst", Stance.coder == coder)
    return scope


def pool_stances(session: Session, as_of: datetime, issue: str | None = None, coder: str | None = None,
                 keys: Iterable[Key] | None = None) -> dict[Key, Pool]:
    """The rule applied to the stances counted as of a date: every cell, or only ``keys``.

    One streamed pass over plain rows with ages from SQL (no ORM objects, no datetimes); memory stays flat since
    a pool keeps only the few quotes a cell shows.
    """
    when = func.coalesce(Stance.stated_at, Stance.created_at)
    query = select(
        Stance.id, Stance.actor_id, Stance.issue_id, Stance.position, Stance.score, Stance.confidence,
        _age_in_days(session, as_of).label("age"), Stance.coder_kind, Stance.review_status, has_quote.label("quoted"),
    ).where(
        when <= as_of,
        counted_scope(coder),
        or_(Stance.coder_kind != "analyst", Stance.superseded_at.is_(None), Stance.superseded_at > as_of),
    )
    if issue is not None:
        query = query.where(Stance.issue_id == issue)
    pools: dict[Key, Pool] = {}
    queries = [query] if keys is None else [query.where(cells_in(chunk)) for chunk in key_chunks(keys)]
    streamed = {"stream_results": True, "yield_per": STREAM_ROWS}
    for part in queries:
        for sid, actor_id, issue_id, position, score, confidence, age, kind, review, quoted in (
            session.connection().execute(part, execution_options=streamed)
        ):
            pool = pools.get((actor_id, issue_id))
            if pool is None:
                pool = pools[(actor_id, issue_id)] = Pool()
            pool.add(sid, position, score, confidence, max(float(age), 0.0), kind, review, bool(quoted))
    return pools
