"""The crawler's DNS resolver: the addresses Scrapy connects to are checked, not those of a second lookup.

Installed on the reactor (TWISTED_DNS_RESOLVER), it is the lookup every connection uses, so a name that answers
a public address to a check and a private one to the connection (DNS rebinding) cannot slip through.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scrapy.crawler import Crawler
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from igtracker.urls import is_public_address

# Host name -> why it was refused. Twisted reports a failed lookup to the download as "no results", whatever the
# resolver raised, so the spider's errback looks the reason up here.
REFUSED: dict[str, str] = {}


class AddressRefused(DNSLookupError):
    """A host name resolved to an address the crawler must not connect to."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "blocked address"


def refusal(host: str, address: str) -> str:
    return (f"blocked: {host} is a private, loopback or link-local address ({address}); "
            "set allow_private_addresses to crawl it")


class PublicAddressResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, failing for loopback, private, link-local and reserved answers unless
    TRACKER_ALLOW_PRIVATE_ADDRESSES."""

    allow_private = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> PublicAddressResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_private = crawler.settings.getbool("TRACKER_ALLOW_PRIVATE_ADDRESSES")
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:  # noqa: N802 - Twisted's
        resolved = super().getHostByName(name, timeout)
        if not self.allow_private:
            resolved.addCallback(self._public, name)
        return resolved

    @staticmethod
    def _public(address: str, name: str) -> str:
        if not is_public_address(address):
            REFUSED[name.lower()] = refusal(name, address)
            raise AddressRefused(REFUSED[name.lower()])
        return address
