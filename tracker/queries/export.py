"""Exports for spreadsheets and notebooks (CSV, JSON), and the writers `tracker query` shares with them.

Exports read the same views any SQL client sees, through the read-only runner, so an export never writes and
matches what `tracker query` shows.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Engine

from igtracker.errors import TrackerError
from igtracker.queries.readonly import QueryResult, run_query

EXPORTS: dict[str, str] = {
    "actors": "SELECT * FROM v_actors ORDER BY actor",
    "stances": "SELECT * FROM v_stance_history ORDER BY actor, issue_id, stance_id",
    "documents": "SELECT * FROM v_documents ORDER BY document_id",
    # Every snapshot, not only the latest (v_coalition_members), so coalitions can be followed over time.
    "coalitions": """SELECT
    c.as_of AS as_of,
    c.scope AS scope,
    c.key AS coalition,
    c.label AS label,
    c.cohesion AS cohesion,
    a.slug AS actor,
    a.name AS actor_name,
    a.kind AS actor_kind,
    a.country AS country,
    CAST(m.bridge AS INTEGER) AS bridge,
    CAST(m.positions AS TEXT) AS positions
FROM coalitions c
JOIN coalition_members m ON m.coalition_id = c.id
JOIN actors a ON a.id = m.actor_id
ORDER BY c.as_of, c.scope, c.key, a.slug""",
}
OUTPUT_FORMATS = ("csv", "json", "jsonl")
EXPORT_FORMATS = ("csv", "json")
EXPORT_TIMEOUT = 300.0  # a whole table, not an ad hoc question


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def write_result(result: QueryResult, fmt: str, out: TextIO) -> None:
    """Rows as CSV (with a header), a JSON array of objects, or JSON lines."""
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.columns)
        for row in result.rows:
            writer.writerow([_csv_value(v) for v in row])
    elif fmt == "json":
        json.dump(result.dicts(), out, ensure_ascii=False, indent=2, default=str)
        out.write("\n")
    elif fmt == "jsonl":
        for record in result.dicts():
            out.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    else:
        raise TrackerError(f"unknown format {fmt!r}: use one of {', '.join(OUTPUT_FORMATS)}")


def export_rows(store: Engine | str, what: str, timeout: float = EXPORT_TIMEOUT) -> QueryResult:
    """All rows of one export, read-only."""
    if what not in EXPORTS:
        raise TrackerError(f"cannot export {what!r}: choose one of {', '.join(EXPORTS)}")
    return run_query(store, EXPORTS[what], timeout=timeout)


@contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # newline="" lets the csv module write its own line ends; UTF-8 with a BOM would confuse notebooks.
        with path.open("w", encoding="utf-8", newline="") as handle:
            yield handle
    except OSError as exc:
        raise TrackerError(f"cannot write {path}: {exc.strerror}; choose another --out") from exc


def export(store: Engine | str, what: str, fmt: str, path: Path | None = None) -> int:
    """Write one export to `path` (stdout when None); returns the number of rows."""
    if fmt not in EXPORT_FORMATS:
        raise TrackerError(f"cannot export as {fmt!r}: choose one of {', '.join(EXPORT_FORMATS)}")
    result = export_rows(store, what)
    with _output(path) as out:
        write_result(result, fmt, out)
    return len(result.rows)
