"""Benchmark: coalition analysis and briefing rendering on a large store.

300 actors, 20 issues, 200,000 stances (by default) are generated into a fresh SQLite store in a child process,
so the figures below measure only the analysis and the rendering. Aims (issues 16 and 18): analysis < 2 s,
HTML < 3 s, PDF < 20 s, the whole briefing (context + HTML + PDF) < 25 s, peak memory < 500 MB, also at a
million stances. Analysis and HTML are the best of three runs; ``context_s`` is everything the briefing computes
before rendering (this week's and last week's analysis, documents, source health).

    python benchmarks/analysis.py [--actors 300] [--issues 20] [--stances 200000] [--database-url URL] [--keep DIR]
    python benchmarks/analysis.py --stances 1000000            # years of data (issue 18)
    python benchmarks/analysis.py --stances 1000000 --database-url postgresql://127.0.0.1/bench
    python benchmarks/analysis.py --stances 1000000 --reuse --database-url sqlite:////tmp/igtracker-bench/queries.db

The store's positions are kept as it is filled (the listeners of `igtracker.stance_changes`), as in real use.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

NOW = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)
WEEK = "2026-W47"
REPEAT = 3  # timings are the best of three runs (a shared machine adds noise, never speed)
KINDS = ["state"] * 6 + ["igo", "firm", "firm", "ngo", "ngo", "technical", "academic", "media"]


# The codebook's issues come first, so that coding real text into the store lands in its busiest cells.
CODEBOOK_ISSUES = ("taxation", "surveillance", "control")
WORDS = ("multistakeholder", "sovereignty", "encryption", "interoperability", "plenipotentiary", "broadband",
         "spectrum", "cybersecurity", "accountability", "openness", "jurisdiction", "moratorium")


def document_text(n: int, rng: random.Random) -> str:
    """A few sentences, so that a search for a term has something to find (and something to skip)."""
    return " ".join(f"Paragraph {k} of statement {n} argues for {rng.choice(WORDS)} and against "
                    f"{rng.choice(WORDS)}." for k in range(6))


def build(url: str, actors: int, issues: int, stances: int, seed: int = 7) -> None:
    """Fill the store: actors in four latent camps with individual deviations, statements over two years."""
    from sqlalchemy import insert, text

    from igtracker import migrate
    from igtracker.db import make_engine, session_scope
    from igtracker.models import (
        Actor,
        Bloc,
        CrawlRun,
        CrawlRunSource,
        Document,
        Issue,
        JobRun,
        Source,
        Stance,
        bloc_memberships,
    )

    rng = random.Random(seed)
    engine = make_engine(url)
    migrate.upgrade(engine)
    camps = [[rng.choice((1, -1)) for _ in range(issues)] for _ in range(4)]
    issue_ids = [CODEBOOK_ISSUES[i] if i < len(CODEBOOK_ISSUES) else f"issue-{i:02d}" for i in range(issues)]
    with session_scope(engine) as session:
        session.execute(insert(Issue), [
            {"id": issue_ids[i], "name": f"Issue {i:02d} of the dispute",
             "support_label": f"for proposal {i:02d}", "oppose_label": f"against proposal {i:02d}",
             "codebook_version": "2026.3", "definition": ""} for i in range(issues)
        ])
        session.execute(insert(Actor), [
            {"id": a + 1, "slug": f"actor-{a:03d}", "name": f"Stakeholder {a:03d}", "kind": KINDS[a % len(KINDS)],
             "country": None, "aliases": [], "active": True, "in_registry": True,
             "created_at": NOW, "updated_at": NOW} for a in range(actors)
        ])
        session.execute(insert(Bloc), [
            {"id": b + 1, "slug": f"bloc-{b}", "name": f"Bloc {b}", "aliases": []} for b in range(8)
        ])
        session.execute(insert(bloc_memberships), [
            {"actor_id": a + 1, "bloc_id": b + 1} for a in range(actors) for b in range(8) if rng.random() < 0.06
        ])
        session.execute(insert(Source), [
            {"id": a + 1, "slug": f"source-{a:03d}", "actor_id": a + 1, "kind": "feed",
             "url": f"https://actor-{a:03d}.example/feed.xml", "allowed_domains": [], "options": {},
             "frequency_hours": 24.0, "enabled": True, "verified": False, "active": True,
             "created_at": NOW, "updated_at": NOW} for a in range(actors)
        ])
        documents = max(5000, stances // 50)
        session.execute(insert(Document), [
            {"id": d + 1, "canonical_url": f"https://actor-{d % actors:03d}.example/doc/{d}",
             "url": f"https://actor-{d % actors:03d}.example/doc/{d}", "source_id": d % actors + 1,
             "actor_id": d % actors + 1, "title": f"Statement {d} on the future of Internet governance",
             "published_at": NOW - timedelta(days=rng.uniform(0, 730)),
             "fetched_at": NOW, "first_seen_at": NOW - timedelta(days=rng.uniform(0, 400)), "content_hash": f"{d:064x}",
             "text": document_text(d, rng), "version": 1, "meta": {}, "language": "en"} for d in range(documents)
        ])
        run = CrawlRun(started_at=NOW - timedelta(days=1), finished_at=NOW, status="partial", trigger="test")
        session.add(run)
        session.flush()
        session.execute(insert(CrawlRunSource), [
            {"run_id": run.id, "source_id": a + 1, "status": "failed" if a % 37 == 0 else "ok",
             "suspicious": a % 53 == 0, "started_at": NOW - timedelta(days=1), "finished_at": NOW,
             "pages_fetched": 3, "documents_new": 1, "documents_changed": 0, "documents_unchanged": 2,
             "errors_count": 0} for a in range(actors) if a % 29 != 0  # every 29th source never ran: stale
        ])
        session.add(JobRun(job="eval", status="ok", finished_at=NOW, details={"macro_f1": 0.78}))
        leaning = [(rng.randrange(4), rng.random()) for _ in range(actors)]
        rows = []
        for n in range(stances):
            a = rng.randrange(actors)
            i = rng.randrange(issues)
            camp, loyalty = leaning[a]
            side = camps[camp][i] if rng.random() < 0.55 + 0.4 * loyalty else -camps[camp][i]
            position = "neutral" if rng.random() < 0.1 else ("support" if side > 0 else "oppose")
            kind = "analyst" if rng.random() < 0.005 else "rule"
            stated = NOW - timedelta(days=rng.uniform(0, 730))
            rows.append({
                "actor_id": a + 1, "issue_id": issue_ids[i], "position": position,
                "score": side * 0.7, "confidence": round(rng.uniform(0.4, 0.99), 2),
                "evidence": f"Stakeholder {a:03d} said it stands {position} proposal {i:02d}: statement {n}.",
                "document_id": rng.randrange(documents) + 1, "stated_at": stated, "coder_kind": kind,
                "coder": "analyst:bench" if kind == "analyst" else "ensemble", "codebook_version": "2026.3",
                "review_status": rng.choice(("pending",) * 8 + ("confirmed", "rejected")),
                "created_at": stated,
            })
            if len(rows) == 20000:
                session.execute(insert(Stance), rows)
                rows = []
        if rows:
            session.execute(insert(Stance), rows)
        if engine.dialect.name == "postgresql":  # the ids above were given: move the sequences past them
            for table in ("actors", "blocs", "sources", "documents"):
                session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))  # the planner's statistics, as autovacuum (PostgreSQL) would gather them
    engine.dispose()


def stance_count(url: str) -> int:
    from sqlalchemy import func, select

    from igtracker.db import make_engine
    from igtracker.models import Stance

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Stance)).scalar() or 0
    except Exception:  # noqa: BLE001  (no store there yet)
        return -1
    finally:
        engine.dispose()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run(url: str, out: Path) -> dict[str, float]:
    from igtracker.analysis import analyse
    from igtracker.briefing import build_context, render_html, render_pdf, template_environment
    from igtracker.db import make_engine, session_factory

    figures: dict[str, float] = {"baseline_mb": peak_mb()}
    engine = make_engine(url)
    with session_factory(engine)() as session:
        runs, cpu = [], []
        for _ in range(REPEAT):  # the first run also pays for imports and a cold page cache
            started, cpu_started = time.perf_counter(), time.process_time()
            analysis = analyse(session, NOW)
            runs.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        figures["analysis_first_s"] = runs[0]
        figures["analysis_s"] = min(runs)
        figures["analysis_cpu_s"] = min(cpu)
        figures["coalitions"] = len(analysis.coalitions)
        figures["positioned_actors"] = len(analysis.matrix.positioned_actors())
        started, cpu_started = time.perf_counter(), time.process_time()
        context = build_context(session, WEEK, now=NOW)
        figures["context_s"] = time.perf_counter() - started  # two analyses (this week, last week) + queries
        figures["context_cpu_s"] = time.process_time() - cpu_started
    runs = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        html = render_html(context, template_environment())
        runs.append(time.perf_counter() - started)
    figures["html_s"] = min(runs)
    # What `tracker report --format html` waits for, roughly:
    figures["html_with_context_s"] = figures["context_s"] + figures["html_s"]
    figures["html_kb"] = len(html.encode()) / 1024
    out.mkdir(parents=True, exist_ok=True)
    (out / "briefing.html").write_text(html, encoding="utf-8")
    started, cpu_started = time.perf_counter(), time.process_time()
    render_pdf(render_html(context, template_environment(), for_print=True), out / "briefing.pdf")
    figures["pdf_s"] = time.perf_counter() - started
    figures["pdf_cpu_s"] = time.process_time() - cpu_started  # steadier than wall time on a busy machine
    figures["briefing_s"] = figures["context_s"] + figures["html_s"] + figures["pdf_s"]  # the whole run, roughly
    from pypdf import PdfReader

    figures["pdf_pages"] = len(PdfReader(str(out / "briefing.pdf")).pages)
    figures["peak_mb"] = peak_mb()
    engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, default=300)
    parser.add_argument("--issues", type=int, default=20)
    parser.add_argument("--stances", type=int, default=200_000)
    parser.add_argument("--database-url", help="an existing empty database (default: a temporary SQLite file)")
    parser.add_argument("--keep", type=Path, help="keep the store and the rendered briefing in this folder")
    parser.add_argument("--reuse", action="store_true",
                        help="use the store at --database-url as it is when it holds stances")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only:
        build(args.database_url, args.actors, args.issues, args.stances)
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="igtracker-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    started = time.perf_counter()
    existing = stance_count(url) if args.reuse else -1
    if existing > 0:  # never build into a filled store
        print(f"store: reused, {existing:,} stances")
    else:
        subprocess.run([sys.executable, __file__, "--build-only", "--database-url", url, "--actors",
                        str(args.actors), "--issues", str(args.issues), "--stances", str(args.stances)], check=True)
        print(f"store: {args.actors} actors, {args.issues} issues, {args.stances:,} stances "
              f"(built in {time.perf_counter() - started:.1f} s)")
    figures = run(url, folder / "out")
    aims = {"analysis_s": 2.0, "html_s": 3.0, "pdf_s": 20.0, "briefing_s": 25.0, "peak_mb": 500.0}
    for key, value in figures.items():
        aim = aims.get(key)
        verdict = "" if aim is None else (f"  ok (aim < {aim:g})" if value < aim else f"  OVER (aim < {aim:g})")
        print(f"{key:>18}: {value:10.2f}{verdict}")
    print(f"briefing: {folder / 'out'}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
