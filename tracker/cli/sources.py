"""`tracker sources`: validate the registry, sync it into the store, list the sources."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy import func, select

from tracker.cli.app import app, console
from tracker.config import get_settings
from tracker.db import session_scope
from tracker.models import Actor, CrawlRun, CrawlRunSource, Source
from tracker.registry import SyncReport, load_registry, sync_registry
from tracker.store import open_store

sources_app = typer.Typer(help="The source registry: validate, sync into the store, list.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")


@sources_app.command("validate")
def validate(file: Path | None = typer.Argument(None, help="Registry file (default: TRACKER_REGISTRY).")) -> None:
    """Check a registry file; errors name the entry, its line and the field."""
    path = file or get_settings().registry
    registry = load_registry(path)
    console.print(
        f"{path}: valid: {len(registry.actors)} actors, {len(registry.blocs)} blocs, {len(registry.sources)} sources"
    )


def print_sync_report(report: SyncReport) -> None:
    table = Table("", "created", "updated", "unchanged", "renamed", "deactivated", title="registry sync")
    for name in ("blocs", "actors", "sources"):
        c = getattr(report, name)
        table.add_row(name, *(str(v) for v in (c.created, c.updated, c.unchanged, c.renamed, c.deactivated)))
    console.print(table)


@sources_app.command("sync")
def sync(file: Path | None = typer.Argument(None, help="Registry file (default: TRACKER_REGISTRY).")) -> None:
    """Upsert the registry into the store (renamed and removed entries keep their documents)."""
    registry = load_registry(file or get_settings().registry)
    with session_scope(open_store()) as session:
        report = sync_registry(session, registry)
    print_sync_report(report)


@sources_app.command("list")
def list_sources(
    actor: str | None = typer.Option(None, help="Only this actor's sources (actor id)."),
    all_: bool = typer.Option(False, "--all", help="Include sources removed from the registry."),
) -> None:
    """The store's sources with their last crawl outcome."""
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
    with session_scope(open_store()) as session:
        rows = session.execute(query).all()
    if not rows:
        console.print("no sources in the store; run `tracker sources sync` first")
        return
    table = Table("id", "actor", "kind", "every", "enabled", "verified", "last crawl", "url")
    for source, actor_slug, at in rows:
        table.add_row(
            source.slug, actor_slug, source.kind, f"{source.frequency_hours:g} h",
            "yes" if source.enabled else "no", "yes" if source.verified else "no",
            at.strftime("%Y-%m-%d %H:%M") if at else "never", source.url,
        )
    console.print(table)
