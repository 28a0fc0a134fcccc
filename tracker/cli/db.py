"""`tracker db`: schema migrations."""

from __future__ import annotations

import typer

from tracker import migrate
from tracker.cli.app import app, console
from tracker.store import open_store

db_app = typer.Typer(help="Create and migrate the store's schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the store to REVISION (default: newest)."""
    engine = open_store(upgrade=False)
    migrate.upgrade(engine, revision)
    console.print(f"store at revision [bold]{migrate.current_revision(engine)}[/] ({engine.url.render_as_string()})")


@db_app.command("current")
def current() -> None:
    """Show the store's schema revision and the newest one."""
    engine = open_store(upgrade=False)
    rev = migrate.current_revision(engine)
    head = migrate.head_revision()
    state = "up to date" if rev == head else "needs `tracker db upgrade`"
    console.print(f"current: {rev or 'none (empty store)'}  head: {head}  ({state})")


@db_app.command("check")
def check() -> None:
    """Check that the models and the migrations agree (exit 1 when they differ)."""
    engine = open_store(upgrade=False)
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
