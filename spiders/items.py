"""What spiders yield: fetched documents with attribution hints, and errors with their URL and reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from igtracker.extract import Extracted


@dataclass
class Hints:
    """What a listing said about a document before it was fetched (feed entry, contribution table row)."""

    title: str | None = None
    published: str | None = None
    submitter: str | None = None
    submitter_kind: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class DocumentItem:
    source_id: int
    url: str
    status: int
    body: bytes = b""
    content_type: str | None = None
    html: str | None = None  # the body decoded, for text responses (HTML, plain text)
    etag: str | None = None
    last_modified: str | None = None
    hints: Hints = field(default_factory=Hints)
    extracted: Extracted | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class ErrorItem:
    source_id: int
    url: str | None
    reason: str
