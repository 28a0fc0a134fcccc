"""Running a crawl: the sources to crawl, a child process running Scrapy, and the record of the run.

Scrapy's reactor cannot be restarted within a process, so each crawl runs Scrapy in a fresh child process
(`python -m igtracker.spiders.runner`); this module never imports Scrapy and may be called any number of times from a
long-running scheduler. The child writes documents (one transaction each) and the counts; this side opens the
run, relays progress, enforces the time limit and settles the run, also when the child crashes or is killed.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from queue import Empty, Queue
from typing import Any

from igtracker.config import Settings
from igtracker.crawl_runs import (
    CrawlReport,
    SourceReport,
    abort_stale_runs,
    begin_run,
    due_sources,
    finish_run,
    select_sources,
)
from igtracker.db import write_retrying
from igtracker.store import open_store

__all__ = ["CrawlInterrupted", "CrawlReport", "ProgressEvent", "SourceReport", "due_sources", "run_crawl"]

log = logging.getLogger(__name__)

# The crawler stops itself at the time limit (CLOSESPIDER_TIMEOUT); past it by LIMIT_GRACE_SECONDS it gets SIGTERM,
# and STOP_GRACE_SECONDS later SIGKILL: a crawl ends within about 8 s of its limit, whatever its downloads do.
LIMIT_GRACE_SECONDS = 3.0
STOP_GRACE_SECONDS = 5.0
STDERR_TAIL_LINES = 30


@dataclass(frozen=True)
class ProgressEvent:
    """Something the crawl did: kind is run_started, child_started (detail: pid), source_started, page,
    document (detail: outcome new/changed/unchanged), error (detail: reason) or source_finished."""

    kind: str
    source: str | None = None
    url: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class CrawlInterrupted(KeyboardInterrupt):
    """SIGTERM or SIGINT reached the process running the crawl; the run is recorded as aborted first."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signal_name = signal.Signals(signum).name


@dataclass
class _ChildOutcome:
    status: str | None  # None: the child ended normally; the run's status follows from its sources
    message: str | None = None


def run_crawl(
    settings: Settings,
    source_slugs: list[str] | None = None,
    *,
    trigger: str = "cli",
    on_progress: Callable[[ProgressEvent], None] | None = None,
    scrapy_overrides: dict[str, Any] | None = None,
) -> CrawlReport:
    """Crawl the named sources (default: every enabled source) and return what was stored, per source.

    Unknown source ids raise NotFoundError listing the valid ones. The run is recorded in crawl_runs,
    crawl_run_sources and crawl_errors whatever happens to the crawler process.
    """
    engine = open_store(settings)
    try:
        def begin(session: Any) -> tuple[int, list[str]]:
            abort_stale_runs(session)
            sources = select_sources(session, source_slugs)
            return begin_run(session, sources, trigger=trigger).id, [s.slug for s in sources]

        run_id, slugs = write_retrying(engine, "starting the crawl", begin)
        if on_progress:
            on_progress(ProgressEvent("run_started", detail={"run_id": run_id, "sources": slugs}))
        outcome = _ChildOutcome(None)
        with _signals_interrupt():
            try:
                if slugs:
                    outcome = _run_child(settings, run_id, slugs, on_progress, scrapy_overrides or {})
            except BaseException as exc:
                reason = f"stopped by {exc.signal_name}" if isinstance(exc, CrawlInterrupted) else "interrupted"
                write_retrying(engine, "recording the crawl's end",
                               lambda session: finish_run(session, run_id, status="aborted", message=reason))
                raise
            return write_retrying(engine, "recording the crawl's end",
                                  lambda session: finish_run(session, run_id, status=outcome.status,
                                                             message=outcome.message))
    finally:
        engine.dispose()


@contextmanager
def _signals_interrupt() -> Iterator[None]:
    """SIGTERM (and SIGINT) raise CrawlInterrupted in the main thread, once, so the crawl records its end.

    Elsewhere (the scheduler's worker threads) the daemon's own handlers stop crawls through its stop event.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised: list[int] = []

    def interrupt(signum: int, _frame: Any) -> None:
        if raised:
            log.warning("already stopping the crawl; %s ignored", signal.Signals(signum).name)
            return
        raised.append(signum)
        raise CrawlInterrupted(signum)

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _run_child(
    settings: Settings,
    run_id: int,
    slugs: list[str],
    on_progress: Callable[[ProgressEvent], None] | None,
    scrapy_overrides: dict[str, Any],
) -> _ChildOutcome:
    config = {
        "settings": settings.model_dump(mode="json"),
        "run_id": run_id,
        "sources": slugs,
        "log_level": "DEBUG" if log.isEnabledFor(logging.DEBUG) else "WARNING",
        "scrapy_settings": scrapy_overrides,
        "parent_pid": os.getpid(),
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "igtracker.spiders.runner"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        # Its own session: a Ctrl-C in the terminal reaches us, and we stop the crawler cleanly (SIGTERM).
        start_new_session=True,
    )
    events: Queue[ProgressEvent | None] = Queue()
    stderr_tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
    readers = [
        threading.Thread(target=_read_events, args=(child.stdout, events), daemon=True),
        threading.Thread(target=_read_stderr, args=(child.stderr, stderr_tail), daemon=True),
    ]
    for reader in readers:
        reader.start()
    assert child.stdin is not None
    child.stdin.write(json.dumps(config))
    child.stdin.close()
    if on_progress:
        on_progress(ProgressEvent("child_started", detail={"pid": child.pid}))

    deadline = time.monotonic() + settings.crawl_time_limit + LIMIT_GRACE_SECONDS
    try:
        timed_out, deadline = _relay(events, on_progress, deadline, settings.crawl_time_limit)
    except BaseException:
        _stop(child)
        raise
    if not timed_out:
        try:
            child.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
    if timed_out:
        _stop(child)
        return _ChildOutcome("aborted", f"stopped after the time limit of {settings.crawl_time_limit:g} s")
    returncode = child.wait()
    for reader in readers:
        reader.join(timeout=5)
    if returncode == 0:
        return _ChildOutcome(None)
    how = f"killed by signal {-returncode}" if returncode < 0 else f"exited with status {returncode}"
    tail = " | ".join(stderr_tail)[-2000:]
    return _ChildOutcome("failed", f"the crawler process {how}" + (f": {tail}" if tail else ""))


def _relay(
    events: Queue[ProgressEvent | None], on_progress: Callable[[ProgressEvent], None] | None, deadline: float,
    time_limit: float,
) -> tuple[bool, float]:
    """Pass events on until the child closes stdout; whether the deadline passed first, and the deadline.

    The crawler's own limit (CLOSESPIDER_TIMEOUT) runs from its first source's start, so the deadline moves with
    it: a slow start-up (a loaded machine) must not have the crawler killed before it stops itself.
    """
    started = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return True, deadline
        try:
            event = events.get(timeout=min(remaining, 1.0))
        except Empty:
            continue
        if event is None:
            return False, deadline
        if event.kind == "source_started" and not started:
            started = True
            deadline = max(deadline, time.monotonic() + time_limit + LIMIT_GRACE_SECONDS)
        if on_progress:
            on_progress(event)


def _read_events(stream: Any, events: Queue[ProgressEvent | None]) -> None:
    for line in stream:
        try:
            raw = json.loads(line)
        except ValueError:
            log.debug("crawler: %s", line.rstrip())
            continue
        kind = raw.pop("event", "unknown")
        events.put(ProgressEvent(kind, raw.pop("source", None), raw.pop("url", None), raw))
    events.put(None)


def _read_stderr(stream: Any, tail: deque[str]) -> None:
    for line in stream:
        line = line.rstrip()
        if line:
            tail.append(line)
            log.debug("crawler: %s", line)


def _stop(child: subprocess.Popen[str]) -> None:
    """Ask the crawler to stop (Scrapy closes spiders on SIGTERM), then kill it if it does not."""
    if child.poll() is not None:
        return
    child.send_signal(signal.SIGTERM if os.name == "posix" else signal.CTRL_BREAK_EVENT)
    try:
        child.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
