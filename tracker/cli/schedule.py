"""`tracker schedule`: run the scheduler daemon in the foreground, list its jobs, run one job now."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from tracker.cli.app import app, console, print_job_result
from tracker.config import get_settings
from tracker.jobs import JOB_NAMES, run_job
from tracker.logs import configure_logging
from tracker.scheduler import TrackerScheduler, list_jobs
from tracker.store import open_store

schedule_app = typer.Typer(help="The scheduler: crawl, code and brief unattended.", no_args_is_help=True)
app.add_typer(schedule_app, name="schedule")


@schedule_app.command("start")
def start() -> None:
    """Run the scheduler in the foreground until SIGTERM or Ctrl-C (for systemd, supervisors, containers).

    A second scheduler on the same store stands by until the first one stops.
    """
    settings = get_settings()
    configure_logging(settings)
    TrackerScheduler(settings).run_forever()


@schedule_app.command("list")
def list_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The scheduled jobs, their triggers and next run times (UTC)."""
    jobs = list_jobs(get_settings())
    if as_json:
        rows = [{"id": j.id, "trigger": j.trigger, "next_run_time": j.next_run_time.isoformat()
                 if j.next_run_time else None, "stored": j.stored} for j in jobs]
        console.print_json(json.dumps(rows))
        return
    table = Table("job", "trigger", "next run (UTC)", "")
    for job in jobs:
        when = f"{job.next_run_time:%Y-%m-%d %H:%M:%S}" if job.next_run_time else "paused"
        table.add_row(job.id, job.trigger, when, job.note or "")
    console.print(table)


@schedule_app.command("run")
def run_command(job: str = typer.Argument(..., help=f"One of: {', '.join(JOB_NAMES)}.")) -> None:
    """Run one job now, in this process, and record it in the run history (exit 1 if it failed)."""
    settings = get_settings()
    configure_logging(settings)
    open_store(settings).dispose()
    result = run_job(job, settings, trigger="cli")
    print_job_result(result)
    if not result.ok:
        raise typer.Exit(1)
