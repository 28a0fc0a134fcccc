"""Faults a crawl meets in production, through the real Scrapy engine against fixture sites on 127.0.0.1: a busy
store, time limits and signals, and failures that must not pass silently."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from igtracker.crawl import ProgressEvent, run_crawl
from igtracker.crawl_runs import due_sources
from igtracker.db import session_factory
from igtracker.models import Actor, CrawlError, CrawlRun, CrawlRunSource, Document, Source
from tests.cli import tracker
from tests.conftest import sqlite_only
from tests.sites import FixtureSite
from tests.test_crawl import add_slow_listing, add_source, crawl_settings

ROOT = Path(__file__).resolve().parents[1]
PARAGRAPH = (
    "The delegation reaffirms its support for the multistakeholder model of Internet governance. "
    "It opposes any proposal that would place the management of critical Internet resources under "
    "intergovernmental control. On digital taxation, it supports a multilateral solution and rejects "
    "unilateral digital services taxes. "
)


def tracker_env(database_url: str, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(COLUMNS="200", TRACKER_DATABASE_URL=database_url, TRACKER_ALLOW_PRIVATE_ADDRESSES="true",
               TRACKER_AUTOTHROTTLE="false", TRACKER_DOWNLOAD_DELAY="0")
    env.update(values)
    return env


def tracker_process(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", "from igtracker.cli import main; main()", *args], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def count(engine: Engine, *where: object) -> int:
    with session_factory(engine)() as session:
        return session.scalar(select(func.count()).select_from(Document).where(*where)) or 0


def add_actor(session: Session, slug: str = "itu") -> Actor:
    actor = Actor(slug=slug, name=slug.upper(), kind="igo")
    session.add(actor)
    session.flush()
    return actor


def wait_for(predicate: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


# 1. Coding and crawling share the store ------------------------------------------------------------------------


LARGE_STORE = 200  # about 13 s of coding: longer than the crawl below takes


def test_coding_a_large_store_never_blocks_a_crawl(engine: Engine, database_url: str, own_site: FixtureSite) -> None:
    with session_factory(engine)() as session:
        itu = add_actor(session)
        add_source(session, own_site, "news", itu, "feed", "/news/feed.xml")
        for n in range(LARGE_STORE):
            url = f"https://itu.example/statements/{n}"
            session.add(Document(canonical_url=url, url=url, actor_id=itu.id, title=f"Statement {n}",
                                 text=PARAGRAPH * 4, content_hash=f"{n:064d}", language="en"))
        session.commit()

    coder = tracker_process("code", env=tracker_env(database_url))
    try:
        wait_for(lambda: count(engine, Document.coded_version.is_not(None)) > 0 or coder.poll() is not None)
        assert coder.poll() is None, coder.communicate()
        stored_while_coding: list[bool] = []

        def on_progress(event: ProgressEvent) -> None:
            if event.kind == "document":
                stored_while_coding.append(coder.poll() is None)

        report = run_crawl(crawl_settings(database_url), ["news"], trigger="test", on_progress=on_progress)
        _out, err = coder.communicate(timeout=300)
    finally:
        coder.kill()
    assert coder.returncode == 0, err
    assert report.status == "ok" and report.source("news").documents_new == 20 and report.source("news").errors == []
    # The crawl's documents committed between the coder's batches, not after its end.
    assert len(stored_while_coding) == 20 and sum(stored_while_coding) >= 10
    assert count(engine, Document.url.like("https://itu.example/%"), Document.coded_version.is_(None)) == 0


def hold_write_lock(database_url: str) -> sqlite3.Connection:
    """Another process's long write transaction, as `tracker code` held before it committed in batches."""
    path = database_url.removeprefix("sqlite:///").split("?")[0]
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    return conn


@sqlite_only
def test_a_store_locked_past_the_timeout_is_one_line_and_nothing_half_done(
    engine: Engine, database_url: str, own_site: FixtureSite
) -> None:
    with session_factory(engine)() as session:
        add_source(session, own_site, "news", add_actor(session), "feed", "/news/feed.xml")
        session.commit()
    lock = hold_write_lock(database_url)
    try:
        result = tracker_process("crawl", env=tracker_env(database_url + "?timeout=0.5"))
        _out, err = result.communicate(timeout=60)
    finally:
        lock.rollback()
        lock.close()
    assert result.returncode == 1 and "Traceback" not in err
    [line] = err.strip().splitlines()
    assert line.lower().startswith("error: the store is busy: ")
    assert "waited 0.5 s" in line and "database is locked" in line
    assert count(engine) == 0
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(CrawlRun)) == 0


@sqlite_only
def test_a_document_the_busy_store_refused_is_an_error_of_the_recorded_run(
    engine: Engine, database_url: str, own_site: FixtureSite
) -> None:
    add_slow_listing(engine, own_site)
    settings = crawl_settings(database_url + "?timeout=0.3", concurrent_per_domain=1, download_delay=0.1)
    held: list[sqlite3.Connection] = []

    def lock_after_first_document(event: ProgressEvent) -> None:
        if event.kind == "document" and not held:
            held.append(hold_write_lock(database_url))
            threading.Timer(5.0, held[0].rollback).start()  # longer than the three tries of one write (3.9 s)

    report = run_crawl(settings, trigger="test", on_progress=lock_after_first_document)
    held[0].close()
    slow = report.source("slow")
    assert report.status == "partial" and slow.errors_count >= 1
    assert all("could not store the document: the store stayed busy (database is locked)" in reason
               for _url, reason in slow.errors)
    assert slow.documents_new + len(slow.errors) == 20 == count(engine) + len(slow.errors)
    again = run_crawl(crawl_settings(database_url), trigger="test").source("slow")
    assert again.documents_new == len(slow.errors) and count(engine) == 20


# 2. A source not finished is due again at once -----------------------------------------------------------------


def due(engine: Engine) -> list[str]:
    with session_factory(engine)() as session:
        return [s.slug for s in due_sources(session, datetime.now(UTC))]


def test_the_time_limit_holds_against_a_hung_download(engine: Engine, database_url: str, site_root: Path) -> None:
    with FixtureSite(site_root, slow_seconds=60) as site, session_factory(engine)() as session:
        actor = add_actor(session)
        add_source(session, site, "hung", actor, "document", "/bad/slow")
        add_source(session, site, "news", actor, "feed", "/news/feed.xml")
        session.commit()
        settings = crawl_settings(database_url, download_timeout=120, crawl_time_limit=12)
        started = time.monotonic()
        report = run_crawl(settings, trigger="test")
        elapsed = time.monotonic() - started
    # The limit, SIGTERM 3 s and SIGKILL 5 s later, and the crawler's start-up (seconds on a loaded machine); not
    # the 60 s the download hangs nor its 120 s timeout.
    assert elapsed < 12 + 3 + 5 + 10, elapsed
    assert report.status == "aborted" and "time limit" in (report.message or "")
    hung = report.source("hung")
    assert hung.status == "aborted" and "time limit" in (hung.message or "") and hung.documents == 0
    news = report.source("news")
    assert news.status == "ok" and news.documents_new == 20, (news.message, news.documents_new, elapsed)
    assert due(engine) == ["hung"]  # the finished source waits for its period, the stopped one does not


def test_a_time_limit_stop_keeps_what_was_stored_and_is_due_again(
    engine: Engine, database_url: str, own_site: FixtureSite
) -> None:
    add_slow_listing(engine, own_site)
    settings = crawl_settings(database_url, concurrent_per_domain=1, download_delay=1.0, crawl_time_limit=10)
    report = run_crawl(settings, trigger="test")
    slow = report.source("slow")
    assert report.status == "aborted" and "time limit" in (report.message or "")
    assert slow.status == "aborted" and "time limit" in (slow.message or "")
    assert 0 < slow.documents_new == count(engine) < 20
    assert due(engine) == ["slow"]
    rerun = run_crawl(crawl_settings(database_url), trigger="test").source("slow")
    assert rerun.status == "ok" and count(engine) == 20


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_tracker_crawl_records_a_signal(
    engine: Engine, database_url: str, own_site: FixtureSite, signum: int
) -> None:
    add_slow_listing(engine, own_site)
    crawl = tracker_process("crawl", env=tracker_env(database_url, TRACKER_CONCURRENT_PER_DOMAIN="1",
                                                      TRACKER_DOWNLOAD_DELAY="0.2"))
    try:
        wait_for(lambda: count(engine) > 0 or crawl.poll() is not None)
        crawl.send_signal(signum)
        _out, err = crawl.communicate(timeout=60)
    finally:
        crawl.kill()
    assert crawl.returncode != 0 and "Traceback" not in err
    name = signal.Signals(signum).name
    with session_factory(engine)() as session:
        [run] = session.scalars(select(CrawlRun)).all()
        assert run.status == "aborted" and run.message == f"stopped by {name}" and run.finished_at is not None
        [row] = session.scalars(select(CrawlRunSource)).all()
        assert row.status == "aborted" and row.message
        assert 0 < row.documents_new == count(engine) < 20
    assert due(engine) == ["slow"]


# 3. Nothing fails silently; 6. a source is its scheme, host and port -------------------------------------------


def test_failures_that_used_to_pass_silently_are_recorded_with_a_reason(
    engine: Engine, database_url: str, own_site: FixtureSite, site_root: Path
) -> None:
    with FixtureSite(site_root) as other:  # the same host, another port: another service
        (own_site.root / "broken-sitemap.xml").write_text(
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{own_site.url('/pages/p1.html')}</loc></url><url><loc>{own_site.url('/pages/p2.html')}"
        )
        (own_site.root / "ports.html").write_text(
            f'<html><body><a class="doc" href="{other.url("/listing/s1.html")}">elsewhere</a>'
            '<a class="doc" href="/listing/s2.html">here</a></body></html>'
        )
        with session_factory(engine)() as session:
            actor = add_actor(session, "france")
            add_source(session, own_site, "not-a-feed", actor, "feed", "/pages/p1.html")
            add_source(session, own_site, "html-sitemap", actor, "sitemap", "/pages/p2.html")
            add_source(session, own_site, "broken-sitemap", actor, "sitemap", "/broken-sitemap.xml")
            add_source(session, own_site, "away", actor, "document",
                       f"/away?to={other.url('/docs/position-paper.pdf')}")
            add_source(session, own_site, "chunked", actor, "document", "/bad/huge-chunked.html")
            add_source(session, own_site, "ports", actor, "listing", "/ports.html", item_links="a.doc")
            session.commit()
        report = run_crawl(crawl_settings(database_url, max_page_bytes=500_000), trigger="test")
        assert other.hits == {}  # nothing on the other port was fetched, by link or by redirect

    def reason(slug: str) -> str:
        [(_url, why)] = report.source(slug).errors
        return why

    assert reason("not-a-feed").startswith("not an RSS or Atom feed (text/html")
    assert reason("html-sitemap").startswith("not a sitemap: ")
    broken = report.source("broken-sitemap")
    assert broken.documents_new >= 1 and reason("broken-sitemap").startswith("malformed sitemap, read in part")
    assert reason("away").startswith(f"redirected to {other.url('/docs/position-paper.pdf')}, outside the source")
    assert reason("chunked").startswith("download cancelled: the page grew past the size limit (500000 bytes")
    ports = report.source("ports")
    assert ports.status == "ok" and ports.documents_new == 1 and ports.errors == []  # a link elsewhere: no error
    with session_factory(engine)() as session:
        stored = {e.reason for e in session.scalars(select(CrawlError).where(CrawlError.run_id == report.run_id))}
        assert len(stored) == 5

    status = tracker("status", env={"TRACKER_DATABASE_URL": database_url})
    assert status.exit_code == 0, status.stderr
    for slug in ("not-a-feed", "html-sitemap", "away", "chunked"):
        assert f"source {slug} failed: {reason(slug)[:40]}" in status.stdout


# 4. Crawled text reaches the terminal without its control characters --------------------------------------------


def test_terminal_output_strips_control_characters(engine: Engine, database_url: str) -> None:
    evil = "Evil \x1b[31mRed\x1b[0m Corp\x1b]0;pwned\x07 \u202ereversed"
    with session_factory(engine)() as session:
        actor = Actor(slug="evil", name=evil + " " + "X" * 250, kind="firm", in_registry=False)
        session.add(actor)
        session.flush()
        session.add(Source(slug="evil-news", actor_id=actor.id, kind="feed", url="https://evil.example/feed"))
        session.commit()
    env = {"TRACKER_DATABASE_URL": database_url}
    for args in (["actors", "list"], ["query", "SELECT name FROM actors"], ["status"]):
        listing = tracker(*args, env=env)
        assert listing.exit_code == 0, listing.stderr
        assert "\x1b" not in listing.stdout and "\x07" not in listing.stdout and "\u202e" not in listing.stdout, args
    out = tracker("actors", "list", env=env).stdout
    assert "Evil" in out and "Red" in out and "X" * 200 not in out.replace("\n", "").replace("│", "").replace(" ", "")
