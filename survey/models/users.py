"""People who log in (administrators, the assessment office, viewers, units' liaisons) and API
tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.db import Base, UTCDateTime, utcnow
from survey.models._types import enum_column
from survey.models.units import Unit


class Role(enum.StrEnum):
    ADMIN = "admin"
    OFFICE = "office"
    VIEWER = "viewer"
    #: The liaison of one or more evaluated units: their published results and their redacted,
    #: k-suppressed comments only (DESIGN §13).
    UNIT = "unit"


#: The units a ``unit`` user speaks for (one or more; set by the administrator).
user_units = Table(
    "user_unit",
    Base.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id"), primary_key=True),
)


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    #: A viewer who belongs to an evaluated unit sees only that unit's aggregates.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Stored in the session at login; logout and a password change increment it, which ends
    #: every session (signed cookie) issued before.
    session_version: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    unit: Mapped[Unit | None] = relationship()
    #: The units of a ``unit`` user (empty for the other roles).
    units: Mapped[list[Unit]] = relationship(secondary=user_units, order_by="Unit.code")

    # Flask-Login protocol, kept here so that the web layer needs no wrapper class.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(Base):
    """A bearer token for other government systems; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    scope: Mapped[str] = mapped_column(String(64), default="results:read")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
