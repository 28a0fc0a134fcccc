"""The weekly briefing: what a policy analyst reads on Monday, rendered from the store as HTML and PDF.

``build_context`` gathers everything the templates show (coalitions, what moved, heat map, camps with evidence,
new documents, source health, methods); ``render_briefing`` renders ``reports/templates`` with Jinja2 (autoescape
on: crawled text is untrusted), prints the same HTML to PDF with WeasyPrint (which may fetch nothing), files both
under ``OUT/<week>/``, refreshes ``OUT/index.html`` and records the briefing in the ``briefings`` table.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from sqlalchemy import Engine, and_, func, select
from sqlalchemy.orm import Session

from igtracker.analysis import CoalitionAnalysis, Shifts, compare, week_pair
from igtracker.analysis.pooling import MIXED, NEUTRAL, OPPOSE, SUPPORT, Cell
from igtracker.analysis.shifts import WEEK
from igtracker.briefing_map import coalition_map
from igtracker.config import Settings, get_settings
from igtracker.db import session_scope
from igtracker.display import MESSAGE_CHARS, NAME_CHARS, clip
from igtracker.errors import TrackerError
from igtracker.models import Actor, Briefing, CrawlRun, CrawlRunSource, Document, Issue, JobRun, Source, Stance

FORMATS = ("html", "pdf")
WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")
STALE_FACTOR = 2.0  # a source is stale when its last good fetch is older than this many crawl intervals
MIN_STALE_HOURS = 48.0
NEW_DOCUMENTS_SHOWN = 40
CAMP_QUOTES_SHOWN = 3
CAMP_NAMES_SHOWN = 40
UNDECIDED_SHOWN = 15
SPELLED_OUT_ISSUES = 8  # beyond this many issues the heat map numbers its columns and adds a key
CHANGES_SHOWN = 25
COLOURS = {SUPPORT: "#1f5fa6", OPPOSE: "#c0392b"}  # as in briefing.css (.h-s4, .h-o4)
SYMBOLS = {SUPPORT: "+", OPPOSE: "\u2212", MIXED: "\u00b1", NEUTRAL: "\u25cb"}


class BriefingError(TrackerError):
    """The briefing cannot be rendered as asked (bad week, unknown format, ...)."""


@dataclass
class BriefingResult:
    week: str
    html_path: Path | None
    pdf_path: Path | None
    index_path: Path
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def paths(self) -> list[Path]:
        return [p for p in (self.html_path, self.pdf_path, self.index_path) if p is not None]


# Weeks -----------------------------------------------------------------------------------------------------------


def parse_week(week: str) -> tuple[datetime, datetime]:
    """An ISO week such as 2026-W48 as [Monday 00:00 UTC, next Monday 00:00 UTC)."""
    match = WEEK_PATTERN.match(week.strip())
    try:
        if not match:
            raise ValueError(week)
        start = datetime.fromisocalendar(int(match[1]), int(match[2]), 1).replace(tzinfo=UTC)
    except ValueError:
        raise BriefingError(f"--week {week!r} is not an ISO week; write it like 2026-W48") from None
    return start, start + WEEK


def week_of(moment: datetime) -> str:
    year, week, _day = moment.isocalendar()
    return f"{year}-W{week:02d}"


def last_complete_week(now: datetime | None = None) -> str:
    """The briefing's default: the most recent week that has ended (the weekly job runs on Monday morning)."""
    return week_of((now or datetime.now(UTC)) - WEEK)


# Context ---------------------------------------------------------------------------------------------------------


def shade(position: str, strength: float) -> str:
    """The CSS class of a heat-map cell: h-s0..h-s4 / h-o0..h-o4 by strength, h-mx (mixed), h-nt (neutral).

    Classes rather than inline styles: WeasyPrint parses every style attribute on its own, which made a
    300 x 20 heat map take seconds longer to print.
    """
    if position in COLOURS:
        return f"h-{position[0]}{min(4, int(max(0.0, strength) * 5))}"
    return "h-mx" if position == MIXED else "h-nt"


def heat_cell(cell: Cell | None, issue_label: str) -> dict[str, Any]:
    """Shade, symbol and tooltip of one heat-map cell (symbols keep it readable in greyscale print)."""
    if cell is None:
        return {"symbol": "", "cls": "h-na", "title": "no statement", "analyst": False}
    basis = "analyst coding" if cell.basis == "analyst" else f"{cell.stances} coded statements"
    title = f"{cell.position} ({issue_label}); confidence {cell.confidence:.2f}; {basis}"
    return {"symbol": SYMBOLS[cell.position], "cls": shade(cell.position, cell.confidence), "title": title,
            "analyst": cell.basis == "analyst"}


def heat_map(analysis: CoalitionAnalysis) -> list[dict[str, Any]]:
    """Actors grouped by coalition (unaligned last), one row each with a cell per issue."""
    matrix = analysis.matrix
    groups = [(c.label, [m.actor for m in c.members]) for c in analysis.coalitions]
    if analysis.unaligned:
        groups.append(("unaligned", analysis.unaligned))
    placed = {a.id for _l, actors in groups for a in actors}
    others = sorted((a for a_id, a in matrix.actors.items() if a_id not in placed), key=lambda a: a.name.lower())
    if others:
        groups.append(("no side taken (mixed or neutral statements only)", others))
    return [
        {
            "label": label,
            "rows": [
                {
                    "actor": actor,
                    "cells": [heat_cell(matrix.cell(actor.id, i), issue.name) for i, issue in matrix.issues.items()],
                }
                for actor in actors
            ],
        }
        for label, actors in groups
    ]


def bloc_rows(analysis: CoalitionAnalysis) -> list[dict[str, Any]]:
    """Each bloc's line per issue as a heat-map cell: its dominant side, shaded by how united it is."""
    rows = []
    for bloc in analysis.blocs:
        cells = []
        for issue_id, issue in analysis.matrix.issues.items():
            line = bloc.lines[issue_id]
            if line.dominant:
                cells.append({"symbol": SYMBOLS[line.dominant], "cls": shade(line.dominant, line.share * line.coverage),
                              "title": f"{issue.label(line.dominant)}: {line.support} for, {line.oppose} against"})
            elif line.taken:
                cells.append({"symbol": SYMBOLS[MIXED], "cls": "h-mx",
                              "title": f"split: {line.support} for, {line.oppose} against"})
            else:
                cells.append({"symbol": "", "cls": "h-na", "title": "no member took a side"})
        rows.append({"bloc": bloc, "cells": cells})
    return rows


def codebook_glosses(quote: str, language: str | None) -> list[tuple[str, str]]:
    """English glosses of the codebook's terms in a quote not in English (never a translation of the quote)."""
    if not language or language == "en":
        return []
    from igtracker.coding.codebook import load_codebook
    from igtracker.coding.multilingual import glosses

    return glosses(quote, language, load_codebook())


def camp_views(analysis: CoalitionAnalysis) -> list[dict[str, Any]]:
    views = []
    for issue_id, camps in analysis.camps.items():
        issue = analysis.matrix.issues[issue_id]
        sides = []
        for position, entries in ((SUPPORT, camps.support), (OPPOSE, camps.oppose)):
            quoted = [e for e in entries if e.cell and e.cell.evidence][:CAMP_QUOTES_SHOWN]
            quoted_ids = {e.actor.id for e in quoted}
            rest = [e.actor.name for e in entries if e.actor.id not in quoted_ids]
            sides.append({
                "position": position, "label": issue.label(position), "count": len(entries), "quoted": quoted,
                "rest": rest[:CAMP_NAMES_SHOWN], "rest_more": max(0, len(rest) - CAMP_NAMES_SHOWN),
            })
        taken = len(camps.support) + len(camps.oppose)
        total = taken + len(camps.undeclared)
        views.append({
            "issue": issue,
            "sides": sides,
            "undeclared": len(camps.undeclared),
            "undecided": [e for e in camps.undeclared if e.cell is not None],
            "support_pct": round(100 * len(camps.support) / total, 1) if total else 0,
            "oppose_pct": round(100 * len(camps.oppose) / total, 1) if total else 0,
        })
    return views


def new_documents(session: Session, start: datetime, until: datetime) -> tuple[int, list[dict[str, Any]]]:
    """Documents published in the week (first collected, where the date is unknown): how many, the latest ones.

    The publication date, not the crawl date, decides: a new source's back catalogue, crawled for the first time
    this week, is not news, and a briefing re-rendered later includes what was published in its week.
    """
    when = func.coalesce(Document.published_at, Document.first_seen_at)
    window = and_(when >= start, when <= until)
    count = session.scalar(select(func.count()).select_from(Document).where(window)) or 0
    rows = session.execute(
        select(Document.title, Document.url, Document.published_at, Document.first_seen_at, Actor.name)
        .outerjoin(Actor, Actor.id == Document.actor_id)
        .where(window)
        .order_by(when.desc(), Document.id)
        .limit(NEW_DOCUMENTS_SHOWN)
    ).all()
    docs = [
        {"title": title or url, "url": url, "date": published or seen, "actor": actor or "unknown author"}
        for title, url, published, seen, actor in rows
    ]
    return count, docs


def new_stances(session: Session, start: datetime, until: datetime) -> int:
    """Stances stated in the week (coded then, where the date is unknown): two index ranges, not a full scan."""
    dated = and_(Stance.stated_at >= start, Stance.stated_at <= until)
    undated = and_(Stance.stated_at.is_(None), Stance.created_at >= start, Stance.created_at <= until)
    return sum(session.scalar(select(func.count()).select_from(Stance).where(w)) or 0 for w in (dated, undated))


def source_health(session: Session, start: datetime, as_of: datetime) -> dict[str, Any]:
    """Failed, suspicious and stale sources at as_of (when the briefing is written), from the crawl outcomes.

    Counts the crawl runs from the week's start to as_of.
    """
    latest_ids = (
        select(func.max(CrawlRunSource.id))
        .where(CrawlRunSource.started_at <= as_of)
        .group_by(CrawlRunSource.source_id)
    )
    outcomes = session.scalars(select(CrawlRunSource).where(CrawlRunSource.id.in_(latest_ids)))
    latest = {row.source_id: row for row in outcomes}
    last_ok = {
        source_id: at
        for source_id, at in session.execute(
            select(CrawlRunSource.source_id, func.max(CrawlRunSource.finished_at))
            .where(CrawlRunSource.status == "ok", CrawlRunSource.started_at <= as_of)
            .group_by(CrawlRunSource.source_id)
        )
    }
    failed, suspicious, stale = [], [], []
    sources = session.execute(
        select(Source, Actor.name).join(Actor, Actor.id == Source.actor_id)
        .where(Source.enabled.is_(True), Source.active.is_(True)).order_by(Source.slug)
    ).all()
    for source, actor_name in sources:
        outcome = latest.get(source.id)
        entry = {"slug": source.slug, "actor": actor_name, "url": source.url, "last_ok": last_ok.get(source.id),
                 "message": outcome.message if outcome else None, "at": outcome.started_at if outcome else None}
        limit = timedelta(hours=max(MIN_STALE_HOURS, STALE_FACTOR * source.frequency_hours))
        if outcome is not None and outcome.status == "failed":
            failed.append(entry)
        elif outcome is not None and (outcome.suspicious or outcome.status == "suspicious"):
            suspicious.append(entry)
        elif entry["last_ok"] is None or as_of - entry["last_ok"] > limit:
            stale.append(entry)
    runs = session.scalar(
        select(func.count()).select_from(CrawlRun).where(CrawlRun.started_at >= start, CrawlRun.started_at <= as_of)
    ) or 0
    return {"failed": failed, "suspicious": suspicious, "stale": stale, "runs": runs,
            "trouble": len(failed) + len(suspicious) + len(stale)}


def sample_data(session: Session) -> dict[str, int] | None:
    """How many documents come from sources flagged as sample data (``options.sample``, as the demo's are), and
    from how many such sources; None when none does. The briefing marks every page of a sample-based briefing."""
    counts = dict(session.execute(
        select(Document.source_id, func.count(Document.id)).where(Document.source_id.is_not(None))
        .group_by(Document.source_id)
    ).all())
    options = session.execute(select(Source.id, Source.options).where(Source.id.in_(list(counts)))).all()
    flagged = [counts[i] for i, opts in options if isinstance(opts, dict) and opts.get("sample") is True]
    return {"sources": len(flagged), "documents": sum(flagged)} if flagged else None


def methods_note(session: Session, coder: str | None = None) -> dict[str, Any]:
    """Codebook version(s) and the measured score of the coder whose stances the briefing counts (default: the
    configured one): its latest evaluation on the held-out test split in the store, else the one shipped with the
    package, else its latest evaluation of any gold file. Another coder's score is never quoted for it."""
    from igtracker.analysis.positions import configured_coder
    from igtracker.coding.evaluate import published_measurement

    coder = coder or configured_coder()
    versions = sorted(v for v in session.scalars(select(Issue.codebook_version).distinct()) if v)
    runs = session.scalars(
        select(JobRun).where(JobRun.job == "eval").order_by(func.coalesce(JobRun.finished_at, JobRun.started_at).desc())
    )
    measured = [run.details for run in runs
                if isinstance(run.details, dict) and isinstance(run.details.get("macro_f1"), int | float)
                and run.details.get("coder") == coder]
    score = (next((m for m in measured if m.get("split") == "test"), None) or published_measurement(coder)
             or (measured[0] if measured else None))
    return {"codebook_versions": versions, "coder": coder, "score": score,
            "macro_f1": score["macro_f1"] if score else None,
            "measured_at": score.get("measured_at") if score else None}


def _names(items: Iterable[str], limit: int = 3, sep: str = ", ") -> str:
    items = list(items)
    shown = sep.join(items[:limit])
    return f"{shown} and {len(items) - limit} more" if len(items) > limit else shown


def summarise(analysis: CoalitionAnalysis, shifts: Shifts, docs: int, stances: int,
              health: dict[str, Any]) -> list[str]:
    """The 30-second summary: the coalition picture, what moved, how much is new, and whether to trust it."""
    points = []
    positioned = len(analysis.matrix.positioned_actors())
    if analysis.coalitions:
        top = analysis.coalitions[0]
        points.append(
            f"{len(analysis.coalitions)} coalitions among {positioned} actors taking sides; the largest "
            f"({top.size} members) stands {top.label}."
        )
    else:
        points.append(f"No coalitions yet: {positioned} actors take a side on any issue.")
    issues = analysis.matrix.issues
    switched = [c for c in shifts.changed if c.switched]
    softened = len(shifts.changed) - len(switched)
    if switched:
        moves = [f"{clip(c.actor.name, NAME_CHARS)} moved from “{issues[c.issue_id].label(c.before or '')}” to "
                 f"“{issues[c.issue_id].label(c.after or '')}”" for c in switched]
        points.append(f"{len(moves)} actor{'s' if len(moves) != 1 else ''} switched sides: {_names(moves, sep='; ')}.")
    if softened:
        points.append(f"{'No actor switched sides; ' if not switched else ''}{softened} position"
                      f"{'s' if softened != 1 else ''} moved to or from a mixed or neutral stance.")
    if not shifts.changed:
        points.append("No actor changed sides this week.")
    if shifts.new_actors:
        points.append(f"New to the dispute: {_names(clip(a.name, NAME_CHARS) for a in shifts.new_actors)}.")
    for change in shifts.coalition_changes:
        if change.kind == "split":
            points.append(f"The coalition “{change.before[0]}” split into {len(change.after)}.")
        else:
            points.append(f"{len(change.before)} coalitions merged into one: “{change.after[0]}”.")
    if docs or stances:
        points.append(f"{docs} new document{'s' if docs != 1 else ''} and {stances} new coded "
                      f"statement{'s' if stances != 1 else ''} this week.")
    else:
        points.append("No new documents or statements this week: the picture is carried over from earlier weeks.")
    if health["trouble"]:
        points.append(f"Source health: {len(health['failed'])} failed, {len(health['suspicious'])} suspicious, "
                      f"{len(health['stale'])} stale source(s); coverage of their actors may lag.")
    return points


def build_context(session: Session, week: str, now: datetime | None = None) -> dict[str, Any]:
    """Everything the briefing shows for an ISO week, as of the end of that week (or now, for the current week)."""
    start, end = parse_week(week)
    now = now or datetime.now(UTC)
    if start > now:
        raise BriefingError(f"week {week} has not started yet; pick a past or the current week")
    as_of = min(end - timedelta(microseconds=1), now)
    current, previous = week_pair(session, as_of)
    shifts = compare(previous, current)
    doc_count, docs = new_documents(session, start, as_of)
    stance_count = new_stances(session, start, as_of)
    health = source_health(session, start, now)  # the crawler's state when the briefing is written
    summary = summarise(current, shifts, doc_count, stance_count, health)
    return {
        "week": week,
        "start": start,
        "end": end - timedelta(days=1),
        "as_of": as_of,
        "generated_at": now,
        "analysis": current,
        "shifts": shifts,
        "changes_shown": CHANGES_SHOWN,
        "undecided_shown": UNDECIDED_SHOWN,
        "issues": current.matrix.issues,
        "summary": summary,
        "has_new_data": bool(doc_count or stance_count),
        "map": coalition_map(current),
        "heat": heat_map(current),
        "heat_width": min(100, 40 + 12 * len(current.matrix.issues)),
        "short_headers": len(current.matrix.issues) > SPELLED_OUT_ISSUES,
        "bloc_rows": bloc_rows(current),
        "camps": camp_views(current),
        "documents": docs,
        "document_count": doc_count,
        "stance_count": stance_count,
        "health": health,
        "methods": methods_note(session),
        "sample": sample_data(session),
    }


# Rendering -------------------------------------------------------------------------------------------------------


def _date(value: datetime | None, fmt: str = "%d %b %Y") -> str:
    return value.strftime(fmt).lstrip("0") if value else "\u2014"


def web_link(url: str | None) -> str | None:
    """A crawled URL fit for an href: only http(s); ``javascript:`` and other schemes would run or mislead."""
    if not url:
        return None
    cleaned = url.strip()
    return cleaned if urlsplit(cleaned).scheme.lower() in ("http", "https") else None


def template_environment() -> Environment:
    """Jinja2 over reports/templates with autoescape on for every template, whatever its extension."""
    env = Environment(loader=PackageLoader("igtracker.reports", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["date"] = _date
    env.filters["web_link"] = web_link
    env.filters["clip"] = clip  # crawled text is clipped where shown; the store keeps it whole
    env.filters["glosses"] = codebook_glosses
    env.globals.update(name_chars=NAME_CHARS, message_chars=MESSAGE_CHARS)
    stylesheet = resources.files("igtracker.reports").joinpath("static/briefing.css")
    env.globals["stylesheet"] = Markup(stylesheet.read_text("utf-8"))
    return env


def render_html(context: dict[str, Any], env: Environment | None = None, *, for_print: bool = False) -> str:
    """The briefing page. ``for_print`` leaves out hover tooltips (nobody hovers over paper), which halves the
    HTML WeasyPrint has to parse for a large heat map."""
    template = (env or template_environment()).get_template("briefing.html.j2")
    return template.render(**context, for_print=for_print)


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the briefing loads no external resources (refused {url[:80]})")


class _NoFontSubsetNotice(logging.Filter):
    """Drop WeasyPrint's notice that fonts are subset with fontTools where HarfBuzz-Subset is missing (harmless)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "HarfBuzz-Subset" not in record.getMessage()


def render_pdf(html: str, path: Path) -> None:
    """Print the HTML with WeasyPrint; page size, margins and the footer come from the stylesheet's @page rules."""
    from weasyprint import HTML  # imported late: loading Pango takes a moment and HTML-only runs skip it

    weasy_log = logging.getLogger("weasyprint")
    if not any(isinstance(f, _NoFontSubsetNotice) for f in weasy_log.filters):
        weasy_log.addFilter(_NoFontSubsetNotice())
    HTML(string=html, url_fetcher=_no_fetch).write_pdf(path)


def _write_atomically(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the archive is meant to be served and shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_index(session: Session, out_dir: Path, env: Environment | None = None) -> Path:
    """OUT/index.html listing every briefing in the archive folder, newest first."""
    recorded = {b.week: b for b in session.scalars(select(Briefing))}
    entries = []
    for folder in sorted(out_dir.iterdir(), reverse=True) if out_dir.exists() else []:
        if not (folder.is_dir() and WEEK_PATTERN.match(folder.name)):
            continue
        html, pdf = folder / "briefing.html", folder / "briefing.pdf"
        if not (html.exists() or pdf.exists()):
            continue
        row = recorded.get(folder.name)
        start, end = parse_week(folder.name)
        entries.append({
            "week": folder.name, "start": start, "end": end - timedelta(days=1),
            "html": f"{folder.name}/briefing.html" if html.exists() else None,
            "pdf": f"{folder.name}/briefing.pdf" if pdf.exists() else None,
            "headline": (row.summary or {}).get("headline") if row else None,
            "generated_at": row.generated_at if row else None,
        })
    page = (env or template_environment()).get_template("index.html.j2").render(
        entries=entries, generated_at=datetime.now(UTC)
    )
    path = out_dir / "index.html"
    _write_atomically(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return path


def _record(session: Session, week: str, html_path: Path | None, pdf_path: Path | None,
            summary: dict[str, Any]) -> None:
    row = session.scalar(select(Briefing).where(Briefing.week == week)) or Briefing(week=week)
    row.generated_at = datetime.now(UTC)
    row.html_path = str(html_path) if html_path else None
    row.pdf_path = str(pdf_path) if pdf_path else None
    row.summary = summary
    session.add(row)
    session.flush()


def _render(session: Session, week: str, formats: tuple[str, ...], out_dir: Path,
            now: datetime | None) -> BriefingResult:
    context = build_context(session, week, now)
    env = template_environment()
    folder = out_dir / week
    html_path = pdf_path = None
    if "html" in formats:
        html_path = folder / "briefing.html"
        html = render_html(context, env)
        _write_atomically(html_path, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    if "pdf" in formats:
        pdf_path = folder / "briefing.pdf"
        printable = render_html(context, env, for_print=True)
        _write_atomically(pdf_path, lambda tmp: render_pdf(printable, tmp))
    summary = {
        "headline": context["summary"][0],
        "points": context["summary"],
        "as_of": context["as_of"].isoformat(),
        "coalitions": len(context["analysis"].coalitions),
        "position_changes": len(context["shifts"].changed),
        "new_actors": len(context["shifts"].new_actors),
        "new_documents": context["document_count"],
        "new_statements": context["stance_count"],
        "has_new_data": context["has_new_data"],
    }
    _record(session, week, html_path, pdf_path, summary)
    index_path = write_index(session, out_dir, env)
    return BriefingResult(week, html_path, pdf_path, index_path, summary)


def render_briefing(engine_or_session: Engine | Session, week: str | None = None,
                    formats: Iterable[str] = FORMATS, out_dir: Path | None = None,
                    settings: Settings | None = None, now: datetime | None = None) -> BriefingResult:
    """Render the briefing for an ISO week (default: the last complete week) into OUT/<week>/.

    With an engine the briefing row and the coalition snapshot are committed here; with a session the caller
    commits. ``out_dir`` defaults to the reports_dir setting.
    """
    formats = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise BriefingError(f"unknown format(s) {', '.join(unknown) or '(none)'}; use html, pdf or html,pdf")
    week = week or last_complete_week(now)
    parse_week(week)
    out_dir = Path(out_dir or (settings or get_settings()).reports_dir)
    if isinstance(engine_or_session, Session):
        return _render(engine_or_session, week, formats, out_dir, now)
    with session_scope(engine_or_session) as session:
        return _render(session, week, formats, out_dir, now)


def has_records_before(session: Session, moment: datetime) -> bool:
    """Whether the store holds anything dated before `moment`: a document, a crawl run or a stance.

    `tracker report` refuses a week that ends before all of them: its briefing could only be empty.
    """
    document = select(Document.id).where(func.coalesce(Document.published_at, Document.first_seen_at) < moment)
    crawl = select(CrawlRun.id).where(CrawlRun.started_at < moment)
    stance = select(Stance.id).where(func.coalesce(Stance.stated_at, Stance.created_at) < moment)
    return any(session.scalar(query.limit(1)) is not None for query in (document, crawl, stance))
