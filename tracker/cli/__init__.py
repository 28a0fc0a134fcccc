"""The `tracker` command: a thin Typer layer over the library (one module per command group)."""

from __future__ import annotations

from tracker.cli.app import app, main

# Command groups register themselves on import: one line each.
from tracker.cli import db  # noqa: E402, F401  isort: skip
from tracker.cli import sources  # noqa: E402, F401  isort: skip
from tracker.cli import actors  # noqa: E402, F401  isort: skip
from tracker.cli import analysis  # noqa: E402, F401  isort: skip
from tracker.cli import report  # noqa: E402, F401  isort: skip
from tracker.cli import query  # noqa: E402, F401  isort: skip
from tracker.cli import crawl  # noqa: E402, F401  isort: skip
from tracker.cli import code  # noqa: E402, F401  isort: skip
from tracker.cli import schedule  # noqa: E402, F401  isort: skip
from tracker.cli import run  # noqa: E402, F401  isort: skip
from tracker.cli import status  # noqa: E402, F401  isort: skip
from tracker.cli import demo  # noqa: E402, F401  isort: skip

__all__ = ["app", "main"]
