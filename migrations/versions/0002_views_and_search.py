"""views for ad hoc queries and full-text search over documents

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 06:40:00

The views (`v_*`) are the stable, documented face of the store for `tracker query`, Datasette and any SQL
client (docs/queries.md describes them). Full-text search lives in `documents_fts`, kept in step with `documents`
by triggers: on SQLite an FTS5 external-content table; on PostgreSQL a side table (document_id, tsv) with a GIN
index. A side table rather than an index on `documents` keeps `alembic check` quiet: env.py ignores `documents_fts*`.

Careful in later migrations: a batch ("move and copy") alteration of `documents` on SQLite recreates the table
and loses the triggers; recreate them (see `_SQLITE_FTS`) and rebuild the index afterwards.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# PostgreSQL's to_tsvector refuses documents whose vector would pass 1 MB; index the first million characters.
# The 'simple' configuration: no stemming or stop words, as the corpus mixes languages (and as on SQLite).
PG_FTS_CHARS = 1_000_000


def _pg_tsvector(row: str) -> str:
    return f"to_tsvector('simple', left(coalesce({row}title, '') || ' ' || coalesce({row}text, ''), {PG_FTS_CHARS}))"


_PG_FTS = (
    """CREATE TABLE documents_fts (
    document_id INTEGER PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    tsv TSVECTOR NOT NULL
)""",
    "CREATE INDEX documents_fts_tsv ON documents_fts USING gin (tsv)",
    f"""CREATE FUNCTION documents_fts_sync() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO documents_fts (document_id, tsv) VALUES (NEW.id, {_pg_tsvector("NEW.")})
    ON CONFLICT (document_id) DO UPDATE SET tsv = EXCLUDED.tsv;
    RETURN NULL;
END
$$""",
    """CREATE TRIGGER documents_fts_sync AFTER INSERT OR UPDATE OF title, text ON documents
    FOR EACH ROW EXECUTE FUNCTION documents_fts_sync()""",
    f"INSERT INTO documents_fts (document_id, tsv) SELECT id, {_pg_tsvector('')} FROM documents",
)

# Views in creation order (later ones may use earlier ones); dropped in reverse.
VIEW_NAMES = (
    "v_current_stances",
    "v_stance_history",
    "v_actors",
    "v_documents",
    "v_coalition_members",
    "v_source_failures",
)

_CURRENT_STANCES = """
CREATE VIEW v_current_stances AS
WITH ranked AS (
    SELECT
        s.*,
        ROW_NUMBER() OVER (
            PARTITION BY s.actor_id, s.issue_id
            ORDER BY
                CASE WHEN s.coder_kind = 'analyst' THEN 0 ELSE 1 END,
                CASE WHEN s.coder_kind = 'analyst' THEN COALESCE(s.stated_at, s.created_at) END DESC,
                CASE WHEN s.coder_kind = 'analyst' THEN s.id END DESC,
                CASE WHEN s.review_status = 'confirmed' THEN 0 ELSE 1 END,
                s.confidence DESC,
                COALESCE(s.stated_at, s.created_at) DESC,
                s.id DESC
        ) AS pick,
        COUNT(*) OVER (PARTITION BY s.actor_id, s.issue_id) AS evidence_count,
        SUM(CASE WHEN s.position = 'support' THEN 1 ELSE 0 END) OVER (PARTITION BY s.actor_id, s.issue_id)
            AS support_count,
        SUM(CASE WHEN s.position = 'oppose' THEN 1 ELSE 0 END) OVER (PARTITION BY s.actor_id, s.issue_id)
            AS oppose_count,
        SUM(CASE WHEN s.position = 'neutral' THEN 1 ELSE 0 END) OVER (PARTITION BY s.actor_id, s.issue_id)
            AS neutral_count,
        AVG(s.score) OVER (PARTITION BY s.actor_id, s.issue_id) AS mean_score
    FROM stances s
    WHERE s.superseded_at IS NULL AND s.review_status <> 'rejected'
)
SELECT
    a.id AS actor_id,
    a.slug AS actor,
    a.name AS actor_name,
    a.kind AS actor_kind,
    a.country AS country,
    r.issue_id AS issue_id,
    i.name AS issue_name,
    r.position AS position,
    r.score AS score,
    r.confidence AS confidence,
    CASE WHEN r.coder_kind = 'analyst' THEN 'analyst' ELSE 'machine' END AS basis,
    r.coder_kind AS coder_kind,
    r.coder AS coder,
    r.review_status AS review_status,
    r.evidence AS evidence,
    r.url AS url,
    r.document_id AS document_id,
    r.stated_at AS stated_at,
    r.id AS stance_id,
    r.evidence_count AS evidence_count,
    r.support_count AS support_count,
    r.oppose_count AS oppose_count,
    r.neutral_count AS neutral_count,
    r.mean_score AS mean_score
FROM ranked r
JOIN actors a ON a.id = r.actor_id
JOIN issues i ON i.id = r.issue_id
WHERE r.pick = 1
"""

_STANCE_HISTORY = """
CREATE VIEW v_stance_history AS
SELECT
    s.id AS stance_id,
    a.id AS actor_id,
    a.slug AS actor,
    a.name AS actor_name,
    s.issue_id AS issue_id,
    i.name AS issue_name,
    s.position AS position,
    s.score AS score,
    s.confidence AS confidence,
    CASE
        WHEN s.review_status = 'rejected' THEN 'rejected'
        WHEN s.superseded_at IS NOT NULL THEN 'superseded'
        ELSE 'active'
    END AS status,
    CASE WHEN c.stance_id IS NULL THEN 0 ELSE 1 END AS in_current,
    s.coder_kind AS coder_kind,
    s.coder AS coder,
    s.codebook_version AS codebook_version,
    s.review_status AS review_status,
    s.reviewed_by AS reviewed_by,
    s.reviewed_at AS reviewed_at,
    s.evidence AS evidence,
    s.url AS url,
    s.document_id AS document_id,
    d.title AS document_title,
    rep.slug AS reporter,
    s.stated_at AS stated_at,
    s.created_at AS created_at,
    s.superseded_at AS superseded_at,
    s.note AS note
FROM stances s
JOIN actors a ON a.id = s.actor_id
JOIN issues i ON i.id = s.issue_id
LEFT JOIN documents d ON d.id = s.document_id
LEFT JOIN actors rep ON rep.id = s.reporter_id
LEFT JOIN v_current_stances c ON c.stance_id = s.id
"""

_ACTORS = """
CREATE VIEW v_actors AS
SELECT
    a.id AS actor_id,
    a.slug AS actor,
    a.name AS name,
    a.kind AS kind,
    a.country AS country,
    a.homepage AS homepage,
    CAST(a.active AS INTEGER) AS active,
    CAST(a.in_registry AS INTEGER) AS in_registry,
    CAST(a.aliases AS TEXT) AS aliases,
    ({blocs}) AS blocs,
    (SELECT COUNT(*) FROM sources so WHERE so.actor_id = a.id) AS source_count,
    (SELECT COUNT(*) FROM documents d WHERE d.actor_id = a.id) AS document_count,
    a.created_at AS created_at
FROM actors a
"""
_SQLITE_BLOCS = (
    "SELECT group_concat(slug, ', ') FROM (SELECT b.slug AS slug FROM blocs b "
    "JOIN bloc_memberships bm ON bm.bloc_id = b.id WHERE bm.actor_id = a.id ORDER BY b.slug)"
)
_PG_BLOCS = (
    "SELECT string_agg(b.slug, ', ' ORDER BY b.slug) FROM blocs b "
    "JOIN bloc_memberships bm ON bm.bloc_id = b.id WHERE bm.actor_id = a.id"
)

_DOCUMENTS = """
CREATE VIEW v_documents AS
SELECT
    d.id AS document_id,
    d.title AS title,
    d.url AS url,
    d.canonical_url AS canonical_url,
    a.slug AS actor,
    a.name AS actor_name,
    a.kind AS actor_kind,
    so.slug AS source,
    d.author AS author,
    d.published_at AS published_at,
    d.first_seen_at AS first_seen_at,
    d.fetched_at AS fetched_at,
    d.language AS language,
    d.media_type AS media_type,
    d.version AS version,
    LENGTH(d.text) AS text_chars,
    d.content_hash AS content_hash,
    d.coded_version AS coded_version,
    d.coded_at AS coded_at,
    (SELECT COUNT(*) FROM stances s WHERE s.document_id = d.id) AS stance_count
FROM documents d
LEFT JOIN actors a ON a.id = d.actor_id
LEFT JOIN sources so ON so.id = d.source_id
"""

_COALITION_MEMBERS = """
CREATE VIEW v_coalition_members AS
SELECT
    c.as_of AS as_of,
    c.scope AS scope,
    c.key AS coalition,
    c.label AS label,
    c.cohesion AS cohesion,
    a.slug AS actor,
    a.name AS actor_name,
    a.kind AS actor_kind,
    a.country AS country,
    CAST(m.bridge AS INTEGER) AS bridge,
    CAST(m.positions AS TEXT) AS positions,
    c.id AS coalition_id,
    a.id AS actor_id
FROM coalitions c
JOIN coalition_members m ON m.coalition_id = c.id
JOIN actors a ON a.id = m.actor_id
WHERE c.as_of = (SELECT MAX(c2.as_of) FROM coalitions c2 WHERE c2.scope = c.scope)
"""

_SOURCE_FAILURES = """
CREATE VIEW v_source_failures AS
SELECT
    COALESCE(rs.finished_at, rs.started_at) AS failed_at,
    so.slug AS source,
    a.slug AS actor,
    so.kind AS source_kind,
    so.url AS source_url,
    rs.status AS status,
    rs.errors_count AS errors_count,
    CAST(rs.suspicious AS INTEGER) AS suspicious,
    COALESCE(
        (SELECT e.reason FROM crawl_errors e WHERE e.run_id = rs.run_id AND e.source_id = rs.source_id
         ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1),
        rs.message
    ) AS reason,
    (SELECT e.url FROM crawl_errors e WHERE e.run_id = rs.run_id AND e.source_id = rs.source_id
     ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1) AS error_url,
    rs.run_id AS run_id,
    r.trigger AS run_trigger,
    so.id AS source_id
FROM crawl_run_sources rs
JOIN crawl_runs r ON r.id = rs.run_id
JOIN sources so ON so.id = rs.source_id
JOIN actors a ON a.id = so.actor_id
WHERE rs.status IN ('failed', 'suspicious')
   OR rs.errors_count > 0
   OR rs.suspicious
   OR (rs.status = 'running' AND r.finished_at IS NOT NULL)
   OR EXISTS (SELECT 1 FROM crawl_errors e WHERE e.run_id = rs.run_id AND e.source_id = rs.source_id)
"""

_SQLITE_FTS = (
    "CREATE VIRTUAL TABLE documents_fts USING fts5("
    "title, text, content=[documents], content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    """CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END""",
    """CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END""",
    """CREATE TRIGGER documents_fts_update AFTER UPDATE OF title, text ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO documents_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END""",
    "INSERT INTO documents_fts (documents_fts) VALUES ('rebuild')",
)


def _views(dialect: str) -> list[str]:
    blocs = _SQLITE_BLOCS if dialect == "sqlite" else _PG_BLOCS
    return [
        _CURRENT_STANCES,
        _STANCE_HISTORY,
        _ACTORS.replace("{blocs}", blocs),
        _DOCUMENTS,
        _COALITION_MEMBERS,
        _SOURCE_FAILURES,
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _views(dialect):
        op.execute(statement)
    for statement in _SQLITE_FTS if dialect == "sqlite" else _PG_FTS:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("documents_fts_insert", "documents_fts_delete", "documents_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS documents_fts")
    else:
        op.execute("DROP TRIGGER IF EXISTS documents_fts_sync ON documents")
        op.execute("DROP FUNCTION IF EXISTS documents_fts_sync()")
        op.execute("DROP TABLE IF EXISTS documents_fts")
    for name in reversed(VIEW_NAMES):
        op.execute(f"DROP VIEW IF EXISTS {name}")
