"""`tracker query`, `tracker export`, `tracker explore`: read-only questions to the store."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from igtracker.cli.app import app, console, err_console
from igtracker.display import printable

if TYPE_CHECKING:
    from igtracker.queries.readonly import QueryResult

EXPORT_NAMES = ("actors", "stances", "documents", "coalitions")  # = igtracker.queries.export.EXPORTS, not imported here
OutputFormat = Enum("OutputFormat", {name: name for name in ("table", "csv", "json", "jsonl")}, type=str)
ExportFormat = Enum("ExportFormat", {name: name for name in ("csv", "json")}, type=str)
ExportWhat = Enum("ExportWhat", {name: name for name in EXPORT_NAMES}, type=str)


def _print_named_queries() -> None:
    from rich.table import Table

    from igtracker.queries.named import NAMED_QUERIES

    table = Table("name", "parameters", "question", title="Ready-made questions (tracker query --named NAME)")
    for q in NAMED_QUERIES.values():
        params = ", ".join(p.name if p.default is None else f"{p.name}={p.default}" for p in q.params)
        table.add_row(q.name, params, f"[bold]{escape(q.title)}[/]\n{escape(q.description)}")
    console.print(table)


def _print_table(result: QueryResult) -> None:
    from rich.table import Table
    from rich.text import Text

    title = f"{len(result.rows)} rows ({result.elapsed:.2f} s)"
    table = Table(*result.columns, title=title, title_justify="left")
    for row in result.rows:
        # Text: crawled text is not markup; printable: nor terminal control sequences.
        table.add_row(*(Text("" if v is None else printable(v)) for v in row))
    console.print(table)


@app.command("query")
def query(
    sql: str | None = typer.Argument(None, help="One read-only SQL statement, parameters as :name; - reads stdin.",
                                      metavar="SQL"),
    param: list[str] = typer.Option([], "--param", "-p", help="NAME=VALUE, bound to :NAME (repeatable)."),
    fmt: OutputFormat = typer.Option("table", "--format", "-f", help="Output format."),
    limit: int = typer.Option(1000, "--limit", min=0, help="At most N rows (0: all)."),
    named: str | None = typer.Option(None, "--named", "-n", help="Run a ready-made question (see --list)."),
    list_: bool = typer.Option(False, "--list", help="List the ready-made questions."),
    timeout: float | None = typer.Option(None, "--timeout", help="Seconds before the statement is stopped."),
) -> None:
    """Ask the store a question in SQL, read-only (the v_* views are a good start; see docs/queries.md)."""
    from igtracker.config import get_settings
    from igtracker.queries.export import write_result
    from igtracker.queries.named import run_named
    from igtracker.queries.readonly import QueryError, parse_params, run_query
    from igtracker.store import open_existing_store

    if list_:
        _print_named_queries()
        return
    if (sql is None) == (named is None):
        raise QueryError("give either SQL or --named NAME (tracker query --list shows the named queries)")
    if sql == "-":
        sql = sys.stdin.read()
    params, max_rows = parse_params(param), (limit or None)
    seconds = timeout or get_settings().query_timeout
    store = open_existing_store(read_only=True)
    if named is not None:
        result = run_named(store, named, params, limit=max_rows, timeout=seconds)
    else:
        result = run_query(store, sql or "", params, limit=max_rows, timeout=seconds, text_params=True)
    if fmt.value == "table":
        _print_table(result)
    else:
        write_result(result, fmt.value, sys.stdout)
    if result.truncated:
        err_console.print(f"only the first {limit} rows: --limit 0 for all", highlight=False)


@app.command("export")
def export_command(
    what: ExportWhat = typer.Option(..., "--what", help="What to export."),
    fmt: ExportFormat = typer.Option("csv", "--format", "-f", help="Output format."),
    out: Path | None = typer.Option(None, "--out", "-o", help="File to write (default: standard output)."),
) -> None:
    """Export actors, stances, documents or coalitions for spreadsheets and notebooks."""
    from igtracker.queries.export import export
    from igtracker.store import open_existing_store

    count = export(open_existing_store(read_only=True), what.value, fmt.value, out)
    if out is not None:
        console.print(f"wrote {count} {what.value} to {out}", highlight=False)


@app.command("explore")
def explore(
    port: int = typer.Option(8001, "--port", help="Port on 127.0.0.1."),
    immutable: bool = typer.Option(False, "--immutable", help="Serve a store nothing writes to any more (faster)."),
) -> None:
    """Browse the SQLite store in Datasette on 127.0.0.1, read-only, with the named queries (extra: explore)."""
    from igtracker.config import get_settings
    from igtracker.queries.explore import check_explorable, serve
    from igtracker.store import open_existing_store

    settings = get_settings()
    check_explorable(settings)
    open_existing_store(settings, read_only=True).dispose()
    console.print(f"serving the store read-only on http://127.0.0.1:{port}/ (Ctrl-C stops)", highlight=False)
    serve(settings, port=port, immutable=immutable)
