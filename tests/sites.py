"""Fixture web sites on a real HTTP server on 127.0.0.1 (the demo's, `igtracker.demo.server`), with the bad cases a
crawler meets in the wild.

The static part lives in tests/fixtures/sites (with __BASE__ standing for the server's URL); `build_sites`
adds what is easier generated: a feed of 20 items and its pages, PDF and DOCX contributions, a corrupt PDF.
Dynamic paths: /bad/flaky (500 once, then 200), /bad/slow (answers after `slow_seconds`), /bad/loop (a redirect
loop), /bad/huge.html and /bad/huge-chunked.html (over any small size limit, with and without a Content-Length),
/away?to=URL (302 to URL), /redirect/NAME (301 to /listing/NAME.html), /slow/index.html
(a listing of 20 documents that each take `doc_delay` seconds). `build_news_site` writes a news outlet's pages
quoting a minister, an NGO head, a firm and unnamed voices in the ways newsrooms attribute quotes.
"""

from __future__ import annotations

import io
import shutil
import time
from datetime import UTC, datetime
from email.utils import formatdate
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from igtracker.demo.server import Resource, SiteHandler, SiteHTTPServer, SiteServer

FIXTURES = Path(__file__).parent / "fixtures" / "sites"
FEED_ITEMS = 20
CONTENT_TYPES = {
    ".html": "text/html",
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
TEMPLATED = (".html", ".xml", ".txt")
FixtureHTTPServer = SiteHTTPServer  # the server class's name before it moved to igtracker.demo.server


def article_html(title: str, body: str, *, lang: str = "en", published: str | None = None) -> str:
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>{meta}</head>'
        f"<body><nav>Home | News | Contact</nav><article><h1>{title}</h1>{body}</article>"
        "<footer>Copyright 2026</footer></body></html>"
    )


def news_item(n: int) -> str:
    return article_html(
        f"News item {n}: the council meets on Internet governance",
        f"<p>News item number {n}. The council discussed the future of Internet governance and the role of "
        "governments, firms and civil society in the management of the domain name system.</p>"
        "<p>Delegations exchanged views on data flows, taxation of digital services and lawful access.</p>",
        published=f"2026-02-{n:02d}T12:00:00+00:00",
    )


def feed_xml(items: int = FEED_ITEMS) -> str:
    entries = "".join(
        f"<item><title>News item {n}</title><link>__BASE__/news/item-{n:02d}.html?utm_source=rss</link>"
        f"<guid>news-{n}</guid><pubDate>{formatdate(1767225600 + n * 86400, usegmt=True)}</pubDate></item>"
        for n in range(1, items + 1)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Council news</title>'
        f"<link>__BASE__/news/</link><description>News</description>{entries}</channel></rss>"
    )


def make_pdf(path: Path, title: str, text: str, author: str = "", created: str = "2026-03-01T12:00:00+01:00") -> None:
    from weasyprint import HTML

    html = (
        f"<html><head><title>{title}</title><meta name='author' content='{author}'>"
        f"<meta name='dcterms.created' content='{created}'></head><body><h1>{title}</h1>"
    )
    html += "".join(f"<p>{p}</p>" for p in text.split("\n")) + "</body></html>"
    HTML(string=html).write_pdf(path)


def make_docx(path: Path, title: str, text: str, author: str = "") -> None:
    from docx import Document

    document = Document()
    document.core_properties.title = title
    document.core_properties.author = author
    document.add_heading(title, level=1)
    for paragraph in text.split("\n"):
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(buffer.getvalue())


CONTRIBUTION_TEXT = (
    "This contribution proposes that Member States have an equal role in international Internet governance.\n"
    "It invites the Council to consider the development of international Internet-related public policy."
)


def build_sites(root: Path) -> Path:
    """The fixture sites, complete, under root (static files copied, the rest generated)."""
    shutil.copytree(FIXTURES, root, dirs_exist_ok=True)
    news = root / "news"
    news.mkdir(exist_ok=True)
    (news / "feed.xml").write_text(feed_xml(), encoding="utf-8")
    for n in range(1, FEED_ITEMS + 1):
        (news / f"item-{n:02d}.html").write_text(news_item(n), encoding="utf-8")
    files = root / "itu" / "files"
    files.mkdir(parents=True, exist_ok=True)
    make_pdf(files / "C-001.pdf", "Russian Federation: role of governments", CONTRIBUTION_TEXT, "Russian Federation")
    make_docx(files / "C-001.docx", "Russian Federation: role of governments", CONTRIBUTION_TEXT)
    make_docx(files / "C-002.docx", "Brazil: multistakeholder model", CONTRIBUTION_TEXT.replace("equal", "open"))
    make_pdf(files / "C-003.pdf", "Arab Group: data flows", CONTRIBUTION_TEXT.replace("equal", "leading"))
    (files / "C-004.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nthis is not a PDF\n")
    make_pdf(files / "C-005.pdf", "China: public policy issues", CONTRIBUTION_TEXT.replace("equal", "sovereign"))
    make_pdf(files / "C-006.pdf", "Korea and Iran: capacity building", CONTRIBUTION_TEXT + "\nCapacity building.")
    docs = root / "docs"
    docs.mkdir(exist_ok=True)
    make_pdf(docs / "position-paper.pdf", "Position paper on digital taxation",
             "The government supports a global minimum tax on digital services.\nIt opposes unilateral measures.",
             "Ministry of Finance")
    return root


NEWS_STORIES = {
    "fees": article_html(
        "Network fees divide the Nairobi talks",
        "<p>NAIROBI — Kenya's ICT minister, Ana Ortiz, was blunt on Tuesday:</p>"
        "<blockquote><p>Network fees are a dangerous idea. We will never accept them.</p></blockquote>"
        "<p>Jane Roe, the director of Access Now, spoke after the meeting.</p>"
        "<p>“Network fees would harm consumers and small businesses,” she said.</p>"
        "<p>Meta put it plainly in its submission to the ministry:</p>"
        "<blockquote><p>We oppose network fees.</p></blockquote>"
        "<p>A spokesperson for the operators said: “Network fees are long overdue and fully justified.”</p>"
        "<p>The talks resume in Geneva next week, with delegations from forty countries expected.</p>",
        published="2026-11-24T09:00:00+00:00",
    ),
    "encryption": article_html(
        "Encryption row deepens at the Nairobi talks",
        "<p>Access Now director Jane Roe was in Nairobi for the talks on Wednesday.</p>"
        "<p>“End-to-end encryption must be protected,” Roe said. “Backdoors make everyone less safe.”</p>"
        "<p>According to Kenya's ICT ministry, lawful access to encrypted messages is necessary to fight crime.</p>"
        "<p>“Lawful access is a fantasy that would weaken security for everyone,” a spokesperson said.</p>"
        "<p>Meta was explicit:</p><blockquote>We will never weaken end-to-end encryption.</blockquote>",
        published="2026-11-25T09:00:00+00:00",
    ),
}


# The same kinds of attribution in a French outlet's and a Spanish outlet's stories.
FOREIGN_NEWS_STORIES = {
    "chiffrement": article_html(
        "Chiffrement : le projet de loi divise",
        "<p>PARIS — Le gouvernement français a présenté mercredi son projet de loi sur le chiffrement des "
        "messageries.</p>"
        "<p>« Nous soutenons l'accès légal aux messages chiffrés pour lutter contre le terrorisme », a-t-il "
        "ajouté.</p>"
        "<p>Access Now a réagi jeudi :</p>"
        "<blockquote><p>Nous rejetons la surveillance de masse. Le chiffrement protège tout le monde.</p></blockquote>"
        "<p>« Ce texte est indispensable et attendu depuis longtemps », a déclaré un porte-parole.</p>"
        "<p>Le débat reprendra à l'Assemblée nationale la semaine prochaine.</p>",
        lang="fr", published="2026-11-26T09:00:00+00:00",
    ),
    "tasas": article_html(
        "Las tasas de red dividen al sector",
        "<p>MADRID — El debate sobre las tasas de red volvió a la agenda europea este martes.</p>"
        "<p>«Rechazamos cualquier tasa sobre el tráfico de internet, que acabaría pagando el usuario», dijo Meta "
        "en un comunicado.</p>"
        "<p>Según el Gobierno de México, «la vigilancia de las comunicaciones es necesaria para la seguridad "
        "nacional».</p>",
        lang="es", published="2026-11-27T09:00:00+00:00",
    ),
}


def build_news_site(root: Path, stories: dict[str, str] | None = None) -> Path:
    """A news outlet's site under root: /press/index.html links `stories` (default: NEWS_STORIES)."""
    stories = NEWS_STORIES if stories is None else stories
    press = root / "press"
    press.mkdir(parents=True, exist_ok=True)
    links = "".join(f'<li><a class="story" href="/press/{name}.html">{name}</a></li>' for name in stories)
    (press / "index.html").write_text(f"<html><body><ul>{links}</ul></body></html>", encoding="utf-8")
    for name, html in stories.items():
        (press / f"{name}.html").write_text(html, encoding="utf-8")
    return root


class _Handler(SiteHandler):
    """The fixture files, plus the dynamic bad cases listed in the module's docstring."""

    server: SiteHTTPServer

    def route(self, path: str) -> None:
        site: FixtureSite = self.site  # type: ignore[assignment]
        if path == "/bad/flaky":
            if self.server.hits[path] == 1:
                return self.send(500, Resource(b"temporary failure", "text/plain"))
            text = "This page failed once and then worked, as flaky servers do on a bad day. " * 3
            return self.send(200, _html(article_html("Recovered page", f"<p>{text}</p>")))
        if path == "/bad/slow":
            time.sleep(site.slow_seconds)
            return self.send(200, _html(article_html("Slow page", "<p>Too late.</p>")))
        if path in ("/bad/loop", "/bad/loop-2"):
            return self.redirect(302, "/bad/loop-2" if path == "/bad/loop" else "/bad/loop")
        if path == "/bad/huge.html":
            return self._send_huge(site.huge_bytes)
        if path == "/bad/huge-chunked.html":
            return self._send_huge(site.huge_bytes, chunked=True)
        if path == "/away":  # a redirect to wherever ?to= says
            return self.redirect(302, parse_qs(urlsplit(self.path).query)["to"][0])
        if path == "/slow/index.html":
            links = "".join(f'<li><a class="doc" href="/slow/doc-{n}.html">Doc {n}</a></li>' for n in range(1, 21))
            return self.send(200, _html(f"<html><body><ul>{links}</ul></body></html>"))
        if path.startswith("/slow/doc-"):
            time.sleep(site.doc_delay)
            n = path.rsplit("-", 1)[1].split(".")[0]
            return self.send(200, _html(news_item(int(n))))
        if path.startswith("/redirect/"):
            return self.redirect(301, f"/listing/{path.rsplit('/', 1)[1]}.html")
        return super().route(path)  # a file under the site's root, with conditional requests answered by 304

    def _send_huge(self, size: int, *, chunked: bool = False) -> None:
        """A page of `size` bytes, announced by Content-Length or, chunked, discovered only while it streams."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Transfer-Encoding" if chunked else "Content-Length", "chunked" if chunked else str(size))
        self.end_headers()
        chunk = b"<p>" + b"x" * 65530 + b"</p>"
        sent = 0
        while sent < size:
            part = chunk[: size - sent]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
            sent += len(part)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")


def _html(text: str) -> Resource:
    return Resource(text.encode(), "text/html")


class FixtureSite(SiteServer):
    """The fixture sites served from `root` on 127.0.0.1 (a free port) until stop(), on the demo's site server."""

    handler = _Handler

    def __init__(self, root: Path, *, slow_seconds: float = 8.0, huge_bytes: int = 2_000_000,
                 doc_delay: float = 0.2, host: str = "127.0.0.1") -> None:
        self.root = root.resolve()
        self.slow_seconds = slow_seconds
        self.doc_delay = doc_delay
        self.huge_bytes = huge_bytes
        super().__init__(host)

    def resource(self, path: str) -> Resource | None:
        file = (self.root / path.lstrip("/")).resolve()
        if self.root not in file.parents or not file.is_file():
            return None
        body = file.read_bytes()
        if file.suffix in TEMPLATED:
            body = body.replace(b"__BASE__", self.base_url.encode())
        return Resource(body, CONTENT_TYPES.get(file.suffix, "application/octet-stream"),
                        datetime.fromtimestamp(file.stat().st_mtime, UTC))
