"""XML sitemaps and sitemap indexes: each URL (optionally matching a pattern) is fetched as a document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from spiders.base import SourceSpider


class SitemapSpider(SourceSpider):
    kind = "sitemap"

    def parse_start(self, response: Response) -> Iterator[Any]:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
        try:
            sitemap = Sitemap(body)
        except Exception as exc:  # lxml raises several kinds for broken XML
            yield self.error(response.url, f"malformed sitemap: {exc}")
            return
        pattern = re.compile(self.options.url_pattern) if self.options.url_pattern else None
        for entry in sitemap:
            loc = entry.get("loc")
            if not loc:
                continue
            if sitemap.type == "sitemapindex":
                request = self.follow_page(loc, self.parse_start)
            elif pattern is None or pattern.search(loc):
                request = self.follow_document(loc)
            else:
                continue
            if request is not None:
                yield request
