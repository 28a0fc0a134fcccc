"""XML sitemaps and sitemap indexes: each URL (optionally matching a pattern) is fetched as a document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lxml import etree
from scrapy.http import Response
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from igtracker.spiders.base import SourceSpider


class SitemapSpider(SourceSpider):
    kind = "sitemap"

    def parse_start(self, response: Response) -> Iterator[Any]:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
        try:
            sitemap = Sitemap(body)
        except Exception as exc:  # lxml raises several kinds for broken XML
            what = f"malformed sitemap: {exc}" if str(exc) else "not a sitemap: no XML root element (an HTML page?)"
            yield self.error(response.url, f"{what}; check the source's url")
            return
        if sitemap.type not in ("urlset", "sitemapindex"):
            yield self.error(response.url, f"not a sitemap: the document is <{sitemap.type}>, not <urlset> or "
                             "<sitemapindex>; check the source's url")
            return
        broken = _xml_error(body)
        if broken:  # lxml recovered what it could: follow it, and say the rest may be missing
            yield self.error(response.url, f"malformed sitemap, read in part: {broken}")
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


def _xml_error(body: bytes) -> str | None:
    """What a strict XML parser says about the sitemap (Scrapy's parser recovers from errors silently)."""
    try:
        etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    except etree.XMLSyntaxError as exc:
        return str(exc)
    return None
