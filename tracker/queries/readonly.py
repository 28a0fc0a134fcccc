"""Read-only SQL against the store, enforced by the database itself, with a statement timeout.

SQLite: the file is opened read-only (`mode=ro`) with `PRAGMA query_only`, no ATTACH, and an authorizer that refuses
writes and setting pragmas; a progress handler interrupts a statement that runs past the timeout. PostgreSQL: a
`READ ONLY` transaction with a transaction-local `statement_timeout`, always rolled back, on a connection of its own;
statements go through the extended protocol, which carries exactly one statement. Parameters are always bound
(`:name` in the SQL), never spliced into the text.

A quick look at the SQL's first keyword comes first, only to give a clear message for the obvious cases
(`DELETE ...`); it is not what keeps the store safe.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as time_of_day
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, NullPool, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from igtracker.db import is_sqlite, normalise_url
from igtracker.errors import TrackerError

DEFAULT_TIMEOUT = 10.0
SQLITE_MAX_VALUE_BYTES = 64 * 1024 * 1024  # far above any stored document (max_page_bytes is 10 MB)
READ_KEYWORDS = frozenset({"select", "with", "values", "table", "explain", "pragma", "show"})

# Pragmas that only report; the ones in the second set also take an argument (a table or index name).
_READ_PRAGMAS = frozenset({
    "application_id", "auto_vacuum", "cache_size", "collation_list", "compile_options", "data_version",
    "database_list", "encoding", "foreign_keys", "freelist_count", "function_list", "journal_mode", "module_list",
    "page_count", "page_size", "pragma_list", "query_only", "schema_version", "table_list", "user_version",
})
_READ_PRAGMAS_WITH_ARGUMENT = frozenset({
    "foreign_key_check", "foreign_key_list", "index_info", "index_list", "index_xinfo", "integrity_check",
    "quick_check", "table_info", "table_xinfo",
})
_SQLITE_DENIED_ACTIONS = frozenset(
    getattr(sqlite3, name)
    for name in dir(sqlite3)
    if name.startswith(("SQLITE_CREATE_", "SQLITE_DROP_"))
    or name in ("SQLITE_INSERT", "SQLITE_UPDATE", "SQLITE_DELETE", "SQLITE_ATTACH", "SQLITE_DETACH",
                "SQLITE_ALTER_TABLE", "SQLITE_REINDEX", "SQLITE_ANALYZE")
)


# PostgreSQL functions that act on the server rather than read the store: signal or stop sessions, read or write
# server files, large objects, configuration, replication, backups, locks, notifications, remote connections,
# and the functions that run SQL given as text (which would hide any of these in a string). A read-only
# transaction does not stop them, and a superuser may call them all; a role with SELECT only is the real guard
# (docs/queries.md), this list keeps a store opened as its owner safe from an ad hoc query.
_ADMIN_FUNCTIONS = re.compile(
    r"\b(pg_terminate_backend|pg_cancel_backend|pg_signal_backend|pg_reload_conf|pg_rotate_logfile\w*|pg_promote"
    r"|pg_switch_wal|pg_switch_xlog|pg_create_restore_point|pg_(start|stop)_backup|pg_backup_\w+|pg_wal_replay_\w+"
    r"|pg_xlog_replay_\w+|pg_log_backend_memory_contexts|pg_log_standby_snapshot|pg_read_file|pg_read_binary_file"
    r"|pg_ls_\w+|pg_stat_file|pg_file_\w+|pg_logdir_ls|lo_\w+|be_lo_\w+|dblink\w*|set_config|pg_sleep\w*"
    r"|pg_(try_)?advisory_\w+|pg_notify|pg_logical_\w+|pg_replication_\w+|pg_\w*replication_slot\w*"
    r"|pg_import_system_collations|pg_nextoid|pg_stat_reset\w*|pg_current_logfile|pg_copy_\w+_slot"
    r"|query_to_xml\w*|cursor_to_xml\w*|table_to_xml\w*|schema_to_xml\w*|database_to_xml\w*"
    r"|query_to_xmlschema|xml_is_well_formed_document)\b",
    re.IGNORECASE,
)

# printf('%.*c', 1000000000, 'x') loops a billion times inside one call, where neither the progress handler nor the
# length limit can stop it; the time limit must hold, so these two are not offered.
_SQLITE_DENIED_FUNCTIONS = frozenset({"printf", "format"})


class QueryError(TrackerError):
    """The query could not run: bad SQL, a missing parameter, or the store is unreachable."""


class ReadOnlyError(QueryError):
    """The query tried to change the store (or attach another database)."""


class QueryTimeout(QueryError):
    """The query ran longer than the statement timeout."""


@dataclass
class QueryResult:
    """Column names and rows of plain Python values (datetimes as text), and whether rows were cut at the limit."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool = False
    elapsed: float = 0.0

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


# ---------------------------------------------------------------------------------------------------- statements


def _code_only(sql: str) -> str:
    """The SQL with comments blanked and string literals and quoted names emptied, so `;` splits statements."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end
            out.append(" ")
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
            out.append(" ")
        elif c in "'\"`[":
            close = "]" if c == "[" else c
            j = i + 1
            while j < n:
                if sql[j] == close:
                    if close != "]" and j + 1 < n and sql[j + 1] == close:  # doubled quote
                        j += 2
                        continue
                    break
                j += 1
            out.append(c + close)
            i = j + 1
        elif c == "$" and (i == 0 or not (sql[i - 1].isalnum() or sql[i - 1] == "_")):
            tag = re.match(r"\$[A-Za-z_]*\$", sql[i:])
            if tag is None:
                out.append(c)
                i += 1
                continue
            end = sql.find(tag.group(), i + len(tag.group()))
            out.append("''")
            i = n if end < 0 else end + len(tag.group())
        else:
            out.append(c)
            i += 1
    return "".join(out)


def check_statement(sql: str) -> str:
    """The statement's first keyword, lower-case; refuses empty SQL, several statements and obvious writes."""
    statements = [part for part in _code_only(sql).split(";") if part.strip()]
    if not statements:
        raise QueryError("no SQL to run: pass one SELECT statement")
    if len(statements) > 1:
        raise ReadOnlyError("one statement at a time: remove the `;` between statements")
    match = re.match(r"[\s(]*([A-Za-z_]+)", statements[0])
    keyword = match.group(1).lower() if match else ""
    if keyword not in READ_KEYWORDS:
        raise ReadOnlyError(
            f"{keyword.upper() or 'this statement'} is refused: queries are read-only "
            "(SELECT, WITH, VALUES, EXPLAIN, SHOW or a reporting PRAGMA); the store changes only through "
            "tracker's own commands"
        )
    return keyword


def check_postgres_functions(sql: str) -> None:
    """Refuse server-administration functions (and Unicode-escaped names, which could spell one) on PostgreSQL."""
    code = _comments_blanked(sql)
    match = _ADMIN_FUNCTIONS.search(code)
    if match:
        raise ReadOnlyError(
            f"{match.group(1)} is refused: ad hoc queries read the store and do not administer the server; "
            "give `tracker query` a read-only role (docs/queries.md)"
        )
    if re.search(r"\bU&['\"]", code, re.IGNORECASE):
        raise ReadOnlyError("Unicode-escaped names and strings (U&'...') are refused in ad hoc queries; "
                            "write them plainly")


def _comments_blanked(sql: str) -> str:
    """The SQL without its comments; string literals are kept, so a function named inside one is seen too."""
    return re.sub(r"--[^\n]*|/\*.*?(\*/|$)", " ", sql, flags=re.DOTALL)


def bind_names(sql: str) -> set[str]:
    """The `:name` parameters the SQL uses (as SQLAlchemy reads them)."""
    try:
        return set(text(sql).compile().params)
    except ArgumentError:  # pragma: no cover - text() accepts nearly anything
        return set()


def _check_params(sql: str, params: Mapping[str, Any]) -> None:
    unused = sorted(set(params) - bind_names(sql))
    if unused:
        raise QueryError(
            f"parameter {', '.join(unused)} is not used by the query; refer to it as :{unused[0]} in the SQL"
        )


def parse_params(pairs: Iterable[str]) -> dict[str, str]:
    """`NAME=VALUE` pairs from the command line (the value may contain `=`)."""
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_]\w*", name.strip()):
            raise QueryError(f"--param {pair!r}: write NAME=VALUE, e.g. --param issue=control")
        params[name.strip()] = value
    return params


def typed_like_a_literal(value: str) -> int | float | str:
    """A value typed on the command line, read as SQLite would read the literal: `5` a number, `5a` text.

    PostgreSQL needs no such help (psycopg sends text untyped, and the server infers the type from the context);
    SQLite compares a text parameter with an untyped expression (a count in a view) as text, and any number sorts
    before any text there, so `count >= '2'` would never hold.
    """
    if re.fullmatch(r"-?(0|[1-9]\d{0,17})", value):
        return int(value)
    if re.fullmatch(r"-?\d+\.\d+([eE][-+]?\d+)?", value):
        return float(value)
    return value


def plain(value: Any) -> Any:
    """A value fit for CSV/JSON that reads the same from both backends (naive datetimes are UTC)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")  # the way SQLite stores them
        return value.isoformat()
    if isinstance(value, date | time_of_day):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, memoryview | bytes | bytearray):
        return bytes(value).hex()
    return value


# ---------------------------------------------------------------------------------------------------- connections


def store_url(store: Engine | str) -> str:
    return store.url.render_as_string(hide_password=False) if isinstance(store, Engine) else normalise_url(store)


def sqlite_path(url: str) -> Path:
    """The file of a SQLite store, which must exist (read-only connections cannot create it)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise QueryError(f"read-only queries need a store file; {url} is not one (set TRACKER_DATABASE_URL)")
    path = Path(database)
    if not path.is_file():
        raise QueryError(f"no store at {path}: run `tracker db upgrade` first or check TRACKER_DATABASE_URL")
    return path


def _sqlite_authorizer(action: int, arg1: str | None, arg2: str | None, _db: str | None, _trigger: str | None) -> int:
    if action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master":
        # SQLite asks this while preparing a pragma table-valued function (pragma_table_info(...)); the file is
        # opened read-only, so no update of the schema table could happen anyway.
        return sqlite3.SQLITE_OK
    if action in _SQLITE_DENIED_ACTIONS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _SQLITE_DENIED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA:
        name = (arg1 or "").lower()
        if name in _READ_PRAGMAS_WITH_ARGUMENT or (name in _READ_PRAGMAS and arg2 is None):
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


@contextmanager
def _sqlite_connection(url: str, timeout: float) -> Iterator[sqlite3.Connection]:
    path = sqlite_path(url)
    conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=timeout)
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        # The progress handler cannot stop one long function call (zeroblob, replace, printf of a huge width...):
        # bounding every string and blob bounds the memory and the time such a call can take.
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQLITE_MAX_VALUE_BYTES)
        conn.set_authorizer(_sqlite_authorizer)
        deadline = time.monotonic() + timeout
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        yield conn
    finally:
        conn.close()


@contextmanager
def _postgres_connection(url: str, timeout: float) -> Iterator[Any]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        raw = engine.raw_connection()
    except Exception as exc:
        engine.dispose()
        raise QueryError(f"cannot connect to the store {make_url(url).render_as_string()}: {exc}") from exc
    try:
        conn = raw.driver_connection
        conn.rollback()
        with conn.cursor() as cur:
            cur.execute("SET TRANSACTION READ ONLY")
            cur.execute("SELECT set_config('statement_timeout', %s, true)", [f"{max(1, int(timeout * 1000))}ms"])
            # No JIT: compiling a plan the planner guesses costly takes 1-2 s, more than these queries run for.
            cur.execute("SELECT set_config('jit', 'off', true)")
        yield conn
    finally:
        try:
            raw.driver_connection.rollback()
        except Exception:  # a broken connection has nothing to roll back; keep the first error
            pass
        finally:
            raw.close()
            engine.dispose()


@contextmanager
def connect_readonly(store: Engine | str, timeout: float = DEFAULT_TIMEOUT) -> Iterator[Any]:
    """A DB-API connection on which the database refuses writes and stops statements after `timeout` seconds.

    SQLite: a `sqlite3.Connection`; PostgreSQL: a `psycopg.Connection` inside a read-only transaction.
    """
    url = store_url(store)
    manager = _sqlite_connection if is_sqlite(url) else _postgres_connection
    with manager(url, timeout) as conn:
        yield conn


# ---------------------------------------------------------------------------------------------------- running


def _collect(cursor_rows: Iterator[tuple[Any, ...]], limit: int | None) -> tuple[list[tuple[Any, ...]], bool]:
    rows: list[tuple[Any, ...]] = []
    for row in cursor_rows:
        if limit is not None and len(rows) >= limit:
            return rows, True
        rows.append(tuple(plain(v) for v in row))
    return rows, False


def _run_sqlite(conn: sqlite3.Connection, sql: str, params: Mapping[str, Any], limit: int | None, timeout: float
                ) -> tuple[list[str], list[tuple[Any, ...]], bool]:
    try:
        cursor = conn.execute(sql, dict(params))
        columns = [d[0] for d in cursor.description or ()]
        rows, truncated = _collect(iter(cursor), limit)
        cursor.close()
    except (sqlite3.ProgrammingError, sqlite3.Warning) as exc:
        message = str(exc)
        if "one statement at a time" in message:
            raise ReadOnlyError("one statement at a time: remove the `;` between statements") from exc
        if "binding parameter" in message:
            raise QueryError(f"{message} Pass it with --param NAME=VALUE.") from exc
        raise QueryError(f"SQL error: {message}") from exc
    except sqlite3.Error as exc:
        message = str(exc)
        if "interrupted" in message:
            raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped; narrow it down") from exc
        if "too big" in message:
            raise QueryError(f"the query built a value over {SQLITE_MAX_VALUE_BYTES // 2**20} MB and was stopped "
                             f"({message}); narrow it down") from exc
        if "not authorized to use function" in message:
            raise QueryError(f"printf() and format() are refused in ad hoc queries: one call can run past the time "
                             f"limit ({message})") from exc
        if "readonly" in message or "not authorized" in message or "too many attached" in message:
            raise ReadOnlyError(f"the store is read-only here; the database refused the statement ({message})") \
                from exc
        raise QueryError(f"SQL error: {message}") from exc
    return columns, rows, truncated


def _run_postgres(conn: Any, sql: str, params: Mapping[str, Any], limit: int | None, timeout: float
                  ) -> tuple[list[str], list[tuple[Any, ...]], bool]:
    import psycopg
    from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect

    try:
        compiled = text(sql).compile(dialect=psycopg_dialect())
        bound = compiled.construct_params(dict(params))
    except SQLAlchemyError as exc:
        raise QueryError(f"{exc.args[0] if exc.args else exc}; pass it with --param NAME=VALUE") from exc
    try:
        with conn.cursor() as cur:
            stream = cur.stream(str(compiled), bound)
            rows, truncated = _collect(stream, limit)
            stream.close()  # cancels a statement cut short by the limit
            if cur.description is None:
                # psycopg keeps no column names after a stream without rows: ask again (prepared, so still one
                # statement); a query that found nothing is cheap to repeat.
                cur.execute(str(compiled), bound, prepare=True)
            columns = [d.name for d in cur.description or ()]
    except psycopg.errors.ReadOnlySqlTransaction as exc:
        raise ReadOnlyError(
            f"the store is read-only here; the database refused the statement ({exc.diag.message_primary})"
        ) from exc
    except psycopg.errors.QueryCanceled as exc:
        raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped; narrow it down") from exc
    except psycopg.Error as exc:
        message = exc.diag.message_primary or str(exc)
        if "multiple commands" in message:
            raise ReadOnlyError("one statement at a time: remove the `;` between statements") from exc
        raise QueryError(f"SQL error: {message}") from exc
    return columns, rows, truncated


def run_query(
    store: Engine | str,
    sql: str,
    params: Mapping[str, Any] | None = None,
    *,
    limit: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    text_params: bool = False,
) -> QueryResult:
    """Run one read-only statement with bound `:name` parameters; at most `limit` rows (None: all).

    `text_params`: the values were typed as text (command line); on SQLite, numbers among them are bound as numbers.

    Raises ReadOnlyError for anything that would change the store, QueryTimeout past `timeout` seconds and
    QueryError for other problems (bad SQL, a missing or unused parameter).
    """
    params = dict(params or {})
    check_statement(sql)
    _check_params(sql, params)
    started = time.monotonic()
    url = store_url(store)
    if text_params and is_sqlite(url):
        params = {k: typed_like_a_literal(v) if isinstance(v, str) else v for k, v in params.items()}
    if not is_sqlite(url):
        check_postgres_functions(sql)
    with connect_readonly(url, timeout) as conn:
        runner = _run_sqlite if is_sqlite(url) else _run_postgres
        columns, rows, truncated = runner(conn, sql, params, limit, timeout)
    return QueryResult(columns, rows, truncated, time.monotonic() - started)
