"""The store's guarantees: UTC timestamps, integrity constraints, SQLite connection settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from igtracker.models import Actor, Document, Issue, Source, Stance
from tests.conftest import sqlite_only


def make_actor(session: Session, slug: str = "icann") -> Actor:
    actor = Actor(slug=slug, name=slug.upper(), kind="technical")
    session.add(actor)
    session.flush()
    return actor


def test_timestamps_come_back_aware_in_utc(session: Session) -> None:
    actor = make_actor(session)
    cet = timezone(timedelta(hours=1))
    session.add(Document(canonical_url="https://x.org/a", url="https://x.org/a", actor_id=actor.id,
                         content_hash="h", published_at=datetime(2012, 12, 14, 18, 0, tzinfo=cet)))
    session.commit()
    session.expire_all()
    doc = session.scalar(select(Document))
    assert doc is not None and doc.published_at == datetime(2012, 12, 14, 17, 0, tzinfo=UTC)
    assert doc.published_at.tzinfo is not None and doc.fetched_at.tzinfo is not None


def test_naive_timestamps_are_refused(session: Session) -> None:
    actor = make_actor(session)
    session.add(Document(canonical_url="https://x.org/b", url="https://x.org/b", actor_id=actor.id,
                         content_hash="h", published_at=datetime(2012, 12, 14)))
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()


def test_natural_keys_are_unique(session: Session) -> None:
    make_actor(session, "itu")
    session.add(Actor(slug="itu", name="Again", kind="igo"))
    with pytest.raises(IntegrityError):
        session.flush()


def test_foreign_keys_and_checks_are_enforced(session: Session) -> None:
    session.add(Source(slug="orphan", actor_id=9999, kind="feed", url="https://x.org/feed"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    actor = make_actor(session)
    session.add(Issue(id="control", name="Control"))
    session.add(Stance(actor_id=actor.id, issue_id="control", position="maybe", coder_kind="rule", coder="rules"))
    with pytest.raises(IntegrityError):
        session.flush()


@sqlite_only
def test_sqlite_connection_settings(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
