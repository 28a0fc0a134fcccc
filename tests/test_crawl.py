"""Crawling end to end: the real Scrapy engine, in its child process, against fixture sites on 127.0.0.1.

One crawl of every fixture source (and a second, identical one) per backend is shared by the tests that read
what it stored; tests that change a site or kill the crawler get their own store and server.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from igtracker import migrate
from igtracker.config import Settings, load_settings
from igtracker.crawl import CrawlReport, ProgressEvent, run_crawl
from igtracker.db import make_engine, session_factory
from igtracker.errors import NotFoundError
from igtracker.models import Actor, CrawlError, CrawlRun, CrawlRunSource, Document, DocumentVersion, Source
from tests.conftest import BACKENDS, fresh_database
from tests.sites import FEED_ITEMS, FixtureSite

LOCAL = ["127.0.0.1"]


def add_slow_listing(engine: Engine, site: FixtureSite) -> None:
    """The source `slow`: a listing whose documents answer slowly, for tests that stop a crawl mid-way."""
    with session_factory(engine)() as session:
        actor = Actor(slug="council", name="Council", kind="igo")
        session.add(actor)
        session.flush()
        add_source(session, site, "slow", actor, "listing", "/slow/index.html", item_links="a.doc")
        session.commit()


def crawl_settings(database_url: str, **overrides: object) -> Settings:
    """Fast, local settings: no throttling or delay, a 3 s timeout, one retry, a 500 kB size limit (a local page
    answers in milliseconds; 3 s leaves room for a machine busy with the rest of the suite)."""
    values: dict[str, object] = dict(
        database_url=database_url, allow_private_addresses=True, autothrottle=False, download_delay=0,
        download_timeout=3.0, retry_times=1, max_page_bytes=500_000, concurrent_per_domain=8, crawl_time_limit=120,
    )
    values.update(overrides)
    return load_settings(**values)


def add_source(session: Session, site: FixtureSite, slug: str, actor: Actor, kind: str, path: str,
               **options: object) -> Source:
    source = Source(slug=slug, actor_id=actor.id, kind=kind, url=site.url(path), allowed_domains=LOCAL,
                    options=dict(options), frequency_hours=24)
    session.add(source)
    return source


def seed_world(session: Session, site: FixtureSite) -> None:
    """Registry actors (the ITU, ICANN, France, China, ISOC) and one source per fixture case."""
    itu = Actor(slug="itu", name="International Telecommunication Union", kind="igo", aliases=["ITU"])
    icann = Actor(slug="icann", name="ICANN", kind="technical")
    france = Actor(slug="france", name="France", kind="state", country="FRA")
    china = Actor(slug="china", name="China", kind="state", country="CHN")
    isoc = Actor(slug="isoc", name="ISOC", kind="ngo", aliases=["Internet Society"])
    session.add_all([itu, icann, france, china, isoc])
    session.flush()
    add_source(session, site, "news", itu, "feed", "/news/feed.xml")
    add_source(session, site, "sitemap", france, "sitemap", "/sitemap.xml", url_pattern=r"/pages/p\d")
    add_source(session, site, "listing", france, "listing", "/listing/page1.html", item_links="a.statement",
               next_page="a.next")
    add_source(session, site, "itu-cwg", itu, "itu_contributions", "/itu/contributions.html")
    add_source(session, site, "icann-pc", icann, "icann_proceeding", "/icann/proceeding.html")
    add_source(session, site, "paper", france, "document", "/docs/position-paper.pdf")
    add_source(session, site, "legacy", france, "document", "/legacy/koi8.html")
    add_source(session, site, "bad-404", france, "document", "/missing.html")
    add_source(session, site, "bad-flaky", france, "document", "/bad/flaky")
    add_source(session, site, "bad-slow", france, "document", "/bad/slow")
    add_source(session, site, "bad-feed", france, "feed", "/feeds/malformed.xml")
    add_source(session, site, "bad-huge", france, "document", "/bad/huge.html")
    add_source(session, site, "bad-robots", france, "document", "/private/secret.html")
    add_source(session, site, "bad-loop", france, "document", "/bad/loop")
    disabled = add_source(session, site, "disabled", france, "document", "/docs/position-paper.pdf")
    disabled.enabled = False
    session.commit()


# Fixtures ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(site_root: Path) -> Iterator[FixtureSite]:
    with FixtureSite(site_root, slow_seconds=8.0) as server:
        yield server


@dataclass
class World:
    """The shared store after two identical crawls of every fixture source."""

    engine: Engine
    site: FixtureSite
    first: CrawlReport
    second: CrawlReport
    events: list[ProgressEvent]
    not_modified_after_first: int
    hits_after_first: Counter[str]

    def session(self) -> Session:
        return session_factory(self.engine)()

    def document(self, session: Session, path: str) -> Document:
        doc = session.scalar(select(Document).where(Document.canonical_url == self.site.url(path)))
        assert doc is not None, f"{path} was not stored"
        return doc


@pytest.fixture(scope="module", params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A module-wide empty database per backend (the conftest's is per test)."""
    with fresh_database(request.param, tmp_path_factory.mktemp("store")) as url:
        yield url


@pytest.fixture(scope="module")
def world(store_url: str, site: FixtureSite) -> Iterator[World]:
    engine = make_engine(store_url)
    migrate.upgrade(engine)
    with session_factory(engine)() as session:
        seed_world(session, site)
    settings = crawl_settings(store_url, contact="analyst@example.org")
    events: list[ProgressEvent] = []
    hits_before, not_modified_before = Counter(site.hits), Counter(site.server.not_modified)
    first = run_crawl(settings, trigger="test", on_progress=events.append)
    hits = Counter(site.hits) - hits_before
    not_modified = sum((site.server.not_modified - not_modified_before).values())
    second = run_crawl(settings, trigger="test")
    yield World(engine, site, first, second, events, not_modified, hits)
    engine.dispose()


# What the first crawl stored -----------------------------------------------------------------------------------


def test_every_enabled_source_is_crawled_and_recorded(world: World) -> None:
    report = world.first
    assert [s.source for s in report.sources] == sorted(
        ["news", "sitemap", "listing", "itu-cwg", "icann-pc", "paper", "legacy", "bad-404", "bad-flaky", "bad-slow",
         "bad-feed", "bad-huge", "bad-robots", "bad-loop"]
    )
    assert report.status == "partial"  # some sources failed, the others were not stopped by them
    with world.session() as session:
        run = session.get(CrawlRun, report.run_id)
        assert run is not None and run.status == "partial" and run.trigger == "test"
        assert run.finished_at is not None and run.finished_at >= run.started_at
        rows = {r.source.slug: r for r in run.sources}
        assert rows["news"].status == "ok" and rows["news"].finished_at is not None
        assert rows["news"].pages_fetched == FEED_ITEMS + 1
        assert rows["news"].documents_new == FEED_ITEMS
        stored = session.scalar(select(func.count()).select_from(Document))
        assert stored == report.totals()["documents_new"]


def test_feed_of_twenty_items(world: World) -> None:
    with world.session() as session:
        docs = session.scalars(select(Document).join(Source).where(Source.slug == "news")).all()
        assert len(docs) == FEED_ITEMS
        assert {d.actor.slug for d in docs} == {"itu"}
        item = world.document(session, "/news/item-07.html")  # linked with ?utm_source=rss
        assert item.title == "News item 7"
        assert item.published_at == datetime(2026, 1, 8, tzinfo=UTC)  # the feed's pubDate, in UTC
        assert "role of governments" in item.text and "Copyright" not in item.text
        assert item.language == "en" and item.media_type == "text/html"
        assert item.etag and item.last_modified and item.version == 1


def test_sitemap_urls_matching_the_pattern(world: World) -> None:
    with world.session() as session:
        urls = session.scalars(select(Document.canonical_url).join(Source).where(Source.slug == "sitemap")).all()
        assert sorted(urls) == [world.site.url(f"/pages/p{n}.html") for n in (1, 2, 3)]
        page = world.document(session, "/pages/p2.html")
        assert page.language == "fr"
        assert page.published_at == datetime(2026, 1, 12, 8, 0, tzinfo=UTC)
    assert world.hits_after_first["/pages/skip-me.html"] == 0


def test_listing_pages_tracking_parameters_and_redirects(world: World) -> None:
    with world.session() as session:
        urls = session.scalars(select(Document.canonical_url).join(Source).where(Source.slug == "listing")).all()
        # s1 is linked twice with different tracking parameters: one document; s2 is stored under its final URL.
        assert sorted(urls) == [world.site.url(f"/listing/s{n}.html") for n in (1, 2, 3, 4)]
        s1 = world.document(session, "/listing/s1.html")
        assert s1.published_at == datetime(2026, 3, 1, 8, 30, tzinfo=UTC)  # 09:30+01:00
        assert s1.title == "Statement 1 on Internet governance"
    assert world.hits_after_first["/listing/s1.html"] == 1
    assert world.first.source("listing").errors == []  # the offsite link is not followed, and not an error


def test_itu_contributions_are_attributed_to_their_submitters(world: World) -> None:
    with world.session() as session:
        russia = world.document(session, "/itu/files/C-001.pdf")  # PDF preferred over the DOCX
        assert russia.actor.kind == "state" and russia.actor.country == "RUS"
        assert russia.actor.in_registry is False
        assert russia.meta["document_number"] == "C-001" and russia.meta["submitter"] == "Russian Federation"
        assert russia.title == "Proposal on the role of governments in Internet public policy"
        assert russia.published_at == datetime(2026, 3, 2, tzinfo=UTC)
        assert "equal role in international Internet governance" in russia.text
        assert russia.media_type == "application/pdf"

        brazil = world.document(session, "/itu/files/C-002.docx")
        assert brazil.actor.country == "BRA" and "open role" in brazil.text

        china = world.document(session, "/itu/files/C-005.pdf")
        assert china.actor.slug == "china"  # "China (People's Republic of)" is the registry's China

        arab_group = world.document(session, "/itu/files/C-003.pdf")
        assert arab_group.actor.name == "Arab Group" and arab_group.actor.kind == "igo"
        assert arab_group.actor.in_registry is False

        joint = world.document(session, "/itu/files/C-006.pdf")
        assert joint.actor.country == "KOR"
        submitters = [session.scalar(select(Actor).where(Actor.slug == s)) for s in joint.meta["submitter_actors"]]
        assert [a.country for a in submitters] == ["KOR", "IRN"]

        itu = session.scalar(select(Actor).where(Actor.slug == "itu"))
        itu_docs = session.scalars(select(Document).join(Source).where(Source.slug == "itu-cwg")).all()
        assert len(itu_docs) == 5 and all(d.actor_id != itu.id for d in itu_docs)
    assert world.hits_after_first["/itu/files/C-001.docx"] == 0
    errors = world.first.source("itu-cwg").errors
    assert errors == [(world.site.url("/itu/files/C-004.pdf"), errors[0][1])]
    assert "corrupt or unreadable PDF" in errors[0][1]


def test_icann_submissions_are_attributed_to_their_organisations(world: World) -> None:
    with world.session() as session:
        isoc = world.document(session, "/icann/submissions/isoc.html")
        assert isoc.actor.slug == "isoc"  # matched by alias
        assert isoc.meta["proceeding"] == "Proposed Amendments to the Registry Agreement"
        assert isoc.meta["submitted_by"] == "Jane Roe"
        registry = world.document(session, "/icann/submissions/example-registry.html")
        assert registry.actor.name == "Example Registry Inc." and registry.actor.kind == "firm"
        assert registry.actor.in_registry is False
        person = world.document(session, "/icann/submissions/alex-smith.html")
        assert person.actor.kind == "individual"
        icann = session.scalar(select(Actor).where(Actor.slug == "icann"))
        assert icann.id not in {isoc.actor_id, registry.actor_id, person.actor_id}


def test_pdf_and_legacy_encoding(world: World) -> None:
    with world.session() as session:
        paper = world.document(session, "/docs/position-paper.pdf")
        assert paper.title == "Position paper on digital taxation" and paper.author == "Ministry of Finance"
        assert "global minimum tax" in paper.text and paper.actor.slug == "france"
        legacy = world.document(session, "/legacy/koi8.html")  # KOI8-R, declared in a <meta> only
        assert "Делегация поддерживает" in legacy.text
        assert legacy.title == "Заявление о суверенитете в Интернете" and legacy.language == "ru"


@pytest.mark.parametrize(
    ("slug", "path", "reason"),
    [
        ("bad-404", "/missing.html", "HTTP 404"),
        ("bad-slow", "/bad/slow", "took longer than 3"),
        ("bad-feed", "/feeds/malformed.xml", "malformed feed"),
        ("bad-huge", "/bad/huge.html", "size limit"),
        ("bad-robots", "/private/secret.html", "robots.txt"),
        ("bad-loop", "/bad/loop-2", "redirect loop"),
    ],
)
def test_bad_cases_fail_their_source_with_a_reason(world: World, slug: str, path: str, reason: str) -> None:
    report = world.first.source(slug)
    assert report.status == "failed" and report.documents == 0 and report.errors_count == 1
    [(url, why)] = report.errors
    assert url == world.site.url(path) and reason in why
    with world.session() as session:
        stored = session.scalars(select(CrawlError).where(CrawlError.run_id == world.first.run_id)).all()
        assert (url, why) in {(e.url, e.reason) for e in stored}


def test_robots_disallowed_page_is_never_fetched(world: World) -> None:
    assert world.site.hits["/private/secret.html"] == 0


def test_the_crawler_identifies_itself_with_a_contact(world: World) -> None:
    agents = world.site.server.user_agents
    assert any(ua.startswith("igtracker/") and "contact: analyst@example.org" in ua for ua in agents)


def test_server_error_succeeds_on_retry(world: World) -> None:
    report = world.first.source("bad-flaky")
    assert report.status == "ok" and report.documents_new == 1 and report.errors == []


def test_progress_events(world: World) -> None:
    kinds = [e.kind for e in world.events]
    assert kinds[0] == "run_started"
    assert kinds.count("document") == world.first.totals()["documents_new"]
    news = [e for e in world.events if e.source == "news"]
    assert sum(e.kind == "document" and e.detail["outcome"] == "new" for e in news) == FEED_ITEMS
    assert sum(e.kind == "page" for e in news) == FEED_ITEMS + 1
    assert kinds.count("source_finished") == len(world.first.sources)
    assert {e.source for e in world.events if e.kind == "error"} >= {"bad-404", "itu-cwg"}


# The second, identical crawl -------------------------------------------------------------------------------------


def test_second_crawl_changes_nothing(world: World) -> None:
    first, second = world.first.totals(), world.second.totals()
    assert second["documents_new"] == 0 and second["documents_changed"] == 0
    assert second["documents_unchanged"] == first["documents_new"]
    assert world.not_modified_after_first == 0
    assert sum(world.site.server.not_modified.values()) > 0  # conditional requests answered with 304
    with world.session() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == first["documents_new"]
        assert session.scalar(select(func.count()).select_from(DocumentVersion)) == 0
        assert set(session.scalars(select(Document.version))) == {1}
        fetched = world.document(session, "/news/item-01.html")
        assert fetched.fetched_at > fetched.first_seen_at  # refreshed, not rewritten


def test_second_crawl_is_not_suspicious(world: World) -> None:
    assert not any(s.suspicious for s in world.second.sources)
    assert world.second.source("news").status == "ok"


# Changes, suspicious sources, crashes ----------------------------------------------------------------------------


def seed_listing(engine: Engine, site: FixtureSite) -> None:
    with session_factory(engine)() as session:
        france = Actor(slug="france", name="France", kind="state", country="FRA")
        session.add(france)
        session.flush()
        add_source(session, site, "listing", france, "listing", "/listing/page1.html", item_links="a.statement",
                   next_page="a.next")
        session.commit()


def test_changed_page_gets_a_new_version_and_an_empty_source_is_suspicious(
    engine: Engine, database_url: str, own_site: FixtureSite
) -> None:
    seed_listing(engine, own_site)
    settings = crawl_settings(database_url)
    first = run_crawl(settings, ["listing"], trigger="test")
    assert first.source("listing").documents_new == 4

    page = own_site.root / "listing" / "s3.html"
    page.write_text(page.read_text().replace("reaffirms its support", "withdraws its support"))
    second = run_crawl(settings, ["listing"], trigger="test").source("listing")
    assert (second.documents_new, second.documents_changed, second.documents_unchanged) == (0, 1, 3)
    with session_factory(engine)() as session:
        doc = session.scalar(select(Document).where(Document.canonical_url == own_site.url("/listing/s3.html")))
        assert doc is not None and doc.version == 2 and "withdraws its support" in doc.text
        [old] = doc.versions
        assert old.version == 1 and "reaffirms its support" in old.text and old.content_hash != doc.content_hash
        assert session.scalar(select(func.count()).select_from(DocumentVersion)) == 1

    (own_site.root / "listing" / "page1.html").write_text("<html><body><p>Site redesigned.</p></body></html>")
    third = run_crawl(settings, ["listing"], trigger="test")
    listing = third.source("listing")
    assert listing.suspicious and listing.status == "suspicious" and listing.documents == 0
    assert third.status == "partial"
    with session_factory(engine)() as session:
        row = session.scalar(select(CrawlRunSource).where(CrawlRunSource.run_id == third.run_id))
        assert row is not None and row.suspicious and row.status == "suspicious"


def test_killed_crawler_leaves_a_consistent_store_and_a_rerun_completes_it(
    engine: Engine, database_url: str, own_site: FixtureSite
) -> None:
    add_slow_listing(engine, own_site)
    settings = crawl_settings(database_url, concurrent_per_domain=1, download_delay=0.1)
    stored: list[str] = []
    child: dict[str, int] = {}

    def kill_after_three(event: ProgressEvent) -> None:
        if event.kind == "child_started":
            child["pid"] = event.detail["pid"]
        if event.kind == "document":
            stored.append(event.url or "")
            if len(stored) == 3:
                os.kill(child["pid"], signal.SIGKILL)

    killed = run_crawl(settings, trigger="test", on_progress=kill_after_three)
    assert killed.status == "failed" and "killed by signal 9" in (killed.message or "")
    assert killed.source("slow").status == "failed"
    with session_factory(engine)() as session:
        docs = session.scalars(select(Document)).all()
        assert 3 <= len(docs) < 20
        assert all(d.text and d.content_hash and d.title for d in docs)  # no half-written document
        row = session.scalar(select(CrawlRunSource).where(CrawlRunSource.run_id == killed.run_id))
        assert row is not None and row.documents_new == len(docs)  # counts commit with their documents
        run = session.get(CrawlRun, killed.run_id)
        assert run is not None and run.status == "failed" and run.finished_at is not None

    rerun = run_crawl(settings, trigger="test")
    assert rerun.status == "ok"
    report = rerun.source("slow")
    assert report.documents_new == 20 - len(docs) and report.documents_unchanged == len(docs)
    with session_factory(engine)() as session:
        urls = session.scalars(select(Document.canonical_url)).all()
        assert len(urls) == len(set(urls)) == 20


def test_private_addresses_are_refused_unless_allowed(
    engine: Engine, database_url: str, own_site: FixtureSite
) -> None:
    with session_factory(engine)() as session:
        actor = Actor(slug="someone", name="Someone", kind="ngo")
        session.add(actor)
        session.flush()
        add_source(session, own_site, "loopback", actor, "document", "/docs/position-paper.pdf")
        session.add(Source(slug="by-name", actor_id=actor.id, kind="feed", allowed_domains=["localhost"],
                           url=f"http://localhost:{own_site.port}/news/feed.xml"))
        session.add(Source(slug="misconfigured", actor_id=actor.id, kind="feed", allowed_domains=["example.org"],
                           url=own_site.url("/news/feed.xml")))
        session.commit()
    report = run_crawl(crawl_settings(database_url, allow_private_addresses=False), trigger="test")
    assert report.status == "failed"
    for slug in ("loopback", "by-name"):
        [(url, reason)] = report.source(slug).errors
        assert "blocked" in reason and "allow_private_addresses" in reason
    [(url, reason)] = report.source("misconfigured").errors
    assert "outside its allowed_domains" in reason
    assert own_site.hits["/docs/position-paper.pdf"] == 0 and own_site.hits["/news/feed.xml"] == 0


def test_unknown_source_ids_are_named_with_the_valid_ones(engine: Engine, database_url: str) -> None:
    with session_factory(engine)() as session:
        actor = Actor(slug="someone", name="Someone", kind="ngo")
        session.add(actor)
        session.flush()
        session.add(Source(slug="listing", actor_id=actor.id, kind="document", url="http://127.0.0.1:9/x.html"))
        session.commit()
    with pytest.raises(NotFoundError, match=r"unknown source id\(s\): nope; valid ids: listing"):
        run_crawl(crawl_settings(database_url), ["listing", "nope"])
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(CrawlRun)) == 0
