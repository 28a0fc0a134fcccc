"""`tracker status`: the health of an unattended tracker at a glance (or as JSON for monitoring)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

import typer

from igtracker.cli.app import app, console
from igtracker.display import MESSAGE_CHARS, printable

if TYPE_CHECKING:
    from igtracker.status import StoreStatus


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "-"


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


@app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Each source's last crawl, failures, suspicious sources, the jobs, the next briefing, the store's size."""
    from igtracker.config import get_settings
    from igtracker.status import collect_status
    from igtracker.store import open_existing_store

    settings = get_settings()
    report = collect_status(settings, open_existing_store(settings, read_only=True))
    if as_json:
        console.print_json(json.dumps(report.to_dict(), default=str))
        return
    print_status(report)


def _llm_line(llm: dict) -> str:
    if not llm.get("configured"):
        used = f"; earlier runs: {llm['calls']} requests" if llm.get("calls") else ""
        return f"not configured (TRACKER_LLM_URL, TRACKER_LLM_MODEL){used}"
    return (f"{llm['model']} at {llm['url']} (at most {llm['max_calls']} requests a run); cost so far: "
            f"{llm['calls']} requests, {llm['prompt_tokens']:,} prompt and {llm['completion_tokens']:,} completion "
            f"tokens for {llm['answers']} sentences ({llm['invalid']} without a valid answer)")


def print_status(report: StoreStatus) -> None:
    from rich.table import Table
    from rich.text import Text

    scheduler = f"running on {report.scheduler.describe()}" if report.scheduler else "not running"
    crawl = f"running on {report.crawl.describe()}" if report.crawl else "idle"
    briefing = _when(report.next_briefing_at) + " UTC"
    if not report.next_briefing_scheduled:
        briefing = f"once the scheduler runs (cron {report.briefing_cron}, UTC)"
    elif report.next_briefing_at and report.next_briefing_at < report.generated_at and not report.scheduler:
        briefing += " (overdue: runs when the scheduler starts, if within misfire_grace_time)"
    last = report.last_briefing
    console.print(f"store       {report.database} ({_size(report.database_bytes)}), "
                  f"{report.documents} documents, {report.stances} stances", highlight=False, soft_wrap=True)
    console.print(f"scheduler   {scheduler}; crawl {crawl}", highlight=False)
    console.print(f"briefing    next {briefing}; last "
                  + (f"{last['week']} ({last['html_path'] or last['pdf_path']})" if last else "none"),
                  highlight=False, soft_wrap=True)

    console.print(f"llm coder   {_llm_line(report.llm)}", markup=False, highlight=False, soft_wrap=True)

    jobs = Table("job", "last run (UTC)", "status", "last ok", "message", title="jobs", title_justify="left")
    for job in report.jobs:
        jobs.add_row(job.job, _when(job.started_at), job.status, _when(job.last_ok_at),
                     Text(printable(job.message, MESSAGE_CHARS)))
    console.print(jobs)

    sources = Table("source", "actor", "last crawl", "status", "new", "docs", "next due", "message",
                    title="sources", title_justify="left")
    for s in report.sources:
        state = s.last_status or "never crawled"
        if not s.enabled:
            state += " (disabled)"
        sources.add_row(s.slug, s.actor, _when(s.last_crawl_at), state, str(s.last_new), str(s.documents),
                        _when(s.due_at), Text(printable(s.last_message, MESSAGE_CHARS)))
    console.print(sources)

    if report.failing_sources or report.suspicious_sources or report.recent_failures:
        console.print("[bold]attention[/]")
        for s in report.failing_sources:
            reason = printable(s.last_message, MESSAGE_CHARS) or "no error recorded"
            console.print(f"  source {s.slug} failed: {reason}", highlight=False, markup=False)
        for s in report.suspicious_sources:
            console.print(f"  source {s.slug} is suspicious: it yielded documents before, none now", highlight=False)
        for job in report.recent_failures:
            console.print(f"  {_when(job.started_at)} {job.job} {job.status}: {printable(job.message, MESSAGE_CHARS)}",
                          highlight=False,
                          markup=False)
