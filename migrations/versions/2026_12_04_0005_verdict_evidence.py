"""evidence of the verdicts: rank sets, tier statuses, office decisions, sum_w and deff

A unit's 优秀 / 较差 placement is final only when the evidence supports it; otherwise it is
provisional until the office confirms or clears it with a reason (DESIGN §7e). The result rows
keep the rank sets, each placement's status, the office's decisions and the needed n.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 20:40:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("sum_w", sa.Float()), ("deff", sa.Float()), ("points_se", sa.Float()),
    ("social_rankset_low", sa.Integer()), ("social_rankset_high", sa.Integer()),
    ("social_tier_status", sa.String(length=16)), ("total_rankset_low", sa.Integer()),
    ("total_rankset_high", sa.Integer()), ("total_tier_status", sa.String(length=16)),
    ("n_needed", sa.Integer()), ("decisions", sa.JSON()),
)


def upgrade() -> None:
    with op.batch_alter_table("evaluation_result", schema=None) as batch_op:
        for name, kind in COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evaluation_result", schema=None) as batch_op:
        for name, _kind in reversed(COLUMNS):
            batch_op.drop_column(name)
