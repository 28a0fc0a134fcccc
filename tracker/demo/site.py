"""The bundled sample site that `tracker demo` crawls offline: its content, the pages rendered from it, its server.

The content lives in `tracker/data/demo_site/content.yaml` (restatements of public positions, with links to the
real sources); HTML pages, feeds, listing pages, the ITU-style contribution table and the ICANN-style proceeding
are rendered from it when the server starts, because feeds need the server's absolute URLs. The PDF documents are
committed under `tracker/data/demo_site/static/` (rebuild them with `python scripts/build_demo_pdfs.py` after
editing the content). `igtracker.demo.registry` writes the registry that points the real spiders at the served site.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from igtracker.demo.server import Resource, SiteServer

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "demo_site"
CONTENT_FILE = DATA_DIR / "content.yaml"
STATIC_DIR = DATA_DIR / "static"
TEMPLATES_DIR = DATA_DIR / "templates"

BANNER = "Sample data for the igtracker demo: a restatement, not the actor's words; see the original at"
LISTING_ITEM_LINKS = "ul.doc-list a.doc-link"
NEXT_PAGE_LINK = "a[rel='next']"
CONTRIBUTIONS_PATH = "/itu/wcit/contributions/"
PROCEEDINGS_PATH = "/icann/public-comment/"

HTML_TYPE = "text/html; charset=utf-8"
CONTENT_TYPES = {
    ".html": HTML_TYPE,
    ".pdf": "application/pdf",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
}
FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}


# Content ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleDocument:
    """One document of the sample site, with what an analyst would code for it (the demo's small gold standard).

    `author` is the registry id of the actor who speaks in the document (for contributions and submissions, the
    submitter, not the hosting body); `stances` maps issue -> position in the author's own voice; `reported`
    lists positions the document attributes to others.
    """

    path: str
    publisher: str
    author: str
    author_name: str
    title: str
    published_at: datetime
    format: str
    original_url: str
    original_context: str
    paragraphs: tuple[str, ...]
    stances: dict[str, str] = field(default_factory=dict)
    reported: tuple[dict[str, str], ...] = ()
    number: str | None = None

    @property
    def iso_date(self) -> str:
        return self.published_at.strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def iso_day(self) -> str:
        return self.published_at.date().isoformat()

    @property
    def long_date(self) -> str:
        return f"{self.published_at.day} {self.published_at:%B %Y}"

    @property
    def rfc_date(self) -> str:
        return format_datetime(self.published_at, usegmt=True)

    @property
    def summary(self) -> str:
        first = self.paragraphs[0] if self.paragraphs else ""
        return first if len(first) <= 240 else first[:237].rsplit(" ", 1)[0] + "..."


@cache
def load_content() -> dict[str, Any]:
    """The parsed content file (cached: it is package data and never changes while running)."""
    with CONTENT_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def sample_as_of() -> date:
    """The date the sample site's six weeks lead up to: run the demo's analysis and briefing as of this date."""
    return date.fromisoformat(load_content()["as_of"])


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _paragraphs(body: str) -> tuple[str, ...]:
    return tuple(" ".join(p.split()) for p in body.strip().split("\n\n") if p.strip())


def _page_document(publisher: dict[str, Any], page: dict[str, Any]) -> SampleDocument:
    suffix = ".pdf" if page.get("format") == "pdf" else ".html"
    return SampleDocument(
        path=f"/{publisher['id']}/{publisher['section']}/{page['slug']}{suffix}",
        publisher=publisher["id"],
        author=publisher["id"],
        author_name=publisher["actor"]["name"],
        title=page["title"],
        published_at=_when(page["date"]),
        format=suffix[1:],
        original_url=page["original"]["url"],
        original_context=page["original"]["context"],
        paragraphs=_paragraphs(page["body"]),
        stances=dict(page.get("stances") or {}),
        reported=tuple(page.get("reported") or ()),
    )


def _contribution_document(row: dict[str, Any], original: dict[str, str]) -> SampleDocument:
    return SampleDocument(
        path=f"{CONTRIBUTIONS_PATH}{row['number']}.pdf",
        publisher="itu",
        author=row["actor"],  # the (first) submitter, which the crawler resolves from the table's "Source" cell
        author_name=row["submitter"],
        title=row["title"],
        published_at=_when(row["date"]),
        format="pdf",
        original_url=original["url"],
        original_context=original["context"],
        paragraphs=_paragraphs(row["body"]),
        stances=dict(row.get("stances") or {}),
        number=row["number"],
    )


def _submission_document(sub: dict[str, Any], proceeding: dict[str, Any]) -> SampleDocument:
    suffix = ".pdf" if sub.get("format") == "pdf" else ".html"
    return SampleDocument(
        path=f"{PROCEEDINGS_PATH}{proceeding['slug']}/submissions/{sub['slug']}{suffix}",
        publisher="icann",
        author=sub["actor"],
        author_name=sub["organisation"],
        title=sub["title"],
        published_at=_when(sub["date"]),
        format=suffix[1:],
        original_url=proceeding["original"]["url"],
        original_context=proceeding["original"]["context"],
        paragraphs=_paragraphs(sub["body"]),
        stances=dict(sub.get("stances") or {}),
    )


def sample_documents() -> list[SampleDocument]:
    """Every document of the sample site (publishers' pages, ITU contributions, ICANN submissions), oldest first."""
    content = load_content()
    docs = [_page_document(pub, page) for pub in content["publishers"] for page in pub["pages"]]
    itu = content["itu_contributions"]
    docs += [_contribution_document(row, itu["original"]) for row in itu["rows"]]
    proceeding = content["icann_proceeding"]
    docs += [_submission_document(sub, proceeding) for sub in proceeding["submissions"]]
    return sorted(docs, key=lambda d: (d.published_at, d.path))


# Rendering -------------------------------------------------------------------------------------------------------


def environment() -> jinja2.Environment:
    # Autoescape everything (HTML and XML alike): the content is ours, but keep the habit for crawled-looking text.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def pages_of(publisher_id: str, docs: list[SampleDocument]) -> list[SampleDocument]:
    """A publisher's own channel pages, newest first (as sites list them)."""
    own = [d for d in docs if d.publisher == publisher_id and d.author == publisher_id
           and not d.path.startswith((CONTRIBUTIONS_PATH, PROCEEDINGS_PATH))]
    return sorted(own, key=lambda d: d.published_at, reverse=True)


def _listing_path(base: str, number: int) -> str:
    return base if number == 1 else f"{base}page-{number}.html"


def _paginate(items: list[Any], per_page: int) -> list[list[Any]]:
    return [items[i:i + per_page] for i in range(0, len(items), per_page)] or [[]]


def channel_path(publisher: dict[str, Any], pages: list[SampleDocument]) -> str:
    base = f"/{publisher['id']}/{publisher['section']}/"
    return {
        "rss": base + "feed.xml",
        "atom": base + "atom.xml",
        "listing": base,
        "sitemap": f"/{publisher['id']}/sitemap.xml",
        "document": pages[-1].path if pages else base,
    }[publisher["channel"]]


class _SiteBuilder:
    """Renders the whole site for one base URL into path -> Resource."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.content = load_content()
        self.docs = sample_documents()
        self.env = environment()
        self.files: dict[str, Resource] = {}

    def render(self, template: str, **context: Any) -> bytes:
        return self.env.get_template(template).render(base_url=self.base_url, **context).encode("utf-8")

    def add(self, path: str, body: bytes, content_type: str, modified: datetime | None = None) -> None:
        self.files[path] = Resource(body, content_type, modified)

    def build(self) -> dict[str, Resource]:
        self._static()
        publishers = [self._publisher(p) for p in self.content["publishers"]]
        for doc in self.docs:
            if doc.format == "html":
                publisher = next(p for p in publishers if p["id"] == doc.publisher)
                self.add(doc.path, self._page_html(publisher, doc), HTML_TYPE, doc.published_at)
        self._contributions(next(p for p in publishers if p["id"] == "itu"))
        self._proceeding(next(p for p in publishers if p["id"] == "icann"))
        self.add("/", self.render("index.html.j2", publishers=publishers, as_of=self.content["as_of"],
                                  publisher=None, original_url="https://www.itu.int/en/wcit-12/Pages/default.aspx",
                                  original_context=None), HTML_TYPE)
        self.add("/robots.txt", b"User-agent: *\nAllow: /\n", CONTENT_TYPES[".txt"])
        missing = [d.path for d in self.docs if d.path not in self.files]
        if missing:
            raise FileNotFoundError(f"sample PDFs missing under {STATIC_DIR}: {', '.join(missing)}; "
                                    "run `python scripts/build_demo_pdfs.py`")
        return self.files

    def _static(self) -> None:
        for file in sorted(STATIC_DIR.rglob("*")):
            if file.is_file():
                path = "/" + file.relative_to(STATIC_DIR).as_posix()
                doc = next((d for d in self.docs if d.path == path), None)
                self.add(path, file.read_bytes(), CONTENT_TYPES.get(file.suffix, "application/octet-stream"),
                         doc.published_at if doc else None)

    def _page_html(self, publisher: dict[str, Any], doc: SampleDocument) -> bytes:
        return self.render("page.html.j2", publisher=publisher, page=doc, original_url=doc.original_url,
                           original_context=doc.original_context)

    def _publisher(self, raw: dict[str, Any]) -> dict[str, Any]:
        pages = pages_of(raw["id"], self.docs)
        channel = raw["channel"]
        publisher = dict(raw, channel_path=channel_path(raw, pages),
                         channel_label={"rss": "RSS feed", "atom": "Atom feed", "listing": "listing",
                                        "sitemap": "sitemap", "document": "document"}[channel])
        banner = {"publisher": publisher, "original_url": raw["actor"]["homepage"], "original_context": None}
        latest = pages[0].published_at if pages else None
        extra = []
        if raw["id"] == "itu":
            extra.append(("Contributions to the conference", CONTRIBUTIONS_PATH))
        if raw["id"] == "icann":
            slug = self.content["icann_proceeding"]["slug"]
            extra.append(("Public comment proceedings", f"{PROCEEDINGS_PATH}{slug}/"))
        self.add(f"/{raw['id']}/", self.render("publisher.html.j2", pages=pages, extra=extra, **banner),
                 HTML_TYPE, latest)
        if channel in FEED_TYPES:
            body = self.render(f"{channel}.xml.j2", pages=pages, publisher=publisher,
                               updated_rfc=pages[0].rfc_date, updated_iso=pages[0].iso_date)
            self.add(publisher["channel_path"], body, FEED_TYPES[channel], latest)
        elif channel == "sitemap":
            self.add(publisher["channel_path"], self.render("sitemap.xml.j2", pages=pages), CONTENT_TYPES[".xml"],
                     latest)
        elif channel == "listing":
            self._listing(publisher, pages, banner)
        return publisher

    def _listing(self, publisher: dict[str, Any], pages: list[SampleDocument], banner: dict[str, Any]) -> None:
        base = publisher["channel_path"]
        chunks = _paginate(pages, publisher.get("per_page", 10))
        heading = publisher["section"].replace("-", " ").capitalize()
        for number, chunk in enumerate(chunks, start=1):
            body = self.render(
                "listing.html.j2", pages=chunk, heading=f"{publisher['site']}: {heading}", number=number,
                count=len(chunks), prev_path=_listing_path(base, number - 1) if number > 1 else None,
                next_path=_listing_path(base, number + 1) if number < len(chunks) else None, **banner,
            )
            self.add(_listing_path(base, number), body, HTML_TYPE, chunk[0].published_at if chunk else None)

    def _contributions(self, itu: dict[str, Any]) -> None:
        table = self.content["itu_contributions"]
        rows = sorted((d for d in self.docs if d.path.startswith(CONTRIBUTIONS_PATH)), key=lambda d: d.number or "")
        chunks = _paginate(rows, table.get("per_page", 10))
        for number, chunk in enumerate(chunks, start=1):
            body = self.render(
                "contributions.html.j2", publisher=itu, rows=[_row(d) for d in chunk], heading=table["title"],
                number=number, count=len(chunks),
                prev_path=_listing_path(CONTRIBUTIONS_PATH, number - 1) if number > 1 else None,
                next_path=_listing_path(CONTRIBUTIONS_PATH, number + 1) if number < len(chunks) else None,
                original_url=table["original"]["url"], original_context=table["original"]["context"],
            )
            self.add(_listing_path(CONTRIBUTIONS_PATH, number), body, HTML_TYPE)

    def _proceeding(self, icann: dict[str, Any]) -> None:
        proceeding = self.content["icann_proceeding"]
        subs = sorted((d for d in self.docs if d.path.startswith(PROCEEDINGS_PATH)), key=lambda d: d.published_at)
        rows = [dict(_row(d), organisation=d.author_name) for d in subs]
        body = self.render("proceeding.html.j2", publisher=icann, proceeding=proceeding, submissions=rows,
                           original_url=proceeding["original"]["url"],
                           original_context=proceeding["original"]["context"])
        self.add(f"{PROCEEDINGS_PATH}{proceeding['slug']}/", body, HTML_TYPE)
        for doc in subs:
            if doc.format == "html":
                self.add(doc.path, self._page_html(icann, doc), HTML_TYPE, doc.published_at)


def _row(doc: SampleDocument) -> dict[str, Any]:
    return {"number": doc.number, "title": doc.title, "submitter": doc.author_name, "iso_day": doc.iso_day,
            "path": doc.path, "format": doc.format}


def build_sample_site(base_url: str) -> dict[str, Resource]:
    """Every file of the sample site as served under base_url (e.g. "http://127.0.0.1:8000"), by URL path."""
    return _SiteBuilder(base_url).build()


# Serving ---------------------------------------------------------------------------------------------------------


class SampleSiteServer(SiteServer):
    """The sample site, rendered for this server's address, served once started (`with serve_sample_site() as s:`)."""

    not_found = Resource(b"<!DOCTYPE html><title>Not found</title><p>Not found on the igtracker sample site.</p>",
                         HTML_TYPE)

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self.files = build_sample_site(self.base_url)

    def resource(self, path: str) -> Resource | None:
        return self.files.get(path) or self.files.get(path + "/")


def serve_sample_site(host: str = "127.0.0.1", port: int = 0) -> SampleSiteServer:
    """The sample site on host:port (port 0: any free port), serving once entered: `with serve_sample_site() as s:`."""
    return SampleSiteServer(host, port)
