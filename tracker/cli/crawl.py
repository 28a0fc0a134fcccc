"""`tracker crawl`: crawl the registry's sources with a live progress display and a summary table."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from igtracker.cli.app import app, console
from igtracker.display import MESSAGE_CHARS, printable

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID
    from rich.table import Table

    from igtracker.crawl import CrawlReport, ProgressEvent

MAX_ERRORS_SHOWN = 20


class CrawlDisplay:
    """Turns crawl progress events into one live line per source."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}
        self.counts: dict[str, Counter[str]] = {}

    def __call__(self, event: ProgressEvent) -> None:
        if event.kind == "run_started":
            for slug in event.detail.get("sources", []):
                self.counts[slug] = Counter()
                self.tasks[slug] = self.progress.add_task(slug, total=None, status="waiting")
            return
        if event.source not in self.tasks:
            return
        counts = self.counts[event.source]
        if event.kind == "page":
            counts["pages"] += 1
        elif event.kind == "document":
            counts[event.detail.get("outcome", "document")] += 1
        elif event.kind == "error":
            counts["errors"] += 1
        status = (
            f"{counts['pages']} pages, {counts['new']} new, {counts['changed']} changed, "
            f"{counts['unchanged']} unchanged, {counts['errors']} errors"
        )
        finished = event.kind == "source_finished"
        self.progress.update(self.tasks[event.source], status=status, total=1 if finished else None,
                             completed=1 if finished else 0)


def summary_table(report: CrawlReport) -> Table:
    from rich.table import Table

    table = Table("source", "status", "pages", "new", "changed", "unchanged", "errors",
                  title=f"crawl run {report.run_id}: {report.status}")
    for s in report.sources:
        style = {"failed": "red", "suspicious": "yellow"}.get(s.status, "")
        table.add_row(s.source, f"[{style}]{s.status}[/]" if style else s.status, str(s.pages_fetched),
                      str(s.documents_new), str(s.documents_changed), str(s.documents_unchanged), str(s.errors_count))
    totals = report.totals()
    table.add_row("[bold]total[/]", "", *(str(totals[k]) for k in (
        "pages_fetched", "documents_new", "documents_changed", "documents_unchanged", "errors_count")))
    return table


def print_report(report: CrawlReport) -> None:
    if not report.sources:
        console.print("no enabled sources to crawl; run `tracker sources sync` first (or enable some)")
        return
    console.print(summary_table(report))
    errors = [(s.source, url, reason) for s in report.sources for url, reason in s.errors]
    for source, url, reason in errors[:MAX_ERRORS_SHOWN]:
        detail = printable(f"{source}: {url or '-'}: {reason}", 2 * MESSAGE_CHARS)  # crawled: no markup, no escapes
        console.print(f"  [red]error[/] {escape(detail)}", highlight=False)
    if len(errors) > MAX_ERRORS_SHOWN:
        console.print(f"  ... and {len(errors) - MAX_ERRORS_SHOWN} more (table crawl_errors, run {report.run_id})")
    if report.message:
        console.print(printable(report.message, MESSAGE_CHARS), highlight=False, markup=False)


@app.command("crawl")
def crawl(
    source: list[str] = typer.Option(
        None, "--source", "-s", metavar="ID", help="Crawl only this source id (repeatable)."
    ),
) -> None:
    """Crawl every enabled source of the registry (or the ones named) and store what changed."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from igtracker.config import get_settings
    from igtracker.jobs import run_command_job
    from igtracker.store import open_existing_store

    settings = get_settings()
    open_existing_store(settings).dispose()
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(), console=console, transient=True,
    ) as progress:
        # through the job layer: never beside the scheduler's crawl (the store's "crawl" lock), recorded in job_runs
        report: CrawlReport = run_command_job("crawl", settings, sources=source or None, all_sources=True,
                                              on_progress=CrawlDisplay(progress)).output
    print_report(report)
    if report.status in ("failed", "aborted"):
        raise typer.Exit(1)
