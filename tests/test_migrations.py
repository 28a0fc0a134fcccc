"""Migrations: upgrade, downgrade, upgrade again, and models in sync with them, on every backend."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from tracker import migrate
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
