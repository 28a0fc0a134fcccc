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

from tracker import migrate
from tracker.analysis import pooling as matrix
from tracker.models import Base


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
    return importlib.import_module("tracker.migrations.versions.0003_current_stances_as_matrix")


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
