"""`tracker coalitions`: who stands with whom, as of a date."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum

import typer
from rich.table import Table

from tracker.analysis import CoalitionAnalysis, analyse, parse_as_of, save_snapshot
from tracker.cli.app import app, console
from tracker.db import session_scope
from tracker.store import open_store


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def _as_of(value: str | None) -> datetime | None:
    return parse_as_of(value) if value is not None else None


def print_analysis(analysis: CoalitionAnalysis) -> None:
    """Coalitions as a table: label, cohesion, members (bridges marked with *), then the unaligned."""
    table = Table("key", "coalition", "cohesion", "size", "members (* = bridge)",
                  title=f"Coalitions as of {analysis.as_of:%Y-%m-%d %H:%M} UTC ({analysis.scope})")
    for c in analysis.coalitions:
        members = ", ".join(m.actor.name + ("*" if m.bridge else "") for m in c.members)
        table.add_row(c.key, c.label, f"{c.cohesion:.2f}", str(c.size), members)
    console.print(table)
    if analysis.unaligned:
        console.print("unaligned: " + ", ".join(a.name for a in analysis.unaligned), highlight=False)
    if not analysis.coalitions:
        console.print("no coalitions: too few actors take sides yet (run the coder first)")


@app.command("coalitions")
def coalitions(
    issue: str | None = typer.Option(None, "--issue", help="Only this issue (issue id, e.g. control)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Date (YYYY-MM-DD, end of day UTC) or ISO datetime."),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json."),
    save: bool = typer.Option(True, "--save/--no-save", help="Store the result in the coalitions tables."),
) -> None:
    """Who stands with whom: coalitions with their label, cohesion and members' positions."""
    with session_scope(open_store()) as session:
        analysis = analyse(session, _as_of(as_of), issue)
        if save:
            save_snapshot(session, analysis)
    if output is OutputFormat.json:
        typer.echo(json.dumps(analysis.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_analysis(analysis)
