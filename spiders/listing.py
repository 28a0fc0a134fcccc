"""Listing pages: links to documents picked by CSS or XPath selectors, with an optional next-page link."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from parsel import SelectorList
from scrapy.http import Response

from igtracker.spiders.base import SourceSpider


def links(response: Response, selector: str, selector_type: str) -> list[str]:
    """Absolute URLs from a selector that picks either link elements or their href attributes."""
    selected: SelectorList = response.xpath(selector) if selector_type == "xpath" else response.css(selector)
    urls = []
    for node in selected:
        href = node.root if isinstance(node.root, str) else node.attrib.get("href")
        if href and href.strip():
            urls.append(response.urljoin(href.strip()))
    return urls


class ListingSpider(SourceSpider):
    kind = "listing"

    def parse_start(self, response: Response) -> Iterator[Any]:
        opts = self.options
        for url in links(response, opts.item_links, opts.selector_type):
            request = self.follow_document(url)
            if request is not None:
                yield request
        if opts.next_page:
            for url in links(response, opts.next_page, opts.selector_type)[:1]:
                request = self.follow_page(url, self.parse_start)
                if request is not None:
                    yield request
