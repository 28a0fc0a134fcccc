"""`tracker report`: render the weekly briefing (HTML and PDF) into the archive folder."""

from __future__ import annotations

from pathlib import Path

import typer

from igtracker.cli.app import app, console


@app.command("report")
def report(
    week: str | None = typer.Option(None, "--week", help="ISO week, e.g. 2026-W48 (default: the last complete week)."),
    formats: str = typer.Option("html,pdf", "--format", help="Comma-separated: html, pdf or html,pdf."),
    out: Path | None = typer.Option(None, "--out", help="Archive folder (default: the reports_dir setting)."),
) -> None:
    """Render the weekly briefing into OUT/<week>/ and refresh OUT/index.html."""
    from igtracker.briefing import BriefingError, has_records_before, last_complete_week, parse_week
    from igtracker.config import get_settings
    from igtracker.db import session_scope
    from igtracker.jobs import run_command_job
    from igtracker.store import open_existing_store

    settings = get_settings()
    week = week or last_complete_week()
    _start, end = parse_week(week)
    engine = open_existing_store(settings)
    try:
        with session_scope(engine) as session:
            if not has_records_before(session, end):
                raise BriefingError(f"the store holds nothing dated before the end of week {week} (no document, "
                                    "crawl or stance), so its briefing would be empty: pick a later week")
    finally:
        engine.dispose()
    # through the job layer: never beside the scheduler's briefing job (the store's "briefing" lock)
    result = run_command_job("briefing", settings, week=week, formats=formats.split(","), out_dir=out).output
    console.print(f"briefing {result.week}: {result.summary['headline']}", highlight=False, markup=False)
    for path in result.paths:
        console.print(f"  {path}", highlight=False, markup=False)
