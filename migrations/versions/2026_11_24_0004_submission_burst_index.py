"""index of a source's recent submissions to a wave (burst detection)

Without it, counting a source's submissions in the burst window scanned every submission of
the wave at every submission: the cost of a submission grew with the number already stored.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 08:40:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index("ix_submission_burst", ["wave_id", "source_hash", "submitted_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index("ix_submission_burst")
