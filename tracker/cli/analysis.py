"""`tracker coalitions`: who stands with whom, as of a date."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING

import typer

from igtracker.cli.app import app, console

if TYPE_CHECKING:
    from igtracker.analysis import CoalitionAnalysis


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def print_analysis(analysis: CoalitionAnalysis) -> None:
    """Coalitions as a table: label, cohesion (over how many issues and statements), members (bridges marked
    with *, leaning members with ~ and the number of issues they rest on), then the unaligned."""
    from rich.table import Table

    table = Table("key", "coalition", "cohesion", "size", "members (* = bridge, ~N = leaning on N issues)",
                  title=f"Coalitions as of {analysis.as_of:%Y-%m-%d %H:%M} UTC ({analysis.scope})")
    for c in analysis.coalitions:
        members = ", ".join(
            m.actor.name + ("*" if m.bridge else "") + (f" ~{m.rests_on}" if m.leaning else "") for m in c.members
        )
        cohesion = f"{c.cohesion:.2f} ({c.cohesion_issues} issues, {c.statements} statements)"
        table.add_row(c.key, c.label, cohesion, str(c.size), members)
    console.print(table)
    if analysis.unaligned:
        console.print("unaligned (between camps): " + ", ".join(a.name for a in analysis.unaligned), highlight=False)
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
    from igtracker.analysis import parse_as_of, save_snapshot, week_pair
    from igtracker.db import session_scope
    from igtracker.store import open_existing_store

    when = parse_as_of(as_of) if as_of is not None else None
    with session_scope(open_existing_store(read_only=not save)) as session:
        analysis, _last_week = week_pair(session, when, issue)  # keys follow last week's coalitions
        if save:
            save_snapshot(session, analysis)
    if output is OutputFormat.json:
        typer.echo(json.dumps(analysis.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_analysis(analysis)
