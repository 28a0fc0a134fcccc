"""The demo's sample site: served over real HTTP, marked as sample data, crawlable by the real spiders."""

from __future__ import annotations

import importlib.util
import io
import re
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest
import trafilatura
from parsel import Selector
from pypdf import PdfReader

from igtracker.demo.registry import sample_registry
from igtracker.demo.site import (
    BANNER,
    DATA_DIR,
    STATIC_DIR,
    SampleSiteServer,
    sample_as_of,
    sample_documents,
    serve_sample_site,
)
from igtracker.source_options import OPTIONS_BY_KIND
from tests.conftest import SHARED

LOOPBACK_URL = re.compile(r"^http://127\.0\.0\.1:\d+/")


@pytest.fixture(scope="module")
def site() -> Iterator[SampleSiteServer]:
    with serve_sample_site() as server:
        yield server


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def registry_sources(site: SampleSiteServer) -> list[dict]:
    return tomllib.loads(sample_registry(site.base_url))["sources"]


def html_paths(site: SampleSiteServer) -> list[str]:
    return [p for p, r in site.files.items() if r.content_type.startswith("text/html")]


def test_every_file_is_served_over_http_on_loopback(site: SampleSiteServer) -> None:
    assert LOOPBACK_URL.match(site.url("/"))
    for path, resource in site.files.items():
        status, headers, body = fetch(site.url(path))
        assert status == 200, path
        assert body == resource.body, path
        assert headers["Content-Type"] == resource.content_type
    status, _, _ = fetch(site.url("/no/such/page.html"))
    assert status == 404


def test_conditional_requests_get_304(site: SampleSiteServer) -> None:
    path = next(d.path for d in sample_documents() if d.format == "html")
    _, headers, _ = fetch(site.url(path))
    assert headers["Last-Modified"]
    status, _, body = fetch(site.url(path), {"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")
    status, _, _ = fetch(site.url(path), {"If-Modified-Since": headers["Last-Modified"]})
    assert status == 304


def test_two_servers_run_side_by_side_and_stop() -> None:
    with serve_sample_site() as first, serve_sample_site() as second:
        assert first.base_url != second.base_url
        assert fetch(second.url("/robots.txt"))[0] == 200
    with pytest.raises(OSError):
        urllib.request.urlopen(first.url("/"), timeout=2)


def test_registry_is_valid_and_points_at_the_served_site(site: SampleSiteServer, tmp_path: Path) -> None:
    text = sample_registry(site.base_url)
    raw = tomllib.loads(text)
    for source in raw["sources"]:
        OPTIONS_BY_KIND[source["kind"]].model_validate(source.get("options", {}))
        assert source["allowed_domains"] == ["127.0.0.1"]
        assert source["url"].startswith(site.base_url + "/")
        assert fetch(source["url"])[0] == 200, source["id"]
    assert {s["kind"] for s in raw["sources"]} == set(OPTIONS_BY_KIND)
    publishers = {s["actor"] for s in raw["sources"]}
    assert len(publishers) >= 15
    kinds = {a["kind"] for a in raw["actors"] if a["id"] in publishers}
    assert {"state", "igo", "firm", "ngo", "technical"} <= kinds

    if importlib.util.find_spec("igtracker.registry") is None:
        pytest.skip("igtracker.registry not available")
    from igtracker.registry import load_registry

    path = tmp_path / "registry.toml"
    path.write_text(text, encoding="utf-8")
    registry = load_registry(path)
    assert len(registry.sources) == len(raw["sources"])


def test_every_page_is_marked_as_sample_data_with_a_real_source(site: SampleSiteServer) -> None:
    for path in html_paths(site):
        page = Selector(text=site.files[path].body.decode("utf-8"))
        banner = " ".join(" ".join(page.css(".sample-banner ::text").getall()).split())
        assert banner.startswith(BANNER), path
        original = page.css(".sample-banner a.original::attr(href)").get()
        assert original and original.startswith("https://") and "127.0.0.1" not in original, path
    for doc in sample_documents():
        if doc.format == "pdf":
            text = " ".join(PdfReader(io.BytesIO(site.files[doc.path].body)).pages[0].extract_text().split())
            assert text.startswith(BANNER), doc.path
            assert doc.original_url.replace("https://", "") in text.replace(" ", ""), doc.path


def test_committed_pdfs_match_the_content_file(site: SampleSiteServer) -> None:
    """A PDF left stale after editing content.yaml fails here: rebuild with `python scripts/build_demo_pdfs.py`."""
    for doc in sample_documents():
        if doc.format == "pdf":
            reader = PdfReader(io.BytesIO(site.files[doc.path].body))
            text = "".join("".join(page.extract_text().split()) for page in reader.pages)
            for expected in (doc.title, doc.author_name, *doc.paragraphs):
                assert "".join(expected.split()) in text, f"{doc.path}: {expected[:60]!r}"


def test_documents_show_their_date_where_extractors_look(site: SampleSiteServer) -> None:
    for doc in sample_documents():
        resource = site.files[doc.path]
        assert resource.last_modified == doc.published_at
        if doc.format == "pdf":
            created = PdfReader(io.BytesIO(resource.body)).metadata.creation_date
            assert created is not None and created.date() == doc.published_at.date(), doc.path
            continue
        html = resource.body.decode("utf-8")
        page = Selector(text=html)
        assert page.css("meta[property='article:published_time']::attr(content)").get() == doc.iso_date
        assert page.css("time::attr(datetime)").get() == doc.iso_date
        assert doc.long_date in page.css("time::text").get()
        assert trafilatura.extract_metadata(html).date == doc.iso_day, doc.path


def test_feeds_parse_and_link_to_served_documents(site: SampleSiteServer) -> None:
    feeds = [s for s in registry_sources(site) if s["kind"] == "feed"]
    assert len(feeds) >= 5
    versions = set()
    for source in feeds:
        feed = feedparser.parse(fetch(source["url"])[2])
        assert not feed.bozo, source["id"]
        versions.add(feed.version[:3])
        expected = {site.url(d.path) for d in sample_documents() if d.author == source["actor"]
                    and d.publisher == source["actor"] and not d.path.startswith(("/itu/wcit", "/icann/public"))}
        assert {e.link for e in feed.entries} == expected
        assert all(e.published_parsed for e in feed.entries)
    assert versions == {"rss", "ato"}


def crawl_listing(site: SampleSiteServer, url: str, items: str, next_page: str) -> tuple[list[str], int]:
    """Item links over every page, following the next-page link the way the listing spider does."""
    found, pages, seen = [], 0, set()
    while url and url not in seen:
        seen.add(url)
        status, _, body = fetch(url)
        assert status == 200, url
        pages += 1
        page = Selector(text=body.decode("utf-8"))
        found += [urllib.parse.urljoin(url, href) for href in page.css(items).xpath("@href").getall()]
        following = page.css(next_page).xpath("@href").get()
        url = urllib.parse.urljoin(url, following) if following else None
    return found, pages


def test_listing_pages_paginate_to_every_item(site: SampleSiteServer) -> None:
    listings = [s for s in registry_sources(site) if s["kind"] == "listing"]
    page_counts = []
    for source in listings:
        links, pages = crawl_listing(site, source["url"], source["options"]["item_links"],
                                     source["options"]["next_page"])
        expected = [d for d in sample_documents() if d.author == source["actor"] and d.publisher == source["actor"]]
        assert sorted(links) == sorted(site.url(d.path) for d in expected), source["id"]
        page_counts.append(pages)
    assert max(page_counts) >= 2


def test_contribution_table_and_proceeding_have_the_spiders_shape(site: SampleSiteServer) -> None:
    sources = {s["kind"]: s for s in registry_sources(site)}
    table = sources["itu_contributions"]
    links, pages = crawl_listing(site, table["url"], "table.contributions a", table["options"]["next_page"])
    contributions = [d for d in sample_documents() if d.path.startswith("/itu/wcit/")]
    assert pages == 2 and sorted(links) == sorted(site.url(d.path) for d in contributions)
    header = Selector(text=fetch(table["url"])[2].decode()).css("table.contributions tr")[0]
    labels = [" ".join(t.split()) for t in header.css("th::text").getall()]
    options = OPTIONS_BY_KIND["itu_contributions"]()
    for pattern in (options.number_header, options.title_header, options.submitter_header, options.date_header):
        assert any(re.search(pattern, label, re.IGNORECASE) for label in labels), pattern

    proceeding = Selector(text=fetch(sources["icann_proceeding"]["url"])[2].decode())
    submissions = proceeding.css(".submission")
    assert len(submissions) == 6
    for node in submissions:
        assert node.css(".organization::text").get().strip()
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", node.css(".date::text").get())
        assert len(node.css("a")) == 1


def test_weeks_give_what_moved_content() -> None:
    docs = sample_documents()
    as_of = sample_as_of()
    dates = sorted(d.published_at.date() for d in docs)
    assert dates[-1] < as_of and (as_of - dates[0]).days >= 35
    assert sum(as_of - timedelta(days=7) <= day for day in dates) >= 8
    history: dict[tuple[str, str], list[str]] = defaultdict(list)
    for doc in docs:  # oldest first
        for issue, position in doc.stances.items():
            history[doc.author, issue].append(position)
    shifted = {actor for (actor, _), positions in history.items() if positions[0] != positions[-1]}
    assert {"india", "brazil"} <= shifted
    assert any(doc.reported for doc in docs)
    assert any(not doc.stances and not doc.reported for doc in docs)


def test_site_is_small_and_pdfs_are_committed() -> None:
    total = sum(f.stat().st_size for f in DATA_DIR.rglob("*") if f.is_file())
    assert total < 1_000_000
    pdfs = {"/" + p.relative_to(STATIC_DIR).as_posix() for p in STATIC_DIR.rglob("*.pdf")}
    assert pdfs == {d.path for d in sample_documents() if d.format == "pdf"}
    assert len(pdfs) >= 3
    assert all(p.stat().st_size < 50_000 for p in STATIC_DIR.rglob("*.pdf"))


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is absent")
def test_no_text_is_copied_from_shared() -> None:
    def shingles(text: str, n: int = 10) -> set[str]:
        words = re.findall(r"[a-z0-9']+", text.lower())
        return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}

    ours = shingles(" ".join(" ".join(d.paragraphs) for d in sample_documents()))
    for path in SHARED.rglob("*"):
        if path.is_file() and path.suffix in (".txt", ".md", ".html", ".json", ".yaml"):
            copied = ours & shingles(path.read_text(encoding="utf-8", errors="ignore"))
            assert not copied, f"{path} shares these phrases with the sample content: {sorted(copied)}"


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("igtracker.crawl") is None, reason="crawler not available")
def test_real_spiders_store_every_document_with_its_author(site: SampleSiteServer, tmp_path: Path) -> None:
    from sqlalchemy import select

    from igtracker.config import load_settings
    from igtracker.crawl import run_crawl
    from igtracker.db import session_scope
    from igtracker.models import Document
    from igtracker.registry import load_registry, sync_registry
    from igtracker.store import open_store

    settings = load_settings(database_url=f"sqlite:///{tmp_path}/demo.db", allow_private_addresses=True,
                             autothrottle=False, download_delay=0, download_timeout=5.0, retry_times=1,
                             concurrent_per_domain=8, crawl_time_limit=120)
    registry = tmp_path / "registry.toml"
    registry.write_text(sample_registry(site.base_url), encoding="utf-8")
    engine = open_store(settings)
    with session_scope(engine) as session:
        sync_registry(session, load_registry(registry))
    report = run_crawl(settings)
    assert all(s.status == "ok" and s.errors_count == 0 for s in report.sources), report.sources
    with session_scope(engine) as session:
        stored = {d.canonical_url.removeprefix(site.base_url): d for d in session.scalars(select(Document))}
        expected = sample_documents()
        assert set(stored) == {d.path for d in expected}
        for doc in expected:
            document = stored[doc.path]
            assert document.published_at.date() == doc.published_at.date(), doc.path
            assert document.actor.slug == doc.author, doc.path
        joint = stored["/itu/wcit/contributions/C-005.pdf"]
        assert joint.actor.slug == "russia"  # the first submitter of a joint contribution
    engine.dispose()
