"""The jobs of the scheduler and `tracker run`: crawl due sources, code new documents, analyse, render the briefing.

Every job, however it ends, leaves one `job_runs` row (ok, failed, skipped or aborted, with a message and details)
and one structured log line. Jobs that must not overlap take a store lock named after them ("crawl", "code",
"briefing", see `holds_lock`): a job that finds its lock held, in this process or another, is recorded as skipped,
not queued. The commands that do a job's work by hand (`tracker crawl`, `tracker code`, `tracker report`) run it
here too, so they never run beside the scheduler's own run of the same job.
A stop event (set on SIGTERM) makes a running crawl stop its crawler process and record itself as aborted;
the shorter jobs finish their transaction.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psutil
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from igtracker import locks
from igtracker.config import Settings
from igtracker.db import is_sqlite, make_engine, session_scope, write_retrying
from igtracker.errors import NotFoundError, TrackerError
from igtracker.logs import fields
from igtracker.models import Briefing, JobRun

log = logging.getLogger(__name__)

JOB_NAMES = ("crawl", "code", "positions", "analyse", "briefing")
SCHEDULE_TABLE = "apscheduler_jobs"  # where the scheduler keeps its jobs and their next run times (APScheduler's)
CRAWLER_STOP_SECONDS = 15.0  # after SIGTERM the crawler closes its spiders; then it is killed
BUSY_ATTEMPTS = 3
IDEMPOTENT_JOBS = ("code", "analyse", "briefing")  # safe to run again from the start (a crawl is not retried)
BUSY_PAUSE_SECONDS = 2.0
POSITIONS_MAX_AGE = timedelta(hours=20)  # the positions job pools again when the oldest kept position is older


class JobNotDone(TrackerError):
    """A job run by a command did not do its work: its lock was held (the message names the holder) or it failed."""


@dataclass
class JobOutcome:
    """What a job body reports back; run_job stores it."""

    status: str  # ok | failed | skipped | aborted
    message: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    output: Any = None  # what the body made (a CrawlReport, a BriefingResult...), for the command that ran it


@dataclass
class JobResult:
    """A finished job run, as stored in job_runs."""

    id: int
    job: str
    status: str
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    message: str | None
    details: dict[str, Any]
    output: Any = field(default=None, compare=False, repr=False)  # JobOutcome.output; not stored

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "skipped")


@dataclass
class JobContext:
    settings: Settings
    engine: Engine
    trigger: str
    stop: threading.Event
    options: dict[str, Any] = field(default_factory=dict)
    job_run_id: int | None = None

    def note(self, **values: Any) -> None:
        """Add to this run's details while it runs (e.g. the crawler's pid, for whoever finds the run orphaned)."""
        if self.job_run_id is None:
            return
        with session_scope(self.engine) as session:
            row = session.get(JobRun, self.job_run_id)
            if row is not None:
                row.details = {**(row.details or {}), **values}


def run_job(
    name: str,
    settings: Settings,
    *,
    trigger: str = "cli",
    stop: threading.Event | None = None,
    engine: Engine | None = None,
    **options: Any,
) -> JobResult:
    """Run one job now and record it; never raises for a failing job (the row and the log say what went wrong).

    `options`: crawl takes `sources` (list of ids) or `all_sources`; briefing takes `week` and `only_if_missing`.
    """
    if name not in JOB_NAMES:
        raise NotFoundError(f"unknown job {name!r}; jobs: {', '.join(JOB_NAMES)}")
    own_engine = engine is None
    engine = engine or make_engine(settings.database_url)
    try:
        ctx = JobContext(settings, engine, trigger, stop or threading.Event(), options)

        def open_run(session: Session) -> int:
            abort_stale_job_runs(session)
            row = JobRun(job=name, trigger=trigger, status="running",
                         details={"host": socket.gethostname(), "pid": os.getpid()})
            session.add(row)
            session.flush()
            return row.id

        run_id = write_retrying(engine, f"the {name} job", open_run)  # a busy SQLite store: one clear line
        ctx.job_run_id = run_id
        log.info("job started", extra=fields(job=name, job_run=run_id, trigger=trigger))
        try:
            outcome = _run_body(name, ctx)
        except TrackerError as exc:
            outcome = JobOutcome("failed", str(exc))
        except Exception as exc:
            log.exception("job crashed", extra=fields(job=name, job_run=run_id))
            outcome = JobOutcome("failed", f"{type(exc).__name__}: {exc}")
        except BaseException:
            _finish(engine, run_id, JobOutcome("aborted", "interrupted"))
            raise
        result = _finish(engine, run_id, outcome)
        result.output = outcome.output
        return result
    finally:
        if own_engine:
            engine.dispose()


def run_command_job(name: str, settings: Settings, **options: Any) -> JobResult:
    """A job run by hand (`tracker crawl`, `tracker code`, `tracker report`): recorded and locked like the
    scheduler's runs; raises JobNotDone (one line: who holds the lock, or what failed) unless the body produced
    its output. A failed crawl still returns its report, so the command can show what went wrong per source."""
    result = run_job(name, settings, trigger="cli", **options)
    if result.status == "skipped":
        raise JobNotDone(f"{name} skipped: {result.message}")
    if result.status in ("failed", "aborted") and result.output is None:
        raise JobNotDone(result.message or f"{name} {result.status}")
    return result


def _run_body(name: str, ctx: JobContext) -> JobOutcome:
    """The job body, tried again when SQLite reports the store busy.

    In WAL mode a transaction that read before another process committed cannot then write ("database is
    locked" at once, whatever the busy timeout); the briefing reads for seconds before it writes its snapshot
    while the crawler commits documents, so it meets this now and then. A fresh attempt succeeds.
    """
    for attempt in range(1, BUSY_ATTEMPTS + 1):
        try:
            return BODIES[name](ctx)
        except OperationalError as exc:
            retryable = name in IDEMPOTENT_JOBS and is_sqlite(ctx.engine) and "locked" in str(exc.orig)
            if attempt == BUSY_ATTEMPTS or not retryable:
                raise
            log.warning("store busy: trying again", extra=fields(job=name, attempt=attempt))
            if ctx.stop.wait(BUSY_PAUSE_SECONDS * attempt):
                raise
    raise AssertionError("unreachable")


def record_skipped(engine: Engine, name: str, message: str, *, trigger: str = "scheduler") -> JobResult:
    """A run that did not happen (still running, missed beyond the grace time), so the history shows the gap."""
    with session_scope(engine) as session:
        now = datetime.now(UTC)
        row = JobRun(job=name, trigger=trigger, status="skipped", started_at=now, finished_at=now, message=message,
                     details={"host": socket.gethostname(), "pid": os.getpid()})
        session.add(row)
        session.flush()
        result = _result(row)
    log.warning("job skipped", extra=fields(job=name, job_run=result.id, reason=message))
    return result


def abort_stale_job_runs(session: Session) -> int:
    """Close 'running' rows whose process on this host is gone (killed before it could record an outcome).

    A crawler outlives a daemon killed with SIGKILL; left alone it would crawl alongside the next crawl, since
    the crawl lock died with the daemon. Such an orphan (its pid is in the run's details) is stopped here.
    """
    host = socket.gethostname()
    stale = 0
    for row in session.scalars(select(JobRun).where(JobRun.status == "running")):
        details = row.details or {}
        pid = details.get("pid")
        if details.get("host") == host and isinstance(pid, int) and not psutil.pid_exists(pid):
            row.status, row.finished_at = "aborted", datetime.now(UTC)
            row.message = "the process running this job ended without recording an outcome"
            if _stop_orphan(details.get("crawler_pid")):
                row.message += f"; its crawler process {details['crawler_pid']} was stopped"
            stale += 1
    return stale


def _stop_orphan(pid: Any) -> bool:
    if not isinstance(pid, int):
        return False
    try:
        process = psutil.Process(pid)
        if "igtracker.spiders.runner" not in " ".join(process.cmdline()):
            return False  # the pid was reused by something else
        log.warning("stopping an orphaned crawler", extra=fields(pid=pid))
        process.kill()
        process.wait(10)
        return True
    except (psutil.Error, OSError):
        return False


def _finish(engine: Engine, run_id: int, outcome: JobOutcome) -> JobResult:
    with session_scope(engine) as session:
        row = session.get(JobRun, run_id)
        assert row is not None
        row.status, row.message, row.finished_at = outcome.status, outcome.message, datetime.now(UTC)
        row.details = {**(row.details or {}), **outcome.details}
        session.flush()
        result = _result(row)
    level = logging.WARNING if outcome.status in ("failed", "aborted") else logging.INFO
    log.log(level, "job finished", extra=fields(
        job=result.job, job_run=result.id, status=result.status, message=result.message,
        seconds=round((result.finished_at - result.started_at).total_seconds(), 3) if result.finished_at else None,
    ))
    return result


def _result(row: JobRun) -> JobResult:
    return JobResult(row.id, row.job, row.status, row.trigger, row.started_at, row.finished_at, row.message,
                     dict(row.details or {}))


# Job bodies -----------------------------------------------------------------------------------------------------

JobBody = Callable[[JobContext], JobOutcome]


def holds_lock(name: str) -> Callable[[JobBody], JobBody]:
    """Run the decorated body holding the store lock `name`; if another run holds it, the run is skipped.

    The skipped outcome's message names the holder (host, pid, since when), for job_runs and the command line.
    """

    def decorate(body: JobBody) -> JobBody:
        @functools.wraps(body)
        def locked(ctx: JobContext) -> JobOutcome:
            try:
                lock = locks.acquire(ctx.engine, name)
            except locks.LockHeld as exc:
                return JobOutcome("skipped", str(exc), {"lock": name})
            with lock:
                return body(ctx)

        return locked

    return decorate



@holds_lock("crawl")
def crawl_body(ctx: JobContext) -> JobOutcome:
    """Crawl the sources that are due (or those named), holding the store's crawl lock for the whole crawl.

    Options: `sources` (ids) or `all_sources`; `on_progress` (a callable) also sees the crawl's progress events.
    """
    from igtracker.crawl import due_sources, run_crawl

    if ctx.stop.is_set():
        return JobOutcome("skipped", "not started: the scheduler is stopping")
    slugs: list[str] | None = ctx.options.get("sources")
    if not slugs and not ctx.options.get("all_sources"):
        with session_scope(ctx.engine) as session:
            slugs = [s.slug for s in due_sources(session, datetime.now(UTC))]
        if not slugs:
            return JobOutcome("ok", "no source is due", {"sources": []})
    watch = _CrawlerWatch(ctx, ctx.options.get("on_progress"))
    try:
        report = run_crawl(ctx.settings, slugs or None, trigger=_crawl_trigger(ctx.trigger),
                           on_progress=watch.on_progress)
    finally:
        watch.done()
    details = {
        "crawl_run": report.run_id,
        "crawl_status": report.status,
        "totals": report.totals(),
        "sources": {s.source: s.status for s in report.sources},
    }
    failed = sorted(s.source for s in report.sources if s.status == "failed")
    suspicious = sorted(s.source for s in report.sources if s.suspicious)
    totals = report.totals()
    summary = (f"crawl run {report.run_id} {report.status}: {len(report.sources)} sources, "
               f"{totals['documents_new']} new and {totals['documents_changed']} changed documents")
    if failed:
        summary += f"; failed: {', '.join(failed)}"
    if suspicious:
        summary += f"; suspicious: {', '.join(suspicious)}"
    if watch.stopped:
        return JobOutcome("aborted", f"stopped on shutdown; {summary}", details, report)
    if report.status in ("failed", "aborted"):
        return JobOutcome(report.status, summary + (f" ({report.message})" if report.message else ""), details,
                          report)
    return JobOutcome("ok", summary, details, report)


def _crawl_trigger(trigger: str) -> str:
    return trigger if trigger in ("cli", "scheduler", "demo", "test") else "cli"


class _CrawlerWatch:
    """Stops the crawler process when the stop event is set (shutdown): SIGTERM, then SIGKILL if it lingers.

    run_crawl notices the child ending and settles the crawl run; every document is its own transaction, so the
    store stays consistent whichever signal ends the crawler.
    """

    def __init__(self, ctx: JobContext, also: Callable[[Any], None] | None = None) -> None:
        self.ctx = ctx
        self.also = also
        self.stop = ctx.stop
        self.pid: int | None = None
        self.stopped = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="crawler-watch", daemon=True)
        self._thread.start()

    def on_progress(self, event: Any) -> None:
        if event.kind == "child_started":
            self.pid = int(event.detail["pid"])
            self.ctx.note(crawler_pid=self.pid)
        if self.also is not None:
            self.also(event)

    def done(self) -> None:
        self._done.set()
        self._thread.join(timeout=CRAWLER_STOP_SECONDS + 5)

    def _watch(self) -> None:
        while not self._done.is_set():
            if self.stop.wait(0.2):
                break
        while self.pid is None and not self._done.wait(0.1):
            pass  # stopping before the crawler has started: wait until there is one to stop
        if self._done.is_set() or self.pid is None:
            return
        self.stopped = True
        log.warning("stopping the crawler", extra=fields(pid=self.pid))
        with contextlib.suppress(psutil.Error):
            child = psutil.Process(self.pid)
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(CRAWLER_STOP_SECONDS)
            except psutil.TimeoutExpired:
                child.kill()


@holds_lock("code")
def code_body(ctx: JobContext) -> JobOutcome:
    """Code every document not yet coded under the current codebook (options: `codebook`, `coder`, `documents`)."""
    from igtracker.coding import load_codebook
    from igtracker.coding.batches import code_store

    codebook = load_codebook(ctx.options.get("codebook") or ctx.settings.codebook)
    started = time.monotonic()
    # short transactions: a crawl never waits long
    report = code_store(ctx.engine, codebook, document_ids=ctx.options.get("documents") or None,
                        coder=ctx.options.get("coder") or ctx.settings.coder, stop=ctx.stop)
    details = report.as_dict() | {"seconds": round(time.monotonic() - started, 3)}
    message = (f"coded {report.documents_coded} documents with codebook {report.codebook_version}: "
               f"{report.stances_added} stances added, {report.stances_removed} replaced")
    if report.uncoded:
        message += f"; not coded: {sum(report.uncoded.values())}"
    return JobOutcome("ok", message, details, report)


@holds_lock("code")
def positions_body(ctx: JobContext) -> JobOutcome:
    """Pool every kept position again as of now (confidence fades with time; see analysis.positions): daily in
    the scheduler; in `tracker run` (only_if_stale) when the oldest position is older than POSITIONS_MAX_AGE.

    Holds the "code" lock, so that a coding run's fresher positions are never overwritten by an older pass.
    """
    from igtracker.analysis.positions import oldest_position, refresh_positions

    with session_scope(ctx.engine, write=True) as session:
        oldest = oldest_position(session)
        now = datetime.now(UTC)
        if ctx.options.get("only_if_stale") and oldest is not None and now - oldest < POSITIONS_MAX_AGE:
            return JobOutcome("ok", f"positions are fresh (oldest as of {oldest:%Y-%m-%d %H:%M} UTC)",
                              {"refreshed": False})
        started = time.monotonic()
        kept = refresh_positions(session, now, coder=ctx.settings.coder)
    details = {"refreshed": True, "positions": kept, "as_of": now.isoformat(),
               "seconds": round(time.monotonic() - started, 3)}
    return JobOutcome("ok", f"{kept} positions pooled as of {now:%Y-%m-%d %H:%M} UTC", details)


def analyse_body(ctx: JobContext) -> JobOutcome:
    """Analyse coalitions as of now and store the snapshot (what `tracker query` and the briefing read)."""
    from igtracker.analysis import save_snapshot, week_pair

    with session_scope(ctx.engine) as session:
        analysis, _last_week = week_pair(session)  # keys follow last week's coalitions, as in the briefing
        save_snapshot(session, analysis)
        details = {"as_of": analysis.as_of.isoformat(), "coalitions": len(analysis.coalitions),
                   "actors": len(analysis.matrix.actors)}
    return JobOutcome("ok", f"{details['coalitions']} coalitions among {details['actors']} actors", details)


def briefing_body(ctx: JobContext) -> JobOutcome:
    """Render the briefing for the last complete week (or `week`); with only_if_missing, once per week.

    Options also: `formats`, `out_dir` and `now` (render_briefing's).
    """
    week = ctx.options.get("week")
    if ctx.options.get("only_if_missing"):
        from igtracker.briefing import last_complete_week

        week = week or last_complete_week()
        with session_scope(ctx.engine) as session:
            if session.scalar(select(Briefing.id).where(Briefing.week == week)) is not None:
                return JobOutcome("ok", f"briefing {week} exists already", {"week": week, "rendered": False})
    return _render_briefing(ctx)


@holds_lock("briefing")
def _render_briefing(ctx: JobContext) -> JobOutcome:
    from igtracker.briefing import FORMATS, render_briefing

    options = ctx.options
    result = render_briefing(ctx.engine, options.get("week"), formats=options.get("formats") or FORMATS,
                             out_dir=options.get("out_dir"), settings=ctx.settings, now=options.get("now"))
    details = {"week": result.week, "rendered": True, "paths": [str(p) for p in result.paths],
               "headline": result.summary.get("headline")}
    return JobOutcome("ok", f"briefing {result.week}: {result.summary.get('headline')}", details, result)


BODIES: dict[str, JobBody] = {
    "crawl": crawl_body,
    "code": code_body,
    "positions": positions_body,
    "analyse": analyse_body,
    "briefing": briefing_body,
}


def run_once(
    settings: Settings,
    *,
    all_sources: bool = False,
    force_briefing: bool = False,
    stop: threading.Event | None = None,
) -> list[JobResult]:
    """Crawl (due sources, or all), code, analyse and render the briefing once: `tracker run`, for cron.

    The briefing is rendered once per week (the last complete one) unless forced, so an hourly cron line does
    not redo it every hour. A failing step does not stop the later ones: coding and the briefing still use what
    the store has.
    """
    from igtracker.store import open_store

    engine = open_store(settings)
    stop = stop or threading.Event()
    results = []
    try:
        for name, options in (
            ("crawl", {"all_sources": all_sources}),
            ("code", {}),
            ("positions", {"only_if_stale": True}),
            ("analyse", {}),
            ("briefing", {"only_if_missing": not force_briefing}),
        ):
            if stop.is_set():
                break
            results.append(run_job(name, settings, trigger="run", stop=stop, engine=engine, **options))
    finally:
        engine.dispose()
    return results
