"""`tracker demo`: the whole job once, offline, on the embedded defaults.

Serves the bundled sample site on 127.0.0.1, crawls it with the real spiders into a fresh SQLite store in the
output folder, codes the stances, and renders the briefings of the sample's last weeks as HTML and PDF, each step
through the job layer like the scheduler's (so the demo store's `tracker status` shows them). The sample's
documents are dated in the weeks up to `sample_as_of()`, so the briefings cover those weeks whatever today's date
is; only the crawl itself (and so source health) happens now.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from igtracker.briefing import BriefingResult, week_of
from igtracker.coding import CodingReport
from igtracker.config import Settings, load_settings
from igtracker.crawl import CrawlReport, ProgressEvent
from igtracker.db import session_scope
from igtracker.demo.registry import sample_registry
from igtracker.demo.site import sample_as_of, serve_sample_site
from igtracker.errors import TrackerError
from igtracker.jobs import run_job
from igtracker.registry import load_registry, sync_registry
from igtracker.store import open_store

STORE_NAME = "tracker.db"
MARKER_NAME = ".igtracker-demo"
BRIEFING_WEEKS = 2  # the sample's last complete weeks, so the archive index and "what moved" have content


class DemoError(TrackerError):
    """The demo cannot run (its output folder holds something else, or a step failed)."""


@dataclass
class DemoResult:
    """Where the demo put everything, and what each step did."""

    out_dir: Path
    database_url: str
    registry: Path
    crawl: CrawlReport
    coding: CodingReport
    briefings: list[BriefingResult]
    seconds: float

    @property
    def store(self) -> Path:
        return self.out_dir / STORE_NAME

    @property
    def index(self) -> Path | None:
        return self.briefings[-1].index_path if self.briefings else None


def prepare_out_dir(out_dir: Path) -> None:
    """Make out_dir ready for a fresh store, replacing an earlier demo's output but nothing else."""
    out_dir.mkdir(parents=True, exist_ok=True)
    marker = out_dir / MARKER_NAME
    store = out_dir / STORE_NAME
    if store.exists() and not marker.exists():
        raise DemoError(f"{store} exists and was not made by `tracker demo`; pick another folder with --out")
    for name in (STORE_NAME, f"{STORE_NAME}-wal", f"{STORE_NAME}-shm", f"{STORE_NAME}-journal"):
        (out_dir / name).unlink(missing_ok=True)
    if marker.exists():
        shutil.rmtree(out_dir / "briefings", ignore_errors=True)
    marker.write_text("Made by `tracker demo`; running it again here replaces the store and the briefings.\n",
                      encoding="utf-8")


def demo_settings(out_dir: Path, registry: Path) -> Settings:
    """Settings for the demo: its own store and registry, and a crawler allowed (and quick) on the loopback."""
    return load_settings(
        database_url=f"sqlite:///{(out_dir / STORE_NAME).resolve()}",
        registry=registry,
        reports_dir=out_dir / "briefings",
        log_file=None,
        allow_private_addresses=True,  # the sample site is served on 127.0.0.1
        autothrottle=False,
        download_delay=0,
        concurrent_per_domain=8,
        retry_times=1,
        download_timeout=10.0,
        crawl_time_limit=300.0,
    )


def briefing_weeks(as_of: datetime, count: int = BRIEFING_WEEKS) -> list[str]:
    """The ISO weeks of the `count` complete weeks before as_of, oldest first."""
    return [week_of(as_of - timedelta(days=7 * n)) for n in range(count, 0, -1)]


def run_demo(
    out_dir: Path,
    *,
    on_step: Callable[[str], None] | None = None,
    on_progress: Callable[[ProgressEvent], None] | None = None,
) -> DemoResult:
    """Serve, crawl, code and report into out_dir; raises DemoError if the crawl stores nothing."""
    started = time.monotonic()
    step = on_step or (lambda _message: None)
    out_dir = out_dir.resolve()
    prepare_out_dir(out_dir)
    registry = out_dir / "registry.toml"
    with serve_sample_site() as site:
        step(f"sample site served at {site.base_url}")
        registry.write_text(sample_registry(site.base_url), encoding="utf-8")
        settings = demo_settings(out_dir, registry)
        engine = open_store(settings)
        try:
            with session_scope(engine) as session:
                sync_registry(session, load_registry(registry))
            step("crawling the sample site with the real spiders")
            crawl: CrawlReport = _job(engine, settings, "crawl", all_sources=True, on_progress=on_progress)
        finally:
            engine.dispose()
    if not crawl.totals()["documents_new"]:
        raise DemoError(f"the crawl stored no document ({crawl.status}: {crawl.message or 'no message'}); "
                        f"rerun with `tracker --debug demo` and see crawl_errors in {out_dir / STORE_NAME}")
    engine = open_store(settings)
    try:
        step("coding stances")
        coding: CodingReport = _job(engine, settings, "code")
        as_of = datetime.combine(sample_as_of(), day_time(), tzinfo=UTC)
        now = max(datetime.now(UTC), as_of)
        briefings = []
        for week in briefing_weeks(as_of):
            step(f"analysing coalitions and rendering the briefing for {week}")
            briefings.append(_job(engine, settings, "briefing", week=week, now=now))
    finally:
        engine.dispose()
    return DemoResult(out_dir, settings.database_url, registry, crawl, coding, briefings,
                      time.monotonic() - started)


def _job(engine: Engine, settings: Settings, name: str, **options: Any) -> Any:
    """Run one job on the demo's store and return what it made; DemoError if it made nothing."""
    result = run_job(name, settings, trigger="demo", engine=engine, **options)
    if result.output is None:
        raise DemoError(f"the demo's {name} step {result.status}: {result.message}")
    return result.output
