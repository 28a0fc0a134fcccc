"""RSS and Atom feeds (parsed with feedparser): each entry's link is fetched as a document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from xml.sax import SAXException

import feedparser
from scrapy.http import Response

from igtracker.spiders.base import SourceSpider
from igtracker.spiders.items import Hints


class FeedSpider(SourceSpider):
    kind = "feed"

    def parse_start(self, response: Response) -> Iterator[Any]:
        feed = feedparser.parse(response.body, response_headers={"content-location": response.url})
        problem = feed.get("bozo_exception")
        if not feed.entries and (feed.bozo or not feed.get("version")):
            looks_like_a_feed = feed.get("version") or re.search(rb"<(rss|feed|rdf:RDF)\b", response.body[:2000])
            what = f"malformed feed: {problem}" if looks_like_a_feed else "not an RSS or Atom feed"
            content_type = response.headers.get(b"Content-Type", b"").decode("latin-1") or "no content type"
            yield self.error(response.url, f"{what} ({content_type}, {len(response.body)} bytes); "
                             "check the source's url")
            return
        if isinstance(problem, SAXException):  # read in part: follow what was read, and say the rest may be lost
            yield self.error(response.url, f"malformed feed, {len(feed.entries)} entries read before: {problem}")
        unlinked = sum(1 for entry in feed.entries if not entry.get("link"))
        if unlinked:
            yield self.error(response.url, f"{unlinked} feed entries have no link and were skipped")
        for entry in feed.entries:
            link = entry.get("link")
            if not link:
                continue
            hints = Hints(
                title=entry.get("title"),
                published=entry.get("published") or entry.get("updated"),
            )
            request = self.follow_document(response.urljoin(link), hints)
            if request is not None:
                yield request
