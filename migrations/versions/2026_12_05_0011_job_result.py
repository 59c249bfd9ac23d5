"""a finished job keeps what it produced: the summary an import job's page shows

Imports of up to 100,000 rows run as background jobs (issue 17). A finished evaluation job points
at its run (``run_id``); a finished import has no such row to point at, so its page reads what was
stored ("1,234 interviews imported, 12 already present") from ``result``: a msgid and its values,
translated in the reader's language when shown.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 00:10:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("result", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_column("result")
