"""background jobs (evaluation runs) keep their state and progress in the database

Under gunicorn with several workers the progress page of a run often landed on a worker that did
not know the job (its registry lived in the memory of the worker that started it) and answered
404. The ``job`` table holds a job's status, stage, progress, run and failure, so any worker and
any app server can answer (DESIGN §2, issue 14).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 23:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import survey.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Enum("queued", "running", "done", "failed", name="job_status",
                                    native_enum=False, create_constraint=True, length=24), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("form_args", sa.JSON(), nullable=True),
        sa.Column("created_at", survey.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", survey.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", survey.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["evaluation_run.id"], name=op.f("fk_job_run_id_evaluation_run"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )


def downgrade() -> None:
    op.drop_table("job")
