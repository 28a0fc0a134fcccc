"""`tracker query`, `tracker export`, `tracker explore`: read-only questions to the store."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from tracker.cli.app import app, console, err_console
from tracker.config import get_settings
from tracker.queries.export import EXPORTS, export, write_result
from tracker.queries.named import NAMED_QUERIES, run_named
from tracker.queries.readonly import QueryError, QueryResult, parse_params, run_query
from tracker.store import open_store

OutputFormat = Enum("OutputFormat", {name: name for name in ("table", "csv", "json", "jsonl")}, type=str)
ExportFormat = Enum("ExportFormat", {name: name for name in ("csv", "json")}, type=str)
ExportWhat = Enum("ExportWhat", {name: name for name in EXPORTS}, type=str)


def _print_named_queries() -> None:
    table = Table("name", "parameters", "question", title="Ready-made questions (tracker query --named NAME)")
    for q in NAMED_QUERIES.values():
        params = ", ".join(p.name if p.default is None else f"{p.name}={p.default}" for p in q.params)
        table.add_row(q.name, params, f"[bold]{escape(q.title)}[/]\n{escape(q.description)}")
    console.print(table)


def _print_table(result: QueryResult) -> None:
    title = f"{len(result.rows)} rows ({result.elapsed:.2f} s)"
    table = Table(*result.columns, title=title, title_justify="left")
    for row in result.rows:
        table.add_row(*(Text("" if v is None else str(v)) for v in row))  # Text: crawled text is not markup
    console.print(table)


@app.command("query")
def query(
    sql: str | None = typer.Argument(None, help="One read-only SQL statement, parameters as :name; - reads stdin."),
    param: list[str] = typer.Option([], "--param", "-p", help="NAME=VALUE, bound to :NAME (repeatable)."),
    fmt: OutputFormat = typer.Option("table", "--format", "-f", help="Output format."),
    limit: int = typer.Option(1000, "--limit", min=0, help="At most N rows (0: all)."),
    named: str | None = typer.Option(None, "--named", "-n", help="Run a ready-made question (see --list)."),
    list_: bool = typer.Option(False, "--list", help="List the ready-made questions."),
    timeout: float | None = typer.Option(None, "--timeout", help="Seconds before the statement is stopped."),
) -> None:
    """Ask the store a question in SQL, read-only (the v_* views are a good start; see docs/queries.md)."""
    if list_:
        _print_named_queries()
        return
    if (sql is None) == (named is None):
        raise QueryError("give either SQL or --named NAME (tracker query --list shows the named queries)")
    if sql == "-":
        sql = sys.stdin.read()
    params, max_rows = parse_params(param), (limit or None)
    seconds = timeout or get_settings().query_timeout
    store = open_store()
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
    count = export(open_store(), what.value, fmt.value, out)
    if out is not None:
        console.print(f"wrote {count} {what.value} to {out}", highlight=False)


@app.command("explore")
def explore(
    port: int = typer.Option(8001, "--port", help="Port on 127.0.0.1."),
    immutable: bool = typer.Option(False, "--immutable", help="Serve a store nothing writes to any more (faster)."),
) -> None:
    """Browse the SQLite store in Datasette on 127.0.0.1, read-only, with the named queries (extra: explore)."""
    from tracker.queries.explore import ExploreError, check_explorable, serve

    settings = get_settings()
    try:
        check_explorable(settings)
    except ExploreError as exc:  # printed as plain text: the message holds "[explore]", which is not markup
        err_console.print(f"error: {exc}", markup=False, highlight=False)
        sys.exit(1)  # not typer.Exit: main() runs the app with standalone_mode=False, which drops its code
    console.print(f"serving the store read-only on http://127.0.0.1:{port}/ (Ctrl-C stops)", highlight=False)
    serve(settings, port=port, immutable=immutable)
