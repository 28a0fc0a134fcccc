"""The scheduler daemon: APScheduler 3 with its jobs persisted in the tracker's own database.

Jobs (stable ids): `crawl` every `crawl_interval` seconds crawls the sources that are due (each has its own
`frequency_hours`); `code` every `code_interval` seconds codes new documents; `briefing` renders the weekly briefing
on the `briefing_cron` schedule (UTC). All jobs coalesce missed runs into one catch-up run if it is no later than
`misfire_grace_time`, and never run twice at once; a run that is skipped or missed is still written to job_runs.

The job store is the `apscheduler_jobs` table, so a restart keeps the jobs and their next run times; only a job
whose trigger changed in the configuration is rescheduled. APScheduler cannot share one job store between two
schedulers (both would run every job), so a scheduler holds the store's "scheduler" lock while it runs: a second
`tracker schedule start` on the same store stands by and takes over when the first one dies.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, inspect

from igtracker import locks
from igtracker.config import Settings
from igtracker.db import make_engine, session_scope
from igtracker.errors import ConfigError, TrackerError
from igtracker.jobs import SCHEDULE_TABLE, abort_stale_job_runs, record_skipped, run_job
from igtracker.locks import SCHEDULER_LOCK
from igtracker.logs import fields
from igtracker.store import open_store

log = logging.getLogger(__name__)

JOBS_TABLE = SCHEDULE_TABLE
SCHEDULED_JOBS = ("crawl", "code", "positions", "briefing")
POSITIONS_CRON = "30 2 * * *"  # daily, UTC: the kept positions pooled again as of the day (analysis.positions)
STANDBY_POLL_SECONDS = 2.0
LOCK_CHECK_SECONDS = 30.0  # how often a running scheduler makes sure the store's scheduler lock is still its own
FIRST_RUN_DELAY = timedelta(seconds=1)  # a new store is crawled and coded right away, not after one interval
JOB_FUNCTION = "igtracker.scheduler:scheduled_job"
WORKERS = len(SCHEDULED_JOBS)  # one per job: jobs never run twice at once


class SchedulerRunning(TrackerError):
    """Another scheduler holds this store."""


class SchedulerLockLost(TrackerError):
    """The store's scheduler lock was lost (e.g. the database restarted); the scheduler stopped."""


# Triggers -------------------------------------------------------------------------------------------------------


def cron_trigger(expression: str) -> CronTrigger:
    """A crontab expression in UTC; a sixth, leading field gives the seconds (`*/5 * * * * *`, for tests)."""
    parts = expression.split()
    try:
        if len(parts) == 5:
            return CronTrigger.from_crontab(expression, timezone=UTC)
        if len(parts) == 6:
            second, minute, hour, day, month, day_of_week = parts
            return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                               day_of_week=day_of_week, timezone=UTC)
    except ValueError as exc:
        raise ConfigError(f"briefing_cron {expression!r} is not a valid crontab expression: {exc}") from exc
    raise ConfigError(
        f"briefing_cron {expression!r} needs 5 fields (minute hour day month weekday), e.g. '0 6 * * mon'"
    )


def job_trigger(name: str, settings: Settings) -> BaseTrigger:
    if name == "crawl":
        return IntervalTrigger(seconds=settings.crawl_interval, timezone=UTC)
    if name == "code":
        return IntervalTrigger(seconds=settings.code_interval, timezone=UTC)
    if name == "briefing":
        return cron_trigger(settings.briefing_cron)
    if name == "positions":
        return cron_trigger(POSITIONS_CRON)
    raise KeyError(name)


# What the job store calls ---------------------------------------------------------------------------------------

_runtime: dict[str, Any] = {}


def scheduled_job(name: str) -> None:
    """Entry point stored in apscheduler_jobs (by reference, with the job name only: no settings are pickled)."""
    scheduler: TrackerScheduler | None = _runtime.get("scheduler")
    if scheduler is None:
        log.error("scheduled job without a running scheduler", extra=fields(job=name))
        return
    run_job(name, scheduler.settings, trigger="scheduler", stop=scheduler.stop_event, engine=scheduler.engine)


# The scheduler --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduledJob:
    """A job as the scheduler sees it."""

    id: str
    trigger: str
    next_run_time: datetime | None
    stored: bool = True
    note: str | None = None


class TrackerScheduler:
    """A BackgroundScheduler on the store's job table, holding the store's scheduler lock while it runs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        for name in SCHEDULED_JOBS:
            job_trigger(name, settings)  # a bad cron expression fails here, before anything starts
        open_store(settings).dispose()  # migrate before anything reads the store
        self.engine = make_engine(settings.database_url)
        self.stop_event = threading.Event()
        self.lock_lost = threading.Event()
        self._lock: locks.StoreLock | None = None
        self._on_lock_lost: Callable[[], None] | None = None
        self.scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.engine, tablename=JOBS_TABLE)},
            executors={"default": ThreadPoolExecutor(WORKERS)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": settings.misfire_grace_time},
            timezone=UTC,
        )
        self.scheduler.add_listener(self._on_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED | EVENT_JOB_ERROR)

    # Life cycle

    def start(self, *, wait: bool = False, stop: threading.Event | None = None) -> None:
        """Take the scheduler lock (or stand by for it with `wait`), sync the jobs and start running them."""
        if _runtime.get("scheduler") not in (None, self):
            raise SchedulerRunning("a scheduler is already running in this process")
        self._lock = self._take_lock(wait, stop)
        if self._lock is None:
            return
        try:
            _runtime["scheduler"] = self
            with session_scope(self.engine) as session:
                abort_stale_job_runs(session)
            self.scheduler.start(paused=True)
            self.sync_jobs()
            self.scheduler.resume()
        except BaseException:
            self.shutdown()
            raise
        threading.Thread(target=self._keep_lock, args=(self._lock,), name="scheduler-lock", daemon=True).start()
        log.info("scheduler started", extra=fields(jobs={j.id: j.next_run_time for j in self.jobs()}))

    @property
    def running(self) -> bool:
        return self._lock is not None and self.scheduler.running

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop scheduling; a running crawl stops its crawler and records itself aborted, other jobs finish."""
        self.stop_event.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        if _runtime.get("scheduler") is self:
            _runtime.pop("scheduler")
        self.engine.dispose()

    def _keep_lock(self, lock: locks.StoreLock) -> None:
        """Stop scheduling as soon as the lock is lost, so a standby that takes it over never runs jobs twice."""
        while not self.stop_event.wait(LOCK_CHECK_SECONDS):
            if lock.verify():
                continue
            log.error("lost the store's scheduler lock (database restarted or connection dropped): stopping")
            self.lock_lost.set()
            self.scheduler.pause()
            if self._on_lock_lost is not None:
                self._on_lock_lost()
            return

    def _take_lock(self, wait: bool, stop: threading.Event | None) -> locks.StoreLock | None:
        announced = False
        while True:
            try:
                return locks.acquire(self.engine, SCHEDULER_LOCK)
            except locks.LockHeld as exc:
                if not wait:
                    raise SchedulerRunning(
                        f"{exc}: a second scheduler on one store would run every job twice"
                    ) from exc
                if not announced:
                    log.warning("standing by: another scheduler holds this store", extra=fields(reason=str(exc)))
                    announced = True
            if (stop or threading.Event()).wait(STANDBY_POLL_SECONDS):  # without a stop event: wait for ever
                return None

    # Jobs

    def sync_jobs(self) -> None:
        """Add missing jobs, reschedule those whose trigger changed, keep the others' stored next run times."""
        now = datetime.now(UTC)
        for name in SCHEDULED_JOBS:
            trigger = job_trigger(name, self.settings)
            options = {"coalesce": True, "max_instances": 1, "misfire_grace_time": self.settings.misfire_grace_time}
            existing = self.scheduler.get_job(name)
            if existing is not None and str(existing.trigger) == str(trigger):
                self.scheduler.modify_job(name, **options)  # settings may have changed; the next run time stays
                continue
            first = {"next_run_time": now + FIRST_RUN_DELAY} if existing is None and name in ("crawl", "code") else {}
            self.scheduler.add_job(JOB_FUNCTION, trigger, args=[name], id=name, name=name, replace_existing=True,
                                   **options, **first)
            log.info("job scheduled", extra=fields(job=name, trigger=str(trigger)))
        for job in self.scheduler.get_jobs():
            if job.id not in SCHEDULED_JOBS:
                log.info("job removed", extra=fields(job=job.id))
                job.remove()

    def jobs(self) -> list[ScheduledJob]:
        return [ScheduledJob(j.id, str(j.trigger), j.next_run_time) for j in self.scheduler.get_jobs()]

    def _on_event(self, event: JobEvent) -> None:
        name = event.job_id
        if event.code == EVENT_JOB_MAX_INSTANCES:
            record_skipped(self.engine, name, f"the previous {name} run is still running")
        elif event.code == EVENT_JOB_MISSED:
            due = getattr(event, "scheduled_run_time", None)
            record_skipped(self.engine, name, f"missed the run due at {due:%Y-%m-%d %H:%M:%S} UTC: more than "
                                              f"misfire_grace_time ({self.settings.misfire_grace_time} s) late")
        elif isinstance(event, JobExecutionEvent) and event.exception is not None:
            log.error("job raised", extra=fields(job=name, error=repr(event.exception)))

    # Foreground

    def run_forever(self, *, install_signals: bool = True) -> None:
        """`tracker schedule start`: run until SIGTERM or SIGINT, then stop cleanly (exit status 0)."""
        stop = threading.Event()
        if install_signals:
            _install_signal_handlers(stop)
        self._on_lock_lost = stop.set
        self.start(wait=True, stop=stop)
        if self.running:
            stop.wait()
        log.info("scheduler stopping")
        self.shutdown(wait=True)
        log.info("scheduler stopped")
        if self.lock_lost.is_set():
            # A non-zero exit: the supervisor restarts the daemon, which takes the lock again or stands by.
            raise SchedulerLockLost("lost the store's scheduler lock; restart the scheduler")


def _install_signal_handlers(stop: threading.Event) -> None:
    def handle(signum: int, _frame: Any) -> None:
        if stop.is_set():
            log.warning("already stopping: waiting for the current job to record its outcome")
            return
        log.warning("signal received: stopping", extra=fields(signal=signal.Signals(signum).name))
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


# Reading the job store without running a scheduler -------------------------------------------------------------


def stored_jobs(engine: Engine) -> dict[str, Job]:
    """The jobs a scheduler stored in the job table, read through APScheduler's own job store (empty before the
    first start). A job APScheduler cannot restore is dropped by it and scheduled afresh on the next start."""
    if not inspect(engine).has_table(JOBS_TABLE):
        return {}
    store = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)
    store.start(BackgroundScheduler(timezone=UTC), "default")  # a job store restores jobs for a scheduler
    return {job.id: job for job in store.get_all_jobs()}


def describe_trigger(name: str, settings: Settings) -> str:
    """The trigger as an operator wrote it: 'every 900 s' or 'cron 0 6 * * mon (UTC)'."""
    if name == "briefing":
        return f"cron {settings.briefing_cron} (UTC)"
    if name == "positions":
        return f"cron {POSITIONS_CRON} (UTC)"
    seconds = settings.crawl_interval if name == "crawl" else settings.code_interval
    return f"every {seconds:g} s"


def list_jobs(settings: Settings, now: datetime | None = None) -> list[ScheduledJob]:
    """The configured jobs with their stored next run times (or when they would run if started now)."""
    engine = open_store(settings)
    try:
        stored = stored_jobs(engine)
    finally:
        engine.dispose()
    now = now or datetime.now(UTC)
    result = []
    for name in SCHEDULED_JOBS:
        trigger = job_trigger(name, settings)
        upcoming = now + FIRST_RUN_DELAY if name in ("crawl", "code") else trigger.get_next_fire_time(None, now)
        if name not in stored:
            result.append(ScheduledJob(name, describe_trigger(name, settings), upcoming, stored=False,
                                       note="not scheduled yet: starts with `tracker schedule start`"))
        elif str(stored[name].trigger) != str(trigger):
            result.append(ScheduledJob(name, describe_trigger(name, settings), stored[name].next_run_time,
                                       note="configuration changed: rescheduled when the scheduler starts"))
        else:
            result.append(ScheduledJob(name, describe_trigger(name, settings), stored[name].next_run_time))
    return result
