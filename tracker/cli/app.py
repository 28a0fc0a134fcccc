"""The root Typer app, its command classes (expected failures become one line), and the shared consoles.

Command modules import only Typer, Rich and this module at import time: anything heavier (SQLAlchemy, Alembic,
Scrapy, the coder, the renderers) is imported inside the command that needs it, so `tracker --help` starts fast.
"""

from __future__ import annotations

import importlib
import logging
import os
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

from igtracker.errors import TrackerError

if TYPE_CHECKING:
    from igtracker.jobs import JobResult


def _usage_piece(piece: str) -> str:
    """Typer 0.2x writes a required argument as {name}; older ones (and most manuals) as NAME."""
    return piece[1:-1].upper() if piece.startswith("{") and piece.endswith("}") else piece


class TrackerCommand(TyperCommand):
    """A command whose help reads the same on every Typer version the package allows."""

    def collect_usage_pieces(self, ctx):  # type: ignore[no-untyped-def]
        return [_usage_piece(piece) for piece in super().collect_usage_pieces(ctx)]


# Click's exceptions, from wherever this Typer takes Click (its own copy since Typer 0.26, the click package before).
_click_exceptions = importlib.import_module(typer.BadParameter.__module__)


class TrackerGroup(TyperGroup):
    """A command group that turns an expected failure of its commands into Click's one-line error (exit 1), the
    way Click reports a usage error but without the usage; anything else keeps its traceback."""

    def invoke(self, ctx):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except Exception as exc:
            message = expected_failure(exc)
            if message is None or debug_enabled():
                raise
            raise _click_exceptions.ClickException(message) from exc


class TrackerTyper(typer.Typer):
    """typer.Typer whose commands and groups are TrackerCommand and TrackerGroup, with plain-text help.

    Plain text, not Rich panels: Typer's Rich help loads Rich's Markdown renderer and markdown-it, which alone
    takes `tracker --help` past 0.5 s on a small machine (plain: under 0.3 s). Plain help also shows no `<bool>`
    after a flag, which Typer 0.26+ puts in its Rich panels.
    """

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("cls", TrackerGroup)
        kwargs.setdefault("rich_markup_mode", None)
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def command(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        kwargs.setdefault("cls", TrackerCommand)
        return super().command(*args, **kwargs)  # type: ignore[arg-type]


app = TrackerTyper(
    name="tracker",
    help="igtracker: who stands with whom in the Internet-governance dispute.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
)
console = Console()
err_console = Console(stderr=True)
_state = {"debug": False}


def debug_enabled() -> bool:
    """--debug, or TRACKER_DEBUG=1 (which also covers failures before the options are read)."""
    return _state["debug"] or os.environ.get("TRACKER_DEBUG", "").strip().lower() in ("1", "true", "yes", "on")


@app.callback()
def root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks and debug logs (or set TRACKER_DEBUG=1)."),
) -> None:
    _state["debug"] = debug
    logging.basicConfig(
        level=logging.DEBUG if debug_enabled() else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def print_job_result(result: JobResult) -> None:
    """One line per job run (`tracker run`, `tracker schedule run`); its message carries stored text, never markup."""
    console.print(f"{result.job}: {result.status}: {result.message or ''}", highlight=False, soft_wrap=True,
                  markup=False)


def expected_failure(exc: BaseException) -> str | None:
    """The one-line message for a failure a user can meet and fix, or None for a bug (which keeps its traceback)."""
    if isinstance(exc, TrackerError):
        return str(exc)
    if type(exc).__module__.startswith("sqlalchemy"):
        from igtracker.db import database_error_message  # SQLAlchemy is loaded already if it raised

        return database_error_message(exc)
    if isinstance(exc, OSError) and exc.filename is not None:
        what = f"{exc.filename}" + (f" -> {exc.filename2}" if exc.filename2 else "")
        return f"{what}: {exc.strerror or exc}; check the path and its permissions"
    return None


def main() -> None:
    """Console entry point. Typer runs in standalone mode: usage errors print the usage and exit 2, expected
    failures one line and exit 1 (a traceback under --debug or TRACKER_DEBUG=1)."""
    app()
