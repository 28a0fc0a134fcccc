"""Downloader middlewares: no requests to the machine's own network, and conditional requests for known pages."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urljoin

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from igtracker.spiders.resolver import refusal
from igtracker.urls import canonical_url, host_of, is_public_address


class AddressGuardMiddleware:
    """Refuses non-http(s) URLs, and IP addresses that are loopback, private, link-local or reserved unless
    TRACKER_ALLOW_PRIVATE_ADDRESSES.

    A feed or a redirect must not be able to turn the crawler against the network it runs in. Host names are
    checked by the resolver the connections use (igtracker.spiders.resolver), on the very addresses connected to.
    """

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(crawler.settings.getbool("TRACKER_ALLOW_PRIVATE_ADDRESSES"))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if not request.url.startswith(("http://", "https://")):
            raise IgnoreRequest(f"blocked: only http(s) URLs are fetched, not {request.url[:100]!r}")
        host = host_of(request.url)
        if not self.allow_private and _is_ip(host) and not is_public_address(host):
            raise IgnoreRequest(refusal(host, host))
        return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


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
    """Reports a redirect loop, and a redirect out of the source, as such (Scrapy's duplicate filter and offsite
    middleware would otherwise drop them without a word).

    Sits after RedirectMiddleware (a higher number), so it sees the redirect response first.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectLoopMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        location = response.headers.get(b"Location")
        if response.status in (301, 302, 303, 307, 308) and location:
            target = urljoin(request.url, location.decode("latin-1"))
            chain = [*request.meta.get("redirect_urls", []), request.url]
            if target in chain:
                raise IgnoreRequest("redirect loop: " + " -> ".join([*chain, target]))
            spider = spider or self.crawler.spider
            contains = getattr(spider, "contains", None)
            if contains is not None and not contains(target):
                raise IgnoreRequest(
                    f"redirected to {target[:300]}, outside the source (allowed_domains "
                    f"{', '.join(spider.allowed_domains)}, with the scheme and port of its URL): not followed; "
                    "fix the source's url, or add the host to allowed_domains if it belongs to the source"
                )
        return response
