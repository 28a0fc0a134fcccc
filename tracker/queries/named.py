"""Ready-made questions: named, parameterised SQL over the `v_*` views, for SQLite and PostgreSQL.

Each query is plain SQL with `:name` parameters, written once where both databases agree and per dialect where they
do not (text search, date arithmetic, string aggregation). The SQLite text doubles as a Datasette canned query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from igtracker.db import is_sqlite
from igtracker.errors import NotFoundError
from igtracker.queries.readonly import DEFAULT_TIMEOUT, QueryError, QueryResult, run_query, store_url

SQLITE, POSTGRESQL = "sqlite", "postgresql"
ISSUE_COLUMNS = "{issue_columns}"  # placeholder in the stance matrix, filled with one column per issue
MAX_SEARCH_RESULTS = 100


@dataclass(frozen=True)
class Param:
    """A query parameter as the user passes it (text), converted and checked before binding."""

    name: str
    help: str
    type: type = str
    default: Any = None  # None: required
    choices: tuple[str, ...] = ()

    def convert(self, raw: str | None) -> Any:
        if raw is None or not raw.strip():
            if self.default is None:
                raise QueryError(f"parameter {self.name} is required ({self.help}): --param {self.name}=VALUE")
            return self.default
        if self.choices and raw not in self.choices:
            raise QueryError(f"parameter {self.name} must be one of {', '.join(self.choices)}, not {raw!r}")
        if self.type is int:
            try:
                return int(raw)
            except ValueError:
                raise QueryError(f"parameter {self.name} must be a whole number, not {raw!r}") from None
        return raw.strip()


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    sql: str
    params: tuple[Param, ...] = ()
    dialect_sql: Mapping[str, str] = field(default_factory=dict)

    def sql_for(self, dialect: str, issues: Sequence[str] = ()) -> str:
        """The SQL for one dialect; the stance matrix gets a column per issue id."""
        sql = self.dialect_sql.get(dialect, self.sql)
        if ISSUE_COLUMNS in sql:
            sql = sql.replace(ISSUE_COLUMNS, _issue_columns(issues))
        return sql

    def needs_issues(self, dialect: str) -> bool:
        return ISSUE_COLUMNS in self.dialect_sql.get(dialect, self.sql)

    def bind(self, raw: Mapping[str, str]) -> dict[str, Any]:
        """Converted parameter values; unknown names are an error that lists the known ones."""
        known = {p.name for p in self.params}
        unknown = sorted(set(raw) - known)
        if unknown:
            expected = ", ".join(sorted(known)) or "none"
            raise QueryError(f"query {self.name} has no parameter {', '.join(unknown)} (parameters: {expected})")
        return {p.name: p.convert(raw.get(p.name)) for p in self.params}


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_name(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _issue_columns(issues: Sequence[str]) -> str:
    """One column per issue holding the actor's current position; issue ids come from the store, quoted."""
    return "".join(
        f"    MAX(CASE WHEN c.issue_id = {_sql_string(i)} THEN c.position END) AS {_sql_name(i)},\n" for i in issues
    )


def _days_ago(dialect: str, param: str) -> str:
    """A timestamp `:param` days before now, comparable with stored (naive UTC) timestamps."""
    if dialect == SQLITE:
        return f"datetime('now', '-' || CAST(:{param} AS INTEGER) || ' days')"
    return f"(now() AT TIME ZONE 'UTC') - make_interval(days => CAST(:{param} AS INTEGER))"


STANCE_MATRIX = NamedQuery(
    name="stance-matrix",
    title="Current stance matrix",
    description="Each actor's current position on each issue, as the briefing decides it: the newest analyst coding, "
    "else the balance of the machine stances weighted by confidence and recency (support, oppose, mixed when "
    "they point both ways, neutral; rejected codings left out). Details per cell: the view v_current_stances.",
    # The kept positions themselves (what v_current_stances reads), without the quoted stances it joins.
    sql=f"""SELECT
    a.slug AS actor,
    a.name AS name,
    a.kind AS kind,
    a.country AS country,
{ISSUE_COLUMNS}    COUNT(*) AS issues
FROM positions c
JOIN actors a ON a.id = c.actor_id
GROUP BY a.slug, a.name, a.kind, a.country
ORDER BY a.kind, a.slug""",
)

ISSUE_POSITIONS = NamedQuery(
    name="issue-positions",
    title="Who supports / opposes an issue",
    description="Actors whose current position on an issue is the given one (as in the briefing), strongest first, "
    "with the evidence.",
    params=(
        Param("issue", "issue id, e.g. control, surveillance, taxation"),
        Param("position", "support, oppose, mixed or neutral", default="support",
              choices=("support", "oppose", "mixed", "neutral")),
    ),
    sql="""SELECT
    c.actor AS actor,
    c.actor_name AS name,
    c.actor_kind AS kind,
    c.country AS country,
    c.position AS position,
    c.confidence AS confidence,
    c.basis AS basis,
    c.evidence_count AS evidence_count,
    c.stated_at AS stated_at,
    c.evidence AS evidence,
    c.url AS url
FROM v_current_stances c
WHERE c.issue_id = :issue AND c.position = :position
ORDER BY CASE WHEN c.basis = 'analyst' THEN 0 ELSE 1 END, c.confidence DESC, c.actor""",
)

ACTOR_HISTORY = NamedQuery(
    name="actor-history",
    title="One actor's stance history",
    description="Every coding of one actor's stances, newest first per issue, with its evidence and status "
    "(active, superseded, rejected; in_current = 1 for the coding the current stance rests on). The actor is "
    "an id (slug), a state's ISO alpha-3 code, or the exact name.",
    params=(Param("actor", "actor id (slug), a state's ISO alpha-3 code, or the actor's name"),),
    sql="""SELECT
    h.actor AS actor,
    h.issue_id AS issue,
    h.stated_at AS stated_at,
    h.position AS position,
    h.confidence AS confidence,
    h.status AS status,
    h.in_current AS in_current,
    h.coder_kind AS coder_kind,
    h.coder AS coder,
    h.review_status AS review_status,
    h.evidence AS evidence,
    h.url AS url,
    h.document_title AS document_title,
    h.created_at AS coded_at,
    h.superseded_at AS superseded_at
FROM v_stance_history h
JOIN actors a ON a.id = h.actor_id
WHERE a.slug = :actor
   OR (a.kind = 'state' AND a.country = UPPER(:actor))
   OR LOWER(a.name) = LOWER(:actor)
ORDER BY h.actor, h.issue_id, COALESCE(h.stated_at, h.created_at) DESC, h.stance_id DESC""",
)

_COALITIONS_SQLITE = """SELECT
    m.as_of AS as_of,
    m.scope AS scope,
    m.coalition AS coalition,
    m.label AS label,
    m.cohesion AS cohesion,
    COUNT(*) AS size,
    group_concat(m.actor, ', ') AS members,
    group_concat(CASE WHEN m.bridge = 1 THEN m.actor END, ', ') AS bridges
FROM (SELECT * FROM v_coalition_members ORDER BY actor) m
GROUP BY m.as_of, m.scope, m.coalition, m.label, m.cohesion
ORDER BY m.scope, size DESC, m.coalition"""

COALITIONS = NamedQuery(
    name="coalitions",
    title="Members of each coalition",
    description="The coalitions of the latest analysis (per scope: overall or one issue), with their members and "
    "the bridges among them. One row per member: the view v_coalition_members.",
    sql=_COALITIONS_SQLITE,
    dialect_sql={
        POSTGRESQL: """SELECT
    m.as_of AS as_of,
    m.scope AS scope,
    m.coalition AS coalition,
    m.label AS label,
    m.cohesion AS cohesion,
    COUNT(*) AS size,
    string_agg(m.actor, ', ' ORDER BY m.actor) AS members,
    string_agg(CASE WHEN m.bridge = 1 THEN m.actor END, ', ' ORDER BY m.actor) AS bridges
FROM v_coalition_members m
GROUP BY m.as_of, m.scope, m.coalition, m.label, m.cohesion
ORDER BY m.scope, size DESC, m.coalition""",
    },
)

SEARCH_DOCUMENTS = NamedQuery(
    name="search-documents",
    title="Documents mentioning a term",
    description=f"Full-text search of titles and texts for a word or an exact phrase (case-insensitive), best "
    f"matches first, with an excerpt; at most {MAX_SEARCH_RESULTS} documents.",
    params=(Param("term", "a word or a phrase, e.g. 'multistakeholder' or 'digital sovereignty'"),),
    sql=f"""SELECT
    d.document_id AS document_id,
    d.title AS title,
    d.actor AS actor,
    d.published_at AS published_at,
    snippet(documents_fts, 1, '[', ']', '...', 16) AS excerpt,
    d.url AS url
FROM documents_fts
JOIN v_documents d ON d.document_id = documents_fts.rowid
WHERE documents_fts MATCH '"' || replace(:term, '"', '""') || '"'
ORDER BY bm25(documents_fts), d.published_at DESC
LIMIT {MAX_SEARCH_RESULTS}""",
    dialect_sql={
        POSTGRESQL: f"""SELECT
    d.document_id AS document_id,
    d.title AS title,
    d.actor AS actor,
    d.published_at AS published_at,
    ts_headline('simple', left(doc.text, 200000), q.query,
                'StartSel=[, StopSel=], MaxWords=30, MinWords=10, MaxFragments=1, FragmentDelimiter=...')
        AS excerpt,
    d.url AS url
FROM documents_fts f
CROSS JOIN phraseto_tsquery('simple', :term) AS q(query)
JOIN documents doc ON doc.id = f.document_id
JOIN v_documents d ON d.document_id = f.document_id
WHERE f.tsv @@ q.query
ORDER BY ts_rank(f.tsv, q.query) DESC, d.published_at DESC
LIMIT {MAX_SEARCH_RESULTS}""",
    },
)


def _failing_sources(dialect: str) -> str:
    return f"""SELECT
    f.source AS source,
    f.actor AS actor,
    f.source_kind AS kind,
    COUNT(*) AS failures,
    MAX(f.failed_at) AS last_failed_at,
    (SELECT g.status FROM v_source_failures g WHERE g.source_id = f.source_id
     ORDER BY g.failed_at DESC, g.run_id DESC LIMIT 1) AS last_status,
    (SELECT g.reason FROM v_source_failures g WHERE g.source_id = f.source_id
     ORDER BY g.failed_at DESC, g.run_id DESC LIMIT 1) AS last_reason,
    f.source_url AS url
FROM v_source_failures f
WHERE f.failed_at >= {_days_ago(dialect, "days")}
  AND EXISTS (SELECT 1 FROM v_source_failures g WHERE g.source_id = f.source_id AND g.run_id = (
      SELECT rs.run_id FROM crawl_run_sources rs JOIN crawl_runs r ON r.id = rs.run_id
      WHERE rs.source_id = f.source_id AND NOT (rs.status = 'running' AND r.finished_at IS NULL)
      ORDER BY rs.started_at DESC, rs.run_id DESC LIMIT 1))
GROUP BY f.source_id, f.source, f.actor, f.source_kind, f.source_url
ORDER BY last_failed_at DESC, f.source"""


FAILING_SOURCES = NamedQuery(
    name="failing-sources",
    title="Sources that failed recently",
    description="Sources whose latest crawl failed, went silent (suspicious) or had errors, with the number of "
    "such crawls in the last N days and the latest reason; a source whose latest crawl went well is not listed. "
    "Every failure: the view v_source_failures.",
    params=(Param("days", "how many days back", type=int, default=7),),
    sql=_failing_sources(SQLITE),
    dialect_sql={POSTGRESQL: _failing_sources(POSTGRESQL)},
)


def _recent_documents(dialect: str) -> str:
    return f"""SELECT
    d.document_id AS document_id,
    d.first_seen_at AS first_seen_at,
    d.published_at AS published_at,
    d.actor AS actor,
    d.title AS title,
    d.stance_count AS stances,
    d.url AS url
FROM v_documents d
WHERE d.first_seen_at >= {_days_ago(dialect, "days")}
ORDER BY d.first_seen_at DESC, d.document_id DESC"""


RECENT_DOCUMENTS = NamedQuery(
    name="recent-documents",
    title="Documents first seen recently",
    description="Documents collected for the first time in the last N days, newest first, with how many "
    "stances were coded from each.",
    params=(Param("days", "how many days back", type=int, default=7),),
    sql=_recent_documents(SQLITE),
    dialect_sql={POSTGRESQL: _recent_documents(POSTGRESQL)},
)

NAMED_QUERIES: dict[str, NamedQuery] = {
    q.name: q
    for q in (STANCE_MATRIX, ISSUE_POSITIONS, ACTOR_HISTORY, COALITIONS, SEARCH_DOCUMENTS, FAILING_SOURCES,
              RECENT_DOCUMENTS)
}


def get_named_query(name: str) -> NamedQuery:
    try:
        return NAMED_QUERIES[name]
    except KeyError:
        raise NotFoundError(
            f"no named query {name!r}; `tracker query --list` shows them: {', '.join(NAMED_QUERIES)}"
        ) from None


def dialect_of(store: Engine | str) -> str:
    return SQLITE if is_sqlite(store_url(store)) else POSTGRESQL


def store_issues(store: Engine | str, timeout: float = DEFAULT_TIMEOUT) -> list[str]:
    """The issue ids in the store (the codebook's), in order."""
    return [row[0] for row in run_query(store, "SELECT id FROM issues ORDER BY id", timeout=timeout).rows]


def _check_known(store: Engine | str, query: NamedQuery, values: Mapping[str, Any], timeout: float) -> None:
    """An unknown issue or actor is a mistake worth saying, rather than an empty answer."""
    if "issue" in values:
        issues = store_issues(store, timeout)
        if values["issue"] not in issues:
            known = ", ".join(issues) or "none yet (run the coder first)"
            raise NotFoundError(f"no issue {values['issue']!r} in the store; issues: {known}")
    if "actor" in values:
        found = run_query(store, ACTOR_EXISTS, {"actor": values["actor"]}, timeout=timeout).rows
        if not found:
            raise NotFoundError(
                f"no actor {values['actor']!r}: give its id (`tracker actors list`), a state's ISO alpha-3 code "
                "or its exact name"
            )


ACTOR_EXISTS = (
    "SELECT 1 FROM actors a WHERE a.slug = :actor OR (a.kind = 'state' AND a.country = UPPER(:actor)) "
    "OR LOWER(a.name) = LOWER(:actor)"
)


def run_named(
    store: Engine | str,
    name: str,
    params: Mapping[str, str] | None = None,
    *,
    limit: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> QueryResult:
    """Run a named query with its parameters given as text (as on the command line)."""
    query = get_named_query(name)
    values = query.bind(params or {})
    _check_known(store, query, values, timeout)
    dialect = dialect_of(store)
    issues = store_issues(store, timeout) if query.needs_issues(dialect) else ()
    return run_query(store, query.sql_for(dialect, issues), values, limit=limit, timeout=timeout)
