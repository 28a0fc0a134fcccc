"""Text and metadata from fetched files: HTML (trafilatura), PDF (pypdf), DOCX (python-docx); dates in UTC.

Crawled content is untrusted: it is only parsed, never executed, and a file that cannot be parsed raises
ExtractionError with a reason fit for the crawl report rather than crashing the crawl.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

import trafilatura
from docx import Document as DocxDocument
from lxml import etree
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from trafilatura.xml import xmltotxt

from igtracker.errors import TrackerError
from igtracker.language import detect_language

log = logging.getLogger(__name__)

HTML = "text/html"
TEXT = "text/plain"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA_TYPES_BY_SUFFIX = {".pdf": PDF, ".docx": DOCX, ".html": HTML, ".htm": HTML, ".txt": TEXT}
MIN_TEXT_CHARS = 20

# htmldate's default keeps only the day; ask for the time and offset where the page gives them.
_DATE_PARAMS = {"outputformat": "%Y-%m-%dT%H:%M:%S%z", "original_date": True, "extensive_search": False}
_HTML_LANG = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?", re.IGNORECASE)


class ExtractionError(TrackerError):
    """A fetched file has no usable text (corrupt, empty, or of a type we do not read)."""


@dataclass
class Extracted:
    text: str
    media_type: str
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    language: str | None = None

    @property
    def content_hash(self) -> str:
        return content_hash(self.title, self.text)


def content_hash(title: str | None, text: str) -> str:
    """Hash of what a reader sees (title and main text), so template or markup churn is not a change."""
    normalised = " ".join((title or "").split()) + "\n" + " ".join(text.split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def to_utc(value: str | datetime | date | None) -> datetime | None:
    """A timezone-aware UTC datetime from ISO 8601, RFC 2822, PDF-style or datetime input; None if unreadable.

    Naive values are taken as UTC (what feeds, DOCX core properties and date-only pages mean in practice).
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        parsed = _parse_date_string(str(value).strip())
        if parsed is None:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _parse_date_string(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def media_type_of(content_type: str | None, url: str, body: bytes) -> str:
    """The file's media type from its Content-Type, else its magic bytes, else its URL suffix."""
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    if declared in (HTML, "application/xhtml+xml"):
        return HTML
    if declared in (PDF, DOCX, TEXT):
        return declared
    if body.startswith(b"%PDF"):
        return PDF
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    for suffix, media_type in MEDIA_TYPES_BY_SUFFIX.items():
        if path.endswith(suffix):
            return media_type
    if body.startswith(b"PK\x03\x04") and b"word/" in body[:2000]:
        return DOCX
    head = body[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
        return HTML
    return declared or "application/octet-stream"


def extract(body: bytes, media_type: str, url: str, *, html: str | None = None) -> Extracted:
    """Main text and metadata of a fetched file. `html` is the page already decoded with its declared charset."""
    if media_type == HTML:
        result = extract_html(html if html is not None else body.decode("utf-8", "replace"), url, raw=body)
    elif media_type == PDF:
        result = extract_pdf(body)
    elif media_type == DOCX:
        result = extract_docx(body)
    elif media_type == TEXT:
        result = Extracted(text=html if html is not None else body.decode("utf-8", "replace"), media_type=TEXT)
    else:
        raise ExtractionError(f"unsupported media type {media_type!r}")
    if len(result.text.strip()) < MIN_TEXT_CHARS:
        raise ExtractionError(f"no text found in {media_type} ({len(result.text.strip())} characters)")
    if result.language is None:
        result.language = detect_language(result.text)
    return result


def extract_html(html: str, url: str, *, raw: bytes = b"") -> Extracted:
    doc = trafilatura.bare_extraction(
        html,
        url=url,
        fast=True,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params=_DATE_PARAMS,
    )
    if doc is None:
        raise ExtractionError("no main text found in the HTML page")
    declared = _HTML_LANG.search(raw[:4096] if raw else html[:4096].encode("utf-8", "replace"))
    text = doc.text or ""
    if doc.body is not None and mark_blockquotes(doc.body):
        text = xmltotxt(doc.body, False)
    return Extracted(
        text=text,
        media_type=HTML,
        title=doc.title or None,
        author=doc.author or None,
        published_at=to_utc(doc.date),
        language=declared.group(1).decode().lower() if declared else None,
    )


OPEN_QUOTE, CLOSE_QUOTE = "“", "”"
_INNER_QUOTES = str.maketrans({"“": "‘", "”": "’", "„": "‘", "«": "‘", "»": "’"})


def mark_blockquotes(body: etree._Element) -> bool:
    """Wrap each paragraph of a blockquote in quotation marks, so the text keeps that it is a quote.

    Newsrooms set a quote in its own blockquote paragraph after a lead-in naming the speaker ("The minister was
    blunt:"); in plain text that would read as the outlet's own words. Each blockquote paragraph is stored as
    “...”, with quotation marks inside it turned into single ones (‘...’), the convention for a quote within a
    quote. Returns whether the page had any blockquote.
    """
    quotes = list(body.iter("quote"))
    for quote in quotes:
        paragraphs = [p for p in quote if p.tag == "p"] or [quote]
        for paragraph in paragraphs:
            if not "".join(paragraph.itertext()).strip():
                continue
            _nest_inner_quotes(paragraph)
            paragraph.text = OPEN_QUOTE + (paragraph.text or "").lstrip()
            if len(paragraph):
                last = paragraph[-1]
                last.tail = (last.tail or "").rstrip() + CLOSE_QUOTE
            else:
                paragraph.text = paragraph.text.rstrip() + CLOSE_QUOTE
    return bool(quotes)


def _nest_inner_quotes(element: etree._Element) -> None:
    """Double quotation marks inside a quoted paragraph become single ones; straight ones alternate ‘ and ’."""
    opened = False

    def nest(value: str | None) -> str | None:
        nonlocal opened
        if not value:
            return value
        out = []
        for char in value.translate(_INNER_QUOTES):
            if char == '"':
                char = "’" if opened else "‘"
                opened = not opened
            out.append(char)
        return "".join(out)

    def walk(node: etree._Element) -> None:  # text, children, then tail: the order a reader sees
        node.text = nest(node.text)
        for child in node:
            walk(child)
            child.tail = nest(child.tail)

    walk(element)


def reflow(text: str) -> str:
    """Join the lines a PDF breaks sentences into, so a sentence can be found (and quoted) whole.

    A line continues the previous one when that one does not end a sentence and this one starts in lower case
    (or the previous one ends with a hyphen, kept: "Internet-related").
    """
    out: list[str] = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        if out and (out[-1].endswith("-") or (not out[-1].endswith((".", "!", "?", ":", ";")) and line[0].islower())):
            out[-1] += line if out[-1].endswith("-") else " " + line
        else:
            out.append(line)
    return "\n".join(out)


def extract_pdf(body: bytes) -> Extracted:
    try:
        reader = PdfReader(io.BytesIO(body))
        text = "\n".join(reflow(page.extract_text() or "") for page in reader.pages)
        info = reader.metadata
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise ExtractionError(f"corrupt or unreadable PDF: {exc}") from exc
    title = author = None
    created = None
    if info is not None:
        title, author = info.title or None, info.author or None
        try:
            created = info.creation_date
        except (ValueError, TypeError):
            created = None
    return Extracted(text=text, media_type=PDF, title=title, author=author, published_at=to_utc(created))


def extract_docx(body: bytes) -> Extracted:
    try:
        document = DocxDocument(io.BytesIO(body))
    except Exception as exc:  # python-docx raises zipfile, lxml and KeyError alike for broken files
        raise ExtractionError(f"corrupt or unreadable DOCX: {exc}") from exc
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    props = document.core_properties
    return Extracted(
        text="\n".join(p for p in parts if p.strip()),
        media_type=DOCX,
        title=props.title or None,
        author=props.author or None,
        published_at=to_utc(props.created),
        language=(props.language or "").split("-", 1)[0].lower() or None,
    )
