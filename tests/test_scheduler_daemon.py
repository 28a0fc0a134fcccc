"""The `tracker` command as an operator runs it: `schedule start` as a real daemon process (SIGTERM, a second
scheduler on the same store), `schedule run`, `schedule list`, `run` for cron users and `status`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil
import pytest
from sqlalchemy import Engine, select

from igtracker.briefing import last_complete_week
from igtracker.db import session_factory
from igtracker.models import CrawlRun, Document, JobRun
from tests.conftest import sqlite_only
from tests.sites import FixtureSite
from tests.test_scheduler import (
    FAST_DOCUMENTS,
    add_gated_listing,
    add_statements,
    assert_crawls_never_overlapped,
    count,
    crawler_processes,
    gated_site,  # noqa: F401 - fixture
    job_runs,
    scheduler_values,
    statements_site,  # noqa: F401 - fixture
    wait_for,
)

pytestmark = pytest.mark.slow  # real daemon processes: seconds each to start and stop

TRACKER = [sys.executable, "-c", "from igtracker.cli import main; main()"]


def tracker_env(tmp_path: Path, values: dict[str, Any]) -> dict[str, str]:
    """The environment of a deployment: TRACKER_* variables only (no tracker.toml from the working directory)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["TRACKER_CONFIG"] = str(tmp_path / "absent.toml")
    env["COLUMNS"] = "200"  # a wide terminal: rich tables do not abbreviate
    env.update({f"TRACKER_{key.upper()}": str(value) for key, value in values.items()})
    return env


def tracker(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TRACKER, *args], env=env, capture_output=True, text=True, timeout=timeout,
                          cwd=env["TRACKER_CONFIG"].rsplit("/", 1)[0])


def start_daemon(env: dict[str, str], stderr: Path) -> subprocess.Popen[str]:
    with stderr.open("w") as err:
        return subprocess.Popen([*TRACKER, "schedule", "start"], env=env, stdout=subprocess.DEVNULL, stderr=err,
                                text=True, cwd=env["TRACKER_CONFIG"].rsplit("/", 1)[0])


def log_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("{")]


def stop(daemon: subprocess.Popen[str]) -> int:
    if daemon.poll() is None:
        daemon.send_signal(signal.SIGTERM)
    return daemon.wait(timeout=60)


@pytest.fixture
def daemons() -> Any:
    """Daemons started by a test; any still alive at the end are killed."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for daemon in started:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()


@sqlite_only
def test_sigterm_stops_the_daemon_mid_crawl_exits_0_and_records_the_outcome(
    engine: Engine, database_url: str, tmp_path: Path, gated_site: FixtureSite, daemons: list  # noqa: F811
) -> None:
    with session_factory(engine)() as session:
        add_gated_listing(session, gated_site)
    gated_site.doc_delay = 3.0
    env = tracker_env(tmp_path, scheduler_values(database_url, tmp_path, crawl_interval=1, download_timeout=30))
    daemon = start_daemon(env, tmp_path / "daemon.err")
    daemons.append(daemon)
    wait_for(lambda: count(engine, Document) >= FAST_DOCUMENTS, 30, "the crawl to store documents")
    crawlers = crawler_processes(psutil.Process(daemon.pid))
    assert len(crawlers) == 1

    assert stop(daemon) == 0
    assert not crawlers[0].is_running() or crawlers[0].status() == psutil.STATUS_ZOMBIE
    [crawl] = [r for r in job_runs(engine, "crawl") if r.status != "skipped"]
    assert crawl.status == "aborted" and (crawl.message or "").startswith("stopped on shutdown")
    assert all(r.status != "running" and r.finished_at for r in job_runs(engine))
    with session_factory(engine)() as session:
        run = session.scalars(select(CrawlRun)).one()
        assert run.status != "running" and run.finished_at is not None
        assert all(d.text and d.content_hash for d in session.scalars(select(Document)))

    events = log_lines(tmp_path / "tracker.log")
    messages = [e["msg"] for e in events]
    assert "signal received: stopping" in messages and messages[-1] == "scheduler stopped"
    [finished] = [e for e in events if e["msg"] == "job finished" and e.get("job_run") == crawl.id]
    assert finished["status"] == "aborted" and finished["level"] == "warning"
    assert log_lines(tmp_path / "daemon.err")[-1]["msg"] == "scheduler stopped"  # stderr gets the same lines


def test_a_second_scheduler_stands_by_takes_over_from_a_killed_one_and_no_two_crawls_overlap(
    engine: Engine, database_url: str, tmp_path: Path, gated_site: FixtureSite, daemons: list  # noqa: F811
) -> None:
    with session_factory(engine)() as session:
        add_gated_listing(session, gated_site)
    gated_site.doc_delay = 8.0  # the crawl lasts while other processes (slow to start on 2 cores) try theirs
    values = scheduler_values(database_url, tmp_path, crawl_interval=1, download_timeout=30)
    first = start_daemon(tracker_env(tmp_path, values | {"log_file": tmp_path / "first.log"}), tmp_path / "1.err")
    daemons.append(first)
    wait_for(lambda: count(engine, Document) >= FAST_DOCUMENTS, 30, "the first scheduler's crawl")
    [crawler] = crawler_processes(psutil.Process(first.pid))

    # Other processes asking for a crawl now are turned away by the store's crawl lock, and say so.
    env = tracker_env(tmp_path, values)
    manual, by_hand = (subprocess.Popen([*TRACKER, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True) for args in (("schedule", "run", "crawl"), ("crawl",)))
    out, err = manual.communicate(timeout=60)
    assert manual.returncode == 0, err
    assert "crawl: skipped" in out and f"pid {first.pid}" in out
    out, err = by_hand.communicate(timeout=60)
    assert by_hand.returncode == 1 and "'crawl' lock is held by" in err and f"pid {first.pid}" in err
    second = start_daemon(tracker_env(tmp_path, values | {"log_file": tmp_path / "second.log"}), tmp_path / "2.err")
    daemons.append(second)
    wait_for(lambda: (tmp_path / "second.log").exists() and any(
        e["msg"].startswith("standing by") for e in log_lines(tmp_path / "second.log")), 20, "the standby")

    first.kill()  # no clean-up at all: its locks go with it, its crawler is orphaned mid-crawl
    assert first.wait() == -signal.SIGKILL
    gated_site.doc_delay = 0.05

    def completed_by_second() -> list[JobRun]:
        return [r for r in job_runs(engine, "crawl") if r.details.get("pid") == second.pid
                and r.status == "ok" and r.details.get("crawl_status") == "ok"]

    wait_for(completed_by_second, 40, "the second scheduler to take over and complete the crawl")
    assert not crawler.is_running() or crawler.status() == psutil.STATUS_ZOMBIE
    assert stop(second) == 0
    assert_crawls_never_overlapped(engine)
    runs = job_runs(engine, "crawl")
    assert all(r.status != "running" for r in runs)
    [orphaned] = [r for r in runs if r.details.get("pid") == first.pid and r.status == "aborted"]
    assert (orphaned.message or "").startswith("the process running this job ended without recording an outcome")
    with session_factory(engine)() as session:
        urls = session.scalars(select(Document.canonical_url)).all()
        assert len(urls) == len(set(urls)) == 20


@sqlite_only
def test_tracker_run_once_for_cron_then_status(
    engine: Engine, database_url: str, tmp_path: Path, statements_site: FixtureSite  # noqa: F811
) -> None:
    with session_factory(engine)() as session:
        add_statements(session, statements_site)
    env = tracker_env(tmp_path, scheduler_values(database_url, tmp_path, log_format="text"))

    first = tracker(env, "run")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["crawl", "code", "positions", "analyse", "briefing"]
    assert all(line.split(": ")[1] == "ok" for line in lines)
    week = last_complete_week()
    assert (tmp_path / "briefings" / week / "briefing.pdf").exists()
    assert "level=info" not in first.stderr  # the terminal (or cron's mail) gets the results, not every log record
    assert "level=info logger=igtracker.jobs" in (tmp_path / "tracker.log").read_text()  # key=value logs

    again = tracker(env, "run")  # hourly cron: nothing due, the week's briefing exists already
    assert again.returncode == 0, again.stderr
    assert "crawl: ok: no source is due" in again.stdout and f"briefing {week} exists already" in again.stdout
    assert len(list((tmp_path / "briefings" / week).iterdir())) == 2

    status = json.loads(tracker(env, "status", "--json").stdout)
    assert {s["slug"]: s["last_status"] for s in status["sources"]} == {
        "france-statement": "ok", "isoc-statement": "ok", "russia-statement": "ok"}
    assert status["failing_sources"] == [] and status["suspicious_sources"] == []
    assert status["documents"] == 3 and status["database_bytes"] > 0
    assert {j["job"]: j["status"] for j in status["jobs"]} == {
        "crawl": "ok", "code": "ok", "positions": "ok", "analyse": "ok", "briefing": "ok"}
    assert status["next_briefing_scheduled"] is False and status["scheduler"] is None
    text = tracker(env, "status").stdout
    assert "france-statement" in text and "briefing    next" in text and f"last {week}" in text

