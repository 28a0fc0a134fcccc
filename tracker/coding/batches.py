"""Coding the store in short transactions, so a crawl writing at the same time never waits long (SQLite).

SQLite has one writer at a time: coding thousands of documents in one transaction would hold the write lock for
minutes and make a crawl's writes time out. Here each batch of documents is coded and committed on its own, and a
batch that finds the store busy is tried again; PostgreSQL gets the same short transactions.

A coder that asks a remote model (the LLM coder) may define `start_run()` (a new run's budget) and
`prepare(engine, codebook, ids)`, called before each batch outside its transaction: slow requests are made there,
in parallel, and never hold the write lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from sqlalchemy import Engine

from igtracker.coding.codebook import Codebook, load_codebook
from igtracker.coding.coders import Coder, get_coder
from igtracker.coding.store_coding import CodingReport, code_documents, coding_version, documents_to_code
from igtracker.db import is_sqlite, session_scope, write_retrying

BATCH_SIZE = 20  # about a second of coding per transaction
# SQLite's busy handler polls the write lock at most every 100 ms: without a pause between batches, the coder
# would take the lock again at once and a waiting crawl would starve until coding ends.
SQLITE_PAUSE_SECONDS = 0.15


def pending_documents(engine: Engine, codebook: Codebook, coder: Coder) -> list[int]:
    """Ids of the documents `coder` has not coded under the current codebook and coder versions, oldest first."""
    with session_scope(engine) as session:
        return documents_to_code(session, coder, coding_version(codebook, coder))


def code_store(
    engine: Engine,
    codebook: Codebook | None = None,
    *,
    document_ids: Sequence[int] | None = None,
    coder: Coder | str | None = None,
    batch_size: int = BATCH_SIZE,
    stop: threading.Event | None = None,
) -> CodingReport:
    """`code_documents` over the pending documents (or `document_ids`), committing every `batch_size` documents.

    Raises StoreBusyError (one line) when a batch cannot get SQLite's write lock after a few tries; the
    batches committed before stay coded. `stop` ends the run between batches.
    """
    codebook = codebook or load_codebook()
    coder = coder if coder is not None and not isinstance(coder, str) else get_coder(coder)
    ids = list(document_ids) if document_ids is not None else pending_documents(engine, codebook, coder)
    report = CodingReport(codebook.version, coder.name)
    start_run, prepare = getattr(coder, "start_run", None), getattr(coder, "prepare", None)
    if start_run is not None:
        start_run()
    if not ids:
        with session_scope(engine, write=True) as session:
            return code_documents(session, codebook, document_ids=[], coder=coder)
    for start in range(0, len(ids), batch_size):
        if stop is not None and stop.is_set():
            break
        if start and is_sqlite(engine):
            time.sleep(SQLITE_PAUSE_SECONDS)
        batch = ids[start : start + batch_size]
        if prepare is not None:
            prepare(engine, codebook, batch)
        _add(report, _code_batch(engine, codebook, coder, batch))
    return report


def _code_batch(engine: Engine, codebook: Codebook, coder: Coder, ids: list[int]) -> CodingReport:
    return write_retrying(engine, f"coding documents {ids[0]}-{ids[-1]}",
                          lambda session: code_documents(session, codebook, document_ids=ids, coder=coder))


def _add(total: CodingReport, part: CodingReport) -> None:
    total.documents_coded += part.documents_coded
    total.stances_added += part.stances_added
    total.stances_removed += part.stances_removed
    for reason, count in part.uncoded.items():
        total.uncoded[reason] = total.uncoded.get(reason, 0) + count
    total.actors_created.extend(a for a in part.actors_created if a not in total.actors_created)
