"""the unit role: an evaluated unit's liaison, bound to one or more units; the comment dictionary

A ``unit`` user sees its own units' published results and their redacted, k-suppressed comments
(DESIGN §13, issue 16). ``user_unit`` binds such a user to one or more units. The role column is a
portable enum (VARCHAR plus the named CHECK ``ck_user_account_user_role``), so the new value
needs that CHECK redrawn, not an ``ALTER TYPE``. ``comment_term`` holds the administrator's
additions to the comment segmenter: words to keep whole and stop words.

Downgrade: ``unit`` users become inactive viewers (their rows stay, for the audit trail).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 23:15:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import survey.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_CHECK = "ck_user_account_user_role"


def _role_check(roles: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{role}'" for role in roles)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(ROLE_CHECK), type_="check")
        batch_op.create_check_constraint(op.f(ROLE_CHECK), f"role IN ({listed})")


def upgrade() -> None:
    _role_check(("admin", "office", "viewer", "unit"))
    op.create_table(
        "user_unit",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_user_unit_user_id_user_account"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_user_unit_unit_id_unit")),
        sa.PrimaryKeyConstraint("user_id", "unit_id", name=op.f("pk_user_unit")),
    )
    op.create_table(
        "comment_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.Enum("word", "stop", name="term_kind", native_enum=False,
                                  create_constraint=True, length=24), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", survey.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_term")),
        sa.UniqueConstraint("term", name=op.f("uq_comment_term_term")),
    )


def downgrade() -> None:
    op.drop_table("comment_term")
    op.drop_table("user_unit")
    user = sa.table("user_account", sa.column("role", sa.String), sa.column("active", sa.Boolean))
    op.execute(user.update().where(user.c.role == "unit").values(role="viewer", active=False))
    _role_check(("admin", "office", "viewer"))
