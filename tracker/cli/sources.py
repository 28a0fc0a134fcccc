"""`tracker sources`: validate the registry, sync it into the store, list the sources."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from igtracker.cli.app import TrackerTyper, app, console

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from igtracker.registry import Registry, SyncReport

sources_app = TrackerTyper(help="The source registry: validate, sync into the store, list.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")


@sources_app.command("validate")
def validate(
    file: Path | None = typer.Argument(None, help="Registry file (default: TRACKER_REGISTRY).", metavar="FILE"),
) -> None:
    """Check a registry file; errors name the entry, its line and the field."""
    from igtracker.config import get_settings
    from igtracker.registry import load_registry

    path = file or get_settings().registry
    registry = load_registry(path)
    console.print(
        f"{path}: valid: {len(registry.actors)} actors, {len(registry.blocs)} blocs, {len(registry.sources)} sources",
        highlight=False, markup=False,
    )


def print_sync_report(report: SyncReport) -> None:
    from rich.table import Table

    table = Table("", "created", "updated", "unchanged", "renamed", "deactivated", title="registry sync")
    for name in ("blocs", "actors", "sources"):
        c = getattr(report, name)
        table.add_row(name, *(str(v) for v in (c.created, c.updated, c.unchanged, c.renamed, c.deactivated)))
    console.print(table)


def sync_risk(session: Session, registry: Registry) -> tuple[int, int] | None:
    """(shared, stored) when syncing the registry would deactivate more than half of the store's active sources,
    else None: a sign of the wrong registry or the wrong store (the bundled registry into the demo's store)."""
    from sqlalchemy import select

    from igtracker.models import Source

    stored = set(session.scalars(select(Source.slug).where(Source.active.is_(True))))
    named = {s.id for s in registry.sources} | {old for s in registry.sources for old in s.renamed_from}
    shared = len(stored & named)
    return (shared, len(stored)) if len(stored) - shared > len(stored) / 2 else None


@sources_app.command("sync")
def sync(
    file: Path | None = typer.Argument(None, help="Registry file (default: TRACKER_REGISTRY).", metavar="FILE"),
    yes: bool = typer.Option(False, "--yes", "-y",
                             help="Sync even a registry that would deactivate most of the store's sources."),
) -> None:
    """Upsert the registry into the store, creating the store if needed (renamed and removed entries keep their
    documents)."""
    from igtracker.config import get_settings
    from igtracker.db import display_url, session_scope
    from igtracker.errors import RegistryError
    from igtracker.registry import load_registry, sync_registry
    from igtracker.store import open_store

    settings = get_settings()
    path = file or settings.registry
    registry = load_registry(path)
    with session_scope(open_store(settings)) as session:
        risk = sync_risk(session, registry)
        if risk is not None and not yes:
            shared, stored = risk
            where = f"the {stored} sources in the store at {display_url(settings.database_url)}"
            raise RegistryError(
                (f"{path} shares none of {where}: syncing it would deactivate them all" if not shared else
                 f"{path} shares only {shared} of {where}: syncing it would deactivate the other {stored - shared}")
                + ". Check TRACKER_REGISTRY and TRACKER_DATABASE_URL, or pass --yes to sync anyway"
            )
        report = sync_registry(session, registry)
    print_sync_report(report)


@sources_app.command("list")
def list_sources(
    actor: str | None = typer.Option(None, help="Only this actor's sources (actor id)."),
    all_: bool = typer.Option(False, "--all", help="Include sources removed from the registry."),
) -> None:
    """The store's sources with their last crawl outcome."""
    from rich.table import Column, Table
    from sqlalchemy import func, select

    from igtracker.db import session_scope
    from igtracker.models import Actor, CrawlRun, CrawlRunSource, Source
    from igtracker.store import open_existing_store

    last_run = (
        select(CrawlRunSource.source_id, func.max(CrawlRun.started_at).label("at"))
        .join(CrawlRun)
        .group_by(CrawlRunSource.source_id)
        .subquery()
    )
    query = (
        select(Source, Actor.slug, last_run.c.at)
        .join(Actor, Source.actor_id == Actor.id)
        .outerjoin(last_run, last_run.c.source_id == Source.id)
        .order_by(Actor.slug, Source.slug)
    )
    if actor:
        query = query.where(Actor.slug == actor)
    if not all_:
        query = query.where(Source.active.is_(True))
    with session_scope(open_existing_store(read_only=True)) as session:
        rows = session.execute(query).all()
    if not rows:
        console.print("no sources in the store; run `tracker sources sync` first")
        return
    # Ids are what users type next (`tracker crawl --source ID`): never cut short; on a narrow terminal the URL
    # folds onto more lines instead.
    widest_id = max(len(source.slug) for source, _actor, _at in rows)
    table = Table(Column("id", no_wrap=True, min_width=widest_id), "actor", "kind", "every", "enabled", "verified",
                  "last crawl", Column("url", overflow="fold"))
    for source, actor_slug, at in rows:
        table.add_row(
            source.slug, actor_slug, source.kind, f"{source.frequency_hours:g} h",
            "yes" if source.enabled else "no", "yes" if source.verified else "no",
            at.strftime("%Y-%m-%d %H:%M") if at else "never", source.url,
        )
    console.print(table)
