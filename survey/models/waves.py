"""Survey waves, their quotas and population margins, invitation codes and saved drafts."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.db import Base, UTCDateTime, utcnow
from survey.errors import InvalidTransition
from survey.i18n import _
from survey.models._types import enum_column
from survey.models.questionnaires import QuestionnaireVersion
from survey.models.units import Unit

#: The local time zone of the city; waves open and close by it.
WAVE_TIMEZONE = "Asia/Shanghai"


class WaveState(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class AccessMode(enum.StrEnum):
    OPEN = "open"
    INVITATION = "invitation"


wave_units = Table(
    "wave_unit",
    Base.metadata,
    Column("wave_id", ForeignKey("wave.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id"), primary_key=True),
)


class Wave(Base):
    __tablename__ = "wave"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Period label, e.g. ``2026-Q4`` (quarter) or ``2026-11`` (month).
    period: Mapped[str] = mapped_column(String(16), index=True)
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    access: Mapped[AccessMode] = mapped_column(enum_column(AccessMode, "access_mode"))
    #: Anonymized waves keep only the date of a submission in exports.
    anonymized: Mapped[bool] = mapped_column(default=True)
    state: Mapped[WaveState] = mapped_column(
        enum_column(WaveState, "wave_state"), default=WaveState.DRAFT
    )
    #: Wave rules: minimum plausible fill time, quarantining flags, rate limits.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    units: Mapped[list[Unit]] = relationship(secondary=wave_units, order_by="Unit.code")
    quotas: Mapped[list[Quota]] = relationship(
        back_populates="wave", cascade="all, delete-orphan", order_by="Quota.cell"
    )
    margins: Mapped[list[PopulationMargin]] = relationship(
        back_populates="wave", cascade="all, delete-orphan"
    )

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("state", WaveState.DRAFT)
        kwargs.setdefault("settings", {})
        super().__init__(**kwargs)

    def open(self) -> None:
        """draft → open. A closed wave stays closed (results may already be computed on it)."""
        if self.state != WaveState.DRAFT:
            raise InvalidTransition(
                _("Wave %(name)s is %(state)s; only a draft wave can be opened.",
                  name=self.name, state=self.state.value)
            )
        self.state = WaveState.OPEN

    def close(self) -> None:
        """open → closed."""
        if self.state != WaveState.OPEN:
            raise InvalidTransition(
                _("Wave %(name)s is %(state)s; only an open wave can be closed.",
                  name=self.name, state=self.state.value)
            )
        self.state = WaveState.CLOSED

    def accepts_at(self, moment: datetime) -> bool:
        """True when the wave is open and ``moment`` lies within its dates."""
        return self.state == WaveState.OPEN and self.opens_at <= moment < self.closes_at


class Quota(Base):
    """Target number of respondents in a stratum cell, e.g. ``district=D01*age_band=60-69``."""

    __tablename__ = "quota"
    __table_args__ = (UniqueConstraint("wave_id", "cell"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id", ondelete="CASCADE"), index=True)
    cell: Mapped[str] = mapped_column(String(200))
    target: Mapped[int] = mapped_column(Integer)

    wave: Mapped[Wave] = relationship(back_populates="quotas")


class PopulationMargin(Base):
    """Population share (or count) of a category of a weighting variable.

    A joint cell is written ``age_band*sex`` / ``30-39*f``. ``district_unit_id`` scopes the
    margin to one district (per-district raking); NULL means city-wide.
    """

    __tablename__ = "population_margin"
    __table_args__ = (UniqueConstraint("wave_id", "district_unit_id", "variable", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int | None] = mapped_column(
        ForeignKey("wave.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int | None] = mapped_column(Integer)
    district_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    variable: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(100))
    share: Mapped[float | None] = mapped_column(Float)
    count: Mapped[float | None] = mapped_column(Float)

    wave: Mapped[Wave | None] = relationship(back_populates="margins")


class Invitation(Base):
    """A single-use invitation code. Only the code's hash is stored; the code is shown once."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    stratum: Mapped[str | None] = mapped_column(String(200))
    district_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    district: Mapped[Unit | None] = relationship()


class Draft(Base):
    """Answers saved section by section, so an invited citizen can resume later."""

    __tablename__ = "draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitation.id", ondelete="CASCADE"), unique=True
    )
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    section: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class SurveySession(Base):
    """A citizen's answers between pages, keyed by a random token held in their session cookie.

    Kept on the server because a signed cookie holds 4 KB at most: a few long comments would
    overflow it and the browser would drop every answer. Deleted once the response is stored.
    """

    __tablename__ = "survey_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the random token in the cookie (the token itself is never stored).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id", ondelete="CASCADE"), index=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
