"""Engine and session handling for SQLite (embedded default) and PostgreSQL (multi-machine store)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from tracker.errors import ConfigError

SQLITE_BUSY_TIMEOUT_MS = 30_000
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
        from tracker.config import get_settings

        try:
            url = get_settings().database_url
        except ConfigError:
            return f"the database failed: {reason}; check TRACKER_DATABASE_URL"
    if is_sqlite(url):
        return (f"the SQLite store {display_url(url)} failed: {reason}; check that the path in TRACKER_DATABASE_URL "
                "is a store file and that it and its folder are writable")
    return (f"the database {display_url(url)} failed: {reason}; check TRACKER_DATABASE_URL, that the server runs "
            "and that the database exists (createdb NAME, then `tracker db upgrade`)")


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
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the store's connection settings: SQLite gets foreign keys, WAL and a busy timeout."""
    url = normalise_url(url)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            folder = Path(database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"cannot create the store's folder {folder} ({exc.strerror}): choose a writable "
                                  "path in TRACKER_DATABASE_URL") from exc
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
