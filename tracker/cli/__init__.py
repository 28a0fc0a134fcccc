"""The `tracker` command: a thin Typer layer over the library (one module per command group)."""

from __future__ import annotations

from igtracker.cli.app import app, main

# Command groups register themselves on import: one line each.
from igtracker.cli import db  # noqa: E402, F401  isort: skip
from igtracker.cli import sources  # noqa: E402, F401  isort: skip
from igtracker.cli import actors  # noqa: E402, F401  isort: skip
from igtracker.cli import analysis  # noqa: E402, F401  isort: skip
from igtracker.cli import report  # noqa: E402, F401  isort: skip
from igtracker.cli import query  # noqa: E402, F401  isort: skip
from igtracker.cli import crawl  # noqa: E402, F401  isort: skip
from igtracker.cli import code  # noqa: E402, F401  isort: skip
from igtracker.cli import schedule  # noqa: E402, F401  isort: skip
from igtracker.cli import run  # noqa: E402, F401  isort: skip
from igtracker.cli import status  # noqa: E402, F401  isort: skip
from igtracker.cli import demo  # noqa: E402, F401  isort: skip

__all__ = ["app", "main"]
