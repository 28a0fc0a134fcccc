"""`tracker demo`: crawl the bundled sample site offline, code, analyse and render, then say where it all is."""

from __future__ import annotations

import shlex
from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from tracker.cli.app import app, console
from tracker.cli.crawl import CrawlDisplay, summary_table
from tracker.demo import DemoResult, run_demo


def example_queries(result: DemoResult) -> list[str]:
    """Three `tracker query` commands to try on the demo's store."""
    env = f"TRACKER_DATABASE_URL={shlex.quote(result.database_url)}"
    sql = "SELECT actor, position, evidence FROM v_current_stances WHERE issue_id = :issue ORDER BY position, actor"
    return [
        f"{env} tracker query --named stance-matrix",
        f"{env} tracker query --named issue-positions --param issue=control --param position=oppose --format csv",
        f"{env} tracker query {shlex.quote(sql)} --param issue=taxation",
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
    console.print("\n[bold]Try a query[/]")
    for command in example_queries(result):
        console.print(f"  {command}", highlight=False, markup=False, soft_wrap=True)
    console.print(f"\ndone in {result.seconds:.0f} s", highlight=False)


@app.command("demo")
def demo(
    out: Path = typer.Option(Path("igtracker-demo"), "--out", "-o", help="Folder for the store and the briefings."),
) -> None:
    """Run the whole job offline: serve a sample site on 127.0.0.1, crawl, code, analyse, render the briefing."""
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(), console=console, transient=True,
    ) as progress:
        result = run_demo(out, on_step=lambda message: progress.console.print(message, highlight=False,
                                                                               markup=False),
                          on_progress=CrawlDisplay(progress))
    print_result(result)
