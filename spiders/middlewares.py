"""Downloader middlewares: no requests to the machine's own network, and conditional requests for known pages."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urljoin

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from tracker.urls import canonical_url, host_of, is_public_address


class AddressGuardMiddleware:
    """Refuses loopback, private, link-local and reserved addresses unless TRACKER_ALLOW_PRIVATE_ADDRESSES.

    A feed or a redirect must not be able to turn the crawler against the network it runs in. Host names are
    resolved once per crawl and every address they resolve to must be public.
    """

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._verdicts: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(crawler.settings.getbool("TRACKER_ALLOW_PRIVATE_ADDRESSES"))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if not request.url.startswith(("http://", "https://")):
            raise IgnoreRequest(f"blocked: only http(s) URLs are fetched, not {request.url[:100]!r}")
        if self.allow_private:
            return None
        host = host_of(request.url)
        if host not in self._verdicts:
            self._verdicts[host] = self._blocked_address(host)
        blocked = self._verdicts[host]
        if blocked is not None:
            raise IgnoreRequest(
                f"blocked: {host} is a private, loopback or link-local address ({blocked}); "
                "set allow_private_addresses to crawl it"
            )
        return None

    @staticmethod
    def _blocked_address(host: str) -> str | None:
        """The first non-public address the host resolves to, or None when all are public."""
        try:
            infos = socket.getaddrinfo(host.strip("[]"), None, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            return None  # unresolvable: the download fails with a DNS error, reported as such
        for info in infos:
            address = str(info[4][0])
            if not is_public_address(address):
                return address
        return None


class ConditionalRequestMiddleware:
    """Adds If-None-Match / If-Modified-Since to document requests for pages stored with an ETag or date.

    The validators come from the spider's `validators` (canonical URL -> (ETag, Last-Modified)), which the
    store pipeline fills when the spider opens.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> Any:
        spider = spider or self.crawler.spider
        if not request.meta.get("conditional") or spider is None:
            return None
        validators = getattr(spider, "validators", None) or {}
        etag, modified = validators.get(canonical_url(request.url), (None, None))
        if etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = etag
        if modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = modified
        return None


class RedirectLoopMiddleware:
    """Reports a redirect loop as such (Scrapy's duplicate filter would otherwise drop it without a word).

    Sits after RedirectMiddleware (a higher number), so it sees the redirect response first.
    """

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        location = response.headers.get(b"Location")
        if response.status in (301, 302, 303, 307, 308) and location:
            target = urljoin(request.url, location.decode("latin-1"))
            chain = [*request.meta.get("redirect_urls", []), request.url]
            if target in chain:
                raise IgnoreRequest("redirect loop: " + " -> ".join([*chain, target]))
        return response
