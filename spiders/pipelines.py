"""Item pipelines: extract text and metadata, then store each document in its own transaction.

ExtractPipeline turns a fetched file into text (a file it cannot read becomes an ErrorItem); StorePipeline
writes documents, errors and the source's running counts to the store. Run by `tracker crawl`, they write into
the run the launcher opened (TRACKER_RUN_ID); run by `scrapy crawl`, they open and settle a run themselves.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from igtracker import crawl_runs
from igtracker.actors import ActorResolver
from igtracker.db import busy_timeout, is_busy, make_engine, session_factory, session_scope, writer
from igtracker.documents import FetchedDocument, store_document, touch_document, validators_for_source
from igtracker.errors import NotFoundError
from igtracker.extract import ExtractionError, extract, media_type_of, to_utc
from igtracker.models import Source
from igtracker.spiders.extensions import PAGES
from igtracker.spiders.items import DocumentItem, ErrorItem
from igtracker.spiders.progress import emit
from igtracker.urls import canonical_url

log = logging.getLogger(__name__)

T = TypeVar("T")
BUSY_ATTEMPTS = 3  # each waits the busy timeout for SQLite's write lock (coding commits every few documents)

_ENGINES: dict[str, Engine] = {}
STAT = {"new": "tracker/documents_new", "changed": "tracker/documents_changed",
        "unchanged": "tracker/documents_unchanged", "error": "tracker/errors_count"}


def engine_for(url: str) -> Engine:
    """One engine per database for all crawlers of the process."""
    if url not in _ENGINES:
        _ENGINES[url] = make_engine(url)
    return _ENGINES[url]


class ExtractPipeline:
    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, DocumentItem) or item.not_modified:
            return item
        media_type = media_type_of(item.content_type, item.url, item.body)
        try:
            item.extracted = extract(item.body, media_type, item.url, html=item.html)
        except ExtractionError as exc:
            return ErrorItem(item.source_id, item.url, str(exc))
        item.body = b""  # the text is what we keep; let the bytes go
        return item


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.engine = engine_for(crawler.settings.get("TRACKER_DATABASE_URL"))
        # One transaction per document or error, holding SQLite's write lock from its start (no snapshot conflicts).
        self.transaction = session_factory(writer(self.engine)).begin
        self.run_id: int | None = crawler.settings.getint("TRACKER_RUN_ID") or None
        self.standalone = self.run_id is None
        self.source_id: int | None = None
        self.actor_id: int | None = None
        self.unrecorded: list[ErrorItem] = []  # errors the busy store refused; recorded when the spider closes

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.spider_error, signal=signals.spider_error)
        return pipeline

    # Lifecycle ---------------------------------------------------------------------------------------------------

    def open_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        self.source_id = spider.spec.id
        with session_scope(self.engine) as session:
            source = session.get(Source, self.source_id)
            if source is None:
                raise NotFoundError(f"source {spider.spec.slug!r} is not in the store; run `tracker sources sync`")
            self.actor_id = source.actor_id
            spider.validators = validators_for_source(session, self.source_id)
            if self.standalone:
                self.run_id = crawl_runs.begin_run(session, [source], trigger="scrapy").id

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run_id is None or self.source_id is None:
            return
        for item in self.unrecorded:
            self._write(lambda session, error: crawl_runs.record_error(
                session, self.run_id, error.source_id, error.url, error.reason), item)
        with session_scope(self.engine, write=True) as session:
            crawl_runs.save_counts(session, self.run_id, self.source_id, self._counts())
            crawl_runs.mark_source_finished(session, self.run_id, self.source_id, reason)
            if self.standalone:
                crawl_runs.finish_run(session, self.run_id)

    def spider_error(self, failure: Any, response: Any, spider: Spider) -> None:
        self._store_error(ErrorItem(self.source_id or 0, getattr(response, "url", None),
                                    f"could not parse the page: {failure.value!r}"))

    # Items -------------------------------------------------------------------------------------------------------

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, ErrorItem):
            self._store_error(item)
            return item
        if not isinstance(item, DocumentItem):
            return item
        try:
            outcome = self._write(self._store_document, item)
        except SQLAlchemyError as exc:
            log.exception("could not store %s", item.url)
            reason = (f"could not store the document: the store stayed busy (database is locked) for "
                      f"{BUSY_ATTEMPTS} x {busy_timeout(self.engine):g} s" if is_busy(exc)
                      else f"could not store the document: {exc}")
            self._store_error(ErrorItem(item.source_id, item.url, reason))
            raise DropItem(f"not stored: {item.url}") from exc
        self.crawler.stats.inc_value(STAT[outcome])
        emit(self.crawler, "document", source=self.crawler.spider.name, url=item.url, outcome=outcome)
        return item

    def _write(self, write: Callable[[Session, Any], T], item: Any) -> T:
        """Run `write` in its own transaction, again when SQLite's write lock stayed taken past the busy timeout."""
        for attempt in range(1, BUSY_ATTEMPTS + 1):
            try:
                with self.transaction() as session:
                    return write(session, item)
            except SQLAlchemyError as exc:
                if not is_busy(exc) or attempt == BUSY_ATTEMPTS:
                    raise
                log.warning("store busy: writing %s again (attempt %d)", getattr(item, "url", item), attempt)
                time.sleep(attempt)
        raise AssertionError("unreachable")

    def _store_document(self, session: Session, item: DocumentItem) -> str:
        if item.not_modified:
            found = touch_document(session, canonical_url(item.url))
            outcome = "unchanged" if found else "error"
            if not found:
                reason = "HTTP 304 for a page not in the store"
                crawl_runs.record_error(session, self.run_id, item.source_id, item.url, reason)
        else:
            outcome = store_document(session, self._fetched(session, item))
        # The counts commit with the document they count; the stats follow once the commit succeeded.
        crawl_runs.save_counts(session, self.run_id, item.source_id, self._counts(pending=outcome))
        return outcome

    def _fetched(self, session: Any, item: DocumentItem) -> FetchedDocument:
        extracted = item.extracted
        assert extracted is not None
        hints = item.hints
        extracted.title = hints.title or extracted.title
        extracted.published_at = to_utc(hints.published) or extracted.published_at
        meta = {k: v for k, v in hints.meta.items() if v is not None}
        actor_id = self.actor_id
        if hints.submitter:
            actors = ActorResolver(session).resolve_submitters(hints.submitter,
                                                               default_kind=hints.submitter_kind or "ngo")
            if actors:
                actor_id = actors[0].id
                meta["submitter_actors"] = [a.slug for a in actors]
        return FetchedDocument(
            canonical_url=canonical_url(item.url), url=item.url, source_id=item.source_id, actor_id=actor_id,
            extracted=extracted, etag=item.etag, last_modified=item.last_modified, meta=meta,
        )

    def _store_error(self, item: ErrorItem) -> None:
        if self.run_id is not None:
            try:
                self._write(self._record_error, item)
            except SQLAlchemyError as exc:
                if not is_busy(exc):
                    raise
                log.error("store busy: the error for %s is recorded when the source ends", item.url)
                self.unrecorded.append(item)
        self.crawler.stats.inc_value(STAT["error"])
        emit(self.crawler, "error", source=self.crawler.spider.name, url=item.url, reason=item.reason)

    def _record_error(self, session: Session, item: ErrorItem) -> None:
        crawl_runs.record_error(session, self.run_id, item.source_id, item.url, item.reason)
        crawl_runs.save_counts(session, self.run_id, item.source_id, self._counts(pending="error"))

    def _counts(self, pending: str | None = None) -> dict[str, int]:
        stats = self.crawler.stats
        assert stats is not None
        counts = {name: stats.get_value(key, 0) + (name == pending) for name, key in STAT.items()}
        return {
            "pages_fetched": stats.get_value(PAGES, 0), "documents_new": counts["new"],
            "documents_changed": counts["changed"], "documents_unchanged": counts["unchanged"],
            "errors_count": counts["error"],
        }
