"""`tracker report`: render the weekly briefing (HTML and PDF) into the archive folder."""

from __future__ import annotations

from pathlib import Path

import typer

from tracker.briefing import render_briefing
from tracker.cli.app import app, console
from tracker.config import get_settings
from tracker.store import open_store


@app.command("report")
def report(
    week: str | None = typer.Option(None, "--week", help="ISO week, e.g. 2026-W48 (default: the last complete week)."),
    formats: str = typer.Option("html,pdf", "--format", help="Comma-separated: html, pdf or html,pdf."),
    out: Path | None = typer.Option(None, "--out", help="Archive folder (default: the reports_dir setting)."),
) -> None:
    """Render the weekly briefing into OUT/<week>/ and refresh OUT/index.html."""
    settings = get_settings()
    result = render_briefing(open_store(settings), week, formats.split(","), out, settings)
    console.print(f"briefing {result.week}: {result.summary['headline']}", highlight=False, markup=False)
    for path in result.paths:
        console.print(f"  {path}", highlight=False, markup=False)
