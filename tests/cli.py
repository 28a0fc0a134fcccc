"""`tracker` run inside the test process with Typer's CliRunner: what a user sees (stdout, stderr, exit code)
without the cost of starting a process. tests/test_cli_smoke.py runs the installed command for real."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from igtracker.cli import app
from igtracker.cli.app import console, err_console
from igtracker.config import get_settings


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    @property
    def crashed(self) -> bool:
        """An exception other than a clean exit: what a user would see as a traceback."""
        return self.exception is not None and not isinstance(self.exception, SystemExit)


def _runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # Click < 8.2 mixes stderr in by default
    except TypeError:
        return CliRunner()  # Click >= 8.2 (and Typer's own copy) keep stderr apart


@contextlib.contextmanager
def _wide_consoles(width: int) -> Iterator[None]:
    """A terminal this wide (wide: tables are not abbreviated); Rich reads COLUMNS only when the console is made."""
    before = console.width, err_console.width
    console.width = err_console.width = width
    try:
        yield
    finally:
        console.width, err_console.width = before


def tracker(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            input: str | None = None, width: int = 200) -> Outcome:
    """Run `tracker ARGS` with only the TRACKER_* variables given (and in `cwd`, if given), `width` columns wide."""
    environment: dict[str, str | None] = {k: None for k in os.environ if k.startswith("TRACKER_")}
    environment.update(env or {})
    get_settings.cache_clear()
    try:
        with contextlib.chdir(cwd) if cwd else contextlib.nullcontext(), _wide_consoles(width):
            result = _runner().invoke(app, list(args), env=environment, input=input)
    finally:
        get_settings.cache_clear()
    return Outcome(result.exit_code, result.stdout, result.stderr, result.exception)
