"""The spider every source kind builds on: fetch within the source's domains, yield documents and errors.

Spiders only parse and yield; they know nothing of the store. Subclasses implement `parse_start` for the
source's entry page and call `follow_page` (more listing pages) or `follow_document` (a document to store).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import CannotResolveHostError, DownloadCancelledError
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

from igtracker.models import Source
from igtracker.source_options import OPTIONS_BY_KIND
from igtracker.spiders.items import DocumentItem, ErrorItem, Hints
from igtracker.spiders.resolver import REFUSED, AddressRefused
from igtracker.urls import host_of, in_domains, strip_tracking, within_source


@dataclass(frozen=True)
class SourceSpec:
    """A registry source as the spiders need it, detached from the store."""

    id: int
    slug: str
    kind: str
    url: str
    allowed_domains: list[str]
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_source(cls, source: Source) -> SourceSpec:
        return cls(source.id, source.slug, source.kind, source.url, list(source.allowed_domains), dict(source.options))


def describe_failure(failure: Failure, timeout: float | None = None, maxsize: int | None = None) -> str:
    """A reason a person can act on, for the crawl report."""
    exc = failure.value
    if isinstance(exc, AddressRefused):
        return str(exc)
    request = getattr(failure, "request", None)
    if isinstance(exc, DNSLookupError | CannotResolveHostError) and request and host_of(request.url) in REFUSED:
        return REFUSED[host_of(request.url)]
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    if isinstance(exc, TimeoutError | TCPTimedOutError):
        return f"timed out{f' after {timeout:g} s' if timeout else ''}"
    if isinstance(exc, DNSLookupError):
        return "DNS lookup failed"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    text = str(exc).strip()
    if "max download size" in text or "larger than download max size" in text:
        return f"over the size limit: {text}"
    if isinstance(exc, DownloadCancelledError | CancelledError) and not text:
        # Scrapy cancels a download that streams past DOWNLOAD_MAXSIZE (no Content-Length to refuse it by).
        limit = f" ({maxsize} bytes, max_page_bytes)" if maxsize else ""
        return f"download cancelled: the page grew past the size limit{limit}, or the crawl was stopping"
    return text or type(exc).__name__


class SourceSpider(scrapy.Spider):
    kind: ClassVar[str] = ""

    def __init__(self, spec: SourceSpec, validators: dict[str, tuple[str | None, str | None]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(name=spec.slug, **kwargs)
        self.spec = spec
        self.options = OPTIONS_BY_KIND[spec.kind].model_validate(spec.options)
        # The registry defaults allowed_domains to the URL's host; a source made otherwise gets the same.
        self.allowed_domains = list(spec.allowed_domains) or [host_of(spec.url)]
        # canonical URL -> (ETag, Last-Modified), read by ConditionalRequestMiddleware.
        self.validators = validators or {}
        self.requests_made = 0

    async def start(self) -> AsyncIterator[scrapy.Request | ErrorItem]:
        if not in_domains(self.spec.url, self.allowed_domains):
            yield self.error(self.spec.url, f"the source's URL is outside its allowed_domains {self.allowed_domains}; "
                             "fix the registry entry")
            return
        for request in self.initial_requests():
            yield request

    def initial_requests(self) -> list[scrapy.Request]:
        """The source's entry page, to be parsed by parse_start."""
        request = self.follow_page(self.spec.url, self.parse_start)
        return [request] if request is not None else []

    def parse_start(self, response: Response) -> Iterator[Any]:
        raise NotImplementedError

    # Following links -----------------------------------------------------------------------------------------

    def contains(self, url: str) -> bool:
        """Within the source: a host in allowed_domains, with the scheme and port of the source's URL."""
        return within_source(url, self.spec.url, self.allowed_domains)

    def _allowed(self, url: str) -> str | None:
        """The URL (tracking parameters dropped) if it may be fetched: in the allowed domains and under max_pages."""
        if not url.startswith(("http://", "https://")):
            return None
        if not self.contains(url):
            self.logger.debug("not following %s: outside %s", url, self.allowed_domains)
            return None
        if self.requests_made >= self.options.max_pages:
            self.logger.info("not following %s: max_pages (%d) reached", url, self.options.max_pages)
            return None
        self.requests_made += 1
        return strip_tracking(url)

    def follow_page(self, url: str, callback: Any, **meta: Any) -> scrapy.Request | None:
        """A listing page (feed, sitemap, index, table) to parse for more links."""
        target = self._allowed(url)
        if target is None:
            return None
        return scrapy.Request(target, callback=callback, errback=self.on_error, meta=meta)

    def follow_document(self, url: str, hints: Hints | None = None) -> scrapy.Request | None:
        """A document to fetch and store (conditionally, if we hold its ETag or Last-Modified)."""
        target = self._allowed(url)
        if target is None:
            return None
        meta = {"hints": hints or Hints(), "conditional": True, "handle_httpstatus_list": [304]}
        return scrapy.Request(target, callback=self.parse_document, errback=self.on_error, meta=meta)

    # Results ---------------------------------------------------------------------------------------------------

    def parse_document(self, response: Response) -> Iterator[DocumentItem]:
        headers = response.headers
        # Text is decoded here with the charset from the headers, a BOM or the page's <meta>.
        html = response.text if isinstance(response, scrapy.http.TextResponse) else None
        yield DocumentItem(
            source_id=self.spec.id,
            url=response.url,
            status=response.status,
            body=response.body,
            content_type=_header(headers, b"Content-Type"),
            html=html,
            etag=_header(headers, b"ETag"),
            last_modified=_header(headers, b"Last-Modified"),
            hints=response.meta.get("hints") or Hints(),
        )

    def on_error(self, failure: Failure) -> Iterator[ErrorItem]:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else None
        yield ErrorItem(self.spec.id, url, describe_failure(
            failure, self.settings.getfloat("DOWNLOAD_TIMEOUT"), self.settings.getint("DOWNLOAD_MAXSIZE")))

    def error(self, url: str | None, reason: str) -> ErrorItem:
        return ErrorItem(self.spec.id, url, reason)


def _header(headers: Any, name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1") if value else None
