"""A single document (HTML, PDF or DOCX) at the source's URL."""

from __future__ import annotations

import scrapy

from igtracker.spiders.base import SourceSpider


class DocumentSpider(SourceSpider):
    kind = "document"

    def initial_requests(self) -> list[scrapy.Request]:
        request = self.follow_document(self.spec.url)
        return [request] if request is not None else []
