"""`tracker demo`: crawl the bundled sample site offline, code, analyse and render, then say where it all is."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from igtracker.cli.app import app, console
from igtracker.cli.crawl import CrawlDisplay, summary_table

if TYPE_CHECKING:
    from igtracker.demo.run import DemoResult


def demo_environment(result: DemoResult) -> str:
    """The shell line that points every later command at the demo: its store and its registry.

    Both, so that a `tracker sources sync` after the demo syncs the demo's registry into the demo's store instead
    of the bundled real registry (which would deactivate the sample's sources).
    """
    return (f"export TRACKER_DATABASE_URL={shlex.quote(result.database_url)} "
            f"TRACKER_REGISTRY={shlex.quote(str(result.registry))}")


def example_commands() -> list[str]:
    """Commands to try on the demo's store, once demo_environment() is set."""
    sql = "SELECT actor, position, evidence FROM v_current_stances WHERE issue_id = :issue ORDER BY position, actor"
    return [
        "tracker query --named stance-matrix",
        "tracker query --named issue-positions --param issue=control --param position=oppose --format csv",
        f"tracker query {shlex.quote(sql)} --param issue=taxation",
        "tracker sources list",
    ]


def print_result(result: DemoResult) -> None:
    console.print(summary_table(result.crawl))
    coding = result.coding
    console.print(f"coded {coding.documents_coded} documents: {coding.stances_added} stances "
                  f"(codebook {coding.codebook_version})", highlight=False)
    latest = result.briefings[-1]
    console.print(f"\n[bold]Briefing {latest.week}[/]")
    for point in latest.summary.get("points", []):
        console.print(f"  • {point}", highlight=False, markup=False, soft_wrap=True)
    console.print("\n[bold]Where everything is[/]")
    console.print(f"  store       {result.store}", highlight=False, markup=False)
    console.print(f"  registry    {result.registry}", highlight=False, markup=False)
    for briefing in result.briefings:
        for path in (briefing.html_path, briefing.pdf_path):
            console.print(f"  briefing    {path}", highlight=False, markup=False)
    console.print(f"  archive     {result.index}", highlight=False, markup=False)
    console.print("\n[bold]What next[/] (the first line points this shell at the demo's store and registry)")
    for command in (demo_environment(result), *example_commands()):
        console.print(f"  {command}", highlight=False, markup=False, soft_wrap=True)
    console.print(f"\ndone in {result.seconds:.0f} s", highlight=False)


@app.command("demo")
def demo(
    out: Path = typer.Option(Path("igtracker-demo"), "--out", "-o", help="Folder for the store and the briefings."),
) -> None:
    """Run the whole job offline: serve a sample site on 127.0.0.1, crawl, code, analyse, render the briefing."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from igtracker.demo.run import run_demo

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(), console=console, transient=True,
    ) as progress:
        result = run_demo(out, on_step=lambda message: progress.console.print(message, highlight=False,
                                                                               markup=False),
                          on_progress=CrawlDisplay(progress))
    print_result(result)
