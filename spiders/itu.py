"""Conference-contribution tables in the style of the ITU's document pages.

Each row gives a document number, title, submitting member state or group, date and links to the files; the
document is attributed to the submitter (who speaks in it), not to the ITU (which only hosts it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from parsel import Selector
from scrapy.http import Response

from igtracker.spiders.base import SourceSpider
from igtracker.spiders.items import Hints

_SUFFIX = {"pdf": (".pdf",), "docx": (".docx",), "html": (".html", ".htm")}


def cell_text(cell: Selector) -> str:
    """A cell's visible text, with line breaks (several submitters) turned into commas."""
    parts = [" ".join(t.split()) for t in cell.xpath(".//text()").getall()]
    return ", ".join(p for p in parts if p)


class ItuContributionsSpider(SourceSpider):
    kind = "itu_contributions"

    def parse_start(self, response: Response) -> Iterator[Any]:
        found = False
        for table in response.css(self.options.table):
            rows = table.xpath(".//tr")
            columns = self._columns(rows[0]) if rows else {}
            if "submitter" not in columns:
                continue
            found = True
            for row in rows[1:]:
                request = self._row_request(response, row, columns)
                if request is not None:
                    yield request
        if not found:
            yield self.error(response.url, "no contribution table with a submitter column found; check the options")
        if self.options.next_page:
            for href in response.css(self.options.next_page).xpath("@href").getall()[:1]:
                request = self.follow_page(response.urljoin(href), self.parse_start)
                if request is not None:
                    yield request

    def _columns(self, header: Selector) -> dict[str, int]:
        opts = self.options
        patterns = {"number": opts.number_header, "title": opts.title_header,
                    "submitter": opts.submitter_header, "date": opts.date_header}
        columns: dict[str, int] = {}
        for index, cell in enumerate(header.xpath("./th|./td")):
            label = cell_text(cell)
            for name, pattern in patterns.items():
                if name not in columns and re.search(pattern, label, re.IGNORECASE):
                    columns[name] = index
                    break
        return columns

    def _row_request(self, response: Response, row: Selector, columns: dict[str, int]) -> Any:
        cells = row.xpath("./td|./th")
        if len(cells) <= max(columns.values()):
            return None

        def value(name: str) -> str | None:
            return cell_text(cells[columns[name]]) or None if name in columns else None

        link = self._preferred_link(response, row)
        submitter = value("submitter")
        if link is None or not submitter:
            return None
        number = value("number")
        hints = Hints(
            title=value("title"),
            published=value("date"),
            submitter=submitter,
            submitter_kind=self.options.submitter_kind,
            meta={"document_number": number, "submitter": submitter, "listing_url": response.url},
        )
        return self.follow_document(link, hints)

    def _preferred_link(self, response: Response, row: Selector) -> str | None:
        anchors = [(a.attrib.get("href", ""), cell_text(a).lower()) for a in row.css("a")]
        for fmt in self.options.formats:
            if fmt == "page":
                first = next((href for href, _label in anchors if href), None)
                if first:
                    return response.urljoin(first)
                continue
            for href, label in anchors:
                path = href.split("?", 1)[0].lower()
                if href and (path.endswith(_SUFFIX[fmt]) or label == fmt or f"format={fmt}" in href.lower()):
                    return response.urljoin(href)
        return None
