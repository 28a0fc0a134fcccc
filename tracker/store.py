"""Opening the store: an engine on the configured database, migrated to the newest schema."""

from __future__ import annotations

from sqlalchemy import Engine

from tracker import migrate
from tracker.config import Settings, get_settings
from tracker.db import make_engine


def open_store(settings: Settings | None = None, *, upgrade: bool = True) -> Engine:
    """An engine on TRACKER_DATABASE_URL; an empty or older store is migrated first, so a first run just works."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    if upgrade and migrate.current_revision(engine) != migrate.head_revision():
        migrate.upgrade(engine)
    return engine
