"""document_codings: what each coder has coded of each document

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 04:00:00

Several coders (rules, a learned model, their ensemble, an LLM) can code the same document; each recodes only its
own stances, so each needs its own record of what it has coded and under which version. Documents coded before
this revision were coded by the rule coder: their `coded_version` becomes the rule coder's row, and their machine
stances, whose `coder` named the rules' version ("rules-5"), are the rule coder's ("rules").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import igtracker.models

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_codings",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("coder", sa.String(length=50), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False, comment="codebook version + coder version"),
        sa.Column("coded_at", igtracker.models.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False, comment="coded|uncoded"),
        sa.Column("reason", sa.String(length=100), nullable=True, comment="why uncoded (e.g. language:xx)"),
        sa.Column("stances", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE",
                                name=op.f("fk_document_codings_document_id_documents")),
        sa.PrimaryKeyConstraint("document_id", "coder", name=op.f("pk_document_codings")),
    )
    op.execute(
        "INSERT INTO document_codings (document_id, coder, version, coded_at, status, stances) "
        "SELECT id, 'rules', coded_version, COALESCE(coded_at, fetched_at), 'coded', 0 FROM documents "
        "WHERE coded_version IS NOT NULL"
    )
    op.execute("UPDATE stances SET coder = 'rules' WHERE coder_kind = 'rule' AND coder LIKE 'rules-%'")


def downgrade() -> None:
    op.drop_table("document_codings")
