"""Ad hoc queries: the views, every named query, read-only enforcement, the timeout and exports, on both backends."""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from igtracker import migrate
from igtracker.analysis import stance_matrix
from igtracker.errors import NotFoundError
from igtracker.models import (
    Actor,
    Coalition,
    CoalitionMember,
    CrawlError,
    Document,
    Source,
)
from igtracker.queries.export import EXPORTS, export, export_rows, write_result
from igtracker.queries.named import NAMED_QUERIES, run_named
from igtracker.queries.readonly import (
    QueryError,
    QueryTimeout,
    ReadOnlyError,
    check_statement,
    connect_readonly,
    parse_params,
    run_query,
    typed_like_a_literal,
)
from tests.factories import StoreBuilder, build_dispute


@dataclass
class Store:
    engine: Engine
    now: datetime

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


def fill_store(session: Session, now: datetime) -> None:
    """A small dispute: stances of every kind (analyst, superseded, rejected, confirmed), crawls, coalitions."""
    b = StoreBuilder(session, now)
    b.issues()
    brics, eu = b.bloc("brics", "BRICS"), b.bloc("eu", "European Union")
    russia = b.actor("russia", "Russia", "state", "RUS", [brics])
    brazil = b.actor("brazil", "Brazil", "state", "BRA", [brics])
    usa = b.actor("united-states", "United States", "state", "USA")
    germany = b.actor("germany", "Germany", "state", "DEU", [eu])
    google = b.actor("google", "Google", "firm", "USA")
    eff = b.actor("eff", "Electronic Frontier Foundation", "ngo", "USA")
    b.actor("quiet-ngo", "Quiet NGO", "ngo")
    src = {a.slug: b.source(a) for a in (russia, brazil, usa, google, eff)}
    ago = lambda days: now - timedelta(days=days)  # noqa: E731

    doc_ru = b.document(russia, "Russia on Internet governance", published_at=ago(40), source=src["russia"],
                        text="Russia calls for digital sovereignty and an intergovernmental role for the ITU.")
    doc_br = b.document(brazil, "Brazil at WSIS+20", published_at=ago(3), source=src["brazil"],
                        text="Brazil now speaks of Digital Sovereignty in the plenary.")
    doc_go = b.document(google, "Keeping the Internet open", published_at=ago(2), source=src["google"],
                        text="The multistakeholder model serves everyone; it's the \"open\" Internet.")
    b.document(eff, "Encryption matters", published_at=ago(60), source=src["eff"],
               text="Strong encryption protects journalists; digital rights, not sovereignty.")

    b.stance(russia, "control", "support", confidence=0.9, stated_at=ago(40), document=doc_ru,
             evidence="Russia calls for an intergovernmental role for the ITU.")
    b.stance(russia, "control", "support", confidence=0.7, stated_at=ago(200))
    b.stance(russia, "surveillance", "support", confidence=0.6, stated_at=ago(50))
    # Brazil: the machine said oppose; an analyst said oppose, then changed it to support (the first superseded).
    b.stance(brazil, "control", "oppose", confidence=0.95, stated_at=ago(100))
    b.stance(brazil, "control", "oppose", coder_kind="analyst", review_status="confirmed", stated_at=ago(90),
             superseded_at=ago(3), evidence="Analyst: Brazil backs the multistakeholder model.")
    b.stance(brazil, "control", "support", coder_kind="analyst", review_status="confirmed", stated_at=ago(3),
             document=doc_br, evidence="Analyst: Brazil's WSIS+20 contribution backs intergovernmental oversight.")
    # The United States: a rejected misreading does not count.
    b.stance(usa, "control", "oppose", confidence=0.8, stated_at=ago(30))
    b.stance(usa, "control", "support", confidence=0.99, stated_at=ago(10), review_status="rejected")
    # Google on taxation: a confirmed stance outranks a more confident pending one.
    b.stance(google, "control", "oppose", confidence=0.7, stated_at=ago(2), document=doc_go)
    b.stance(google, "taxation", "oppose", confidence=0.8, stated_at=ago(20), review_status="confirmed")
    b.stance(google, "taxation", "support", confidence=0.9, stated_at=ago(15))
    b.stance(eff, "surveillance", "oppose", confidence=0.85, stated_at=ago(60))
    b.stance(germany, "taxation", "support", confidence=0.75, stated_at=ago(25))
    b.stance(germany, "surveillance", "neutral", confidence=0.5, stated_at=ago(25))

    # Crawls: two days ago Russia's feed failed and Brazil's went silent; twenty days ago the EFF's failed.
    recent = b.crawl(ago(2), {
        src["russia"]: {"status": "failed", "errors_count": 2, "pages_fetched": 0, "message": "gave up"},
        src["brazil"]: {"status": "suspicious", "suspicious": True},
        src["google"]: {"documents_new": 1},
    }, status="partial")
    recent.errors.append(CrawlError(source_id=src["russia"].id, url="https://russia.example/russia-news.xml",
                                    reason="HTTP 503 Service Unavailable", occurred_at=ago(2)))
    b.crawl(ago(20), {src["eff"]: {"status": "failed", "errors_count": 1, "message": "DNS lookup failed"}})

    # Coalitions: an old snapshot and the latest one.
    def snapshot(as_of: datetime, groups: dict[str, list[tuple[Actor, bool]]]) -> None:
        for key, members in groups.items():
            session.add(Coalition(
                as_of=as_of, scope="overall", key=key, label=key.replace("-", " ").title(), cohesion=0.8,
                positions={"control": "support" if key == "sovereigntists" else "oppose"},
                members=[CoalitionMember(actor_id=a.id, bridge=bridge, positions={}) for a, bridge in members],
            ))

    snapshot(ago(30), {"everyone": [(russia, False), (brazil, False), (usa, False)]})
    snapshot(ago(1), {
        "sovereigntists": [(russia, False), (brazil, True)],
        "multistakeholder": [(usa, False), (google, False), (eff, False)],
    })
    session.commit()


@pytest.fixture
def store(engine: Engine, session: Session) -> Store:
    now = datetime.now(UTC).replace(microsecond=0)
    fill_store(session, now)
    return Store(engine, now)


def by(result, key: str) -> dict:  # type: ignore[no-untyped-def]
    return {row[key]: row for row in result.dicts()}


# ------------------------------------------------------------------------------------------------ views


def test_current_stances_prefer_analyst_then_weigh_the_machine_stances(store: Store) -> None:
    rows = run_query(store.engine, "SELECT * FROM v_current_stances ORDER BY actor, issue_id").dicts()
    cell = {(r["actor"], r["issue_id"]): r for r in rows}
    assert cell[("brazil", "control")]["position"] == "support"
    assert cell[("brazil", "control")]["basis"] == "analyst"
    assert cell[("brazil", "control")]["confidence"] == 1.0
    assert cell[("brazil", "control")]["evidence_count"] == 2  # the machine's and the analyst's; superseded out
    assert cell[("united-states", "control")]["position"] == "oppose"  # the rejected 'support' does not count
    assert cell[("united-states", "control")]["evidence_count"] == 1
    # Google on taxation: a confirmed stance weighs double and outweighs a more confident pending one.
    assert cell[("google", "taxation")]["position"] == "oppose"
    assert cell[("google", "taxation")]["review_status"] == "confirmed"
    assert -0.3 < cell[("google", "taxation")]["score"] < -0.25
    # Russia on control: two supporting stances; the row quotes the heavier (more confident, more recent) one.
    assert cell[("russia", "control")]["evidence"] == "Russia calls for an intergovernmental role for the ITU."
    assert cell[("russia", "control")]["url"] == "https://russia.example/documents/1"
    assert cell[("russia", "control")]["score"] == 1.0
    assert cell[("russia", "control")]["support_count"] == 2
    assert cell[("germany", "surveillance")]["position"] == "neutral"
    assert cell[("germany", "surveillance")]["confidence"] == 0.0
    assert "quiet-ngo" not in {r["actor"] for r in rows}
    assert len(rows) == len({(r["actor"], r["issue_id"]) for r in rows}) == 9


def test_other_views_answer(store: Store) -> None:
    actors = by(run_query(store.engine, "SELECT * FROM v_actors"), "actor")
    assert actors["russia"]["blocs"] == "brics" and actors["germany"]["blocs"] == "eu"
    assert actors["russia"]["document_count"] == 1 and actors["russia"]["active"] == 1
    assert json.loads(actors["russia"]["aliases"]) == []
    docs = by(run_query(store.engine, "SELECT * FROM v_documents"), "title")
    assert docs["Brazil at WSIS+20"]["actor"] == "brazil" and docs["Brazil at WSIS+20"]["stance_count"] == 1
    members = run_query(store.engine, "SELECT coalition, actor, bridge FROM v_coalition_members").rows
    assert sorted(members) == sorted([
        ("sovereigntists", "russia", 0), ("sovereigntists", "brazil", 1), ("multistakeholder", "united-states", 0),
        ("multistakeholder", "google", 0), ("multistakeholder", "eff", 0),
    ])
    failures = by(run_query(store.engine, "SELECT * FROM v_source_failures"), "source")
    assert set(failures) == {"russia-news", "brazil-news", "eff-news"}
    assert failures["russia-news"]["reason"] == "HTTP 503 Service Unavailable"
    assert failures["russia-news"]["error_url"] == "https://russia.example/russia-news.xml"
    assert failures["eff-news"]["reason"] == "DNS lookup failed"


def assert_view_agrees_with_the_stance_matrix(engine: Engine, session: Session) -> list[dict]:
    """v_current_stances gives every actor x issue the briefing's cell: position, basis, score, confidence, and
    the stance it quotes first; the row's stance is the one v_stance_history marks current."""
    matrix = stance_matrix(session)
    rows = run_query(engine, "SELECT * FROM v_current_stances").dicts()
    assert {(r["actor_id"], r["issue_id"]) for r in rows} == set(matrix.cells)
    history = by(run_query(engine, "SELECT * FROM v_stance_history"), "stance_id")
    assert {h for h, row in history.items() if row["in_current"]} == {r["stance_id"] for r in rows}
    for row in rows:
        cell = matrix.cells[(row["actor_id"], row["issue_id"])]
        where = (row["actor"], row["issue_id"])
        assert (row["position"], row["basis"]) == (cell.position, cell.basis), where
        assert row["score"] == pytest.approx(cell.score, abs=1e-9), where
        assert row["confidence"] == pytest.approx(cell.confidence, abs=1.5e-4), where  # rounded to 4 places
        assert row["evidence_count"] == cell.stances, where
        stance = history[row["stance_id"]]
        assert stance["status"] != "rejected" and stance["coder_kind"] == row["coder_kind"], where
        if row["position"] in ("support", "oppose"):
            assert stance["position"] == row["position"], where  # the row quotes a stance on the chosen side
        if (row["evidence"] or "").strip():
            assert cell.evidence and cell.evidence[0].stance_id == row["stance_id"], where
    return rows


def test_current_stance_is_the_weighted_balance_not_the_last_coded(engine: Engine, session: Session) -> None:
    """Equally confident stances disagreeing: the view follows the balance, like the briefing's stance matrix."""
    now = datetime.now(UTC).replace(microsecond=0)
    ago = lambda days: now - timedelta(days=days)  # noqa: E731
    b = StoreBuilder(session, now)
    b.issues()
    # Four 'oppose' and, coded last, one 'support', all equally confident and said the same day (the demo's ISOC).
    isoc = b.actor("internet-society", "Internet Society", "technical")
    for n in range(4):
        b.stance(isoc, "control", "oppose", confidence=0.8, stated_at=ago(30), evidence=f"ISOC opposes ({n}).")
    last = b.stance(isoc, "control", "support", confidence=0.8, stated_at=ago(30), evidence="ISOC supports.")
    # Two against two: mixed.
    split = b.actor("split-ngo", "Split NGO")
    for position in ("support", "oppose", "support", "oppose"):
        b.stance(split, "control", position, confidence=0.7, stated_at=ago(10), evidence=f"Split: {position}.")
    # Recency: three confident 'oppose' two and a half years ago lose to one 'support' last week.
    turning = b.actor("turning-state", "Turning State", "state", "TRN")
    for _ in range(3):
        b.stance(turning, "taxation", "oppose", confidence=0.9, stated_at=ago(900), evidence="We oppose.")
    b.stance(turning, "taxation", "support", confidence=0.6, stated_at=ago(5), evidence="We now support.")
    # Neutral remarks never push, a statement dated after today does not count yet, nor does a zero confidence.
    b.stance(turning, "control", "neutral", confidence=0.9, stated_at=ago(3), evidence="We will study it.")
    b.stance(turning, "control", "support", confidence=0.0, stated_at=ago(3), evidence="A guess.")
    b.stance(turning, "surveillance", "support", confidence=0.9, stated_at=now + timedelta(days=2))
    session.commit()

    rows = {(r["actor"], r["issue_id"]): r for r in assert_view_agrees_with_the_stance_matrix(engine, session)}
    isoc_control = rows[("internet-society", "control")]
    assert (isoc_control["position"], isoc_control["basis"]) == ("oppose", "machine")
    assert isoc_control["score"] == pytest.approx(-0.6)  # (1 - 4) / 5
    assert isoc_control["stance_id"] != last.id
    assert isoc_control["evidence"] == "ISOC opposes (0)."  # the heaviest on its side; the older on equal weight
    assert (isoc_control["support_count"], isoc_control["oppose_count"], isoc_control["evidence_count"]) == (1, 4, 5)
    assert (rows[("split-ngo", "control")]["position"], rows[("split-ngo", "control")]["score"]) == ("mixed", 0.0)
    assert rows[("split-ngo", "control")]["confidence"] == 0.0
    assert rows[("turning-state", "taxation")]["position"] == "support"
    assert rows[("turning-state", "control")]["position"] == "neutral"
    assert ("turning-state", "surveillance") not in rows
    mixed = run_named(engine, "issue-positions", {"issue": "control", "position": "mixed"}).dicts()
    assert [r["actor"] for r in mixed] == ["split-ngo"]
    oppose = run_named(engine, "issue-positions", {"issue": "control", "position": "oppose"}).dicts()
    assert [(r["actor"], r["evidence"]) for r in oppose] == [("internet-society", "ISOC opposes (0).")]
    matrix = by(run_named(engine, "stance-matrix"), "actor")
    assert (matrix["internet-society"]["control"], matrix["split-ngo"]["control"]) == ("oppose", "mixed")


def test_the_view_agrees_with_the_stance_matrix_on_a_realistic_store(engine: Engine, session: Session) -> None:
    dispute = build_dispute(session, now=datetime.now(UTC) - timedelta(days=7))
    b = StoreBuilder(session, dispute.now)
    isoc, brazil = dispute.actors["internet-society"], dispute.actors["brazil"]
    said = dispute.week_start - timedelta(days=2)
    # The Internet Society, until now against intergovernmental control, is quoted both ways with equal confidence.
    for n, position in enumerate(("oppose", "oppose", "support", "oppose", "support")):
        b.stance(isoc, "control", position, confidence=0.7, stated_at=said, evidence=f"ISOC remark {n}: {position}.")
    # Brazil on taxation: a confirmed doubt about digital taxes, and a rejected misreading that does not count.
    b.stance(brazil, "taxation", "oppose", confidence=0.6, stated_at=said - timedelta(days=30),
             review_status="confirmed", evidence="Brazil doubts unilateral taxes.")
    b.stance(brazil, "taxation", "oppose", confidence=0.99, stated_at=said, review_status="rejected",
             evidence="Misread.")
    session.commit()

    rows = {(r["actor"], r["issue_id"]): r for r in assert_view_agrees_with_the_stance_matrix(engine, session)}
    assert len(rows) > 60
    assert rows[("internet-society", "control")]["position"] == "oppose"
    assert {r["position"] for r in rows.values()} == {"support", "oppose", "mixed"}
    # Two statements for digital taxes against one confirmed doubt (weighing double): mixed, quoting the heaviest.
    assert rows[("brazil", "taxation")]["position"] == "mixed"
    assert rows[("brazil", "taxation")]["evidence"] == "Brazil doubts unilateral taxes."
    assert rows[("india", "surveillance")]["basis"] == "analyst"


# ------------------------------------------------------------------------------------------------ named queries


def test_stance_matrix(store: Store) -> None:
    result = run_named(store.engine, "stance-matrix")
    assert result.columns == ["actor", "name", "kind", "country", "control", "surveillance", "taxation", "issues"]
    matrix = by(result, "actor")
    assert (matrix["brazil"]["control"], matrix["brazil"]["surveillance"]) == ("support", None)
    assert matrix["russia"]["control"] == matrix["russia"]["surveillance"] == "support"
    assert matrix["google"]["taxation"] == "oppose" and matrix["google"]["issues"] == 2
    assert list(matrix) == ["google", "eff", "brazil", "germany", "russia", "united-states"]  # by kind, then id


def test_who_supports_or_opposes_an_issue(store: Store) -> None:
    support = run_named(store.engine, "issue-positions", {"issue": "control"})
    assert [r["actor"] for r in support.dicts()] == ["brazil", "russia"]  # the analyst's coding first
    assert support.dicts()[0]["evidence"].startswith("Analyst: Brazil's WSIS+20")
    oppose = run_named(store.engine, "issue-positions", {"issue": "control", "position": "oppose"})
    assert [r["actor"] for r in oppose.dicts()] == ["united-states", "google"]
    with pytest.raises(NotFoundError, match="no issue 'tax'.*control, surveillance, taxation"):
        run_named(store.engine, "issue-positions", {"issue": "tax"})
    with pytest.raises(QueryError, match="position must be one of support, oppose, mixed, neutral"):
        run_named(store.engine, "issue-positions", {"issue": "control", "position": "for"})


def test_actor_history_with_evidence(store: Store) -> None:
    history = run_named(store.engine, "actor-history", {"actor": "brazil"}).dicts()
    assert [(h["issue"], h["position"], h["coder_kind"], h["status"], h["in_current"]) for h in history] == [
        ("control", "support", "analyst", "active", 1),
        ("control", "oppose", "analyst", "superseded", 0),
        ("control", "oppose", "rule", "active", 0),
    ]
    assert history[0]["document_title"] == "Brazil at WSIS+20"
    assert history[1]["evidence"] == "Analyst: Brazil backs the multistakeholder model."
    # A state by its ISO code or name; the firms with country USA are not the United States.
    by_code = run_named(store.engine, "actor-history", {"actor": "usa"}).dicts()
    assert {h["actor"] for h in by_code} == {"united-states"}
    assert {h["status"] for h in by_code} == {"active", "rejected"}
    assert run_named(store.engine, "actor-history", {"actor": "Electronic Frontier Foundation"}).rows
    with pytest.raises(NotFoundError, match="no actor 'atlantis'"):
        run_named(store.engine, "actor-history", {"actor": "atlantis"})


def test_coalition_members(store: Store) -> None:
    coalitions = by(run_named(store.engine, "coalitions"), "coalition")
    assert set(coalitions) == {"sovereigntists", "multistakeholder"}  # the older snapshot is left out
    assert coalitions["multistakeholder"]["members"] == "eff, google, united-states"
    assert coalitions["multistakeholder"]["size"] == 3 and coalitions["multistakeholder"]["bridges"] is None
    assert coalitions["sovereigntists"]["members"] == "brazil, russia"
    assert coalitions["sovereigntists"]["bridges"] == "brazil"


def test_documents_mentioning_a_term(store: Store, session: Session) -> None:
    def titles(term: str) -> set[str]:
        return {r["title"] for r in run_named(store.engine, "search-documents", {"term": term}).dicts()}

    assert titles("digital sovereignty") == {"Russia on Internet governance", "Brazil at WSIS+20"}  # a phrase
    assert titles("SOVEREIGNTY") == {"Russia on Internet governance", "Brazil at WSIS+20", "Encryption matters"}
    assert titles("encryption") == titles("journalists") == {"Encryption matters"}
    assert titles("wsis") == {"Brazil at WSIS+20"}  # titles count too
    assert titles('"open" Internet') == {"Keeping the Internet open"}  # quotes are text, not syntax
    assert titles("it's") == {"Keeping the Internet open"}
    assert titles("blockchain") == set()
    hit = run_named(store.engine, "search-documents", {"term": "encryption"}).dicts()[0]
    assert "[encryption]" in hit["excerpt"].lower() and hit["actor"] == "eff"
    # The index follows the documents: an edited text and a deleted document.
    doc = session.scalars(select(Document).where(Document.title == "Encryption matters")).one()
    doc.text = "Now about quantum computing."
    session.commit()
    assert titles("journalists") == set() and titles("quantum") == {"Encryption matters"}
    session.delete(session.scalars(select(Document).where(Document.title == "Brazil at WSIS+20")).one())
    session.commit()
    assert titles("digital sovereignty") == {"Russia on Internet governance"}
    with pytest.raises(QueryError, match="parameter term is required"):
        run_named(store.engine, "search-documents", {"term": "  "})


def test_sources_that_failed_recently(store: Store) -> None:
    week = by(run_named(store.engine, "failing-sources"), "source")  # default: 7 days
    assert set(week) == {"russia-news", "brazil-news"}
    assert week["russia-news"]["last_reason"] == "HTTP 503 Service Unavailable"
    assert week["brazil-news"]["last_status"] == "suspicious"
    month = run_named(store.engine, "failing-sources", {"days": "30"})
    assert {r["source"] for r in month.dicts()} == {"russia-news", "brazil-news", "eff-news"}
    with pytest.raises(QueryError, match="days must be a whole number"):
        run_named(store.engine, "failing-sources", {"days": "a week"})


def test_a_source_whose_latest_crawl_went_well_is_not_failing(store: Store, session: Session) -> None:
    russia = session.scalars(select(Source).where(Source.slug == "russia-news")).one()
    StoreBuilder(session, store.now).crawl(store.now - timedelta(hours=1), {russia: {"documents_new": 2}})
    session.commit()
    assert {r["source"] for r in run_named(store.engine, "failing-sources").dicts()} == {"brazil-news"}


def test_recent_documents(store: Store) -> None:
    recent = run_named(store.engine, "recent-documents", {"days": "5"}).dicts()
    assert [r["title"] for r in recent] == ["Keeping the Internet open", "Brazil at WSIS+20"]


def test_every_named_query_runs(store: Store) -> None:
    example = {"issue": "control", "actor": "russia", "term": "sovereignty"}
    for query in NAMED_QUERIES.values():
        params = {p.name: example[p.name] for p in query.params if p.default is None}
        assert run_named(store.engine, query.name, params).rows, query.name


def test_named_query_mistakes(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no named query 'matrix'"):
        run_named(store.engine, "matrix")
    with pytest.raises(QueryError, match="has no parameter colour"):
        run_named(store.engine, "stance-matrix", {"colour": "red"})


# ------------------------------------------------------------------------------------------------ read-only


def fingerprint(engine: Engine) -> dict[str, object]:
    """Row counts of the main tables, the actors' names and user_version: what a write would change."""
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in
                  ("actors", "stances", "documents", "sources", "coalitions", "crawl_runs", "issues")}
        counts["names"] = sorted(conn.execute(text("SELECT name FROM actors")).scalars())
        counts["tables"] = sorted(
            conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")
                         if engine.dialect.name == "sqlite" else
                         text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars()
        )
    return counts


COMMON_WRITES = [
    "INSERT INTO actors (slug, name, kind, aliases, active, in_registry, created_at, updated_at) "
    "VALUES ('x', 'X', 'ngo', '[]', 1, 1, '2026-01-01', '2026-01-01')",
    "UPDATE actors SET name = 'hacked'",
    "DELETE FROM stances",
    "DROP TABLE stances",
    "DROP VIEW v_current_stances",
    "CREATE TABLE evil (x INTEGER)",
    "ALTER TABLE actors ADD COLUMN evil INTEGER",
    "ATTACH DATABASE 'other.db' AS other",
    "SELECT 1; DELETE FROM stances",
    "SELECT 1 -- harmless?\n; DROP TABLE stances;",
    "/* a comment */ delete from stances",
    "  (DELETE FROM stances)",
    "VACUUM",
    "REPLACE INTO issues (id, name, definition) VALUES ('x', 'x', '')",
]
SQLITE_WRITES = [
    "WITH doomed AS (SELECT id FROM stances) DELETE FROM stances WHERE id IN (SELECT id FROM doomed)",
    "WITH x AS (SELECT 1) INSERT INTO issues (id, name, definition) VALUES ('x', 'x', '')",
    "PRAGMA user_version = 42",
    "PRAGMA query_only = OFF",
    "PRAGMA journal_mode = DELETE",
    "PRAGMA foreign_keys = OFF",
]
POSTGRES_WRITES = [
    "WITH doomed AS (DELETE FROM stances RETURNING id) SELECT count(*) FROM doomed",
    "WITH x AS (UPDATE actors SET name = 'hacked' RETURNING id) SELECT * FROM x",
    "SELECT * INTO evil FROM actors",
    "SELECT nextval('actors_id_seq')",
    "SELECT * FROM actors FOR UPDATE",
    "EXPLAIN ANALYZE DELETE FROM stances",
    "SELECT 1; COMMIT; SET default_transaction_read_only = off; DELETE FROM stances",
]


def test_writes_are_refused_and_change_nothing(store: Store) -> None:
    before = fingerprint(store.engine)
    writes = COMMON_WRITES + (SQLITE_WRITES if store.dialect == "sqlite" else POSTGRES_WRITES)
    for sql in writes:
        with pytest.raises(ReadOnlyError) as refused:
            run_query(store.engine, sql)
        message = str(refused.value)
        assert "read-only" in message or "one statement at a time" in message, (sql, message)
    assert fingerprint(store.engine) == before
    assert run_query(store.engine, "SELECT COUNT(*) AS n FROM stances").rows == [(before["stances"],)]


def test_the_database_itself_refuses_writes(store: Store) -> None:
    """Below the friendly check: the connection the queries run on cannot write, whatever the SQL."""
    before = fingerprint(store.engine)
    for sql in ("DELETE FROM stances", "UPDATE actors SET name = 'x'", "CREATE TABLE evil (x INTEGER)"):
        with connect_readonly(store.engine) as conn:
            cur = conn.cursor()
            with pytest.raises(Exception, match="(?i)read-?only|not authorized"):
                cur.execute(sql)
    if store.dialect == "sqlite":
        with connect_readonly(store.engine) as conn, pytest.raises(Exception, match="not authorized|too many"):
            conn.execute("ATTACH DATABASE ':memory:' AS other")
    assert fingerprint(store.engine) == before


def test_reading_pragmas_and_parameters_still_work(store: Store) -> None:
    if store.dialect == "sqlite":
        columns = run_query(store.engine, "PRAGMA table_info(actors)").dicts()
        assert "slug" in {c["name"] for c in columns}
        assert run_query(store.engine, "SELECT name FROM pragma_table_info('issues')").rows
    else:
        assert run_query(store.engine, "SHOW statement_timeout").rows
    result = run_query(store.engine, "SELECT name FROM actors WHERE slug = :slug OR name LIKE :pattern",
                       {"slug": "russia", "pattern": "%Frontier%"})
    assert sorted(result.rows) == [("Electronic Frontier Foundation",), ("Russia",)]
    # Values are bound, never spliced into the SQL.
    injection = run_query(store.engine, "SELECT COUNT(*) AS n FROM actors WHERE slug = :slug",
                          {"slug": "x' OR '1'='1"})
    assert injection.rows == [(0,)]
    with pytest.raises(QueryError, match="slug"):
        run_query(store.engine, "SELECT * FROM actors WHERE slug = :slug")
    with pytest.raises(QueryError, match="parameter colour is not used"):
        run_query(store.engine, "SELECT 1 AS one", {"colour": "red"})
    with pytest.raises(QueryError, match="SQL error"):
        run_query(store.engine, "SELECT * FROM no_such_table")


def test_values_typed_on_the_command_line(store: Store) -> None:
    """`--param n=2` compares as a number on both databases, also with a view's computed columns."""
    sql = ("SELECT actor FROM v_current_stances WHERE evidence_count >= :n AND confidence > :min "
           "ORDER BY actor LIMIT :k")
    result = run_query(store.engine, sql, parse_params(["n=2", "min=0.2", "k=10"]), text_params=True)
    assert result.rows == [("brazil",), ("google",), ("russia",)]
    assert run_query(store.engine, "SELECT :code AS code", {"code": "007"}, text_params=True).rows == [("007",)]
    assert [typed_like_a_literal(v) for v in ("12", "-3", "0.25", "007", "1e5", "x1", "")] == [
        12, -3, 0.25, "007", "1e5", "x1", ""]


def test_limit_marks_truncation(store: Store) -> None:
    result = run_query(store.engine, "SELECT slug FROM actors ORDER BY slug", limit=2)
    assert result.rows == [("brazil",), ("eff",)] and result.truncated
    assert not run_query(store.engine, "SELECT slug FROM actors", limit=100).truncated
    empty = run_query(store.engine, "SELECT slug, name FROM actors WHERE slug = 'none'")
    assert empty.columns == ["slug", "name"] and empty.rows == []


def test_runaway_query_is_stopped(store: Store) -> None:
    runaway = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n"
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="longer than 0.5 s"):
        run_query(store.engine, runaway, timeout=0.5)
    assert time.monotonic() - started < 5
    # An endless stream of rows stops at the limit, and at the timeout without one.
    endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n"
    assert len(run_query(store.engine, endless, limit=10, timeout=5).rows) == 10
    with pytest.raises(QueryTimeout):
        run_query(store.engine, endless, timeout=0.5)
    assert run_query(store.engine, "SELECT COUNT(*) FROM actors").rows == [(7,)]  # the store still answers


SERVER_ADMINISTRATION = [
    "SELECT pg_terminate_backend(pg_backend_pid())",
    "SELECT pg_catalog.PG_CANCEL_BACKEND(1)",
    'SELECT "pg_terminate_backend"(1)',
    "SELECT lo_import('/etc/hostname')",
    "SELECT pg_read_file('/etc/hostname')",
    "SELECT * FROM pg_ls_dir('.')",
    "SELECT query_to_xml('select pg_terminate_backend(1)', true, true, '')",
    "SELECT set_config('default_transaction_read_only', 'off', false)",
    "SELECT pg_advisory_lock(1)",
    "SELECT pg_sleep(30)",
    'SELECT U&"\\0070g_terminate_backend"(1)',
]


def test_server_administration_is_refused_on_postgresql(store: Store) -> None:
    """The test server's role is a superuser: the database alone would run every one of these."""
    if store.dialect == "sqlite":
        pytest.skip("SQLite has no server to administer")
    for sql in SERVER_ADMINISTRATION:
        with pytest.raises(ReadOnlyError, match="refused") as refused:
            run_query(store.engine, sql)
        assert "read-only role" in str(refused.value) or "Unicode-escaped" in str(refused.value), sql
    # Reading the catalogue, and words that only look alike, still work.
    assert run_query(store.engine, "SELECT COUNT(*) > 0 FROM pg_stat_activity").rows == [(True,)]
    assert run_query(store.engine, "SELECT 'hello_lo' AS greeting -- pg_sleep(1)").rows == [("hello_lo",)]


def test_one_huge_value_cannot_outrun_the_time_limit_on_sqlite(store: Store) -> None:
    if store.dialect != "sqlite":
        pytest.skip("PostgreSQL's statement_timeout interrupts function calls")
    started = time.monotonic()
    for sql in ("SELECT length(randomblob(1000000000))", "SELECT length(zeroblob(2000000000))",
                "SELECT length(replace(hex(zeroblob(40000000)), '0', '00'))"):
        with pytest.raises(QueryError, match="over 64 MB"):
            run_query(store.engine, sql, timeout=2)
    with pytest.raises(QueryError, match=r"printf\(\) and format\(\) are refused"):
        run_query(store.engine, "SELECT length(printf('%.*c', 1000000000, 'x'))", timeout=2)
    assert time.monotonic() - started < 2 * 4
    assert run_query(store.engine, "SELECT length(zeroblob(1000000)) AS n").rows == [(1000000,)]


def test_check_statement_reads_past_comments_and_strings() -> None:
    assert check_statement("-- stances\nSELECT ';' AS semi, \"a;b\" FROM t; -- done") == "select"
    assert check_statement("/* x; y */ WITH a AS (SELECT 1) SELECT * FROM a;") == "with"
    assert check_statement("SELECT $$ ; DROP TABLE x; $$") == "select"
    with pytest.raises(ReadOnlyError, match="one statement"):
        check_statement("SELECT 1; SELECT 2")
    with pytest.raises(QueryError, match="no SQL"):
        check_statement(" -- nothing\n ;")
    assert parse_params(["issue=control", "term=a=b"]) == {"issue": "control", "term": "a=b"}
    with pytest.raises(QueryError, match="NAME=VALUE"):
        parse_params(["control"])


# ------------------------------------------------------------------------------------------------ exports


@pytest.mark.parametrize("what", sorted(EXPORTS))
def test_exports_round_trip(store: Store, tmp_path: Path, what: str) -> None:
    expected = export_rows(store.engine, what)
    assert expected.rows
    as_json = tmp_path / f"{what}.json"
    assert export(store.engine, what, "json", as_json) == len(expected.rows)
    assert json.loads(as_json.read_text(encoding="utf-8")) == expected.dicts()
    as_csv = tmp_path / f"{what}.csv"
    assert export(store.engine, what, "csv", as_csv) == len(expected.rows)
    with as_csv.open(encoding="utf-8", newline="") as handle:
        back = list(csv.DictReader(handle))
    assert back == [{k: "" if v is None else str(v) for k, v in row.items()} for row in expected.dicts()]


def test_export_contents(store: Store) -> None:
    stances = export_rows(store.engine, "stances").dicts()
    assert len(stances) == 14 and {s["status"] for s in stances} == {"active", "superseded", "rejected"}
    coalitions = export_rows(store.engine, "coalitions").dicts()
    assert len(coalitions) == 8  # both snapshots
    assert json.loads(coalitions[-1]["positions"]) == {}
    out = io.StringIO()
    write_result(export_rows(store.engine, "actors"), "jsonl", out)
    assert [json.loads(line)["actor"] for line in out.getvalue().splitlines()][:2] == ["brazil", "eff"]


# ------------------------------------------------------------------------------------------------ migration


def test_migration_0003_decides_ties_by_the_balance_and_downgrades(empty_engine: Engine) -> None:
    """0002's view quoted the last coded of equally strong stances; 0003's follows the balance; downgrade restores."""
    engine = empty_engine
    migrate.upgrade(engine, "0002")
    now = datetime.now(UTC)
    with Session(engine) as s:
        b = StoreBuilder(s, now)
        b.issues()
        isoc = b.actor("internet-society", "Internet Society", "technical")
        for position in ("oppose", "oppose", "oppose", "oppose", "support"):
            b.stance(isoc, "control", position, confidence=0.8, stated_at=now - timedelta(days=20),
                     evidence=f"ISOC: {position}.")
        s.commit()
    current = "SELECT position, evidence FROM v_current_stances"
    in_current = "SELECT position FROM v_stance_history WHERE in_current = 1"
    assert run_query(engine, current).rows == [("support", "ISOC: support.")]
    migrate.upgrade(engine)
    assert run_query(engine, current).rows == [("oppose", "ISOC: oppose.")]
    assert run_query(engine, in_current).rows == [("oppose",)]
    migrate.downgrade(engine, "0002")
    assert run_query(engine, current).rows == [("support", "ISOC: support.")]
    assert run_query(engine, in_current).rows == [("support",)]
    migrate.upgrade(engine)
    assert migrate.check(engine) == []


def test_downgrade_removes_views_and_search(empty_engine: Engine) -> None:
    """Downgrading below 0002 leaves no view, trigger or search table; upgrading again indexes old documents."""
    engine = empty_engine
    migrate.upgrade(engine, "0001")
    with Session(engine) as s:
        b = StoreBuilder(s)
        b.document(b.actor("itu", "ITU", "igo"), "Old", text="A plenipotentiary conference.")
        s.commit()
    migrate.upgrade(engine)
    assert run_named(engine, "search-documents", {"term": "plenipotentiary"}).rows
    migrate.downgrade(engine, "0001")
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            leftovers = conn.execute(text(
                "SELECT name FROM sqlite_master WHERE name LIKE 'v\\_%' ESCAPE '\\' OR name LIKE 'documents_fts%'"
            )).scalars().all()
        else:
            leftovers = conn.execute(text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                "AND (table_name LIKE 'v\\_%' OR table_name LIKE 'documents_fts%') "
                "UNION SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = current_schema() "
                "UNION SELECT routine_name FROM information_schema.routines WHERE routine_schema = current_schema()"
            )).scalars().all()
        assert leftovers == []
        assert conn.execute(select(func.count()).select_from(Document)).scalar() == 1
    with Session(engine) as s:  # documents can still be written without the triggers' table
        doc = s.scalars(select(Document)).one()
        doc.text = "changed"
        s.commit()
    migrate.upgrade(engine)
    assert migrate.check(engine) == []
