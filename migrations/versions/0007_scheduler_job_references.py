"""apscheduler_jobs: stored jobs name their function under the package's new import name, igtracker

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 12:00:00

The package is imported as `igtracker` (it was `tracker`, a name other distributions install too). The scheduler's
stored jobs name the function they call ("tracker.scheduler:scheduled_job"); rewritten here, so a store keeps its
jobs and their next run times across the upgrade instead of APScheduler failing to restore them.
"""

import pickle
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "apscheduler_jobs"  # APScheduler creates it on the scheduler's first start; a store may not have it


def _rewrite(old: str, new: str) -> None:
    bind = op.get_bind()
    if not sa.inspect(bind).has_table(TABLE):
        return
    jobs = sa.table(TABLE, sa.column("id", sa.String), sa.column("job_state", sa.LargeBinary))
    for job_id, state in bind.execute(sa.select(jobs.c.id, jobs.c.job_state)).all():
        job = pickle.loads(state)  # APScheduler's own rows: a dict of plain values and its trigger objects
        if isinstance(job, dict) and str(job.get("func", "")).startswith(old):
            job["func"] = new + job["func"][len(old):]
            bind.execute(jobs.update().where(jobs.c.id == job_id)
                         .values(job_state=pickle.dumps(job, pickle.HIGHEST_PROTOCOL)))


def upgrade() -> None:
    _rewrite("tracker.", "igtracker.")


def downgrade() -> None:
    _rewrite("igtracker.", "tracker.")
