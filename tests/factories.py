"""Builders for realistic stores: actors, blocs, issues, sources, documents, stances, crawl runs and job runs.

Everything goes through the ORM so tests exercise the real schema on SQLite and PostgreSQL. ``StoreBuilder`` makes
single records with sensible defaults; ``build_dispute`` fills a store with a small but realistic picture of the
Internet-governance dispute (three camps, a swing state that changes sides, an actor new this week, untrusted
text, crawl trouble) whose expected analysis the tests know.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from igtracker.models import (
    Actor,
    Bloc,
    CrawlRun,
    CrawlRunSource,
    Document,
    Issue,
    JobRun,
    Source,
    Stance,
)

CODEBOOK_VERSION = "2026.3"
ISSUES = {
    "control": (
        "Intergovernmental control",
        "for intergovernmental control",
        "for multistakeholder governance",
    ),
    "surveillance": (
        "Lawful access and surveillance",
        "for lawful access to encrypted data",
        "for strong encryption",
    ),
    "taxation": (
        "Digital services taxation",
        "for digital services taxes",
        "against digital services taxes",
    ),
}


class StoreBuilder:
    """Creates records with defaults a test rarely cares about; every method flushes and returns the record."""

    def __init__(self, session: Session, now: datetime | None = None) -> None:
        self.session = session
        self.now = now or datetime.now(UTC)
        self._counter = 0

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    def _add(self, record: Any) -> Any:
        self.session.add(record)
        self.session.flush()
        return record

    def issue(self, issue_id: str, name: str | None = None, support_label: str | None = None,
              oppose_label: str | None = None, codebook_version: str = CODEBOOK_VERSION) -> Issue:
        default = ISSUES.get(issue_id, (issue_id.title(), None, None))
        return self._add(Issue(
            id=issue_id, name=name or default[0], definition=f"Positions on {(name or default[0]).lower()}.",
            support_label=support_label or default[1], oppose_label=oppose_label or default[2],
            codebook_version=codebook_version,
        ))

    def issues(self) -> dict[str, Issue]:
        return {issue_id: self.issue(issue_id) for issue_id in ISSUES}

    def bloc(self, slug: str, name: str | None = None) -> Bloc:
        return self._add(Bloc(slug=slug, name=name or slug.upper(), aliases=[]))

    def actor(self, slug: str, name: str | None = None, kind: str = "ngo", country: str | None = None,
              blocs: list[Bloc] | None = None, active: bool = True) -> Actor:
        return self._add(Actor(
            slug=slug, name=name or slug.replace("-", " ").title(), kind=kind, country=country, aliases=[],
            active=active, blocs=list(blocs or []), homepage=f"https://{slug}.example/",
        ))

    def source(self, actor: Actor, slug: str | None = None, kind: str = "feed", frequency_hours: float = 24.0,
               enabled: bool = True) -> Source:
        slug = slug or f"{actor.slug}-news"
        return self._add(Source(
            slug=slug, actor_id=actor.id, kind=kind, url=f"https://{actor.slug}.example/{slug}.xml",
            allowed_domains=[f"{actor.slug}.example"], frequency_hours=frequency_hours, enabled=enabled,
        ))

    def document(self, actor: Actor, title: str, text: str = "", published_at: datetime | None = None,
                 first_seen_at: datetime | None = None, source: Source | None = None) -> Document:
        n = self._next()
        url = f"https://{actor.slug}.example/documents/{n}"
        published_at = published_at or self.now
        first_seen_at = first_seen_at or published_at
        return self._add(Document(
            canonical_url=url, url=url, source_id=source.id if source else None, actor_id=actor.id, title=title,
            published_at=published_at, fetched_at=first_seen_at, first_seen_at=first_seen_at, language="en",
            media_type="text/html", content_hash=hashlib.sha256(f"{url}{text}".encode()).hexdigest(),
            text=text or title,
        ))

    def stance(self, actor: Actor, issue: str, position: str, *, evidence: str | None = None,
               stated_at: datetime | None = None, confidence: float = 0.8, coder_kind: str = "rule",
               review_status: str = "pending", document: Document | None = None, url: str | None = None,
               created_at: datetime | None = None, superseded_at: datetime | None = None) -> Stance:
        score = {"support": 1.0, "oppose": -1.0}.get(position, 0.0) * confidence
        return self._add(Stance(
            actor_id=actor.id, issue_id=issue, position=position, score=score, confidence=confidence,
            evidence=evidence, document_id=document.id if document else None,
            url=url or (document.url if document else None), stated_at=stated_at, coder_kind=coder_kind,
            coder="analyst:test" if coder_kind == "analyst" else "ensemble", codebook_version=CODEBOOK_VERSION,
            review_status=review_status, created_at=created_at or stated_at or self.now,
            superseded_at=superseded_at,
        ))

    def crawl(self, started_at: datetime, outcomes: dict[Source, dict[str, Any]], status: str = "ok") -> CrawlRun:
        """A finished crawl run with one row per source (keyword overrides for status, counts, suspicious)."""
        run = CrawlRun(started_at=started_at, finished_at=started_at + timedelta(minutes=20), status=status,
                       trigger="test")
        for source, values in outcomes.items():
            run.sources.append(CrawlRunSource(
                source_id=source.id, started_at=started_at, finished_at=started_at + timedelta(minutes=5),
                **{"status": "ok", "pages_fetched": 5, **values},
            ))
        return self._add(run)

    def eval_run(self, macro_f1: float, finished_at: datetime | None = None, coder: str = "ensemble") -> JobRun:
        at = finished_at or self.now
        return self._add(JobRun(job="eval", started_at=at - timedelta(minutes=2), finished_at=at, status="ok",
                                trigger="test", details={"macro_f1": macro_f1, "n": 120, "coder": coder,
                                                         "split": "test", "gold_file": "test.jsonl",
                                                         "measured_at": at.date().isoformat()}))


# Camps of the fictional but realistic dispute: (slug, name, kind, country, blocs, control, surveillance, taxation)
SOVEREIGNTISTS = [
    ("russia", "Russia", "state", "RUS", ["brics"], "support", "support", "support"),
    ("china", "China", "state", "CHN", ["brics"], "support", "support", "support"),
    ("iran", "Iran", "state", "IRN", ["brics"], "support", "support", None),
    ("saudi-arabia", "Saudi Arabia", "state", "SAU", ["arab-group"], "support", "support", "support"),
    ("united-arab-emirates", "United Arab Emirates", "state", "ARE", ["arab-group", "brics"], "support", "support",
     None),
    ("egypt", "Egypt", "state", "EGY", ["arab-group", "brics"], "support", "support", "support"),
    ("cuba", "Cuba", "state", "CUB", [], "support", "support", "support"),
    ("belarus", "Belarus", "state", "BLR", [], "support", "support", None),
]
MULTISTAKEHOLDER = [
    ("united-states", "United States", "state", "USA", [], "oppose", "oppose", "oppose"),
    ("japan", "Japan", "state", "JPN", [], "oppose", "oppose", "oppose"),
    ("australia", "Australia", "state", "AUS", [], "oppose", "oppose", "oppose"),
    ("canada", "Canada", "state", "CAN", [], "oppose", "oppose", "oppose"),
    ("icann", "ICANN", "technical", None, [], "oppose", "oppose", None),
    ("internet-society", "Internet Society", "technical", None, [], "oppose", "oppose", None),
    ("google", "Google", "firm", "USA", [], "oppose", "oppose", "oppose"),
    ("meta", "Meta Platforms", "firm", "USA", [], "oppose", "oppose", "oppose"),
    ("microsoft", "Microsoft", "firm", "USA", [], "oppose", "oppose", "oppose"),
    ("eff", "Electronic Frontier Foundation", "ngo", "USA", [], "oppose", "oppose", "oppose"),
    ("access-now", "Access Now", "ngo", None, [], "oppose", "oppose", "oppose"),
]
EUROPEANS = [
    ("france", "France", "state", "FRA", ["eu"], "oppose", "support", "support"),
    ("germany", "Germany", "state", "DEU", ["eu"], "oppose", "support", "support"),
    ("spain", "Spain", "state", "ESP", ["eu"], "oppose", "support", "support"),
    ("italy", "Italy", "state", "ITA", ["eu"], "oppose", "support", "support"),
    ("netherlands", "Netherlands", "state", "NLD", ["eu"], "oppose", "oppose", "support"),
    ("european-commission", "European Commission", "igo", None, ["eu"], "oppose", "support", "support"),
    ("tax-justice-network", "Tax Justice Network", "ngo", None, [], None, None, "support"),
]
SWING = [
    # Brazil sided with the multistakeholder camp and turns towards intergovernmental control this week.
    ("brazil", "Brazil", "state", "BRA", ["brics"], "oppose", "oppose", "support"),
    ("india", "India", "state", "IND", ["brics"], "support", "oppose", "support"),
    ("south-africa", "South Africa", "state", "ZAF", ["brics"], "support", "oppose", "support"),
    ("itu", "International Telecommunication Union", "igo", "CHE", [], "support", None, None),
]
HOSTILE_QUOTE = 'We back <script>alert("x")</script> and <img src=x onerror=alert(1)> oversight by the ITU.'


@dataclass
class Dispute:
    """What ``build_dispute`` created, for assertions."""

    now: datetime
    week: str
    week_start: datetime
    actors: dict[str, Actor]
    blocs: dict[str, Bloc]
    sources: dict[str, Source]
    new_documents: list[Document] = field(default_factory=list)
    mover: str = "brazil"
    newcomer: str = "kenya"
    hostile: str = "cuba"
    failed_source: str = "belarus-news"
    suspicious_source: str = "egypt-news"
    stale_source: str = "japan-news"

    @property
    def positioned(self) -> int:
        return len(SOVEREIGNTISTS) + len(MULTISTAKEHOLDER) + len(EUROPEANS) + len(SWING) + 1  # + the newcomer


def _quote(name: str, issue: str, position: str, n: int) -> str:
    label = dict(zip(("support", "oppose"), ISSUES[issue][1:], strict=True))[position]
    return f"{name} statement {n}: the delegation spoke {label} in the plenary on {ISSUES[issue][0].lower()}."


def build_dispute(session: Session, now: datetime | None = None, with_eval: bool = True) -> Dispute:
    """A realistic store in the week containing ``now`` (default: Thursday of 2026-W46), committed."""
    now = now or datetime(2026, 11, 12, 12, 0, tzinfo=UTC)
    year, week, weekday = now.isocalendar()
    week_start = (now - timedelta(days=weekday - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    b = StoreBuilder(session, now)
    b.issues()
    blocs = {
        "eu": b.bloc("eu", "European Union"),
        "brics": b.bloc("brics", "BRICS"),
        "arab-group": b.bloc("arab-group", "Arab Group"),
    }
    dispute = Dispute(now=now, week=f"{year}-W{week:02d}", week_start=week_start, actors={}, blocs=blocs, sources={})
    issues = ("control", "surveillance", "taxation")
    for rows in (SOVEREIGNTISTS, MULTISTAKEHOLDER, EUROPEANS, SWING):
        for slug, name, kind, country, bloc_slugs, *positions in rows:
            actor = b.actor(slug, name, kind, country, [blocs[s] for s in bloc_slugs])
            dispute.actors[slug] = actor
            source = dispute.sources[f"{slug}-news"] = b.source(actor)
            for n, (issue, position) in enumerate(zip(issues, positions, strict=True)):
                if position is None:
                    continue
                # Two statements over past months, in old documents first seen long ago.
                for age_days in (200 + 7 * n, 40 + 3 * n):
                    stated = week_start - timedelta(days=age_days)
                    doc = b.document(actor, f"{name} on {ISSUES[issue][0].lower()}", stated.isoformat(),
                                     published_at=stated, source=source)
                    b.stance(actor, issue, position, evidence=_quote(name, issue, position, age_days),
                             stated_at=stated, confidence=0.7 + 0.02 * n, document=doc)
    a = dispute.actors
    # Neutral remarks are not positions, rejected codings do not count.
    b.stance(a["canada"], "taxation", "neutral", evidence="Canada will study the question.",
             stated_at=week_start - timedelta(days=20))
    b.stance(a["japan"], "control", "support", evidence="Misread sarcasm about ITU control.",
             stated_at=week_start - timedelta(days=10), review_status="rejected", confidence=0.99)
    # An analyst settles India on surveillance (overriding the machine's 'oppose').
    b.stance(a["india"], "surveillance", "support", evidence="India's submission backs lawful access (analyst).",
             stated_at=week_start - timedelta(days=30), coder_kind="analyst", review_status="confirmed")

    # This week: new documents, Brazil's change of side, a newcomer, and an untrusted quote.
    def this_week(actor: Actor, title: str, days: int) -> Document:
        doc = b.document(actor, title, title, published_at=week_start + timedelta(days=days, hours=9),
                         source=dispute.sources.get(f"{actor.slug}-news"))
        dispute.new_documents.append(doc)
        return doc

    doc = this_week(a["brazil"], "Brazil's contribution to the WSIS+20 review", 1)
    b.stance(a["brazil"], "control", "support", stated_at=doc.published_at, confidence=0.95, document=doc,
             evidence="Brazil now calls for a stronger intergovernmental role in Internet public policy.")
    b.stance(a["brazil"], "control", "support", coder_kind="analyst", review_status="confirmed",
             evidence="Analyst: Brazil's WSIS+20 contribution endorses intergovernmental oversight.",
             stated_at=doc.published_at, document=doc)
    kenya = a["kenya"] = b.actor("kenya", "Kenya", "state", "KEN")
    dispute.sources["kenya-news"] = b.source(kenya)
    doc = this_week(kenya, "Kenya statement at the ITU Council", 2)
    for issue, position in (("control", "oppose"), ("surveillance", "oppose"), ("taxation", "support")):
        b.stance(kenya, issue, position, stated_at=doc.published_at, document=doc,
                 evidence=f"Kenya speaks {ISSUES[issue][1 if position == 'support' else 2]}.")
    doc = this_week(a["cuba"], "Cuba <b>statement</b> on ITU oversight", 2)
    doc.url = "javascript:alert('as fetched')"  # a hostile link must not become a clickable href
    b.stance(a["cuba"], "control", "support", stated_at=doc.published_at, document=doc, evidence=HOSTILE_QUOTE,
             confidence=0.99, review_status="confirmed")
    this_week(a["google"], "Google blog: keeping the Internet open", 3)
    # An inactive actor (removed from the registry) and one that never spoke.
    b.actor("old-forum", "Defunct Forum", "ngo", active=False)
    b.actor("quiet-ngo", "Quiet NGO", "ngo")

    # Source health: Belarus fails, Egypt's feed went silent (suspicious), Japan's has not run for 10 days.
    s = dispute.sources
    fine = {src: {"documents_new": 1} for slug, src in s.items()
            if slug not in (dispute.failed_source, dispute.suspicious_source, dispute.stale_source)}
    b.crawl(week_start - timedelta(days=10), {s[dispute.stale_source]: {}})
    for day in range(1, 7):  # a daily crawl
        b.crawl(week_start + timedelta(days=day, hours=5), {
            **fine,
            s[dispute.failed_source]: {"status": "failed", "errors_count": 3, "pages_fetched": 0,
                                       "message": "HTTP 503 on https://belarus.example/belarus-news.xml"},
            s[dispute.suspicious_source]: {"status": "suspicious", "suspicious": True, "pages_fetched": 1},
        }, status="partial")
    if with_eval:
        b.eval_run(0.812, now - timedelta(days=20))
    session.commit()
    return dispute


LONG_TOKEN = "W" * 100_000  # one crawled "word" with no break opportunity


def add_hostile_text(session: Session, dispute: Dispute) -> dict[str, str]:
    """Crawled text that once stalled the PDF and overflowed the page: a 100,000-character title, a 300-character
    actor name, a 50,000-character quote and error message without a space, ANSI escapes in a name. Committed."""
    b = StoreBuilder(session, dispute.now)
    hostile = {
        "title": LONG_TOKEN,
        "name": "Delegation" + "X" * 290,  # the column's 300: PostgreSQL refuses more
        "quote": "Q" * 50_000,
        "message": "E" * 100_000,
        "ansi": "Evil \x1b[31mRed\x1b[0m Corp\x1b]0;pwned\x07",
    }
    speaker = b.actor("long-name", hostile["name"], "ngo")
    ansi = b.actor("ansi-corp", hostile["ansi"], "firm")
    doc = b.document(speaker, hostile["title"], "A statement.", published_at=dispute.week_start + timedelta(days=2))
    b.stance(speaker, "control", "oppose", evidence=hostile["quote"], document=doc, confidence=0.99,
             stated_at=doc.published_at)
    b.stance(ansi, "control", "support", evidence="We support it.", stated_at=doc.published_at)
    source = b.source(speaker)
    b.crawl(dispute.week_start + timedelta(days=3), {source: {"status": "failed", "message": hostile["message"],
                                                            "errors_count": 1}}, status="failed")
    session.commit()
    return hostile
