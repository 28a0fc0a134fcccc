"""Commands that do a job's work by hand (`tracker code`, `tracker report`) go through the job layer: they take the
job's store lock, so they never run beside the scheduler's own run, and they leave a job_runs row like it."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from igtracker import jobs, locks
from igtracker.db import session_factory
from igtracker.models import JobRun, Stance
from tests.cli import tracker
from tests.factories import build_dispute

HOLD_LOCK = """
import sys, time
from igtracker.db import make_engine
from igtracker.locks import acquire
lock = acquire(make_engine(sys.argv[1]), sys.argv[2])
print("held", flush=True)
time.sleep(120)
"""


def hold_in_child(database_url: str, name: str) -> subprocess.Popen[str]:
    """Another process (think: the scheduler's job) holding the store lock `name` until it is killed."""
    child = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, database_url, name], stdout=subprocess.PIPE,
                             text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    return child


def kill(child: subprocess.Popen[str]) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait()


def job_runs(engine: Engine, job: str) -> list[JobRun]:
    with session_factory(engine)() as session:
        return list(session.scalars(select(JobRun).where(JobRun.job == job).order_by(JobRun.id)))


@pytest.mark.parametrize(("args", "job", "lock"), [
    (("code",), "code", "code"),
    (("report", "--format", "html"), "briefing", "briefing"),
])
def test_a_command_skips_with_a_clear_message_while_another_process_holds_its_job_lock(
    args: tuple[str, ...], job: str, lock: str, database_url: str, engine: Engine, session: Session, tmp_path
) -> None:
    dispute = build_dispute(session)
    args = (*args, "--week", dispute.week) if job == "briefing" else args
    env = {"TRACKER_DATABASE_URL": database_url, "TRACKER_REPORTS_DIR": str(tmp_path / "archive")}
    child = hold_in_child(database_url, lock)
    try:
        held = tracker(*args, env=env)
    finally:
        kill(child)
    assert held.exit_code == 1
    assert f"{job} skipped: the '{lock}' lock is held by" in held.stderr and f"pid {child.pid} " in held.stderr
    assert not (tmp_path / "archive").exists()
    [skipped] = job_runs(engine, job)
    assert (skipped.status, skipped.trigger) == ("skipped", "cli") and f"pid {child.pid}" in skipped.message

    # The holder is gone (killed: the OS or the server freed its lock): the same command now does the work.
    done = tracker(*args, env=env)
    assert done.exit_code == 0, done.stderr
    assert [r.status for r in job_runs(engine, job)] == ["skipped", "ok"]
    if job == "briefing":
        assert (tmp_path / "archive" / dispute.week / "briefing.html").exists()
    else:
        assert "documents coded" in done.stdout


def test_code_by_hand_records_its_run_and_is_turned_away_by_a_running_code_job(engine: Engine, session: Session,
                                                                                  database_url: str) -> None:
    build_dispute(session)
    with locks.acquire(engine, "code"):  # the scheduler's code job, in this process
        outcome = tracker("code", "--coder", "rules", env={"TRACKER_DATABASE_URL": database_url})
        assert outcome.exit_code == 1 and "code skipped" in outcome.stderr
    with session_factory(engine)() as fresh:
        before = fresh.scalar(select(func.count()).select_from(Stance))
    outcome = tracker("code", "--coder", "rules", env={"TRACKER_DATABASE_URL": database_url})
    assert outcome.exit_code == 0, outcome.stderr
    [_skipped, run] = job_runs(engine, "code")
    assert run.status == "ok" and run.details["coder"] == "rules" and run.details["documents_coded"] >= 0
    with session_factory(engine)() as fresh:
        assert fresh.scalar(select(func.count()).select_from(Stance)) >= before


def test_the_lock_or_skip_decorator_names_the_holder(engine: Engine) -> None:
    calls = []

    @jobs.holds_lock("analyse")
    def body(ctx: jobs.JobContext) -> jobs.JobOutcome:
        calls.append(locks.is_held(ctx.engine, "analyse"))
        return jobs.JobOutcome("ok", "done")

    ctx = jobs.JobContext(settings=None, engine=engine, trigger="test", stop=None)  # type: ignore[arg-type]
    assert body(ctx).status == "ok" and calls == [True]
    assert not locks.is_held(engine, "analyse")
    with locks.acquire(engine, "analyse"):
        skipped = body(ctx)
    assert skipped.status == "skipped" and "'analyse' lock is held by" in skipped.message and calls == [True]
