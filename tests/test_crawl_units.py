"""The crawl's building blocks on their own: canonical URLs, extraction, submitters, scheduling, the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from igtracker.actors import ActorResolver, country_code
from igtracker.crawl import due_sources
from igtracker.crawl_runs import begin_run, finish_run
from igtracker.documents import FetchedDocument, store_document
from igtracker.extract import (
    DOCX,
    HTML,
    PDF,
    ExtractionError,
    extract,
    media_type_of,
    reflow,
    to_utc,
)
from igtracker.models import Actor, CrawlRunSource, Document, Source
from igtracker.urls import canonical_url, in_domains, is_public_address, strip_tracking, within_source
from tests.sites import make_docx, make_pdf

# URLs ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Example.org/a?utm_source=x&utm_medium=y&id=3", "https://example.org/a?id=3"),
        ("https://example.org/a?fbclid=abc&gclid=def", "https://example.org/a"),
        ("https://example.org:443/a?b=2&a=1#section", "https://example.org/a?a=1&b=2"),
        ("http://example.org:80", "http://example.org/"),
        ("https://example.org/a?mc_cid=1&page=2&_ga=3", "https://example.org/a?page=2"),
    ],
)
def test_canonical_url_drops_tracking_parameters(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_strip_tracking_keeps_the_rest_as_it_was() -> None:
    assert strip_tracking("https://example.org/x?z=1&utm_campaign=c&a=2") == "https://example.org/x?z=1&a=2"


def test_domains_and_addresses() -> None:
    assert in_domains("https://www.itu.int/md/x", ["itu.int"])
    assert not in_domains("https://evilitu.int/", ["itu.int"])
    assert not in_domains("https://itu.int/", [])
    for private in ("127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "fe80::1", "0.0.0.0",
                    "::ffff:127.0.0.1"):
        assert not is_public_address(private), private
    assert is_public_address("8.8.8.8") and is_public_address("2606:4700::1111")


def test_a_source_is_its_scheme_host_and_port() -> None:
    source, domains = "http://127.0.0.1:8001/listing.html", ["127.0.0.1"]
    assert within_source("http://127.0.0.1:8001/doc.html", source, domains)
    assert not within_source("http://127.0.0.1:8002/doc.html", source, domains)  # another service, same host
    assert not within_source("https://127.0.0.1:8001/doc.html", source, domains)
    assert within_source("https://www.itu.int/doc", "http://www.itu.int/", ["itu.int"])  # moved to https
    assert within_source("http://www.itu.int:80/doc", "https://www.itu.int/", ["itu.int"])
    assert not within_source("https://www.itu.int:8443/doc", "https://www.itu.int/", ["itu.int"])
    assert not within_source("https://evil.example/doc", "https://www.itu.int/", ["itu.int"])


# Extraction ----------------------------------------------------------------------------------------------------


def test_dates_become_utc() -> None:
    assert to_utc("2026-03-01T09:30:00+01:00") == datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    assert to_utc("Mon, 02 Mar 2026 10:00:00 -0500") == datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    assert to_utc("2026-03-04") == datetime(2026, 3, 4, tzinfo=UTC)
    assert to_utc("4 March 2026") == datetime(2026, 3, 4, tzinfo=UTC)
    assert to_utc(datetime(2026, 3, 4, 12, 0)) == datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    assert to_utc("sometime soon") is None and to_utc(None) is None


def test_media_type_from_header_magic_or_suffix() -> None:
    assert media_type_of("text/html; charset=utf-8", "https://x/a", b"") == HTML
    assert media_type_of("application/octet-stream", "https://x/a", b"%PDF-1.7 ...") == PDF
    assert media_type_of(None, "https://x/C-002.docx?download=1", b"PK\x03\x04") == DOCX
    assert media_type_of(None, "https://x/a", b"<!DOCTYPE html><html>") == HTML


def test_html_main_text_and_metadata() -> None:
    html = (
        '<html lang="de"><head><title>Erklärung</title><meta name="author" content="Anna Beispiel">'
        '<meta property="article:published_time" content="2026-05-01T10:00:00+02:00"></head><body>'
        "<nav>Startseite Kontakt Impressum</nav><article><h1>Erklärung zur Internet-Governance</h1>"
        "<p>Die Bundesregierung unterstützt das Multistakeholder-Modell der Internet-Governance.</p>"
        "<p>Sie lehnt eine zwischenstaatliche Kontrolle der kritischen Internet-Ressourcen ab.</p>"
        "</article></body></html>"
    )
    result = extract(html.encode(), HTML, "https://example.de/erklaerung", html=html)
    assert "unterstützt das Multistakeholder-Modell" in result.text and "Impressum" not in result.text
    assert result.author == "Anna Beispiel" and result.language == "de"
    assert result.published_at == datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def test_blockquotes_are_kept_as_quotes() -> None:
    """A blockquote paragraph is stored in quotation marks (quotes inside it nested as single ones), so the
    attribution step can give it to the speaker the lead-in names; ordinary paragraphs are left as they were."""
    html = (
        '<html lang="en"><head><title>Minister rejects fees</title></head><body><article><h1>Minister rejects '
        "fees</h1><p>Kenya's ICT minister, Ana Ortiz, was blunt on Tuesday:</p>"
        '<blockquote><p>"Fair share" is a <em>misleading</em> name.</p><p>We will never accept network fees.</p>'
        "</blockquote><blockquote>Encryption must be protected.</blockquote>"
        "<p>The talks resume in Geneva next week, with delegations from forty countries expected.</p>"
        "</article></body></html>"
    )
    lines = extract(html.encode(), HTML, "https://news.example/fees", html=html).text.splitlines()
    assert lines[1:] == [
        "Kenya's ICT minister, Ana Ortiz, was blunt on Tuesday:",
        "“‘Fair share’ is a misleading name.”",
        "“We will never accept network fees.”",
        "“Encryption must be protected.”",
        "The talks resume in Geneva next week, with delegations from forty countries expected.",
    ]


def test_pdf_and_docx(tmp_path: Path) -> None:
    make_pdf(tmp_path / "a.pdf", "A title", "First paragraph of the paper, which goes on for a while.", "Ann")
    pdf = extract((tmp_path / "a.pdf").read_bytes(), PDF, "https://x/a.pdf")
    assert pdf.title == "A title" and pdf.author == "Ann" and "First paragraph" in pdf.text
    assert pdf.published_at == datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
    make_docx(tmp_path / "b.docx", "B title", "Body of the Word document, long enough to count.", "Bob")
    docx = extract((tmp_path / "b.docx").read_bytes(), DOCX, "https://x/b.docx")
    assert docx.title == "B title" and docx.author == "Bob" and "Body of the Word document" in docx.text
    assert docx.language == "en"


@pytest.mark.parametrize(
    ("body", "media_type", "reason"),
    [
        (b"%PDF-1.4\ngarbage", PDF, "corrupt or unreadable PDF"),
        (b"PK\x03\x04 not a zip", DOCX, "corrupt or unreadable DOCX"),
        (b"<html><body></body></html>", HTML, "no"),
        (b"\x00\x01", "image/png", "unsupported media type"),
    ],
)
def test_unreadable_files_raise_extraction_error(body: bytes, media_type: str, reason: str) -> None:
    with pytest.raises(ExtractionError, match=reason):
        extract(body, media_type, "https://x/file")


def test_reflow_joins_broken_lines() -> None:
    text = "The delegation proposes an equal role in\ninternational Internet-\nrelated public policy.\nNext point."
    assert reflow(text) == (
        "The delegation proposes an equal role in international Internet-related public policy.\nNext point."
    )


# Submitters ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Russian Federation", "RUS"),
        ("China (People's Republic of)", "CHN"),
        ("Korea (Republic of)", "KOR"),
        ("Iran (Islamic Republic of)", "IRN"),
        ("United States", "USA"),
        ("Government of Brazil", "BRA"),
        ("Arab Group", None),
        ("Internet Society", None),
    ],
)
def test_country_names_in_itu_style(name: str, code: str | None) -> None:
    assert country_code(name) == code


def test_resolver_matches_by_name_alias_and_country_then_creates(session: Session) -> None:
    session.add_all([
        Actor(slug="russia", name="Russia", kind="state", country="RUS"),
        Actor(slug="isoc", name="ISOC", kind="ngo", aliases=["Internet Society"]),
    ])
    session.flush()
    resolver = ActorResolver(session)
    assert [a.slug for a in resolver.resolve_submitters("Russian Federation", default_kind="igo")] == ["russia"]
    assert [a.slug for a in resolver.resolve_submitters("internet  society", default_kind="ngo")] == ["isoc"]
    [brazil, russia] = resolver.resolve_submitters("Brazil, Russian Federation", default_kind="igo")
    assert (brazil.kind, brazil.country, brazil.in_registry, russia.slug) == ("state", "BRA", False, "russia")
    [group] = resolver.resolve_submitters("African Telecommunications Union", default_kind="igo")
    assert group.kind == "igo" and group.in_registry is False
    [firm] = resolver.resolve_submitters("Example Networks Ltd", default_kind="ngo")
    assert firm.kind == "firm"
    assert resolver.resolve_submitters("Brazil", default_kind="igo")[0].id == brazil.id  # no duplicate actor
    [bosnia] = resolver.resolve_submitters("Bosnia and Herzegovina", default_kind="igo")
    assert bosnia.country == "BIH"


# Spider parsing (a real Scrapy response, no network) ----------------------------------------------------------


def test_listing_selectors_css_and_xpath() -> None:
    from scrapy.http import HtmlResponse

    from igtracker.spiders.listing import links

    page = b'<ul><li><a class="s" href="/a.html">A</a></li><li><a class="s" href="b.html?x=1">B</a></li></ul>'
    response = HtmlResponse("https://example.org/news/", body=page, encoding="utf-8")
    expected = ["https://example.org/a.html", "https://example.org/news/b.html?x=1"]
    assert links(response, "a.s", "css") == expected
    assert links(response, "a.s::attr(href)", "css") == expected
    assert links(response, "//a[@class='s']/@href", "xpath") == expected
    assert links(response, "//a[@class='s']", "xpath") == expected


def test_itu_table_prefers_formats_in_order_and_can_follow_a_document_page() -> None:
    from scrapy.http import HtmlResponse

    from igtracker.spiders.base import SourceSpec
    from igtracker.spiders.itu import ItuContributionsSpider

    page = (
        b"<table><tr><th>No.</th><th>Title</th><th>Source</th><th>AI/Question</th><th>Date</th></tr>"
        b"<tr><td><a href='/md/C-0001/en'>C-0001</a></td><td>Proposal</td><td>Brazil</td><td>1</td>"
        b"<td>2026-02-03</td></tr>"
        b"<tr><td>C-0002</td><td>Views</td><td>Ghana</td><td>2</td><td>2026-02-04</td></tr></table>"
    )
    response = HtmlResponse("https://www.itu.int/md/S26-C/en", body=page, encoding="utf-8")

    def spider(**options: object) -> ItuContributionsSpider:
        spec = SourceSpec(1, "itu-c", "itu_contributions", response.url, ["itu.int"], dict(options))
        return ItuContributionsSpider(spec=spec)

    assert list(spider().parse_start(response)) == []  # no PDF or DOCX linked: nothing to fetch
    [request] = spider(formats=["pdf", "page"]).parse_start(response)
    assert request.url == "https://www.itu.int/md/C-0001/en"
    hints = request.meta["hints"]
    assert (hints.submitter, hints.title, hints.published) == ("Brazil", "Proposal", "2026-02-03")
    assert hints.meta["document_number"] == "C-0001"


def _spider(cls: type, kind: str, url: str, **options: object) -> object:
    from igtracker.spiders.base import SourceSpec

    return cls(spec=SourceSpec(1, "src", kind, url, ["example.org"], dict(options)))


def test_atom_feed_entries_become_document_requests() -> None:
    from scrapy.http import XmlResponse

    from igtracker.spiders.feed import FeedSpider

    atom = (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>News</title>'
        b'<entry><title>First</title><link href="https://example.org/a?utm_source=atom"/>'
        b"<updated>2026-04-01T10:00:00+02:00</updated></entry>"
        b'<entry><title>Elsewhere</title><link href="https://other.example.com/b"/></entry></feed>'
    )
    response = XmlResponse("https://example.org/feed.atom", body=atom)
    [request] = _spider(FeedSpider, "feed", response.url).parse_start(response)  # type: ignore[attr-defined]
    assert request.url == "https://example.org/a"  # tracking parameter dropped, offsite entry skipped
    assert request.meta["hints"].title == "First"
    assert to_utc(request.meta["hints"].published) == datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


def test_sitemap_index_is_followed_and_the_pattern_applies() -> None:
    from scrapy.http import XmlResponse

    from igtracker.spiders.sitemap import SitemapSpider

    ns = b'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    index = XmlResponse("https://example.org/sitemap.xml", body=b"<sitemapindex " + ns + b"><sitemap>"
                        b"<loc>https://example.org/news-sitemap.xml</loc></sitemap></sitemapindex>")
    spider = _spider(SitemapSpider, "sitemap", index.url, url_pattern="/news/")
    [follow] = spider.parse_start(index)  # type: ignore[attr-defined]
    assert follow.url == "https://example.org/news-sitemap.xml" and follow.callback == spider.parse_start  # type: ignore[attr-defined]
    urls = XmlResponse(follow.url, body=b"<urlset " + ns + b"><url><loc>https://example.org/news/1</loc></url>"
                       b"<url><loc>https://example.org/about</loc></url></urlset>")
    assert [r.url for r in spider.parse_start(urls)] == ["https://example.org/news/1"]  # type: ignore[attr-defined]


# Store and scheduling ------------------------------------------------------------------------------------------


def _source(session: Session, slug: str, **values: object) -> Source:
    actor = session.scalar(select(Actor).where(Actor.slug == "a")) or Actor(slug="a", name="A", kind="ngo")
    session.add(actor)
    session.flush()
    source = Source(slug=slug, actor_id=actor.id, kind="feed", url=f"https://example.org/{slug}.xml", **values)
    session.add(source)
    session.flush()
    return source


def test_store_document_new_unchanged_changed(session: Session) -> None:
    source = _source(session, "s")
    page = "<html><body><article><p>{}</p></article></body></html>"
    first = extract(page.format("Original text of the statement, long enough.").encode(), HTML, "https://x/a")

    def fetched(ex: object) -> FetchedDocument:
        return FetchedDocument("https://x/a", "https://x/a?utm_source=z", source.id, source.actor_id, ex)  # type: ignore[arg-type]

    assert store_document(session, fetched(first)) == "new"
    session.flush()
    assert store_document(session, fetched(first)) == "unchanged"
    second = extract(page.format("Revised text of the statement, long enough.").encode(), HTML, "https://x/a")
    assert store_document(session, fetched(second)) == "changed"
    session.flush()
    doc = session.scalar(select(Document))
    assert doc is not None and doc.version == 2 and "Revised" in doc.text
    assert [v.version for v in doc.versions] == [1] and "Original" in doc.versions[0].text


def test_due_sources(session: Session) -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    never = _source(session, "never")
    recent = _source(session, "recent", frequency_hours=24)
    stale = _source(session, "stale", frequency_hours=6)
    failing = _source(session, "failing", frequency_hours=24)
    _source(session, "disabled", enabled=False)
    run = begin_run(session, [recent, stale, failing], trigger="test")
    finished = {recent.id: now - timedelta(hours=2), stale.id: now - timedelta(hours=7), failing.id: None}
    for row in run.sources:
        row.finished_at = finished[row.source_id]
        row.documents_new = 1
    session.flush()
    finish_run(session, run.id)
    failing_row = session.scalar(select(CrawlRunSource).where(CrawlRunSource.source_id == failing.id))
    assert failing_row is not None and failing_row.status == "failed"
    assert [s.slug for s in due_sources(session, now)] == sorted([never.slug, stale.slug, failing.slug])
