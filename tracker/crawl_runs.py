"""The record of crawls: each run, each source's outcome and counts, each error with its URL and reason.

Every run is a row someone can query later (source health in the briefing reads it). Counts are written in the
same transaction as the document they count, so they stay true even when a crawl is killed.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import psutil
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from igtracker.errors import NotFoundError
from igtracker.models import CrawlError, CrawlRun, CrawlRunSource, Source, utcnow

COUNT_FIELDS = ("pages_fetched", "documents_new", "documents_changed", "documents_unchanged", "errors_count")

# Built once (the SET clause follows the parameters given): counts are saved with every document.
_RUN_SOURCES = CrawlRunSource.__table__
_SAVE_COUNTS = _RUN_SOURCES.update().where(
    _RUN_SOURCES.c.run_id == bindparam("r_id"), _RUN_SOURCES.c.source_id == bindparam("s_id")
)
SUCCESS_STATUSES = ("ok", "suspicious")


@dataclass
class SourceReport:
    """One source's outcome in a run."""

    source: str
    status: str
    pages_fetched: int = 0
    documents_new: int = 0
    documents_changed: int = 0
    documents_unchanged: int = 0
    errors_count: int = 0
    suspicious: bool = False
    message: str | None = None
    errors: list[tuple[str | None, str]] = field(default_factory=list)

    @property
    def documents(self) -> int:
        return self.documents_new + self.documents_changed + self.documents_unchanged


@dataclass
class CrawlReport:
    """What a crawl did: overall status, and per source the counts and errors (URL, reason)."""

    run_id: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    message: str | None = None
    sources: list[SourceReport] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        return {name: sum(getattr(s, name) for s in self.sources) for name in COUNT_FIELDS}

    def source(self, slug: str) -> SourceReport:
        for report in self.sources:
            if report.source == slug:
                return report
        raise KeyError(slug)


def select_sources(session: Session, slugs: list[str] | None) -> list[Source]:
    """The named sources, or every enabled source still in the registry; unknown names raise NotFoundError."""
    if not slugs:
        query = select(Source).where(Source.enabled.is_(True), Source.active.is_(True)).order_by(Source.slug)
        return list(session.scalars(query))
    found = {s.slug: s for s in session.scalars(select(Source).where(Source.slug.in_(slugs)))}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        known = session.scalars(select(Source.slug).where(Source.active.is_(True)).order_by(Source.slug)).all()
        valid = ", ".join(known) or "none (run `tracker sources sync`)"
        raise NotFoundError(f"unknown source id(s): {', '.join(missing)}; valid ids: {valid}")
    return [found[slug] for slug in dict.fromkeys(slugs)]


def due_sources(session: Session, now: datetime) -> list[Source]:
    """Enabled sources whose frequency_hours has elapsed since their last successful crawl (or never crawled)."""
    last_ok = (
        select(CrawlRunSource.source_id, func.max(CrawlRunSource.finished_at).label("at"))
        .where(CrawlRunSource.status.in_(SUCCESS_STATUSES), CrawlRunSource.finished_at.is_not(None))
        .group_by(CrawlRunSource.source_id)
        .subquery()
    )
    rows = session.execute(
        select(Source, last_ok.c.at)
        .outerjoin(last_ok, last_ok.c.source_id == Source.id)
        .where(Source.enabled.is_(True), Source.active.is_(True))
        .order_by(Source.slug)
    ).all()
    due = []
    for source, at in rows:
        if at is not None and at.tzinfo is None:  # aggregates bypass the column type on some backends
            at = at.replace(tzinfo=now.tzinfo)
        due_at = next_due(at, source.frequency_hours)
        if at is None or (due_at is not None and due_at <= now):
            due.append(source)
    return due


def next_due(last_success: datetime | None, frequency_hours: float) -> datetime | None:
    """When a source is due again; None when never (a frequency beyond any date, stored before the registry
    refused such values): one bad row must not stop the crawl of every other source."""
    if last_success is None:
        return None
    try:
        return last_success + timedelta(hours=frequency_hours)
    except (OverflowError, ValueError):
        return None


def begin_run(session: Session, sources: list[Source], *, trigger: str) -> CrawlRun:
    """A new run in status 'running', with one row per source (caller commits)."""
    run = CrawlRun(trigger=trigger, pid=psutil.Process().pid, hostname=socket.gethostname(), status="running")
    run.sources = [CrawlRunSource(source_id=s.id, status="running") for s in sources]
    session.add(run)
    session.flush()
    return run


def save_counts(session: Session, run_id: int, source_id: int, counts: dict[str, int]) -> None:
    """Overwrite a source's counts in a run with the crawler's running totals (one UPDATE: this runs per page)."""
    values = {name: int(counts[name]) for name in COUNT_FIELDS if name in counts}
    updated = session.execute(_SAVE_COUNTS, {**values, "r_id": run_id, "s_id": source_id})
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        session.add(CrawlRunSource(run_id=run_id, source_id=source_id, status="running", **values))


def record_error(session: Session, run_id: int, source_id: int | None, url: str | None, reason: str) -> None:
    session.add(CrawlError(run_id=run_id, source_id=source_id, url=(url or "")[:2000] or None, reason=reason))


# Scrapy's close reasons for a spider stopped before the end, as a person reads them.
STOP_REASONS = {
    "closespider_timeout": "stopped at the crawl time limit",
    "shutdown": "stopped by a signal before it finished",
    "cancelled": "stopped before it finished",
}
STOPPED = "stopped"


def mark_source_finished(session: Session, run_id: int, source_id: int, reason: str) -> None:
    """The crawler is done with a source; `reason` is Scrapy's close reason ('finished' when it ran to the end)."""
    row = session.scalar(
        select(CrawlRunSource).where(CrawlRunSource.run_id == run_id, CrawlRunSource.source_id == source_id)
    )
    if row is not None:
        row.finished_at = utcnow()
        row.message = None if reason == "finished" else STOP_REASONS.get(reason, f"{STOPPED}: {reason}")


def _yielded_before(session: Session, run_id: int, source_id: int) -> bool:
    docs = CrawlRunSource.documents_new + CrawlRunSource.documents_changed + CrawlRunSource.documents_unchanged
    return (
        session.scalar(
            select(func.count()).where(
                CrawlRunSource.source_id == source_id, CrawlRunSource.run_id != run_id, docs > 0
            )
        )
        or 0
    ) > 0


def finish_run(session: Session, run_id: int, *, status: str | None = None, message: str | None = None) -> CrawlReport:
    """Settle each source's status (ok, failed, suspicious, aborted) and the run's (ok, partial, failed, aborted).

    `status` forces the run's outcome when the crawler process did not end normally; sources it had not
    finished are then aborted (a stopped crawl) or failed (a crashed one) with that message. A source stopped
    before its end (time limit, signal) is `aborted` and due again at once; a failed source carries its last
    error as its message, so `tracker status` can say why.
    """
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise NotFoundError(f"crawl run {run_id} does not exist")
    now = utcnow()
    for row in run.sources:
        documents = row.documents_new + row.documents_changed + row.documents_unchanged
        if row.finished_at is None:
            row.finished_at = now
            row.status = "aborted" if status == "aborted" else "failed"
            row.message = row.message or message or "the crawler stopped before this source finished"
            continue
        if (row.message or "").startswith(STOPPED):
            row.status = "aborted"
            continue
        row.suspicious = documents == 0 and _yielded_before(session, run_id, row.source_id)
        if documents == 0 and row.errors_count > 0:
            row.status = "failed"
            row.message = row.message or _last_error(session, run_id, row.source_id)
        elif row.suspicious:
            row.status = "suspicious"
            row.message = row.message or "yielded documents in earlier runs, none now: check the source"
        else:
            row.status = "ok"
    statuses = {row.status for row in run.sources}
    if status is None:
        if "aborted" in statuses:
            status = "aborted"
            message = message or next(r.message for r in run.sources if r.status == "aborted")
        elif statuses <= {"ok"} and not any(row.errors_count for row in run.sources):
            status = "ok"
        elif run.sources and statuses == {"failed"}:
            status = "failed"
        else:
            status = "partial"
    run.status, run.finished_at = status, now
    run.message = message or run.message
    session.flush()
    return build_report(session, run)


def _last_error(session: Session, run_id: int, source_id: int) -> str | None:
    reason = session.scalar(
        select(CrawlError.reason).where(CrawlError.run_id == run_id, CrawlError.source_id == source_id)
        .order_by(CrawlError.id.desc()).limit(1)
    )
    return reason[:500] if reason else None


def build_report(session: Session, run: CrawlRun) -> CrawlReport:
    errors: dict[int | None, list[tuple[str | None, str]]] = {}
    for err in session.scalars(select(CrawlError).where(CrawlError.run_id == run.id).order_by(CrawlError.id)):
        errors.setdefault(err.source_id, []).append((err.url, err.reason))
    sources = [
        SourceReport(
            source=row.source.slug, status=row.status, suspicious=row.suspicious, message=row.message,
            errors=errors.get(row.source_id, []), **{name: getattr(row, name) for name in COUNT_FIELDS},
        )
        for row in sorted(run.sources, key=lambda r: r.source.slug)
    ]
    return CrawlReport(run.id, run.status, run.started_at, run.finished_at, run.message, sources)


def abort_stale_runs(session: Session) -> int:
    """Mark runs 'aborted' whose process on this host is gone (killed before it could record its end)."""
    host = socket.gethostname()
    stale = 0
    for run in session.scalars(select(CrawlRun).where(CrawlRun.status == "running", CrawlRun.hostname == host)):
        if run.pid is not None and not psutil.pid_exists(run.pid):
            finish_run(session, run.id, status="aborted", message="the crawling process ended without finishing")
            stale += 1
    return stale
