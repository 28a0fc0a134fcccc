"""Kept positions: the `positions` table stays what the pooling rule computes from the stances, whatever writes them,
the stance matrix read from it at any date equals one pooled from scratch, and the history queries use indexes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from igtracker.analysis.matrix import stance_matrix
from igtracker.analysis.pooling import pool_stances
from igtracker.analysis.positions import kept_coder, refresh_positions
from igtracker.coding import code_documents, load_codebook, review_stance, set_analyst_stance
from igtracker.coding.codebook import DEFAULT_CODEBOOK
from igtracker.config import get_settings, load_settings
from igtracker.jobs import run_job
from igtracker.models import Actor, Document, Position, Stance
from igtracker.queries.named import NAMED_QUERIES
from igtracker.queries.readonly import run_query
from tests.factories import StoreBuilder, build_dispute

TEXTS = {
    "forum": "Digital Rights Forum statement\n\nWe reject any proposal that would give governments control over the "
             "Internet's core resources. The multi-stakeholder model must be preserved.\n\nMeanwhile, Ruritania and "
             "Brazil want to bring the domain name system under the control of the ITU.\n",
    "ministry": "Statement by the Ministry\n\nThe social media tax will help pay for rural broadband, and it is "
                "necessary.\n",
    "forum-2": "Digital Rights Forum, second statement\n\nWe oppose a tax on digital services. Encryption must stay "
               "strong: we reject any backdoor that lets governments read private messages.\n",
}


@pytest.fixture
def coder_rules(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The configured coder is the rule coder (TRACKER_CODER=rules), so its stances are the ones kept."""
    monkeypatch.setenv("TRACKER_CODER", "rules")
    get_settings.cache_clear()
    yield "rules"
    get_settings.cache_clear()


def scratch(session: Session, as_of: datetime, coder: str) -> dict:
    """The cells pooled from every stance as of a date, with the stances each quotes: the rule, from scratch."""
    cells = {}
    for key, pool in pool_stances(session, as_of, coder=coder).items():
        if pool.count:
            cell = pool.cell(*key)
            cells[key] = (cell, [sid for sid, _w in pool.evidence_ids(cell)])
    return cells


def assert_kept(session: Session, coder: str) -> None:
    """Every kept position is the rule's cell as of its date, and every cell with a counted stance is kept."""
    rows = {(p.actor_id, p.issue_id): p for p in session.scalars(select(Position))}
    assert {p.coder for p in rows.values()} <= {coder}
    for key, row in rows.items():
        cell, quoted = scratch(session, row.as_of, coder)[key]
        assert (row.position, row.basis, row.stances) == (cell.position, cell.basis, cell.stances), key
        assert row.score == pytest.approx(cell.score, abs=1e-9) and row.confidence == pytest.approx(cell.confidence)
        assert row.stance_id == (quoted[0] if quoted else None), key
    assert set(rows) == set(scratch(session, datetime.now(UTC), coder))


def assert_matrix_as_pooled(session: Session, as_of: datetime, coder: str) -> None:
    """The matrix read from the kept positions (moved to `as_of`) equals the one pooled from scratch."""
    expected = scratch(session, as_of, coder)
    for evidence in (True, False):
        matrix = stance_matrix(session, as_of, coder=coder, evidence=evidence)
        assert set(matrix.cells) == set(expected), (as_of, evidence)
        for key, cell in matrix.cells.items():
            want, quoted = expected[key]
            assert (cell.position, cell.basis, cell.stances) == (want.position, want.basis, want.stances), key
            assert cell.score == pytest.approx(want.score, abs=1e-9), key
            assert cell.confidence == pytest.approx(want.confidence, abs=1.5e-4), key
            if evidence:
                shown = [e.stance_id for e in cell.evidence]
                assert shown == [s for s in quoted if s in shown], key


def _document(session: Session, actor: Actor, name: str, published: datetime) -> Document:
    body = TEXTS[name]
    doc = Document(canonical_url=f"https://{actor.slug}.example/{name}", url=f"https://{actor.slug}.example/{name}",
                   actor_id=actor.id, title=body.splitlines()[0], published_at=published, fetched_at=published,
                   content_hash=hashlib.sha256(body.encode()).hexdigest(), text=body, meta={})
    session.add(doc)
    session.flush()
    return doc


def test_positions_follow_coding_review_analysts_and_recoding(session: Session, coder_rules: str) -> None:
    now = datetime.now(UTC)
    forum = Actor(slug="digital-rights-forum", name="Digital Rights Forum", kind="ngo", aliases=["DRF"])
    brazil = Actor(slug="brazil", name="Brazil", kind="state", country="BRA", aliases=[])
    session.add_all([forum, brazil, Actor(slug="ruritania", name="Ruritania", kind="state", aliases=[])])
    session.flush()
    first = _document(session, forum, "forum", now - timedelta(days=200))
    _document(session, brazil, "ministry", now - timedelta(days=30))
    codebook = load_codebook(DEFAULT_CODEBOOK)
    code_documents(session, codebook, coder="rules")
    session.commit()
    assert session.scalar(select(Position.position).where(Position.actor_id == forum.id,
                                                          Position.issue_id == "control")) == "oppose"
    assert_kept(session, "rules")

    _document(session, forum, "forum-2", now - timedelta(days=2))  # new coding: more cells, heavier recent stances
    code_documents(session, codebook, coder="rules")
    session.commit()
    assert_kept(session, "rules")

    stances = session.scalars(select(Stance).where(Stance.coder == "rules").order_by(Stance.id)).all()
    review_stance(session, stances[0].id, confirm=True, analyst="ana")
    review_stance(session, stances[-1].id, confirm=False, analyst="ana")
    session.commit()
    assert_kept(session, "rules")

    set_analyst_stance(session, "brazil", "control", "oppose", analyst="ana")
    set_analyst_stance(session, "digital-rights-forum", "control", "support", analyst="ben")
    session.commit()
    kept = session.get(Position, (forum.id, "control"))
    assert (kept.position, kept.basis) == ("support", "analyst")
    assert_kept(session, "rules")

    ruritania = session.scalar(select(Actor).where(Actor.slug == "ruritania"))
    reported = session.scalars(select(Stance).where(Stance.actor_id == ruritania.id)).all()
    assert reported and session.scalars(select(Position).where(Position.actor_id == ruritania.id)).all()
    for stance in reported:  # every reading of a cell rejected: its position goes
        review_stance(session, stance.id, confirm=False, analyst="ana")
    session.commit()
    assert session.scalars(select(Position).where(Position.actor_id == ruritania.id)).all() == []
    assert_kept(session, "rules")

    first.text = TEXTS["forum"].replace("reject any proposal", "welcome every proposal")  # recoded: replaced stances
    code_documents(session, codebook, coder="rules", document_ids=[first.id])
    assert stance_matrix(session, now, coder="rules").cells  # a reader in the same session sees its own writes
    session.commit()
    assert_kept(session, "rules")
    for days in (0, 3, 7, 40, 250, -30):
        assert_matrix_as_pooled(session, now - timedelta(days=days), "rules")


def test_the_matrix_moved_to_any_date_is_the_rule_from_scratch(session: Session) -> None:
    """The dispute's stances (analysts superseding each other, rejections, undated ones) read at many dates."""
    dispute = build_dispute(session)
    session.commit()
    coder = get_settings().coder
    assert kept_coder(session) == coder
    assert_kept(session, coder)
    for days in (0, 1, 3, 7, 10, 14, 30, 40, 90, 365, 1000, -3, -400):
        assert_matrix_as_pooled(session, dispute.now - timedelta(days=days), coder)


def test_view_and_matrix_count_the_configured_coder_and_analysts(engine: Engine, session: Session) -> None:
    now = datetime.now(UTC)
    b = StoreBuilder(session, now)
    b.issues()
    isoc = b.actor("internet-society", "Internet Society", "technical")
    b.stance(isoc, "control", "oppose", confidence=0.6, stated_at=now - timedelta(days=5), evidence="ISOC: no.")
    session.commit()
    other = b.stance(isoc, "control", "support", confidence=0.99, stated_at=now - timedelta(days=1),
                     evidence="Another coder's reading.")
    other.coder = "llm"  # a coder run for comparison: not the configured one
    session.commit()
    view = run_query(engine, "SELECT position, evidence, counted_coder FROM v_current_stances").rows
    assert view == [("oppose", "ISOC: no.", get_settings().coder)]
    assert stance_matrix(session, now).position(isoc.id, "control") == "oppose"
    assert stance_matrix(session, now, coder="llm").position(isoc.id, "control") == "support"  # from the stances


def test_a_new_configured_coder_rekeys_the_positions(session: Session, coder_rules: str) -> None:
    now = datetime.now(UTC)
    b = StoreBuilder(session, now)
    b.issues()
    isoc = b.actor("internet-society", "Internet Society", "technical")
    b.stance(isoc, "control", "oppose", stated_at=now - timedelta(days=5))  # the factory's coder: "ensemble"
    session.commit()
    assert kept_coder(session) is None  # nothing counts for the rule coder yet
    assert stance_matrix(session, now).cells == {}
    b.stance(isoc, "taxation", "support", coder_kind="analyst", review_status="confirmed", stated_at=now)
    session.commit()
    assert kept_coder(session) == "rules"
    assert {p.issue_id for p in session.scalars(select(Position))} == {"taxation"}
    assert refresh_positions(session, coder="ensemble") == 2  # as after TRACKER_CODER=ensemble
    session.commit()
    assert_kept(session, "ensemble")


def test_the_positions_job_pools_as_of_today(database_url: str, engine: Engine, session: Session,
                                             tmp_path) -> None:  # type: ignore[no-untyped-def]
    build_dispute(session)
    session.commit()
    session.execute(Position.__table__.update().values(as_of=datetime(2026, 1, 1, tzinfo=UTC)))
    session.commit()
    settings = load_settings(database_url=database_url, reports_dir=tmp_path / "briefings")
    assert run_job("positions", settings, trigger="test", engine=engine).status == "ok"
    assert min(session.scalars(select(Position.as_of))) > datetime.now(UTC) - timedelta(minutes=5)
    assert_kept(session, settings.coder)
    again = run_job("positions", settings, trigger="test", engine=engine, only_if_stale=True)
    assert again.status == "ok" and "fresh" in (again.message or "")


# ------------------------------------------------------------------------------------------------ query plans


def _plan(engine: Engine, sql: str, params: dict) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return "\n".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql), params))
        conn.execute(text("SET enable_seqscan = off"))  # small test tables: ask whether an index *can* serve
        return "\n".join(r[0] for r in conn.execute(text("EXPLAIN " + sql), params))


def test_history_queries_use_the_stance_indexes(engine: Engine, session: Session) -> None:
    """The plans of the history queries reach stances through an index (1M-stance plans: benchmarks/queries.md)."""
    build_dispute(session)
    session.commit()
    actor_history = NAMED_QUERIES["actor-history"].sql_for(engine.dialect.name)
    plans = {
        "actor-history": _plan(engine, actor_history, {"actor": "russia"}),
        "stance history": _plan(engine, "SELECT * FROM v_stance_history WHERE actor_id = 1 AND issue_id = 'control'",
                                {}),
        "moving positions": _plan(engine, "SELECT id FROM stances WHERE (stated_at > :a AND stated_at <= :b) OR "
                                  "(stated_at IS NULL AND created_at > :a AND created_at <= :b) OR "
                                  "(superseded_at > :a AND superseded_at <= :b)",
                                  {"a": datetime(2026, 1, 1), "b": datetime(2026, 1, 8)}),
    }
    for name, plan in plans.items():
        if engine.dialect.name == "sqlite":
            assert "SCAN s\n" not in plan + "\n" and "SCAN stances\n" not in plan + "\n", (name, plan)
            assert "USING INDEX ix_stances" in plan or "USING COVERING INDEX ix_stances" in plan, (name, plan)
        else:
            assert "Seq Scan on stances" not in plan and "ix_stances" in plan, (name, plan)
    history = _plan(engine, "SELECT * FROM v_stance_history WHERE stance_id = 1", {})
    assert "ix_positions_stance_id" in history or engine.dialect.name == "postgresql", history
