"""Engine and session handling for SQLite (embedded default) and PostgreSQL (multi-machine store)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

import igtracker.stance_changes  # noqa: F401  (its session listeners keep `positions` in step with stance writes)
from igtracker.errors import ConfigError, TrackerError

log = logging.getLogger(__name__)

T = TypeVar("T")
SQLITE_BUSY_TIMEOUT_SECONDS = 30.0
BUSY_ATTEMPTS = 3
_BEGIN_OPTION = "sqlite_begin"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
URL_HELP = "use sqlite:///path/to/store.db or postgresql://user@host/dbname"


def parse_database_url(url: str) -> URL:
    """The store's URL, parsed; a ConfigError naming TRACKER_DATABASE_URL if it is not SQLite or PostgreSQL."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"TRACKER_DATABASE_URL {url!r} is not a database URL: {URL_HELP}") from exc
    backend = "postgresql" if parsed.get_backend_name() == "postgres" else parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise ConfigError(f"TRACKER_DATABASE_URL names a {backend} database, which igtracker does not support: "
                          f"{URL_HELP}")
    return parsed


def display_url(url: str | URL) -> str:
    """The URL as shown to users: without its password."""
    return (make_url(url) if isinstance(url, str) else url).render_as_string(hide_password=True)


def database_error_message(exc: BaseException, url: str | None = None) -> str | None:
    """One line for a database failure a user can fix (unreachable server, missing database, unwritable file)."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError) or exc.orig is None:
        return None
    reason = " ".join(str(exc.orig).split()) or type(exc.orig).__name__
    if url is None:
        from igtracker.config import get_settings

        try:
            url = get_settings().database_url
        except ConfigError:
            return f"the database failed: {reason}; check TRACKER_DATABASE_URL"
    if is_sqlite(url):
        return (f"the SQLite store {display_url(url)} failed: {reason}; check that the path in TRACKER_DATABASE_URL "
                "is a store file and that it and its folder are writable")
    return (f"the database {display_url(url)} failed: {reason}; check TRACKER_DATABASE_URL, that the server runs "
            "and that the database exists (createdb NAME, then `tracker db upgrade`)")


class StoreBusyError(TrackerError):
    """SQLite: another process held the store's write lock for longer than the busy timeout."""


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    parsed = parse_database_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url_or_engine: str | Engine) -> bool:
    url = url_or_engine.url if isinstance(url_or_engine, Engine) else make_url(url_or_engine)
    return url.get_backend_name() == "sqlite"


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _configure_postgresql(dbapi_connection: Any, _record: Any) -> None:
    """No JIT: the tracker's statements read few rows, and compiling a plan the planner guesses costly (a cell's
    stances, a page of quotes) takes a second or two, far more than running it."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    dbapi_connection.commit()


def _begin_sqlite(conn: Connection) -> None:
    """A writer's transaction starts with the write lock. Others keep the driver's way: reads outside a
    transaction, BEGIN before the first write, so a reading session never holds a snapshot a write then conflicts
    with."""
    if conn.get_execution_options().get(_BEGIN_OPTION):
        conn.exec_driver_sql(f"BEGIN {conn.get_execution_options()[_BEGIN_OPTION]}")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the store's connection settings: SQLite gets foreign keys, WAL and a busy timeout.

    SQLite's busy timeout is SQLITE_BUSY_TIMEOUT_SECONDS unless the URL sets one (`sqlite:///x.db?timeout=5`).
    """
    url = normalise_url(url)
    if is_sqlite(url):
        parsed = make_url(url)
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"cannot create the store's folder {folder} ({exc.strerror}): choose a writable "
                                  "path in TRACKER_DATABASE_URL") from exc
        connect_args = {} if "timeout" in parsed.query else {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    event.listen(engine, "connect", _configure_postgresql)
    return engine


def busy_timeout(engine: Engine) -> float:
    """Seconds a SQLite write waits for another process's write lock."""
    return float(engine.url.query.get("timeout", SQLITE_BUSY_TIMEOUT_SECONDS))  # type: ignore[arg-type]


def is_busy(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" (the write lock was not free within the busy timeout)."""
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def busy_error(engine: Engine, what: str) -> StoreBusyError:
    return StoreBusyError(
        f"the store is busy: {what} waited {busy_timeout(engine):g} s for another process's write to the "
        f"SQLite store (database is locked); try again, or use PostgreSQL for heavy concurrent work"
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def writer(engine: Engine) -> Engine:
    """The engine whose transactions take SQLite's write lock at BEGIN (IMMEDIATE), waiting the busy timeout.

    A deferred transaction that reads and then writes fails at once ("database is locked") when another process
    committed in between (WAL snapshots); one that starts with the write lock never does. PostgreSQL: unchanged.
    """
    return engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}) if is_sqlite(engine) else engine


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error; `write`: take SQLite's write lock at once."""
    session = session_factory(writer(engine) if write else engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def write_retrying(engine: Engine, what: str, write: Callable[[Session], T], *, attempts: int = BUSY_ATTEMPTS) -> T:
    """`write` in its own write transaction, tried again while SQLite's write lock stays taken past the busy
    timeout; then StoreBusyError, one line naming `what` was waiting."""
    for attempt in range(1, attempts + 1):
        try:
            with session_scope(engine, write=True) as session:
                return write(session)
        except OperationalError as exc:
            if not is_busy(exc):
                raise
            if attempt == attempts:
                raise busy_error(engine, what) from exc
            log.info("store busy: %s, trying again (attempt %d)", what, attempt)
            time.sleep(attempt)
    raise AssertionError("unreachable")
