"""What an operator checks on a tracker left running for months: each source's last outcome, failures, suspicious
sources, the jobs' last runs, whether a scheduler and a crawl are running, the next briefing, the store's size.

It reads the store only, and imports neither the scheduler nor APScheduler: the next briefing time is the plain
timestamp column of the scheduler's job table (`next_briefing_time`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Float, String, column, func, inspect, select, table, text
from sqlalchemy.engine import make_url

from igtracker import locks
from igtracker.config import Settings
from igtracker.crawl_runs import SUCCESS_STATUSES, next_due
from igtracker.db import is_sqlite, session_scope
from igtracker.jobs import SCHEDULE_TABLE
from igtracker.locks import SCHEDULER_LOCK
from igtracker.models import Briefing, CrawlError, CrawlRunSource, Document, JobRun, Source, Stance

RECENT_FAILURES = timedelta(days=7)
FAILURES_SHOWN = 20


@dataclass
class SourceStatus:
    """One source's latest crawl outcome and when it is due next."""

    slug: str
    actor: str
    enabled: bool
    documents: int
    last_crawl_at: datetime | None = None
    last_status: str | None = None  # ok | failed | suspicious | running (None: never crawled)
    last_message: str | None = None
    last_new: int = 0
    last_errors: int = 0
    last_success_at: datetime | None = None
    due_at: datetime | None = None

    @property
    def failing(self) -> bool:
        return self.last_status == "failed"

    @property
    def suspicious(self) -> bool:
        return self.last_status == "suspicious"


@dataclass
class JobStatus:
    """A job's latest run (and its last successful one)."""

    job: str
    status: str
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    message: str | None
    last_ok_at: datetime | None = None


@dataclass
class StoreStatus:
    generated_at: datetime
    database: str
    database_bytes: int | None
    documents: int
    stances: int
    sources: list[SourceStatus] = field(default_factory=list)
    jobs: list[JobStatus] = field(default_factory=list)
    recent_failures: list[JobStatus] = field(default_factory=list)
    scheduler: locks.LockHolder | None = None
    crawl: locks.LockHolder | None = None
    next_briefing_at: datetime | None = None
    next_briefing_scheduled: bool = False
    briefing_cron: str = ""  # the configured schedule, for when no scheduler has stored the next time yet
    last_briefing: dict[str, Any] | None = None
    llm: dict[str, Any] = field(default_factory=dict)  # the LLM coder: configured where, and what it has cost

    @property
    def failing_sources(self) -> list[SourceStatus]:
        return [s for s in self.sources if s.failing]

    @property
    def suspicious_sources(self) -> list[SourceStatus]:
        return [s for s in self.sources if s.suspicious]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["failing_sources"] = [s.slug for s in self.failing_sources]
        data["suspicious_sources"] = [s.slug for s in self.suspicious_sources]
        return data


def collect_status(settings: Settings, engine: Engine, now: datetime | None = None) -> StoreStatus:
    """Everything `tracker status` shows, read from the store (nothing is changed)."""
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        status = StoreStatus(
            generated_at=now,
            database=make_url(settings.database_url).render_as_string(hide_password=True),
            database_bytes=database_size(engine),
            documents=session.scalar(select(func.count()).select_from(Document)) or 0,
            stances=session.scalar(select(func.count()).select_from(Stance)) or 0,
        )
        status.llm = _llm(session, settings)
        status.sources = _sources(session, now)
        status.jobs, status.recent_failures = _jobs(session, now)
        briefing = session.scalar(select(Briefing).order_by(Briefing.week.desc()).limit(1))
        if briefing is not None:
            status.last_briefing = {"week": briefing.week, "generated_at": briefing.generated_at,
                                    "html_path": briefing.html_path, "pdf_path": briefing.pdf_path}
    status.scheduler = locks.current_holder(engine, SCHEDULER_LOCK)
    status.crawl = locks.current_holder(engine, "crawl")
    status.briefing_cron = settings.briefing_cron
    status.next_briefing_at = next_briefing_time(engine)
    status.next_briefing_scheduled = status.next_briefing_at is not None
    return status


def next_briefing_time(engine: Engine) -> datetime | None:
    """When the scheduler will render the next briefing, as it stored it; None before a scheduler has run.

    APScheduler's SQLAlchemy job store keeps each job's next run time as a UTC timestamp column beside the
    pickled job, so this reads one number without loading APScheduler (the scheduler itself reads its jobs
    through APScheduler: `igtracker.scheduler.stored_jobs`).
    """
    if not inspect(engine).has_table(SCHEDULE_TABLE):
        return None
    jobs = table(SCHEDULE_TABLE, column("id", String), column("next_run_time", Float))
    with engine.connect() as conn:
        timestamp = conn.execute(select(jobs.c.next_run_time).where(jobs.c.id == "briefing")).scalar()
    return datetime.fromtimestamp(timestamp, UTC) if timestamp is not None else None


def _llm(session: Any, settings: Settings) -> dict[str, Any]:
    """Whether the LLM coder is configured (its endpoint without credentials) and what its answers cost."""
    from urllib.parse import urlsplit, urlunsplit

    from igtracker.coding.llm_cache import llm_cost

    url = None
    if settings.llm_url:
        parts = urlsplit(settings.llm_url)
        url = urlunsplit(parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else ""))
                         if parts.hostname else parts)
    return {"configured": settings.llm_configured, "url": url, "model": settings.llm_model,
            "max_calls": settings.llm_max_calls, **asdict(llm_cost(session))}


def _sources(session: Any, now: datetime) -> list[SourceStatus]:
    latest = select(func.max(CrawlRunSource.id)).group_by(CrawlRunSource.source_id)
    last_rows = {
        row.source_id: row for row in session.scalars(select(CrawlRunSource).where(CrawlRunSource.id.in_(latest)))
    }
    last_ok = dict(session.execute(
        select(CrawlRunSource.source_id, func.max(CrawlRunSource.finished_at))
        .where(CrawlRunSource.status.in_(SUCCESS_STATUSES))
        .group_by(CrawlRunSource.source_id)
    ).all())
    counts = dict(session.execute(select(Document.source_id, func.count()).group_by(Document.source_id)).all())
    result = []
    for source in session.scalars(select(Source).where(Source.active.is_(True)).order_by(Source.slug)):
        item = SourceStatus(source.slug, source.actor.slug, source.enabled, counts.get(source.id, 0))
        row = last_rows.get(source.id)
        if row is not None:
            run_status = row.run.status if row.run is not None else None
            item.last_crawl_at = row.finished_at or row.started_at
            item.last_status = "running" if row.status == "running" and run_status == "running" else row.status
            item.last_message, item.last_new, item.last_errors = row.message, row.documents_new, row.errors_count
            if item.last_message is None and row.status == "failed":  # runs recorded before failures had one
                item.last_message = session.scalar(
                    select(CrawlError.reason).where(CrawlError.run_id == row.run_id,
                                                    CrawlError.source_id == source.id)
                    .order_by(CrawlError.id.desc()).limit(1))
        success = last_ok.get(source.id)
        if success is not None and success.tzinfo is None:  # aggregates bypass the column type on SQLite
            success = success.replace(tzinfo=UTC)
        item.last_success_at = success
        if source.enabled:
            item.due_at = next_due(success, source.frequency_hours) if success else now
        result.append(item)
    return result


def _job_status(row: JobRun, last_ok_at: datetime | None = None) -> JobStatus:
    return JobStatus(row.job, row.status, row.trigger, row.started_at, row.finished_at, row.message, last_ok_at)


def _jobs(session: Any, now: datetime) -> tuple[list[JobStatus], list[JobStatus]]:
    latest = select(func.max(JobRun.id)).group_by(JobRun.job)
    last_ok = dict(session.execute(
        select(JobRun.job, func.max(JobRun.finished_at)).where(JobRun.status == "ok").group_by(JobRun.job)
    ).all())
    jobs = []
    for row in session.scalars(select(JobRun).where(JobRun.id.in_(latest)).order_by(JobRun.job)):
        ok_at = last_ok.get(row.job)
        if ok_at is not None and ok_at.tzinfo is None:
            ok_at = ok_at.replace(tzinfo=UTC)
        jobs.append(_job_status(row, ok_at))
    failures = [
        _job_status(row)
        for row in session.scalars(
            select(JobRun)
            .where(JobRun.status.in_(("failed", "aborted")), JobRun.started_at >= now - RECENT_FAILURES)
            .order_by(JobRun.started_at.desc())
            .limit(FAILURES_SHOWN)
        )
    ]
    return jobs, failures


def database_size(engine: Engine) -> int | None:
    """Bytes on disk: the SQLite file with its WAL, or the PostgreSQL database."""
    if is_sqlite(engine):
        database = make_url(engine.url).database
        if not database or database == ":memory:":
            return None
        return sum(p.stat().st_size for p in (Path(database), Path(f"{database}-wal")) if p.exists())
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
