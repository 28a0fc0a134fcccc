"""Crawl throughput: raw Scrapy (no pipeline) against the full crawl (extraction + store), on N local pages.

    python benchmarks/crawl.py [--pages 2000] [--database sqlite:///...|postgresql://...]

Serves N generated article pages and a sitemap on 127.0.0.1, crawls them once with a bare Scrapy spider and
once with `igtracker.crawl.run_crawl`, and prints pages per second for each and their ratio. Both use the same
Scrapy settings (no throttling or delay, 16 concurrent requests); the time counted runs from the spider's
opening to its closing, so process start-up is left out of both (it is printed separately for the full crawl).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PARAGRAPHS = [
    "The delegation reaffirms its support for the multistakeholder model of Internet governance.",
    "It opposes any proposal that would place the management of critical Internet resources under "
    "intergovernmental control, and calls for an open, interoperable and secure Internet.",
    "On digital taxation, it supports a multilateral solution and rejects unilateral digital services taxes.",
    "Lawful access to encrypted communications must respect human rights and the rule of law.",
]
CONCURRENCY = 16


def generate(root: Path, pages: int, base_url: str) -> None:
    (root / "pages").mkdir(parents=True)
    for n in range(pages):
        body = "".join(f"<p>{PARAGRAPHS[(n + i) % len(PARAGRAPHS)]} (item {n}, part {i})</p>" for i in range(8))
        (root / "pages" / f"p{n:05d}.html").write_text(
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Statement {n}</title>'
            f'<meta property="article:published_time" content="2026-03-01T10:00:00+00:00"></head><body>'
            f"<nav>Home | News | Contact | About</nav><article><h1>Statement {n}</h1>{body}</article>"
            f"<footer>Copyright 2026 Ministry</footer></body></html>",
            encoding="utf-8",
        )
    urls = "".join(f"<url><loc>{base_url}/pages/p{n:05d}.html</loc></url>" for n in range(pages))
    (root / "sitemap.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{urls}</urlset>",
        encoding="utf-8",
    )


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def serve(root: Path) -> None:
    """Serve root on a free port of 127.0.0.1 and print its URL (run as a child process)."""
    server = Server(("127.0.0.1", 0), partial(QuietHandler, directory=str(root)))
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


def raw_child(base_url: str) -> None:
    """The raw Scrapy crawl (run in its own process, like the full crawl): fetch every page, keep nothing."""
    import scrapy
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.sitemap import Sitemap

    class RawSpider(scrapy.Spider):
        name = "raw"

        async def start(self):  # type: ignore[no-untyped-def]
            yield scrapy.Request(base_url + "/sitemap.xml", callback=self.parse_sitemap)

        def parse_sitemap(self, response):  # type: ignore[no-untyped-def]
            for entry in Sitemap(response.body):
                yield scrapy.Request(entry["loc"], callback=self.parse_page)

        def parse_page(self, response):  # type: ignore[no-untyped-def]
            return None

    marks: dict[str, float] = {}

    def opened(spider: scrapy.Spider) -> None:
        marks["open"] = time.perf_counter()

    def closed(spider: scrapy.Spider) -> None:
        marks["close"] = time.perf_counter()

    process = CrawlerProcess({
        "LOG_LEVEL": "ERROR", "CONCURRENT_REQUESTS": CONCURRENCY, "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY,
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": True, "TELNETCONSOLE_ENABLED": False,
        "COOKIES_ENABLED": False,
    })
    crawler = process.create_crawler(RawSpider)
    crawler.signals.connect(opened, signals.spider_opened)
    crawler.signals.connect(closed, signals.spider_closed)
    process.crawl(crawler)
    process.start()
    pages = crawler.stats.get_value("response_received_count", 0) if crawler.stats else 0
    print(json.dumps({"pages": pages, "seconds": marks["close"] - marks["open"]}))


def raw_scrapy(base_url: str) -> tuple[int, float]:
    out = subprocess.run([sys.executable, __file__, "--raw-child", base_url], capture_output=True, text=True,
                         check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return int(result["pages"]) - 2, float(result["seconds"])  # robots.txt and the sitemap are not pages


def full_crawl(base_url: str, database_url: str) -> tuple[int, float, float]:
    from igtracker.config import load_settings
    from igtracker.crawl import ProgressEvent, run_crawl
    from igtracker.db import session_scope
    from igtracker.models import Actor, Source
    from igtracker.store import open_store

    settings = load_settings(database_url=database_url, allow_private_addresses=True, autothrottle=False,
                             download_delay=0, concurrent_per_domain=CONCURRENCY)
    engine = open_store(settings)
    with session_scope(engine) as session:
        actor = Actor(slug="bench-ministry", name="Benchmark ministry", kind="state", country="FRA")
        session.add(actor)
        session.flush()
        session.add(Source(slug="bench-sitemap", actor_id=actor.id, kind="sitemap", url=f"{base_url}/sitemap.xml",
                           allowed_domains=["127.0.0.1"], options={"max_pages": 10**6}))
    engine.dispose()
    marks: dict[str, float] = {}

    def on_progress(event: ProgressEvent) -> None:
        if event.kind in ("source_started", "source_finished"):
            marks[event.kind] = time.perf_counter()

    started = time.perf_counter()
    report = run_crawl(settings, ["bench-sitemap"], trigger="benchmark", on_progress=on_progress)
    wall = time.perf_counter() - started
    source = report.source("bench-sitemap")
    if source.errors_count:
        print(f"warning: {source.errors_count} errors, e.g. {source.errors[:3]}", file=sys.stderr)
    return source.documents_new, marks["source_finished"] - marks["source_started"], wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--database", help="store URL (default: a new SQLite file in a temporary folder)")
    parser.add_argument("--raw-child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--serve", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw_child:
        raw_child(args.raw_child)
        return
    if args.serve:
        serve(Path(args.serve))
        return
    with tempfile.TemporaryDirectory() as tmp:
        # The server gets a process of its own, so it competes with neither crawl for a GIL.
        server = subprocess.Popen([sys.executable, __file__, "--serve", tmp], stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            base_url = server.stdout.readline().strip()
            generate(Path(tmp), args.pages, base_url)
            raw_pages, raw_seconds = raw_scrapy(base_url)
            database = args.database or f"sqlite:///{Path(tmp) / 'bench.db'}"
            full_pages, full_seconds, wall = full_crawl(base_url, database)
        finally:
            server.terminate()
            server.wait()
    raw_rate, full_rate = raw_pages / raw_seconds, full_pages / full_seconds
    print(f"pages: {args.pages}")
    print(f"raw Scrapy (no pipeline):        {raw_pages} pages in {raw_seconds:.1f} s = {raw_rate:.0f} pages/s")
    print(f"full crawl (extraction + store): {full_pages} documents in {full_seconds:.1f} s = {full_rate:.0f} pages/s"
          f" ({wall:.1f} s with process start-up and run bookkeeping)")
    print(f"ratio full / raw: {full_rate / raw_rate:.2f} (aim: >= 0.5)")


if __name__ == "__main__":
    main()
