"""The LLM coder's answers kept in the store (`llm_responses`): asked once per sentence, model, prompt and codebook.

Each row also adds up what asking cost (requests and tokens), which `tracker status` reports. Rows are written in
their own short transaction; where the store cannot take the write at once (SQLite busy), they stay in memory and
are written with the next ones, so a paid answer is not lost and never asked for again in this run.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select, tuple_
from sqlalchemy.exc import OperationalError

from igtracker.coding.llm_client import Usage
from igtracker.db import session_scope
from igtracker.models import LLMResponse

log = logging.getLogger(__name__)

LOOKUP_CHUNK = 200


def sentence_hash(sentence: str) -> str:
    """The cache's name for a sentence: the SHA-256 of its words (spacing and line breaks do not matter)."""
    return hashlib.sha256(" ".join(sentence.split()).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheKey:
    sentence_hash: str
    model: str
    prompt_version: str
    codebook_version: str


@dataclass
class Cached:
    """An answer (status ok: the validated answer; invalid: none, with the error) and what it cost."""

    status: str
    answer: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    usage: Usage = field(default_factory=Usage)


class ResponseCache:
    """Answers by key: in memory for this process, and in the store when there is one."""

    def __init__(self, engine: Engine | None) -> None:
        self.engine = engine
        self._memory: dict[CacheKey, Cached] = {}
        self._unsaved: dict[CacheKey, Cached] = {}

    def lookup(self, keys: list[CacheKey]) -> dict[CacheKey, Cached]:
        found = {k: self._memory[k] for k in keys if k in self._memory}
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if self.engine is None or not missing:
            return found
        with session_scope(self.engine) as session:
            for start in range(0, len(missing), LOOKUP_CHUNK):
                chunk = missing[start : start + LOOKUP_CHUNK]
                columns = (LLMResponse.sentence_hash, LLMResponse.model, LLMResponse.prompt_version,
                           LLMResponse.codebook_version)
                wanted = [(k.sentence_hash, k.model, k.prompt_version, k.codebook_version) for k in chunk]
                for row in session.scalars(select(LLMResponse).where(tuple_(*columns).in_(wanted))):
                    key = CacheKey(row.sentence_hash, row.model, row.prompt_version, row.codebook_version)
                    cached = Cached(row.status, dict(row.answer or {}), row.error,
                                    Usage(row.calls, row.prompt_tokens, row.completion_tokens))
                    self._memory[key] = found[key] = cached
        return found

    def record(self, entries: dict[CacheKey, Cached]) -> None:
        """Keep answers (adding their cost to what earlier asks of the same key cost) and save them if possible."""
        for key, cached in entries.items():
            self._memory[key] = cached
            if key in self._unsaved:  # asked again before the earlier answer could be saved: add up the cost
                cached.usage.add(self._unsaved[key].usage)
            self._unsaved[key] = cached
        self.flush()

    def flush(self) -> None:
        if self.engine is None or not self._unsaved:
            return
        pending = dict(self._unsaved)
        try:
            with session_scope(self.engine, write=True) as session:
                for key, cached in pending.items():
                    _save(session, key, cached)
        except OperationalError as exc:  # SQLite busy: keep them for the next write
            log.warning("could not save %d LLM answers yet (%s); they are kept for the next write",
                        len(pending), exc.orig)
            return
        for key in pending:
            self._unsaved.pop(key, None)


def _save(session: Any, key: CacheKey, cached: Cached) -> None:
    row = session.get(LLMResponse, (key.sentence_hash, key.model, key.prompt_version, key.codebook_version))
    if row is None:
        row = LLMResponse(sentence_hash=key.sentence_hash, model=key.model, prompt_version=key.prompt_version,
                          codebook_version=key.codebook_version, calls=0, prompt_tokens=0, completion_tokens=0)
        session.add(row)
    row.status, row.answer, row.error = cached.status, cached.answer, cached.error
    row.calls += cached.usage.calls
    row.prompt_tokens += cached.usage.prompt_tokens
    row.completion_tokens += cached.usage.completion_tokens
    row.created_at = datetime.now(UTC)


@dataclass
class LLMCost:
    """What the LLM coder has cost this store: answers kept, invalid ones, requests and tokens."""

    answers: int = 0
    invalid: int = 0
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    models: list[str] = field(default_factory=list)


def llm_cost(session: Any) -> LLMCost:
    row = session.execute(select(
        func.count(LLMResponse.sentence_hash), func.coalesce(func.sum(LLMResponse.calls), 0),
        func.coalesce(func.sum(LLMResponse.prompt_tokens), 0),
        func.coalesce(func.sum(LLMResponse.completion_tokens), 0),
    )).one()
    invalid = session.scalar(select(func.count()).select_from(LLMResponse).where(LLMResponse.status != "ok")) or 0
    models = list(session.scalars(select(LLMResponse.model).distinct().order_by(LLMResponse.model)))
    return LLMCost(int(row[0]), int(invalid), int(row[1]), int(row[2]), int(row[3]), models)
