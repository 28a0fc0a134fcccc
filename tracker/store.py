"""Opening the store: an engine on the configured database, created and migrated, or only if it exists already."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from igtracker import migrate
from igtracker.config import Settings, get_settings
from igtracker.db import database_error_message, display_url, is_sqlite, make_engine, parse_database_url
from igtracker.errors import TrackerError

CREATE_HINT = "`tracker db upgrade` creates an empty store, `tracker sources sync` one with the registry's sources"


class StoreMissingError(TrackerError):
    """TRACKER_DATABASE_URL names no store, and the command does not create one."""


class StoreOutdatedError(TrackerError):
    """The store's schema is not the one this version reads, and the command does not migrate."""


def open_store(settings: Settings | None = None, *, upgrade: bool = True) -> Engine:
    """An engine on TRACKER_DATABASE_URL; an empty or older store is migrated first, so a first run just works.

    This creates the store where there is none: commands that should not (all but `db upgrade`, `sources sync`,
    `demo` and the scheduler) use open_existing_store.
    """
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    if upgrade and migrate.current_revision(engine) != migrate.head_revision():
        migrate.upgrade(engine)
    return engine


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite store (None for PostgreSQL or an in-memory database)."""
    database = parse_database_url(url).database
    return Path(database) if is_sqlite(url) and database and database != ":memory:" else None


def open_existing_store(settings: Settings | None = None, *, read_only: bool = False) -> Engine:
    """An engine on a store that exists; never creates one (not even a SQLite file or its folder).

    A read-only command gets the store only at the newest schema, untouched; others get an older store migrated.
    """
    settings = settings or get_settings()
    url = settings.database_url
    path = sqlite_file(url)
    if path is not None and not path.is_file():
        raise StoreMissingError(f"no store at {path.resolve()}: check TRACKER_DATABASE_URL (run from the right "
                                f"folder?); {CREATE_HINT}")
    engine = make_engine(url)
    try:
        revision = store_revision(engine, url)
        head = migrate.head_revision()
        if revision is None:
            raise StoreMissingError(f"{display_url(url)} holds no igtracker store (no schema): check "
                                    f"TRACKER_DATABASE_URL; {CREATE_HINT}")
        if revision != head and read_only:
            raise StoreOutdatedError(f"the store at {display_url(url)} has schema {revision} and this igtracker "
                                     f"reads {head}: run `tracker db upgrade` first")
        if revision != head:
            migrate.upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def store_revision(engine: Engine, url: str) -> str | None:
    """The store's schema revision; a failure to connect is one clear line naming the database."""
    from sqlalchemy.exc import DBAPIError

    try:
        return migrate.current_revision(engine)
    except DBAPIError as exc:
        message = database_error_message(exc, url)
        if message is None:
            raise
        raise TrackerError(message) from exc
