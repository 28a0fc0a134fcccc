"""Analysts stay in charge: their codings, and their review of the machine's.

An analyst coding is a stance row with coder_kind "analyst"; recording a new one for the same actor and issue
supersedes (never deletes) the previous one, so the full history stays. Confirming or rejecting a machine stance
changes its review status. Every action leaves a row in `stance_audit`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from igtracker.coding.holder_kinds import KIND_DECIDES
from igtracker.errors import NotFoundError, TrackerError
from igtracker.models import POSITIONS, Actor, Issue, Stance, StanceAudit

SCORES = {"support": 1.0, "oppose": -1.0, "neutral": 0.0}
LOW_CONFIDENCE = 0.6


def _actor(session: Session, ref: str) -> Actor:
    """An actor by id (slug), a state's ISO alpha-3 code or its exact name (any case), as the actor-history query."""
    actor = session.scalar(select(Actor).where(Actor.slug == ref))
    if actor is None and len(ref) == 3:
        actor = session.scalar(select(Actor).where(Actor.kind == "state", Actor.country == ref.upper()))
    if actor is None:
        actor = session.scalars(select(Actor).where(func.lower(Actor.name) == ref.lower()).order_by(Actor.id)).first()
    if actor is None:
        raise NotFoundError(f"no actor {ref!r}: use an id from `tracker actors list`, a state's ISO alpha-3 code "
                            "or the actor's name")
    return actor


def _issue(session: Session, issue_id: str) -> Issue:
    issue = session.get(Issue, issue_id)
    if issue is None:
        known = ", ".join(sorted(session.scalars(select(Issue.id)))) or "none yet; run `tracker code` once"
        raise NotFoundError(f"no issue {issue_id!r}; known issues: {known}")
    return issue


def set_analyst_stance(
    session: Session,
    actor_slug: str,
    issue_id: str,
    position: str,
    *,
    evidence_url: str | None = None,
    note: str | None = None,
    analyst: str,
    stated_at: datetime | None = None,
) -> Stance:
    """Record an analyst's coding; it supersedes the analyst's previous coding of this actor on this issue."""
    if position not in POSITIONS:
        raise TrackerError(f"position must be one of {', '.join(POSITIONS)}, not {position!r}")
    if not analyst.strip():
        raise TrackerError("an analyst coding needs the analyst's name (--analyst)")
    actor = _actor(session, actor_slug)
    issue = _issue(session, issue_id)
    now = datetime.now(UTC)
    previous = session.scalars(
        select(Stance).where(
            Stance.actor_id == actor.id, Stance.issue_id == issue.id, Stance.coder_kind == "analyst",
            Stance.superseded_at.is_(None),
        )
    ).all()
    for old in previous:
        old.superseded_at = now
    stance = Stance(
        actor_id=actor.id, issue_id=issue.id, position=position, score=SCORES[position], confidence=1.0,
        evidence=note, url=evidence_url, stated_at=stated_at or now, coder_kind="analyst", coder=analyst,
        codebook_version=issue.codebook_version, note=note, review_status="confirmed", reviewed_by=analyst,
        reviewed_at=now, created_at=now,
    )
    session.add(stance)
    session.flush()
    session.add(StanceAudit(
        analyst=analyst, action="set", stance_id=stance.id, actor_id=actor.id, issue_id=issue.id,
        details={"position": position, "evidence_url": evidence_url, "note": note,
                 "supersedes": [old.id for old in previous]},
    ))
    session.flush()
    return stance


@dataclass(frozen=True)
class ReviewItem:
    """A machine stance an analyst should look at, and why."""

    stance_id: int
    actor: str
    issue_id: str
    position: str
    confidence: float
    evidence: str | None
    url: str | None
    reason: str  # "low confidence", "conflict", "rests on the holder's kind", or several of them


def review_queue(
    session: Session, *, max_confidence: float = LOW_CONFIDENCE, issue_id: str | None = None, limit: int = 50
) -> list[ReviewItem]:
    """Pending machine stances with low confidence, contradicting another stance on the same actor and issue, or
    resting on the holder's kind (the model read the words another way as anyone's: a speaker going against the
    grain of its kind is read the kind's usual way)."""
    query = (
        select(Stance).options(joinedload(Stance.actor))
        .where(Stance.coder_kind != "analyst", Stance.review_status == "pending", Stance.superseded_at.is_(None),
               Stance.position.in_(("support", "oppose")))
        .order_by(Stance.confidence, Stance.id)
    )
    if issue_id:
        query = query.where(Stance.issue_id == issue_id)
    stances = session.scalars(query).all()
    positions: dict[tuple[int, str], set[str]] = defaultdict(set)
    for stance in stances:
        positions[(stance.actor_id, stance.issue_id)].add(stance.position)
    items: list[ReviewItem] = []
    for stance in stances:
        reasons = []
        if stance.confidence < max_confidence:
            reasons.append("low confidence")
        if len(positions[(stance.actor_id, stance.issue_id)]) > 1:
            reasons.append("conflict")
        if KIND_DECIDES in (stance.note or ""):
            reasons.append(KIND_DECIDES)
        if reasons:
            items.append(ReviewItem(stance.id, stance.actor.slug, stance.issue_id, stance.position,
                                    stance.confidence, stance.evidence, stance.url, ", ".join(reasons)))
    return items[:limit]


def review_stance(session: Session, stance_id: int, *, confirm: bool, analyst: str) -> Stance:
    """Confirm or reject a machine stance (rejected stances no longer count in the analysis)."""
    stance = session.get(Stance, stance_id)
    if stance is None:
        raise NotFoundError(f"no stance {stance_id}; `tracker code review` lists the ones to review")
    if stance.coder_kind == "analyst":
        raise TrackerError(f"stance {stance_id} is an analyst coding; record a new one with `tracker code set`")
    stance.review_status = "confirmed" if confirm else "rejected"
    stance.reviewed_by = analyst
    stance.reviewed_at = datetime.now(UTC)
    session.add(StanceAudit(
        analyst=analyst, action="confirm" if confirm else "reject", stance_id=stance.id, actor_id=stance.actor_id,
        issue_id=stance.issue_id, details={"position": stance.position, "confidence": stance.confidence},
    ))
    session.flush()
    return stance
