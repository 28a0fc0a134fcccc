"""Counts pages fetched per source (Scrapy stats) and reports a source's start and end as progress events."""

from __future__ import annotations

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from igtracker.spiders.progress import emit

PAGES = "tracker/pages_fetched"


class CrawlProgress:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        emit(self.crawler, "source_started", source=spider.name)

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        if request.meta.get("dont_obey_robotstxt") and request.url.endswith("/robots.txt"):
            return  # the robots.txt check, not a page of the source
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(PAGES)
        pages = self.crawler.stats.get_value(PAGES)
        emit(self.crawler, "page", source=spider.name, url=response.url, status=response.status, pages=pages)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        emit(self.crawler, "source_finished", source=spider.name, reason=reason)
