"""Named locks shared by every process on one store (e.g. "crawl"), released by the OS or server when the holder dies.

Why not a row with a heartbeat: a row outlives a killed holder, and deciding when it is stale is guesswork (a busy
machine misses heartbeats, a pid is reused). Here the lock itself is something that dies with its process:

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a dedicated connection; the server releases
  it when the connection ends, including when the holder is killed. The key is derived from the database, the schema
  and the name, so several stores in one database (one schema each) do not block each other.
- SQLite: an OS lock (`flock`) on a file next to the database (`igtracker.db.crawl.lock`); the kernel releases it when
  the holder's process ends, however it ends. SQLite stores are local files, so every process that can open the
  store can take the lock.

The `locks` table only says who holds a lock (host, pid, since when) for `tracker status`; it is never the lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

from sqlalchemy import Connection, Engine, delete, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from igtracker.db import is_sqlite, session_scope, write_retrying
from igtracker.errors import TrackerError
from igtracker.models import Lock, utcnow

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: SQLite locks fall back to msvcrt below
    fcntl = None  # type: ignore[assignment]

SCHEDULER_LOCK = "scheduler"  # held by the running scheduler daemon (the jobs' locks are named after the jobs)

_memory_locks: dict[str, threading.Lock] = {}


class LockHeld(TrackerError):
    """Another process (or job) holds the lock; the message names the holder when it is known."""


@dataclass(frozen=True)
class LockHolder:
    """Who holds a lock, as recorded in the locks table."""

    name: str
    hostname: str
    pid: int
    acquired_at: datetime

    def describe(self) -> str:
        return f"{self.hostname} pid {self.pid} since {self.acquired_at:%Y-%m-%d %H:%M:%S} UTC"


@dataclass
class _Held:
    """The backend's hold on a lock: how to free it, and how to tell it is still ours."""

    release: Callable[[], None]
    alive: Callable[[], bool] = lambda: True


class StoreLock:
    """One held lock; release() (or leaving the `with` block) frees it. Not reentrant."""

    def __init__(self, engine: Engine, name: str, token: str, held: _Held) -> None:
        self.engine = engine
        self.name = name
        self.token = token
        self._held = held
        self.released = False
        self._guard = threading.Lock()  # verify() runs in a watchdog thread, release() in the owner's

    def verify(self) -> bool:
        """Whether the lock is still ours, refreshing the row's heartbeat; False once the hold is lost.

        A PostgreSQL lock lives as long as its connection: a server restart or a dropped connection frees it
        without telling the holder, which must then stop acting as the holder.
        """
        with self._guard:
            if self.released or not self._held.alive():
                return False
        with contextlib.suppress(Exception), session_scope(self.engine) as session:
            row = session.get(Lock, self.name)
            if row is not None and row.holder == self.token:
                row.heartbeat_at = utcnow()
        return True

    def release(self) -> None:
        with self._guard:
            if self.released:
                return
            self.released = True
        try:
            # The row only informs `tracker status`; a store that cannot be reached must not keep the lock.
            with contextlib.suppress(Exception), session_scope(self.engine) as session:
                session.execute(delete(Lock).where(Lock.name == self.name, Lock.holder == self.token))
        finally:
            self._held.release()

    def __enter__(self) -> StoreLock:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def acquire(engine: Engine, name: str) -> StoreLock:
    """Take the lock `name` without waiting; raise LockHeld (naming the holder) if someone else has it."""
    held = _acquire_sqlite(engine, name) if is_sqlite(engine) else _acquire_postgres(engine, name)
    if held is None:
        holder = current_holder(engine, name)
        who = f" by {holder.describe()}" if holder else ""
        raise LockHeld(f"the {name!r} lock is held{who}; another {name} is running on this store")
    token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    def record_holder(session: Session) -> None:
        # The previous holder may have died without removing its row: the real lock is ours, so is the row.
        session.execute(delete(Lock).where(Lock.name == name))
        now = utcnow()
        session.add(Lock(name=name, holder=token, hostname=socket.gethostname(), pid=os.getpid(),
                         acquired_at=now, heartbeat_at=now))

    try:
        write_retrying(engine, f"taking the {name} lock", record_holder)
    except BaseException:
        held.release()
        raise
    return StoreLock(engine, name, token, held)


def current_holder(engine: Engine, name: str) -> LockHolder | None:
    """The recorded holder of `name`, if the lock is really held (a row left by a dead holder does not count)."""
    with session_scope(engine) as session:
        row = session.scalar(select(Lock).where(Lock.name == name))
        if row is None:
            return None
        holder = LockHolder(row.name, row.hostname, row.pid, row.acquired_at)
    return holder if is_held(engine, name) else None


def is_held(engine: Engine, name: str) -> bool:
    """Whether some process holds `name` right now (probes the real lock, takes nothing)."""
    held = _acquire_sqlite(engine, name) if is_sqlite(engine) else _acquire_postgres(engine, name)
    if held is None:
        return True
    held.release()
    return False


# SQLite: an flock on a file beside the database --------------------------------------------------------------------


def lock_path(engine: Engine, name: str) -> Path | None:
    """The lock file for `name` next to the SQLite database; None for an in-memory database."""
    database = make_url(engine.url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(f"{Path(database).resolve()}.{name}.lock")


def _acquire_sqlite(engine: Engine, name: str) -> _Held | None:
    path = lock_path(engine, name)
    if path is None:  # an in-memory store lives in one process: a thread lock suffices
        lock = _memory_locks.setdefault(f"{id(engine)}:{name}", threading.Lock())
        return _Held(lock.release) if lock.acquire(blocking=False) else None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by child processes (PEP 446)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        os.close(fd)
        return None

    def release() -> None:
        # Closing the descriptor drops the flock; the file stays so the next holder locks the same inode.
        os.close(fd)

    return _Held(release)


# PostgreSQL: a session-level advisory lock on its own connection ----------------------------------------------------


def _advisory_key(conn: Connection, name: str) -> int:
    database, schema = conn.execute(text("SELECT current_database(), current_schema()")).one()
    digest = hashlib.sha256(f"igtracker:{database}:{schema}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _acquire_postgres(engine: Engine, name: str) -> _Held | None:
    # AUTOCOMMIT: the lock belongs to the session, so the connection need not sit "idle in transaction" for hours.
    conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        key = _advisory_key(conn, name)
        got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
    except BaseException:
        conn.close()
        raise
    if not got:
        conn.close()
        return None

    def release() -> None:
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        except Exception:  # noqa: BLE001
            # Never hand a connection that may still hold the lock back to the pool: close it for real
            # (a broken connection's locks went with it anyway).
            with contextlib.suppress(Exception):
                conn.invalidate()
        finally:
            with contextlib.suppress(Exception):
                conn.close()

    def alive() -> bool:
        try:
            return bool(conn.execute(text("SELECT 1")).scalar())
        except Exception:  # noqa: BLE001 - any failure means the session, and the lock with it, is gone
            return False

    return _Held(release, alive)
