"""Store locks: one holder at a time across processes, freed by the OS or the server when the holder dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from igtracker import locks, migrate
from igtracker.db import make_engine, session_factory
from igtracker.models import Lock
from tests.conftest import sqlite_only

HOLD_AND_WAIT = """
import sys, time
from igtracker.db import make_engine
from igtracker.locks import acquire
lock = acquire(make_engine(sys.argv[1]), "crawl")
print("held", flush=True)
time.sleep(60)
"""


def hold_in_child(database_url: str) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", HOLD_AND_WAIT, database_url], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    return child


def wait_until_free(engine: Engine, name: str, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not locks.is_held(engine, name):
            return True
        time.sleep(0.1)
    return False


def test_a_held_lock_refuses_a_second_holder_and_names_the_first(engine: Engine) -> None:
    first = locks.acquire(engine, "crawl")
    with pytest.raises(locks.LockHeld, match=rf"'crawl' lock is held by .* pid {os.getpid()} since"):
        locks.acquire(engine, "crawl")
    holder = locks.current_holder(engine, "crawl")
    assert holder is not None and holder.pid == os.getpid()
    with locks.acquire(engine, "code"):  # other names are independent
        pass
    first.release()
    assert locks.current_holder(engine, "crawl") is None
    with session_factory(engine)() as session:
        assert session.scalars(select(Lock)).all() == []
    with locks.acquire(engine, "crawl"):
        assert locks.is_held(engine, "crawl")
    assert not locks.is_held(engine, "crawl")


def test_a_lock_held_by_another_process_is_freed_when_that_process_is_killed(
    engine: Engine, database_url: str
) -> None:
    child = hold_in_child(database_url)
    try:
        with pytest.raises(locks.LockHeld, match=f"pid {child.pid} "):
            locks.acquire(engine, "crawl")
        holder = locks.current_holder(engine, "crawl")
        assert holder is not None and holder.pid == child.pid
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    # No cleanup ran in the child: the OS (flock) or the server (advisory lock) released it.
    assert wait_until_free(engine, "crawl")
    assert locks.current_holder(engine, "crawl") is None  # the dead holder's row does not count
    with locks.acquire(engine, "crawl") as lock, session_factory(engine)() as session:
        assert session.scalars(select(Lock.holder)).all() == [lock.token]


@sqlite_only
def test_stores_do_not_share_locks(tmp_path: Path) -> None:
    engines = [make_engine(f"sqlite:///{tmp_path / name}") for name in ("a.db", "b.db")]
    for engine in engines:
        migrate.upgrade(engine)
    with locks.acquire(engines[0], "crawl"), locks.acquire(engines[1], "crawl"):
        assert (tmp_path / "a.db.crawl.lock").exists()
    for engine in engines:
        engine.dispose()
