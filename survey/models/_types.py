"""Column helpers shared by the model modules."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


def enum_column(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A portable enum: VARCHAR plus a named CHECK constraint, storing the member values."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
