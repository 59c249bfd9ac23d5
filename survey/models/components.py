"""Imported base / differential / bonus scores of the comprehensive assessment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.db import Base, UTCDateTime, utcnow
from survey.models.units import Unit


class ComponentScore(Base):
    __tablename__ = "component_score"
    __table_args__ = (UniqueConstraint("period", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(16), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    peer_group: Mapped[str] = mapped_column(String(32))
    base_score: Mapped[float] = mapped_column(Float)
    base_max: Mapped[float] = mapped_column(Float)
    diff_score: Mapped[float] = mapped_column(Float)
    diff_max: Mapped[float] = mapped_column(Float)
    bonus_score: Mapped[float] = mapped_column(Float, default=0.0)
    bonus_cap: Mapped[float] = mapped_column(Float, default=5.0)
    deduction: Mapped[float] = mapped_column(Float, default=0.0)
    #: 一票否决: forces the tier 较差 whatever the total.
    veto: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit: Mapped[Unit] = relationship()
