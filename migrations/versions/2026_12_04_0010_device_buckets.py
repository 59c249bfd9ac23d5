"""participation rows give way to device buckets; invitations are updated in place

A ``participation`` row was written with every submission, so the table (and ``pg_dump``'s
output, which follows storage order) listed invitations and devices in the order of the
submissions: 2,783 of 2,783 joined on PostgreSQL. An invitation's use is now only its own
``used_at`` (to the day); an open link's devices are HMACs in sorted lists spread over 256
``device_bucket`` rows created together. On PostgreSQL both tables keep most of each page free
(fillfactor), so that marking a code used or adding a device rewrites the row on its own page
(a HOT update) instead of moving it to the end of the table in the order of use (DESIGN §10,
docs/privacy.md).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 23:59:00+00:00
"""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUCKETS = 256


def upgrade() -> None:
    bucket = op.create_table(
        "device_bucket",
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hashes", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["wave_id"], ["wave.id"], name=op.f("fk_device_bucket_wave_id_wave"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("wave_id", "bucket", name=op.f("pk_device_bucket")),
    )
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("ALTER TABLE device_bucket SET (fillfactor = 10)")
    lists: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for wave_id, device_hash in conn.execute(sa.text(
            "SELECT wave_id, device_hash FROM participation WHERE device_hash IS NOT NULL")):
        lists[wave_id][int(device_hash[:8], 16) % BUCKETS].append(device_hash)
    rows = [{"wave_id": w, "bucket": b, "hashes": sorted(lists[w].get(b, [])), "version": 0}
            for w in sorted(lists) for b in range(BUCKETS)]
    if rows:
        op.bulk_insert(bucket, rows)
    with op.batch_alter_table("participation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participation_wave_id"))
    op.drop_table("participation")
    if conn.dialect.name == "postgresql":
        op.execute("ALTER TABLE invitation SET (fillfactor = 50)")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("ALTER TABLE invitation RESET (fillfactor)")
    participation = op.create_table(
        "participation",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("device_hash", sa.String(length=64), nullable=True),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["invitation_id"], ["invitation.id"],
                                name=op.f("fk_participation_invitation_id_invitation")),
        sa.ForeignKeyConstraint(["wave_id"], ["wave.id"], name=op.f("fk_participation_wave_id_wave")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_participation_invitation_id")),
        sa.UniqueConstraint("wave_id", "device_hash", name=op.f("uq_participation_wave_id_device_hash")),
    )
    with op.batch_alter_table("participation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_participation_wave_id"), ["wave_id"], unique=False)
    today = datetime.now(UTC).date()
    rows = [{"id": secrets.randbits(62) + 1, "wave_id": w, "invitation_id": i, "device_hash": None,
             "recorded_on": used.date() if isinstance(used, datetime) else today}
            for i, w, used in conn.execute(sa.text(
                "SELECT id, wave_id, used_at FROM invitation WHERE used_at IS NOT NULL"))]
    for wave_id, hashes in conn.execute(sa.text("SELECT wave_id, hashes FROM device_bucket")):
        if isinstance(hashes, str):
            hashes = json.loads(hashes)
        rows.extend({"id": secrets.randbits(62) + 1, "wave_id": wave_id, "invitation_id": None,
                     "device_hash": h, "recorded_on": today} for h in hashes)
    if rows:
        op.bulk_insert(participation, rows)
    op.drop_table("device_bucket")
