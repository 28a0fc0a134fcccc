"""Public-comment proceedings in the style of ICANN's: submissions listed with the organisation that filed them.

Each submission is attributed to its organisation (or, failing one, to the individual who filed it), never to
ICANN, which only runs the proceeding.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from parsel import Selector
from scrapy.http import Response

from igtracker.spiders.base import SourceSpider
from igtracker.spiders.items import Hints


def first_text(node: Selector, selector: str | None) -> str | None:
    if not selector:
        return None
    for value in node.css(selector).getall():
        text = " ".join(value.split())
        if text:
            return text
    return None


class IcannProceedingSpider(SourceSpider):
    kind = "icann_proceeding"

    def parse_start(self, response: Response) -> Iterator[Any]:
        opts = self.options
        proceeding = first_text(response, "h1::text") or first_text(response, "title::text")
        submissions = response.css(opts.item)
        if not submissions:
            yield self.error(response.url, f"no submissions found with selector {opts.item!r}; check the options")
            return
        for node in submissions:
            organisation = first_text(node, opts.organisation)
            person = first_text(node, opts.name)
            href = first_text(node, opts.link)
            if not href or not (organisation or person):
                continue
            hints = Hints(
                title=first_text(node, opts.title),
                published=first_text(node, opts.date),
                submitter=organisation or person,
                submitter_kind=opts.submitter_kind if organisation else "individual",
                meta={"submitter": organisation or person, "submitted_by": person, "proceeding": proceeding,
                      "listing_url": response.url},
            )
            request = self.follow_document(response.urljoin(href), hints)
            if request is not None:
                yield request
