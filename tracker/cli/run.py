"""`tracker run`: crawl, code, analyse and report once, for those who schedule with cron instead of the daemon."""

from __future__ import annotations

import typer

from igtracker.cli.app import app, debug_enabled, print_job_result


@app.command("run")
def run(
    all_sources: bool = typer.Option(False, "--all", help="Crawl every enabled source, not only those due."),
    force_briefing: bool = typer.Option(
        False, "--briefing", help="Render the last week's briefing even if it exists already."
    ),
) -> None:
    """Crawl the due sources, code new documents, analyse, render last week's briefing if missing; exit 1 on failure.

    Safe to run from cron every hour: sources are crawled by their own frequency, the briefing once a week, and a
    run that finds a crawl in progress skips its crawl. One line per step on stdout; the structured log goes to
    the log_file setting (warnings and errors also to stderr).
    """
    from igtracker.config import get_settings
    from igtracker.jobs import run_once
    from igtracker.logs import configure_logging
    from igtracker.store import open_existing_store

    settings = get_settings()
    open_existing_store(settings).dispose()
    configure_logging(settings, for_humans=not debug_enabled())
    results = run_once(settings, all_sources=all_sources, force_briefing=force_briefing)
    for result in results:
        print_job_result(result)
    if not all(r.ok for r in results):
        raise typer.Exit(1)
