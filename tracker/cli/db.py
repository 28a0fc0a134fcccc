"""`tracker db`: schema migrations."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import typer

from igtracker.cli.app import TrackerTyper, app, console

if TYPE_CHECKING:
    from sqlalchemy import Engine

db_app = TrackerTyper(help="Create and migrate the store's schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.", metavar="REVISION")) -> None:
    """Create the store, or migrate it to REVISION (default: newest)."""
    from igtracker import migrate
    from igtracker.store import open_store

    engine = open_store(upgrade=False)
    migrate.upgrade(engine, revision)
    console.print(f"store at revision [bold]{migrate.current_revision(engine)}[/] ({engine.url.render_as_string()})")


def _existing_engine() -> Engine:
    """An engine on the store as it is: it must exist, and is neither created nor migrated."""
    from igtracker.store import StoreOutdatedError, open_existing_store, open_store

    with contextlib.suppress(StoreOutdatedError):  # these commands report an older schema themselves
        open_existing_store(read_only=True).dispose()
    return open_store(upgrade=False)


@db_app.command("current")
def current() -> None:
    """Show the store's schema revision and the newest one."""
    from igtracker import migrate

    engine = _existing_engine()
    rev = migrate.current_revision(engine)
    head = migrate.head_revision()
    state = "up to date" if rev == head else "needs `tracker db upgrade`"
    console.print(f"current: {rev}  head: {head}  ({state})")


@db_app.command("check")
def check() -> None:
    """Check that the models and the migrations agree (exit 1 when they differ)."""
    from igtracker import migrate

    engine = _existing_engine()
    if migrate.current_revision(engine) != migrate.head_revision():
        console.print("store is not at head; run `tracker db upgrade` first")
        raise typer.Exit(1)
    diffs = migrate.check(engine)
    if diffs:
        console.print("[red]models and migrations differ:[/]")
        for line in diffs:
            console.print(f"  {line}", markup=False)
        raise typer.Exit(1)
    console.print("models and migrations are in sync")
