"""Canonical URLs and domain checks: one document per page, whatever tracking parameters a link carried."""

from __future__ import annotations

import ipaddress
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Parameters that identify a campaign or a click, never the content.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid", "mc_cid", "mc_eid",
        "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "rb_clickid", "s_cid",
        "ref_src", "spm",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def strip_tracking(url: str) -> str:
    """The URL without tracking parameters (and without a fragment); everything else kept as it was."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query, doseq=True), ""))


def canonical_url(url: str) -> str:
    """The key a document is stored under: tracking parameters dropped, query sorted, host lower-cased,
    default port and fragment removed."""
    canonical = canonicalize_url(strip_tracking(url.strip()))
    parts = urlsplit(canonical)
    netloc = parts.netloc
    if (parts.scheme == "http" and netloc.endswith(":80")) or (parts.scheme == "https" and netloc.endswith(":443")):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port (the scheme's default when none is given) of an absolute URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port out of range or not a number
        return scheme, host_of(url), -1
    return scheme, host_of(url), port if port is not None else DEFAULT_PORTS.get(scheme)


def within_source(url: str, source_url: str, domains: list[str]) -> bool:
    """Whether a source may fetch `url`: a host in its domains, and the scheme and port of the source's URL.

    A source on a default port (http://host/ or https://host/) also covers the other scheme's default port, as
    sites move between http and https; another port on the same host is another service, never the source.
    """
    if not in_domains(url, domains):
        return False
    scheme, _host, port = origin(url)
    source_scheme, _source_host, source_port = origin(source_url)
    if (scheme, port) == (source_scheme, source_port):
        return True
    on_default = DEFAULT_PORTS.get(source_scheme) == source_port
    return on_default and scheme in DEFAULT_PORTS and DEFAULT_PORTS[scheme] == port


def in_domains(url: str, domains: list[str]) -> bool:
    """True when the URL's host is one of the domains or a subdomain of one (an empty list allows nothing)."""
    host = host_of(url)
    return any(host == d.lower().lstrip(".") or host.endswith("." + d.lower().lstrip(".")) for d in domains if d)


def is_public_address(address: str) -> bool:
    """False for loopback, private, link-local, multicast, reserved and unspecified addresses."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast
