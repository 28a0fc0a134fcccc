"""positions: current positions kept by the analysis's rule; v_current_stances reads them

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 07:00:00

0003's view pooled every stance on every read, in SQL (with a hand-written series for 0.5 ** x on SQLite): ten
seconds at a million stances, and a second copy of the rule beside the analysis's. Positions are now kept in the
`positions` table by `igtracker.analysis.positions` (the Python rule, `igtracker.analysis.pooling.Pool`), pooled again
for the cells a write touches and daily for all; `v_current_stances` reads that table. It counts what the stance
matrix counts: the configured coder's machine stances and analysts' codings (0003's view counted every coder).

`v_stance_history` marks the stance a current position rests on by the table's `stance_id` (indexed), not by a
join on the view. Indexes on `stances.created_at` and `stances.superseded_at` serve the reader that moves a kept
position to another date (the stances said or superseded in between); one on (issue_id, stated_at) an issue's
history over a period.

The table is filled here by the application's rule as it stands when the migration runs (positions are derived
data, pooled again daily), for the configured coder (`TRACKER_CODER`, default "ensemble"). Downgrade restores 0003's
view and 0002's history view.
"""

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

import igtracker.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_v0002 = importlib.import_module("igtracker.migrations.versions.0002_views_and_search")
_v0003 = importlib.import_module("igtracker.migrations.versions.0003_current_stances_as_matrix")

CURRENT_STANCES = """
CREATE VIEW v_current_stances AS
SELECT
    a.id AS actor_id,
    a.slug AS actor,
    a.name AS actor_name,
    a.kind AS actor_kind,
    a.country AS country,
    p.issue_id AS issue_id,
    i.name AS issue_name,
    p.position AS position,
    p.score AS score,
    p.confidence AS confidence,
    p.basis AS basis,
    s.coder_kind AS coder_kind,
    s.coder AS coder,
    s.review_status AS review_status,
    s.evidence AS evidence,
    COALESCE(s.url, d.url) AS url,
    s.document_id AS document_id,
    s.stated_at AS stated_at,
    p.stance_id AS stance_id,
    p.stances AS evidence_count,
    p.support_count AS support_count,
    p.oppose_count AS oppose_count,
    p.neutral_count AS neutral_count,
    p.score_sum / p.stances AS mean_score,
    p.as_of AS as_of,
    p.coder AS counted_coder
FROM positions p
JOIN actors a ON a.id = p.actor_id
JOIN issues i ON i.id = p.issue_id
LEFT JOIN stances s ON s.id = p.stance_id
LEFT JOIN documents d ON d.id = s.document_id
"""

STANCE_HISTORY = _v0002._STANCE_HISTORY.replace(
    "CASE WHEN c.stance_id IS NULL THEN 0 ELSE 1 END AS in_current",
    "CASE WHEN p.stance_id IS NULL THEN 0 ELSE 1 END AS in_current",
).replace("LEFT JOIN v_current_stances c ON c.stance_id = s.id", "LEFT JOIN positions p ON p.stance_id = s.id")


def _create_positions() -> None:
    op.create_table(
        "positions",
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.String(length=50), nullable=False),
        sa.Column("coder", sa.String(length=100), nullable=False,
                  comment="the machine coder whose stances count (and analysts')"),
        sa.Column("as_of", igtracker.models.UTCDateTime(), nullable=False, comment="the date the position was pooled as of"),
        sa.Column("position", sa.String(length=10), nullable=False, comment="support|oppose|mixed|neutral"),
        sa.Column("score", sa.Float(), nullable=False, comment="-1 (oppose) .. +1 (support)"),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("basis", sa.String(length=10), nullable=False, comment="analyst|machine"),
        sa.Column("stances", sa.Integer(), nullable=False, comment="stances counted"),
        sa.Column("support_count", sa.Integer(), nullable=False),
        sa.Column("oppose_count", sa.Integer(), nullable=False),
        sa.Column("neutral_count", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Float(), nullable=False, comment="sum of the counted stances' scores"),
        sa.Column("support_weight", sa.Float(), nullable=False, comment="pooled machine weight as of as_of"),
        sa.Column("oppose_weight", sa.Float(), nullable=False),
        sa.Column("neutral_weight", sa.Float(), nullable=False),
        sa.Column("stance_id", sa.Integer(), nullable=True, comment="the stance quoted first (none unquoted)"),
        sa.Column("pool", sa.JSON(), nullable=False, comment="the pool's state: evidence, analyst"),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"], ondelete="CASCADE",
                                name=op.f("fk_positions_actor_id_actors")),
        sa.ForeignKeyConstraint(["issue_id"], ["issues.id"], ondelete="CASCADE",
                                name=op.f("fk_positions_issue_id_issues")),
        sa.PrimaryKeyConstraint("actor_id", "issue_id", name=op.f("pk_positions")),
    )
    op.create_index(op.f("ix_positions_stance_id"), "positions", ["stance_id"])
    op.create_index(op.f("ix_stances_created_at"), "stances", ["created_at"])
    op.create_index(op.f("ix_stances_superseded_at"), "stances", ["superseded_at"])
    op.create_index("ix_stances_issue_stated", "stances", ["issue_id", "stated_at"])


def _fill_positions() -> None:
    from igtracker.analysis.positions import refresh_positions

    with Session(bind=op.get_bind()) as session:
        refresh_positions(session)
        session.flush()


def upgrade() -> None:
    _create_positions()
    op.execute("DROP VIEW IF EXISTS v_stance_history")
    op.execute("DROP VIEW IF EXISTS v_current_stances")
    op.execute(CURRENT_STANCES)
    op.execute(STANCE_HISTORY)
    _fill_positions()


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS v_stance_history")
    op.execute("DROP VIEW IF EXISTS v_current_stances")
    op.execute(_v0003.current_stances_sql(op.get_bind().dialect.name))
    op.execute(_v0002._STANCE_HISTORY)
    op.drop_index("ix_stances_issue_stated", table_name="stances")
    op.drop_index(op.f("ix_stances_superseded_at"), table_name="stances")
    op.drop_index(op.f("ix_stances_created_at"), table_name="stances")
    op.drop_index(op.f("ix_positions_stance_id"), table_name="positions")
    op.drop_table("positions")
