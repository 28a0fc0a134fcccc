"""`tracker actors`: the stakeholders in the store."""

from __future__ import annotations

import typer

from igtracker.cli.app import TrackerTyper, app, console
from igtracker.display import NAME_CHARS, printable

ACTOR_KINDS = ("state", "igo", "firm", "ngo", "technical", "academic", "media", "individual")  # = models.ACTOR_KINDS

actors_app = TrackerTyper(help="The stakeholders: states, IGOs, firms, NGOs, ...", no_args_is_help=True)
app.add_typer(actors_app, name="actors")


@actors_app.command("list")
def list_actors(
    kind: str | None = typer.Option(None, help=f"Only this kind: {', '.join(ACTOR_KINDS)}."),
    bloc: str | None = typer.Option(None, help="Only members of this bloc (bloc id)."),
    all_: bool = typer.Option(False, "--all", help="Include actors removed from the registry."),
) -> None:
    """Actors with their kind, country and blocs."""
    from rich.table import Table
    from rich.text import Text
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from igtracker.db import session_scope
    from igtracker.models import Actor, Bloc
    from igtracker.store import open_existing_store

    query = select(Actor).options(selectinload(Actor.blocs)).order_by(Actor.kind, Actor.slug)
    if kind:
        query = query.where(Actor.kind == kind)
    if bloc:
        query = query.where(Actor.blocs.any(Bloc.slug == bloc))
    if not all_:
        query = query.where(Actor.active.is_(True))
    with session_scope(open_existing_store(read_only=True)) as session:
        actors = session.scalars(query).all()
        rows = [
            (a.slug, printable(a.name, NAME_CHARS), a.kind, a.country or "", ", ".join(sorted(b.slug for b in a.blocs)),
             "registry" if a.in_registry else "found in text")
            for a in actors
        ]
    if not rows:
        console.print("no actors; run `tracker sources sync` first")
        return
    table = Table("id", "name", "kind", "country", "blocs", "origin", title=f"{len(rows)} actors")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))  # crawled names: plain text, never markup
    console.print(table)
