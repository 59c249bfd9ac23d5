"""the interviewer of an interview (CATI, paper, kiosk), and its index per wave

Padding happens on the interviewer-administered channels: each imported interview carries the
code of its interviewer, so that the monitoring page counts one interviewer's interviews per unit
and an administrator can set them aside (or restore them) in one decision (issue 13).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 22:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("interviewer_id", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_submission_interviewer", ["wave_id", "interviewer_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index("ix_submission_interviewer")
        batch_op.drop_column("interviewer_id")
