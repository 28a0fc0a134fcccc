"""RSS and Atom feeds (parsed with feedparser): each entry's link is fetched as a document."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import feedparser
from scrapy.http import Response

from spiders.base import SourceSpider
from spiders.items import Hints


class FeedSpider(SourceSpider):
    kind = "feed"

    def parse_start(self, response: Response) -> Iterator[Any]:
        feed = feedparser.parse(response.body, response_headers={"content-location": response.url})
        if feed.bozo and not feed.entries:
            yield self.error(response.url, f"malformed feed: {feed.get('bozo_exception') or 'no entries'}")
            return
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
