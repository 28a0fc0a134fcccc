"""Storing fetched documents by canonical URL: new, changed (previous version kept) or unchanged (a no-op).

The caller runs each call in its own transaction, so a crash mid-crawl never leaves half a document and a
rerun finds what was stored and adds nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from igtracker.extract import Extracted
from igtracker.models import Document, DocumentCoding, DocumentVersion, utcnow

Outcome = Literal["new", "changed", "unchanged"]

# Statements built once: the per-document path is the crawl's hot loop, and building ORM statements with
# literal values costs more than executing them.
_DOCUMENTS = Document.__table__
_FIND = select(_DOCUMENTS.c.id, _DOCUMENTS.c.content_hash).where(_DOCUMENTS.c.canonical_url == bindparam("key"))
_INSERT = _DOCUMENTS.insert()
_TOUCH = _DOCUMENTS.update().where(_DOCUMENTS.c.id == bindparam("doc_id"))


@dataclass
class FetchedDocument:
    """A document as the crawl saw it: where from, what it says, and who wrote it."""

    canonical_url: str
    url: str
    source_id: int | None
    actor_id: int | None
    extracted: Extracted
    etag: str | None = None
    last_modified: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    fetched_at: datetime = field(default_factory=utcnow)


def store_document(session: Session, doc: FetchedDocument) -> Outcome:
    """Insert, version or touch the document stored under doc.canonical_url (caller commits).

    New and unchanged documents (nearly all of them) take one plain statement each; only a changed one is
    loaded whole to be versioned.
    """
    ex = doc.extracted
    digest = ex.content_hash
    found = session.execute(_FIND, {"key": doc.canonical_url}).first()
    fetch = {"fetched_at": doc.fetched_at, "url": doc.url, "etag": doc.etag, "last_modified": doc.last_modified}
    if found is None:
        session.execute(_INSERT, {
            "canonical_url": doc.canonical_url, "source_id": doc.source_id, "actor_id": doc.actor_id,
            "title": ex.title, "author": ex.author, "published_at": ex.published_at, "first_seen_at": doc.fetched_at,
            "language": ex.language, "media_type": ex.media_type, "content_hash": digest, "text": ex.text,
            "version": 1, "meta": doc.meta, **fetch,
        })
        return "new"
    if found.content_hash == digest:
        session.execute(_TOUCH, {"doc_id": found.id, **fetch})
        return "unchanged"
    row = session.get_one(Document, found.id)
    session.add(
        DocumentVersion(
            document=row, version=row.version, title=row.title, published_at=row.published_at,
            fetched_at=row.fetched_at, content_hash=row.content_hash, text=row.text,
        )
    )
    row.version += 1
    row.fetched_at, row.url, row.etag, row.last_modified = doc.fetched_at, doc.url, doc.etag, doc.last_modified
    row.title, row.author, row.text, row.content_hash = ex.title, ex.author, ex.text, digest
    row.published_at = ex.published_at or row.published_at
    row.language, row.media_type = ex.language, ex.media_type
    row.meta = {**(row.meta or {}), **doc.meta}
    if doc.actor_id is not None:
        row.actor_id = doc.actor_id
    row.coded_version = None  # the new text has not been coded yet, by any coder
    session.execute(delete(DocumentCoding).where(DocumentCoding.document_id == row.id))
    return "changed"


def touch_document(session: Session, canonical_url: str, *, fetched_at: datetime | None = None) -> bool:
    """Record that a document was confirmed unchanged (HTTP 304); False if it is not in the store."""
    row = session.scalar(select(Document).where(Document.canonical_url == canonical_url))
    if row is None:
        return False
    row.fetched_at = fetched_at or utcnow()
    return True


def validators_for_source(session: Session, source_id: int) -> dict[str, tuple[str | None, str | None]]:
    """canonical URL -> (ETag, Last-Modified) of a source's documents, for conditional requests."""
    rows = session.execute(
        select(Document.canonical_url, Document.etag, Document.last_modified).where(
            Document.source_id == source_id, (Document.etag.is_not(None)) | (Document.last_modified.is_not(None))
        )
    )
    return {url: (etag, modified) for url, etag, modified in rows}
