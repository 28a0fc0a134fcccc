"""Faults a crawl meets in production, through the real Scrapy engine against fixture sites on 127.0.0.1: a busy
store, time limits and signals, and failures that must not pass silently."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.sites import FixtureSite
from tests.test_crawl import add_source, crawl_settings
from tracker.crawl import ProgressEvent, run_crawl
from tracker.db import session_factory
from tracker.models import Actor, Document

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
               TRACKER_AUTOTHROTTLE="false", TRACKER_DOWNLOAD_DELAY="0", **values)
    return env


def tracker_process(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", "from tracker.cli import main; main()", *args], cwd=ROOT,
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
