"""Migrations: upgrade, downgrade, upgrade again, and models in sync with them, on every backend."""

from __future__ import annotations

import importlib
import random
import re
import sqlite3
from contextlib import closing
from types import ModuleType

import pytest
from sqlalchemy import Engine, inspect, text

from igtracker import migrate
from igtracker.analysis import pooling as matrix
from igtracker.models import Base


def test_upgrade_downgrade_upgrade(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision()
    tables = set(inspect(empty_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables

    migrate.downgrade(empty_engine, "base")
    assert migrate.current_revision(empty_engine) is None
    assert not set(Base.metadata.tables) & set(inspect(empty_engine).get_table_names())

    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision()


def test_models_and_migrations_in_sync(engine: Engine) -> None:
    assert migrate.check(engine) == []


# ------------------------------------------------------------------------------------------------ 0003


def _migration_0003() -> ModuleType:
    return importlib.import_module("igtracker.migrations.versions.0003_current_stances_as_matrix")


def test_the_pooling_rule_lives_once(engine: Engine) -> None:
    """Since 0005 v_current_stances reads the kept positions: no copy of the rule (decay, threshold) in SQL."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'v_current_stances'")).scalar()
        else:
            sql = conn.execute(text("SELECT pg_get_viewdef('v_current_stances'::regclass)")).scalar()
    assert "positions" in sql.lower()
    for piece in ("power", "julianday", str(matrix.HALF_LIFE_DAYS), str(matrix.MIXED_THRESHOLD), "0.5"):
        assert piece not in sql.lower(), piece


def test_sqlite_decay_needs_no_math_functions_and_matches_python() -> None:
    """SQLite's power() and exp() are a compile-time option: the view computes 0.5 ** x with plain arithmetic."""
    m = _migration_0003()
    sql = re.sub(r"--[^\n]*", "", m.current_stances_sql("sqlite").lower())  # without the comments
    assert not re.search(r"\b(power|pow|exp|ln|log|log2|floor|ceil|sqrt)\s*\(", sql)
    steps, rest = m.sqlite_split("x")
    query = f"SELECT {m.sqlite_half_power(steps, rest)} FROM (SELECT ? AS x)"
    rng = random.Random(20261125)
    values = [0.0, 1e-9, 0.125, 0.5, 1.0, 1.5, 2.0, 7.999, 62.5, 63.0, 64.25, 511.9, 1000.0]
    values += [rng.uniform(0, 10) for _ in range(500)] + [rng.uniform(0, 1000) for _ in range(500)]
    with closing(sqlite3.connect(":memory:")) as conn:
        for x in values:
            assert conn.execute(query, (x,)).fetchone()[0] == pytest.approx(0.5**x, rel=1e-15, abs=0), x
        for x in (1024.0, 1e6, 1e300):  # below the smallest normal double
            assert conn.execute(query, (x,)).fetchone()[0] == 0.0


# ------------------------------------------------------------------------------------------------ 0007


def test_stored_scheduler_jobs_survive_the_package_rename(engine: Engine) -> None:
    """A store whose scheduler jobs name `tracker.scheduler` (the import name before 0.2) keeps them, with their
    next run times, once migrated: APScheduler can restore every one."""
    from datetime import UTC, datetime

    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    from igtracker.jobs import SCHEDULE_TABLE
    from igtracker.scheduler import JOB_FUNCTION

    when = datetime(2030, 1, 7, 3, 0, tzinfo=UTC)
    scheduler = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(engine=engine,
                                                                             tablename=SCHEDULE_TABLE)})
    scheduler.add_job(JOB_FUNCTION, "interval", hours=6, args=["crawl"], id="crawl", next_run_time=when)
    scheduler.start(paused=True)
    scheduler.shutdown(wait=False)

    migrate.downgrade(engine, "0006")  # the row as an older release wrote it
    with engine.connect() as conn:
        state = conn.execute(text(f"SELECT job_state FROM {SCHEDULE_TABLE}")).scalar()
    assert b"tracker.scheduler" in state and b"igtracker" not in state
    migrate.upgrade(engine)

    [job] = SQLAlchemyJobStore(engine=engine, tablename=SCHEDULE_TABLE).get_all_jobs()
    assert (job.id, job.func_ref, job.args, job.next_run_time) == ("crawl", JOB_FUNCTION, ("crawl",), when)
