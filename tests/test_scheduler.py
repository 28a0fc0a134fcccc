"""The scheduler for real: APScheduler with its SQLAlchemy job store in the test store, second-level triggers, the
real crawler (a child process running Scrapy) against fixture sites on 127.0.0.1, the real coder and briefing."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest
from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.schedulers.base import STATE_PAUSED
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from igtracker import scheduler as scheduler_module
from igtracker.briefing import last_complete_week, parse_week
from igtracker.config import Settings, load_settings
from igtracker.db import is_sqlite, session_factory
from igtracker.errors import ConfigError, NotFoundError
from igtracker.jobs import run_job
from igtracker.locks import _advisory_key
from igtracker.logs import configure_logging, fields
from igtracker.models import Actor, Briefing, CrawlRun, Document, JobRun, Source, Stance
from igtracker.scheduler import SCHEDULER_LOCK, TrackerScheduler, list_jobs
from tests.conftest import sqlite_only
from tests.sites import FixtureSite, article_html, news_item

LOCAL = ["127.0.0.1"]
FAST_DOCUMENTS = 4
STATEMENTS = {
    "france": ("France", "state", "FRA",
               "We oppose any intergovernmental control of the Internet by the ITU. "
               "We reject mass surveillance and support strong encryption."),
    "russia": ("Russia", "state", "RUS",
               "We call for an equal role for governments in international Internet governance, under the ITU."),
    "isoc": ("Internet Society", "ngo", None,
             "We oppose any intergovernmental control of the Internet by the ITU."),
}


# Helpers shared with test_scheduler_daemon.py --------------------------------------------------------------------


def scheduler_values(database_url: str, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """Fast local crawling, a private briefing folder and log file, jobs that stay quiet unless a test wakes them."""
    values: dict[str, Any] = dict(
        database_url=database_url, allow_private_addresses=True, autothrottle=False, download_delay=0,
        download_timeout=5.0, retry_times=0, concurrent_per_domain=8, crawl_time_limit=60,
        reports_dir=tmp_path / "briefings", log_file=tmp_path / "tracker.log", crawl_interval=3600,
        code_interval=3600, briefing_cron="0 6 * * mon", misfire_grace_time=60,
    )
    values.update(overrides)
    return values


def scheduler_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    return load_settings(**scheduler_values(database_url, tmp_path, **overrides))


PATIENCE = 3  # waits end as soon as their condition holds; a loaded machine (the suite runs on every core) is slow


def wait_for(condition: Callable[[], Any], seconds: float, what: str) -> Any:
    """The condition's value once it holds, waiting up to `seconds` (times PATIENCE)."""
    seconds *= PATIENCE
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def job_runs(engine: Engine, job: str | None = None) -> list[JobRun]:
    with session_factory(engine)() as session:
        query = select(JobRun).order_by(JobRun.id)
        if job:
            query = query.where(JobRun.job == job)
        return list(session.scalars(query))


def count(engine: Engine, model: type) -> int:
    with session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def add_gated_listing(session: Session, site: FixtureSite) -> None:
    """The gated site's listing as a source: 20 documents, the first FAST_DOCUMENTS of them static."""
    actor = Actor(slug="council", name="Council", kind="igo")
    session.add(actor)
    session.flush()
    session.add(Source(slug="council-news", actor_id=actor.id, kind="listing", url=site.url("/gated/index.html"),
                       allowed_domains=LOCAL, options={"item_links": "a.doc"}, frequency_hours=24))
    session.commit()


def add_statements(session: Session, site: FixtureSite) -> None:
    """The three actors of STATEMENTS, each with its statement page as a source."""
    for slug, (name, kind, country, _text) in STATEMENTS.items():
        actor = Actor(slug=slug, name=name, kind=kind, country=country)
        session.add(actor)
        session.flush()
        session.add(Source(slug=f"{slug}-statement", actor_id=actor.id, kind="document", allowed_domains=LOCAL,
                           url=site.url(f"/statements/{slug}.html"), frequency_hours=24))
    session.commit()


def crawler_processes(parent: psutil.Process | None = None) -> list[psutil.Process]:
    """The crawler child processes (python -m igtracker.spiders.runner) under `parent` (default: this process)."""
    found = []
    for child in (parent or psutil.Process()).children(recursive=True):
        try:
            if "igtracker.spiders.runner" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue
    return found


def assert_crawls_never_overlapped(engine: Engine) -> None:
    with session_factory(engine)() as session:
        runs = session.scalars(select(CrawlRun).order_by(CrawlRun.started_at)).all()
    assert all(run.finished_at is not None and run.status != "running" for run in runs)
    for before, after in zip(runs, runs[1:], strict=False):
        assert before.finished_at is not None and before.finished_at <= after.started_at, (before.id, after.id)


# Fixtures --------------------------------------------------------------------------------------------------------


@pytest.fixture
def statements_site(tmp_path: Path) -> Iterator[FixtureSite]:
    """Three actors' statements, published in the last complete week (the week the briefing covers)."""
    start, _end = parse_week(last_complete_week())
    published = (start + timedelta(days=2, hours=10)).isoformat()
    root = tmp_path / "site" / "statements"
    root.mkdir(parents=True)
    for slug, (name, _kind, _country, statement) in STATEMENTS.items():
        page = article_html(f"{name} on Internet governance", f"<p>{statement}</p>" * 2, published=published)
        (root / f"{slug}.html").write_text(page, encoding="utf-8")
    with FixtureSite(tmp_path / "site") as site:
        yield site


@pytest.fixture
def gated_site(tmp_path: Path) -> Iterator[FixtureSite]:
    """A listing of FAST_DOCUMENTS static documents and slow ones that each take `site.doc_delay` to serve.

    The fast ones are stored at once; the slow ones keep the crawl running as long as a test needs (it sets
    doc_delay, read as each request arrives), whatever the crawler's concurrency.
    """
    root = tmp_path / "gated-site" / "gated"
    root.mkdir(parents=True)
    links = [f"/gated/doc-{n}.html" for n in range(1, FAST_DOCUMENTS + 1)]
    links += [f"/slow/doc-{n}.html" for n in range(FAST_DOCUMENTS + 1, 21)]
    for n in range(1, FAST_DOCUMENTS + 1):
        (root / f"doc-{n}.html").write_text(news_item(n), encoding="utf-8")
    items = "".join(f'<li><a class="doc" href="{link}">Document</a></li>' for link in links)
    (root / "index.html").write_text(f"<html><body><ul>{items}</ul></body></html>", encoding="utf-8")
    with FixtureSite(tmp_path / "gated-site", doc_delay=5.0) as site:
        yield site


@pytest.fixture
def scheduler_factory() -> Iterator[Callable[[Settings], TrackerScheduler]]:
    """Start schedulers; every one still running at the end of the test is shut down."""
    started: list[TrackerScheduler] = []

    def start(settings: Settings) -> TrackerScheduler:
        scheduler = TrackerScheduler(settings)
        scheduler.start()
        started.append(scheduler)
        return scheduler

    yield start
    for scheduler in started:
        if scheduler.running:
            scheduler.shutdown()


# Tests -----------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_scheduler_crawls_codes_and_writes_the_briefing(
    engine: Engine, database_url: str, tmp_path: Path, statements_site: FixtureSite, scheduler_factory: Any
) -> None:
    with session_factory(engine)() as session:
        add_statements(session, statements_site)
    settings = scheduler_settings(database_url, tmp_path, crawl_interval=1, code_interval=1,
                                  briefing_cron="*/2 * * * * *")
    scheduler = scheduler_factory(settings)

    def briefed_after_coding() -> bool:
        with session_factory(engine)() as session:
            coded = session.scalars(select(Document.coded_version)).all()
        if len(coded) < len(STATEMENTS) or not all(coded):
            return False  # the crawl may store the documents across several codings
        codings = [r for r in job_runs(engine, "code") if r.status == "ok" and r.details.get("documents_coded")]
        if not codings:
            return False  # the coding has committed its documents but not yet settled its job run
        return any(r.status == "ok" and r.started_at > codings[-1].finished_at for r in job_runs(engine, "briefing"))

    wait_for(briefed_after_coding, 60, "a briefing rendered after the crawled documents were coded")
    scheduler.shutdown()

    with session_factory(engine)() as session:
        documents = session.scalars(select(Document)).all()
        assert len(documents) == 3 and all(d.coded_version for d in documents)
        stances = {(s.actor.slug, s.issue_id, s.position) for s in session.scalars(select(Stance))}
        assert {("france", "control", "oppose"), ("russia", "control", "support"),
                ("isoc", "control", "oppose")} <= stances
        runs = session.scalars(select(CrawlRun)).all()
        assert [(r.status, r.trigger) for r in runs] == [("ok", "scheduler")]  # later checks: nothing due
        briefing = session.scalar(select(Briefing).where(Briefing.week == last_complete_week()))
        assert briefing is not None and briefing.html_path and briefing.pdf_path
    html = Path(briefing.html_path).read_text(encoding="utf-8")
    assert "France" in html and "Russia" in html and "Internet Society" in html
    assert Path(briefing.pdf_path).read_bytes().startswith(b"%PDF")

    crawls = [r for r in job_runs(engine, "crawl") if r.status != "skipped"]  # skipped: the crawl was running
    assert crawls[0].status == "ok" and crawls[0].details["crawl_run"] == runs[0].id
    assert crawls[0].details["totals"]["documents_new"] == 3
    assert {r.message for r in crawls if r.status == "ok"} - {crawls[0].message} <= {"no source is due"}
    assert all(r.status in ("ok", "skipped") and r.finished_at for r in job_runs(engine))


def test_jobs_and_next_run_times_survive_a_restart(
    engine: Engine, database_url: str, tmp_path: Path, scheduler_factory: Any
) -> None:
    settings = scheduler_settings(database_url, tmp_path, crawl_interval=3600, code_interval=7200)
    first = scheduler_factory(settings)
    # A new store is crawled and coded at once; then each job waits for its interval.
    wait_for(lambda: {r.job for r in job_runs(engine) if r.status == "ok"} >= {"crawl", "code"}, 20,
             "the first crawl and coding")
    wait_for(lambda: all(j.next_run_time.timestamp() - time.time() > 3000 for j in first.jobs()), 5,
             "the jobs to be rescheduled after their first run")
    before = {j.id: j.next_run_time for j in first.jobs()}
    assert set(before) == {"crawl", "code", "positions", "briefing"}
    assert (before["positions"].hour, before["positions"].minute) == (2, 30)  # daily: the kept positions
    assert before["briefing"].weekday() == 0 and (before["briefing"].hour, before["briefing"].minute) == (6, 0)
    first.shutdown()
    runs_before = len(job_runs(engine))

    listed = list_jobs(settings)  # what `tracker schedule list` shows: the stored times
    assert {j.id: j.next_run_time for j in listed} == before and all(j.stored and not j.note for j in listed)
    second = scheduler_factory(settings)
    assert {j.id: j.next_run_time for j in second.jobs()} == before
    time.sleep(1.5)
    assert len(job_runs(engine)) == runs_before  # a restart is not a reason to run anything
    second.shutdown()

    # A changed trigger reschedules that job only.
    third = scheduler_factory(scheduler_settings(database_url, tmp_path, crawl_interval=3600, code_interval=7200,
                                                 briefing_cron="30 7 * * fri"))
    after = {j.id: j.next_run_time for j in third.jobs()}
    assert after["crawl"] == before["crawl"] and after["code"] == before["code"]
    assert after["briefing"].weekday() == 4 and (after["briefing"].hour, after["briefing"].minute) == (7, 30)


@sqlite_only
def test_missed_runs_coalesce_into_one_catch_up_run(
    engine: Engine, database_url: str, tmp_path: Path, scheduler_factory: Any
) -> None:
    settings = scheduler_settings(database_url, tmp_path, code_interval=1, misfire_grace_time=30)
    first = scheduler_factory(settings)
    wait_for(lambda: job_runs(engine, "code"), 10, "the first coding")
    first.shutdown()
    stopped_at = time.time()
    time.sleep(4)  # about four runs of `code` are missed while no scheduler runs

    submitted: list[JobSubmissionEvent] = []
    second = TrackerScheduler(settings)
    second.scheduler.add_listener(submitted.append, EVENT_JOB_SUBMITTED)
    restarted_at = time.time()
    second.start()
    try:
        wait_for(lambda: [e for e in submitted if e.job_id == "code"], 5, "the catch-up run")
        time.sleep(1.5)
    finally:
        second.shutdown()
    missed = [t for e in submitted if e.job_id == "code" for t in e.scheduled_run_times
              if t.timestamp() < restarted_at]  # the runs that fell due while no scheduler ran
    assert len(missed) == 1  # one catch-up run for the whole gap
    assert missed[0].timestamp() > stopped_at + 2  # ... standing for the latest missed run
    # None recorded as missed (a run may be turned away while the previous one, slow on a loaded machine, runs on).
    assert not [r for r in job_runs(engine, "code") if r.status == "skipped" and "missed" in (r.message or "")]


@sqlite_only
def test_a_run_missed_beyond_the_grace_time_is_recorded_as_skipped(
    engine: Engine, database_url: str, tmp_path: Path, scheduler_factory: Any
) -> None:
    settings = scheduler_settings(database_url, tmp_path, crawl_interval=3, misfire_grace_time=1)
    first = scheduler_factory(settings)
    wait_for(lambda: job_runs(engine, "crawl"), 10, "the first crawl")
    due = wait_for(lambda: next((j.next_run_time for j in first.jobs() if j.id == "crawl"
                                 and j.next_run_time.timestamp() > time.time()), None), 5, "the next crawl time")
    first.shutdown()
    time.sleep(max(0.0, due.timestamp() + 1.5 - time.time()))  # the next crawl is now 1.5 s late: beyond grace
    scheduler_factory(settings)
    # (A crawl the first scheduler turned away as it stopped is skipped too, "the scheduler is stopping": not this.)
    missed = wait_for(lambda: [r for r in job_runs(engine, "crawl") if r.status == "skipped"
                               and "missed the run due at" in (r.message or "")], 5, "the missed crawl to be recorded")
    assert "misfire_grace_time (1 s)" in (missed[0].message or "")


@pytest.mark.slow
@sqlite_only  # the store side of a killed crawler on PostgreSQL: test_crawl.py
def test_killed_crawler_leaves_the_store_consistent_and_the_next_run_completes_it(
    engine: Engine, database_url: str, tmp_path: Path, gated_site: FixtureSite, scheduler_factory: Any
) -> None:
    with session_factory(engine)() as session:
        add_gated_listing(session, gated_site)
    settings = scheduler_settings(database_url, tmp_path, crawl_interval=1, download_timeout=30)
    scheduler_factory(settings)
    wait_for(lambda: count(engine, Document) >= FAST_DOCUMENTS, 30, "the fast documents")
    [crawler] = crawler_processes()
    os.kill(crawler.pid, signal.SIGKILL)  # mid-way: the slow documents are still being served
    gated_site.doc_delay = 0.05

    def completed() -> list[JobRun]:
        return [r for r in job_runs(engine, "crawl") if r.status == "ok" and r.details.get("crawl_status") == "ok"]

    wait_for(completed, 40, "a crawl that completes the source")
    crawls = [r for r in job_runs(engine, "crawl") if r.details.get("crawl_run")]
    assert crawls[0].status == "failed" and "killed by signal 9" in (crawls[0].message or "")
    assert crawls[0].details["totals"]["documents_new"] == FAST_DOCUMENTS
    assert crawls[1].status == "ok" and crawls[1].details["totals"]["documents_new"] == 20 - FAST_DOCUMENTS
    # While the killed crawl ran, the scheduler's next crawls were skipped, and said so.
    still_running = [r for r in job_runs(engine, "crawl") if r.status == "skipped"]
    assert still_running and all(r.message == "the previous crawl run is still running" for r in still_running)
    with session_factory(engine)() as session:
        urls = session.scalars(select(Document.canonical_url)).all()
        assert len(urls) == len(set(urls)) == 20
        assert all(d.text and d.content_hash for d in session.scalars(select(Document)))
        first, second = (session.get(CrawlRun, r.details["crawl_run"]) for r in crawls[:2])
        assert first is not None and first.status == "failed" and second is not None and second.status == "ok"
    assert_crawls_never_overlapped(engine)


def test_unknown_jobs_are_named_with_the_valid_ones(engine: Engine, database_url: str, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="unknown job 'dance'; jobs: crawl, code, positions, analyse, briefing"):
        run_job("dance", scheduler_settings(database_url, tmp_path), engine=engine)


def test_an_invalid_briefing_cron_is_a_configuration_error(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'never-created.db'}"
    with pytest.raises(ConfigError, match="briefing_cron '0 6 \\* mon' needs 5 fields"):
        TrackerScheduler(scheduler_settings(database_url, tmp_path, briefing_cron="0 6 * mon"))
    with pytest.raises(ConfigError, match="briefing_cron '0 25 \\* \\* mon' is not a valid crontab expression"):
        TrackerScheduler(scheduler_settings(database_url, tmp_path, briefing_cron="0 25 * * mon"))
    assert not (tmp_path / "never-created.db").exists()


def test_a_scheduler_that_loses_its_lock_stops_scheduling(
    engine: Engine, database_url: str, tmp_path: Path, scheduler_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if is_sqlite(database_url):
        pytest.skip("an OS lock cannot be lost while its process lives; a PostgreSQL session can")
    monkeypatch.setattr(scheduler_module, "LOCK_CHECK_SECONDS", 0.2)
    first = scheduler_factory(scheduler_settings(database_url, tmp_path))
    with engine.connect() as conn:  # what a database restart does to the scheduler's session
        key = _advisory_key(conn, SCHEDULER_LOCK) & 0xFFFFFFFFFFFFFFFF
        terminated = conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
            "AND classid::bigint = :high AND objid::bigint = :low"), {"high": key >> 32, "low": key & 0xFFFFFFFF}
        ).scalars().all()
    assert terminated == [True]
    wait_for(first.lock_lost.is_set, 5, "the scheduler to notice")
    assert first.scheduler.state == STATE_PAUSED  # no job starts from now on
    first.shutdown()
    second = scheduler_factory(scheduler_settings(database_url, tmp_path))  # the lock is free for another
    assert second.running


def test_logs_are_structured_lines_on_stderr_and_in_the_file(tmp_path: Path) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    try:
        for log_format in ("json", "text"):
            settings = load_settings(database_url="sqlite://", log_file=tmp_path / "logs" / "tracker.log",
                                     log_format=log_format)
            configure_logging(settings, stream=stream)
            configure_logging(settings, stream=stream)  # again: no duplicated lines
            logging.getLogger("igtracker.jobs").info("job finished", extra=fields(job="crawl", status="ok", n=3))
    finally:
        for handler in list(root.handlers):
            if handler not in saved[0]:
                root.removeHandler(handler)
                handler.close()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    lines = (tmp_path / "logs" / "tracker.log").read_text(encoding="utf-8").splitlines()
    assert stream.getvalue().splitlines() == lines and len(lines) == 2
    record = json.loads(lines[0])
    assert {k: record[k] for k in ("level", "logger", "msg", "job", "status", "n")} == {
        "level": "info", "logger": "igtracker.jobs", "msg": "job finished", "job": "crawl", "status": "ok", "n": 3}
    assert lines[1].endswith('level=info logger=igtracker.jobs msg="job finished" job=crawl status=ok n=3')
