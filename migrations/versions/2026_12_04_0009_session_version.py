"""a per-user session version: logout and a password change end every session of the user

Sessions are signed cookies, so a cookie copied before logout stayed valid for its whole lifetime
(31 days). The login stores the user's ``session_version`` in the session and every request
compares it with the column; logout and a password change increment it, so every cookie issued
before is refused (DESIGN §10, issue 17).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 23:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False,
                                      server_default=sa.text("0")))


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("session_version")
