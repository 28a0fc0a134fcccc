"""The root Typer app, shared console and error handling."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape

from tracker.errors import TrackerError

if TYPE_CHECKING:
    from tracker.jobs import JobResult

app = typer.Typer(
    name="tracker",
    help="igtracker: who stands with whom in the Internet-governance dispute.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
console = Console()
err_console = Console(stderr=True)
_state = {"debug": False}


@app.callback()
def root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks and debug logs."),
) -> None:
    _state["debug"] = debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def print_job_result(result: JobResult) -> None:
    """One line per job run (`tracker run`, `tracker schedule run`); its message carries stored text, never markup."""
    console.print(f"{result.job}: {result.status}: {result.message or ''}", highlight=False, soft_wrap=True,
                  markup=False)


def main() -> None:
    """Console entry point: user errors print one clear line (and a traceback under --debug)."""
    try:
        rc = app(standalone_mode=False)
    except TrackerError as exc:
        if _state["debug"]:
            raise
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True, markup=True)
        sys.exit(1)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # click usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    # Outside standalone mode click returns typer.Exit's code instead of exiting: pass it on.
    if isinstance(rc, int) and rc != 0:
        sys.exit(rc)
