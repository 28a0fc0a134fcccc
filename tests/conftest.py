"""Shared fixtures: a migrated store on SQLite and, where TRACKER_TEST_POSTGRES_URL is set, on PostgreSQL."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from igtracker import migrate
from igtracker.db import make_engine, normalise_url, session_factory
from tests.sites import FixtureSite, build_sites

POSTGRES_URL = os.environ.get("TRACKER_TEST_POSTGRES_URL")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"

BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not POSTGRES_URL, reason="TRACKER_TEST_POSTGRES_URL is not set"),
    ),
]


def postgres_schema_url(schema: str) -> str:
    """The test server's URL with a search_path confined to one schema."""
    base = normalise_url(POSTGRES_URL or "")
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    """An empty database: a SQLite file in `folder`, or a fresh PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'tracker.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL or "")
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield postgres_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def migrated(engine: Engine, migrated_sqlite: Path) -> Engine:
    """The store behind `engine` migrated to head (on SQLite: a copy of the session's migrated store)."""
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and not Path(database).exists():
        shutil.copyfile(migrated_sqlite, database)
    else:
        migrate.upgrade(engine)
    return engine


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database for one test, on the backend it is parametrised with."""
    with fresh_database(getattr(request, "param", "sqlite"), tmp_path) as url:
        yield url


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store migrated to head once per session, copied for each test that needs one (migrating takes a
    second of disk syncs per store on a busy machine; copying a file, a few milliseconds)."""
    path = tmp_path_factory.mktemp("migrated") / "tracker.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
    engine.dispose()
    return path


@pytest.fixture
def engine(empty_engine: Engine, migrated_sqlite: Path) -> Engine:
    """A store migrated to head (on SQLite: a copy of the session's migrated store)."""
    return migrated(empty_engine, migrated_sqlite)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as s:
        yield s


@pytest.fixture(scope="session")
def site_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture sites, built once (tests/sites.py)."""
    return build_sites(tmp_path_factory.mktemp("sites") / "root")


@pytest.fixture
def own_site(site_root: Path, tmp_path: Path) -> Iterator[FixtureSite]:
    """A private copy of the sites, free to change, served on 127.0.0.1."""
    root = shutil.copytree(site_root, tmp_path / "site")
    with FixtureSite(root, doc_delay=0.05) as server:
        yield server


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses the store runs on SQLite and on PostgreSQL."""
    if "database_url" in metafunc.fixturenames and not hasattr(metafunc.function, "sqlite_only"):
        metafunc.parametrize("database_url", BACKENDS, indirect=True)


def sqlite_only(fn):  # type: ignore[no-untyped-def]
    """Mark a store test as SQLite-only (e.g. file-level behaviour)."""
    fn.sqlite_only = True
    return fn
