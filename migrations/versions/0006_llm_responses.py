"""llm_responses: the LLM coder's cache of answers per sentence, and what they cost

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 07:00:00

The optional LLM coder (issue 13) asks an OpenAI-compatible endpoint about each relevant sentence once per
model, prompt version and codebook version; the answer and the calls and tokens it took are kept here, so that
recoding does not ask again and `tracker status` can say what the coder has cost.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import igtracker.models

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "llm_responses",
        sa.Column("sentence_hash", sa.String(length=64), nullable=False, comment="sha256 of the sentence"),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("prompt_version", sa.String(length=50), nullable=False),
        sa.Column("codebook_version", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False,
                  comment="ok|invalid (no valid answer after the retries)"),
        sa.Column("answer", sa.JSON(), nullable=False, comment="the validated answer, as parsed"),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("created_at", igtracker.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sentence_hash", "model", "prompt_version", "codebook_version",
                                name=op.f("pk_llm_responses")),
    )
    op.create_index(op.f("ix_llm_responses_created_at"), "llm_responses", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_llm_responses_created_at"), table_name="llm_responses")
    op.drop_table("llm_responses")
