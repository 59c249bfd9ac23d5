"""Evaluated units (districts 县区, municipal departments 市级部门) and their peer groups."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.db import Base, UTCDateTime, utcnow
from survey.models._types import enum_column


class UnitKind(enum.StrEnum):
    DISTRICT = "district"
    DEPARTMENT = "department"


class PeerGroup(Base):
    """Units ranked against each other (points, ranks and tiers are computed within a group)."""

    __tablename__ = "peer_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))

    units: Mapped[list[Unit]] = relationship(back_populates="peer_group", order_by="Unit.code")


class Unit(Base):
    """A district or department whose work citizens evaluate."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind, "unit_kind"))
    peer_group_id: Mapped[int] = mapped_column(ForeignKey("peer_group.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    peer_group: Mapped[PeerGroup] = relationship(back_populates="units")

    def display_name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name
