"""Benchmark: ad hoc queries, the analysis and coding on a store of years (a million stances), SQLite and PostgreSQL.

Builds the store of benchmarks/analysis.py (300 actors, 20 issues, 1,000,000 stances by default) once and reuses
it on later runs: a SQLite file (``--sqlite``) and, with ``--postgres-url``, a schema ``bench_<stances>`` in that
database. On each it prints, measured inside the process (no CLI start-up) as the best of three runs:

- every named query (`tracker query --named ...`), ``SELECT count(*) FROM v_current_stances`` and two stance-history
  queries; aim (issue 18): < 200 ms each;
- the coalition analysis (aim < 2 s);
- coding ``--coding`` new documents (default 1,000, the ensemble coder, real text) into the store: the time spent
  keeping the positions, against the coding alone (aim < 5 s more);
- with ``--plans``, the query plans (EXPLAIN) of the history queries.

    python benchmarks/queries.py [--stances 1000000] [--sqlite PATH] [--postgres-url URL] [--coding 1000] [--plans]
                                 [--parts analysis,queries,coding] [--no-sqlite]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select, text

sys.path.insert(0, str(Path(__file__).parent))

from analysis import NOW  # noqa: E402  (the store of the analysis benchmark)

REPEAT = 3
AIM_QUERY_S = 0.2
NAMED_PARAMS = {
    "stance-matrix": {},
    "issue-positions": {"issue": "control", "position": "support"},
    "actor-history": {"actor": "actor-007"},
    "coalitions": {},
    "search-documents": {"term": "plenipotentiary"},
    "failing-sources": {"days": "7"},
    "recent-documents": {"days": "7"},
}
# History queries beyond the named ones: one actor's codings on one issue, and one issue's last month.
HISTORY = {
    "count v_current_stances": ("SELECT count(*) FROM v_current_stances", {}),
    "stance history: actor x issue": (
        "SELECT * FROM v_stance_history WHERE actor = :actor AND issue_id = :issue ORDER BY stated_at DESC",
        {"actor": "actor-042", "issue": "surveillance"},
    ),
    "stance history: issue, 30 days": (
        "SELECT * FROM v_stance_history WHERE issue_id = :issue AND stated_at >= :since ORDER BY stated_at DESC",
        {"issue": "taxation", "since": (NOW - timedelta(days=30)).replace(tzinfo=None).isoformat(sep=" ")},
    ),
}


def best(fn: Callable[[], object]) -> tuple[float, float]:
    """The best wall time of three runs, and this process's CPU time in it (on PostgreSQL the server's is apart)."""
    runs = []
    for _ in range(REPEAT):
        started, cpu = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - started, time.process_time() - cpu))
    return min(runs)


def stance_count(engine: Engine) -> int:
    from igtracker.models import Stance

    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Stance)).scalar() or 0
    except Exception:  # noqa: BLE001  (no store yet)
        return -1


def postgres_schema_url(url: str, schema: str) -> str:
    from igtracker.db import make_engine, normalise_url

    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    base = normalise_url(url)
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def ensure_store(url: str, stances: int, reset: Callable[[], None]) -> Engine:
    """The store at `url` with `stances` stances: reused when it has them, else built afresh (in a child process)."""
    from igtracker.db import make_engine

    engine = make_engine(url)
    if stance_count(engine) == stances:
        print(f"reusing the store ({stances:,} stances)")
        return engine
    engine.dispose()
    reset()
    started = time.perf_counter()
    subprocess.run([sys.executable, str(Path(__file__).parent / "analysis.py"), "--build-only", "--database-url",
                    url, "--stances", str(stances)], check=True)
    print(f"built the store: {stances:,} stances in {time.perf_counter() - started:.0f} s")
    return make_engine(url)


def time_queries(engine: Engine) -> None:
    from igtracker.queries.named import NAMED_QUERIES, run_named
    from igtracker.queries.readonly import run_query

    for name in NAMED_QUERIES:
        params = NAMED_PARAMS[name]
        rows = len(run_named(engine, name, params).rows)
        seconds, cpu = best(lambda: run_named(engine, name, params))  # noqa: B023
        verdict = "ok" if seconds < AIM_QUERY_S else "OVER"
        print(f"  --named {name:<18} {seconds * 1000:8.1f} ms ({cpu * 1000:6.1f} ms CPU) {rows:5d} rows  {verdict}")
    for label, (sql, params) in HISTORY.items():
        rows = len(run_query(engine, sql, params).rows)
        seconds, cpu = best(lambda: run_query(engine, sql, params))  # noqa: B023
        verdict = "ok" if seconds < AIM_QUERY_S else "OVER"
        print(f"  {label:<32} {seconds * 1000:8.1f} ms ({cpu * 1000:6.1f} ms CPU) {rows:5d} rows  {verdict}")


def explain(engine: Engine) -> None:
    from igtracker.queries.named import NAMED_QUERIES

    sqlite = engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
    wanted = {
        "actor-history": (NAMED_QUERIES["actor-history"].sql_for(engine.dialect.name), NAMED_PARAMS["actor-history"]),
        "search-documents": (NAMED_QUERIES["search-documents"].sql_for(engine.dialect.name),
                             NAMED_PARAMS["search-documents"]),
        **{k: v for k, v in HISTORY.items() if k.startswith("stance history")},
    }
    with engine.connect() as conn:
        for label, (sql, params) in wanted.items():
            print(f"  plan of {label}:")
            for row in conn.execute(text(prefix + sql), params):
                print("    " + (str(row[-1]) if sqlite else row[0]))


def time_analysis(engine: Engine) -> None:
    from igtracker.analysis import analyse, save_snapshot
    from igtracker.db import session_scope

    with session_scope(engine) as session:
        analysis = analyse(session, NOW)
        save_snapshot(session, analysis)  # the coalitions query lists the latest snapshot
        seconds, cpu = best(lambda: analyse(session, NOW))
    print(f"  coalition analysis        {seconds:8.2f} s ({cpu:.2f} s CPU) {len(analysis.coalitions)} coalitions "
          f"{'ok' if seconds < 2 else 'OVER'} (aim < 2 s)")


def time_coding(engine: Engine, count: int) -> None:
    """Code `count` new documents twice over: once without keeping positions, once keeping them."""
    from coding import documents

    import igtracker.analysis.positions as kept
    from igtracker.coding import CodingContext, get_coder, load_codebook
    from igtracker.coding.batches import code_store
    from igtracker.db import session_scope
    from igtracker.models import Document, Stance

    rng = random.Random(5)
    texts = documents(2 * count, seed=23)
    coder = get_coder("ensemble")
    coder.code(texts[0], CodingContext(("Example",), language="en"), load_codebook())  # load its model first
    with session_scope(engine) as session:
        ids = []
        for n, body in enumerate(texts):
            url = f"https://bench.example/coding/{n}"
            doc = Document(canonical_url=url, url=url, actor_id=rng.randrange(300) + 1, title=body.splitlines()[0],
                           published_at=NOW - timedelta(days=rng.uniform(0, 30)), fetched_at=NOW, text=body,
                           meta={}, content_hash=hashlib.sha256(body.encode()).hexdigest(), language="en")
            session.add(doc)
            session.flush()
            ids.append(doc.id)
    keep = kept.update_positions
    spent = [0.0, 0.0]  # wall and CPU seconds in update_positions

    def timed_update(*args, **kwargs):  # type: ignore[no-untyped-def]
        started, cpu = time.perf_counter(), time.process_time()
        keep(*args, **kwargs)
        spent[0] += time.perf_counter() - started
        spent[1] += time.process_time() - cpu

    try:
        kept.update_positions = lambda *args, **kwargs: None  # type: ignore[assignment]
        started, cpu = time.perf_counter(), time.process_time()
        alone = code_store(engine, document_ids=ids[:count], coder=coder)
        alone_s, alone_cpu = time.perf_counter() - started, time.process_time() - cpu
        kept.update_positions = timed_update  # type: ignore[assignment]
        started, cpu = time.perf_counter(), time.process_time()
        report = code_store(engine, document_ids=ids[count:], coder=coder)
        with_s, with_cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        kept.update_positions = keep  # type: ignore[assignment]
    print(f"  coding {count} documents: {alone_s:.1f} s ({alone_cpu:.1f} s CPU) alone, {alone.stances_added} "
          f"stances; {with_s:.1f} s ({with_cpu:.1f} s CPU) keeping positions, {report.stances_added} stances, of "
          f"which {spent[0]:.2f} s ({spent[1]:.2f} s CPU) updating them {'ok' if spent[0] < 5 else 'OVER'} "
          "(aim < 5 s more)")
    with session_scope(engine) as session:  # leave the store as built, positions included
        session.execute(Stance.__table__.delete().where(Stance.document_id.in_(ids)))
        session.execute(Document.__table__.delete().where(Document.id.in_(ids)))
        kept.refresh_positions(session)


def run(label: str, engine: Engine, args: argparse.Namespace) -> None:
    print(f"{label}:")
    if "analysis" in args.parts:
        time_analysis(engine)
    if "queries" in args.parts:
        time_queries(engine)
    if args.plans:
        explain(engine)
    if args.coding and "coding" in args.parts:
        time_coding(engine, args.coding)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stances", type=int, default=1_000_000)
    parser.add_argument("--sqlite", type=Path, default=Path("/tmp/igtracker-bench/queries.db"),
                        help="the SQLite store (built when missing)")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    parser.add_argument("--postgres-url", help="a PostgreSQL database to hold the store (schema bench_<stances>)")
    parser.add_argument("--coding", type=int, default=1000, help="documents to code (0: skip)")
    parser.add_argument("--plans", action="store_true", help="print the history queries' plans")
    parser.add_argument("--parts", default="analysis,queries,coding", help="what to time (comma-separated)")
    args = parser.parse_args()
    if not args.no_sqlite:
        args.sqlite.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{args.sqlite}"
        run("SQLite", ensure_store(url, args.stances, lambda: args.sqlite.unlink(missing_ok=True)), args)
    if args.postgres_url:
        schema = f"bench_{args.stances}"

        def reset() -> None:
            from igtracker.db import make_engine

            admin = make_engine(args.postgres_url)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            admin.dispose()

        url = postgres_schema_url(args.postgres_url, schema)
        run("PostgreSQL", ensure_store(url, args.stances, reset), args)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared); aims: named queries < 200 ms")


if __name__ == "__main__":
    main()
