"""`tracker schedule`: run the scheduler daemon in the foreground, list its jobs, run one job now."""

from __future__ import annotations

import json

import typer

from igtracker.cli.app import TrackerTyper, app, console, debug_enabled, print_job_result

# = igtracker.jobs.JOB_NAMES, without importing the jobs
JOB_NAMES = ("crawl", "code", "positions", "analyse", "briefing")

schedule_app = TrackerTyper(help="The scheduler: crawl, code and brief unattended.", no_args_is_help=True)
app.add_typer(schedule_app, name="schedule")


@schedule_app.command("start")
def start() -> None:
    """Run the scheduler in the foreground until SIGTERM or Ctrl-C (for systemd, supervisors, containers).

    A second scheduler on the same store stands by until the first one stops. Creates the store if there is none.
    """
    from igtracker.config import get_settings
    from igtracker.logs import configure_logging
    from igtracker.scheduler import TrackerScheduler

    settings = get_settings()
    configure_logging(settings)
    TrackerScheduler(settings).run_forever()


@schedule_app.command("list")
def list_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The scheduled jobs, their triggers and next run times (UTC)."""
    from rich.table import Table

    from igtracker.config import get_settings
    from igtracker.scheduler import list_jobs
    from igtracker.store import open_existing_store

    settings = get_settings()
    open_existing_store(settings, read_only=True).dispose()
    jobs = list_jobs(settings)
    if as_json:
        rows = [{"id": j.id, "trigger": j.trigger, "next_run_time": j.next_run_time.isoformat()
                 if j.next_run_time else None, "stored": j.stored} for j in jobs]
        console.print_json(json.dumps(rows))
        return
    table = Table("job", "trigger", "next run (UTC)", "note")
    for job in jobs:
        when = f"{job.next_run_time:%Y-%m-%d %H:%M:%S}" if job.next_run_time else "paused"
        table.add_row(job.id, job.trigger, when, job.note or "")
    console.print(table)


@schedule_app.command("run")
def run_command(job: str = typer.Argument(..., help=f"One of: {', '.join(JOB_NAMES)}.", metavar="JOB")) -> None:
    """Run one job now, in this process, and record it in the run history (exit 1 if it failed)."""
    from igtracker.config import get_settings
    from igtracker.jobs import run_job
    from igtracker.logs import configure_logging
    from igtracker.store import open_existing_store

    settings = get_settings()
    open_existing_store(settings).dispose()
    configure_logging(settings, for_humans=not debug_enabled())
    result = run_job(job, settings, trigger="cli")
    print_job_result(result)
    if not result.ok:
        raise typer.Exit(1)
