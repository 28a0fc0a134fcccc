"""`tracker explore`: the SQLite store in Datasette on 127.0.0.1, read-only, with the named queries as canned queries.

Datasette is an optional extra (`pip install 'igtracker[explore]'`). By default it opens the live store read-only
(`mode=ro`), which stays correct while a crawl writes to it; `immutable=True` serves a store nothing writes to any
more, after folding the write-ahead log into the file (an immutable database ignores the log).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from igtracker.config import Settings
from igtracker.db import is_sqlite
from igtracker.errors import TrackerError
from igtracker.queries.named import NAMED_QUERIES, SQLITE, Param, store_issues
from igtracker.queries.readonly import sqlite_path
from igtracker.store import open_store

HOST = "127.0.0.1"
DEFAULT_PORT = 8001


class ExploreError(TrackerError):
    """Datasette cannot serve this store (PostgreSQL, or the extra is not installed)."""


def _with_defaults(sql: str, params: Sequence[Param]) -> str:
    """Datasette sends an empty string for a field left blank; let such a parameter take its default."""
    for param in params:
        if param.default is None:
            continue
        default = str(param.default) if param.type is int else "'" + str(param.default).replace("'", "''") + "'"
        sql = re.sub(rf"(?<![:\w]):{param.name}\b", f"COALESCE(NULLIF(:{param.name}, ''), {default})", sql)
    return sql


def datasette_metadata(database_url: str, database_name: str) -> dict[str, Any]:
    """Datasette metadata: a title and the named queries (SQLite flavour) as canned queries of the store."""
    issues = store_issues(database_url)
    queries = {
        q.name: {
            "title": q.title,
            "description": q.description,
            "sql": _with_defaults(q.sql_for(SQLITE, issues), q.params),
            "params": [p.name for p in q.params],
        }
        for q in NAMED_QUERIES.values()
    }
    return {
        "title": "igtracker store",
        "description": "Read-only. The v_* views and the canned queries are described in docs/queries.md.",
        "databases": {database_name: {"queries": queries}},
    }


def check_explorable(settings: Settings) -> None:
    """Datasette can serve this store; otherwise an error saying what to do instead."""
    if not is_sqlite(settings.database_url):
        raise ExploreError(
            "tracker explore serves SQLite stores only and this store is PostgreSQL: use `tracker query` or any "
            "PostgreSQL client (psql, DBeaver, Metabase) on the same views (v_current_stances, ...)"
        )
    if find_spec("datasette") is None:
        raise ExploreError("Datasette is not installed: pip install 'igtracker[explore]'")


def datasette_args(path: Path, metadata_file: Path, port: int, immutable: bool, timeout: float) -> list[str]:
    return [
        "serve",
        *(["-i", str(path)] if immutable else [str(path)]),
        "--host", HOST,
        "--port", str(port),
        "--metadata", str(metadata_file),
        "--setting", "sql_time_limit_ms", str(int(timeout * 1000)),
    ]


def serve(settings: Settings, port: int = DEFAULT_PORT, immutable: bool = False) -> None:
    """Run Datasette on the store until interrupted (Ctrl-C or SIGTERM)."""
    check_explorable(settings)
    engine = open_store(settings)  # an older store gets the views first
    path = sqlite_path(settings.database_url)
    if immutable:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    from datasette.cli import cli  # the optional extra, imported only here

    with tempfile.TemporaryDirectory(prefix="tracker-explore-") as tmp:
        metadata_file = Path(tmp) / "metadata.json"
        metadata_file.write_text(json.dumps(datasette_metadata(settings.database_url, path.stem), indent=2))
        args = datasette_args(path, metadata_file, port, immutable, settings.query_timeout)
        cli.main(args=args, prog_name="tracker explore", standalone_mode=False)
