"""A small web site served over real HTTP on 127.0.0.1 from a background thread: the demo's sample site, and the
tests' fixture sites (tests/sites.py), which add the bad cases a crawler meets in the wild by overriding `route`.

Answers GET and HEAD with a Content-Length, an ETag and a Last-Modified date, and 304 to a conditional request
(If-None-Match first, else If-Modified-Since), as the crawler's conditional requests expect. Counts requests per
path, 304 answers per path and the User-Agent headers seen, for tests that check what a crawl fetched.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Resource:
    """One file of a site: its bytes, type and (optional) modification time."""

    body: bytes
    content_type: str
    last_modified: datetime | None = None

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'


class SiteHandler(BaseHTTPRequestHandler):
    """Serves `site.resource(path)`; a subclass adds dynamic paths by overriding `route` (calling super last)."""

    server: SiteHTTPServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle(with_body=False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: requests are the crawler's business (and the tests count them)."""

    def _handle(self, with_body: bool) -> None:
        path = urlsplit(self.path).path
        self.server.hits[path] += 1
        self.server.user_agents.add(self.headers.get("User-Agent", ""))
        self.with_body = with_body
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # clients hang up (size limits, timeouts)
            self.route(path)

    @property
    def site(self) -> SiteServer:
        return self.server.site

    def route(self, path: str) -> None:
        resource = self.site.resource(path)
        if resource is None:
            self.send(HTTPStatus.NOT_FOUND, self.site.not_found)
            return
        headers = {"ETag": resource.etag}
        if resource.last_modified is not None:
            headers["Last-Modified"] = format_datetime(resource.last_modified, usegmt=True)
        if self._not_modified(resource):
            self.server.not_modified[path] += 1
            self.send(HTTPStatus.NOT_MODIFIED, None, headers)
            return
        self.send(HTTPStatus.OK, resource, headers)

    def _not_modified(self, resource: Resource) -> bool:
        tags = self.headers.get("If-None-Match")
        if tags is not None:
            return resource.etag in [t.strip() for t in tags.split(",")] or tags.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since and resource.last_modified is not None:
            try:
                return resource.last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    def send(self, status: int, resource: Resource | None, headers: dict[str, str] | None = None) -> None:
        """Answer with `resource` (None: no body, as for 304 or a redirect) and extra headers."""
        self.send_response(status)
        if resource is not None:
            self.send_header("Content-Type", resource.content_type)
        self.send_header("Content-Length", str(len(resource.body)) if resource is not None else "0")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if resource is not None and self.with_body:
            self.wfile.write(resource.body)

    def redirect(self, status: int, location: str) -> None:
        self.send(status, None, {"Location": location})


class SiteHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # a crawl opens many connections at once; the default backlog of 5 drops some
    site: SiteServer
    hits: Counter[str]
    not_modified: Counter[str]
    user_agents: set[str]

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hang up (timeouts, size limits, the end of a crawl); that is not worth a traceback."""


class SiteServer:
    """A site on host:port (port 0: a free one), serving from a background thread once started; a context manager
    that stops the server on exit. Subclasses say what is at a path (`resource`) and may add routes (`handler`)."""

    handler: type[SiteHandler] = SiteHandler
    not_found = Resource(b"not found", "text/plain")

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = SiteHTTPServer((host, port), self.handler)
        self.server.site = self
        self.server.hits, self.server.not_modified, self.server.user_agents = Counter(), Counter(), set()
        bound_host, bound_port = self.server.server_address[:2]
        self.host = str(bound_host)
        self.port = int(bound_port)
        self._thread: threading.Thread | None = None

    def resource(self, path: str) -> Resource | None:
        """What is served at `path`, or None for a 404."""
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}"

    @property
    def hits(self) -> Counter[str]:
        return self.server.hits

    def url(self, path: str = "/") -> str:
        return self.base_url + ("" if path.startswith("/") else "/") + path

    def start(self) -> Self:
        if self._thread is None:
            self._thread = threading.Thread(target=self.server.serve_forever, name="site-server", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.server.shutdown()
            self._thread.join()
            self._thread = None
        self.server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
