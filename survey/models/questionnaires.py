"""Questionnaires and their versions. A published version never changes (从一而终)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.db import Base, UTCDateTime, utcnow
from survey.errors import InvalidTransition
from survey.i18n import _
from survey.models._types import enum_column


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class Questionnaire(Base):
    __tablename__ = "questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    versions: Mapped[list[QuestionnaireVersion]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireVersion.version"
    )


class QuestionnaireVersion(Base):
    __tablename__ = "questionnaire_version"
    __table_args__ = (UniqueConstraint("questionnaire_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"), index=True)
    version: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(
        enum_column(VersionStatus, "version_status"), default=VersionStatus.DRAFT
    )
    #: The Minyi JSON definition (docs/questionnaire-format.md).
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    definition_sha256: Mapped[str] = mapped_column(String(64))
    languages: Mapped[str] = mapped_column(String(64), default="zh,en")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("status", VersionStatus.DRAFT)
        super().__init__(**kwargs)

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT

    def publish(self) -> None:
        if self.status != VersionStatus.DRAFT:
            raise InvalidTransition(_("Only a draft version can be published."))
        self.status = VersionStatus.PUBLISHED
        self.published_at = utcnow()

    def retire(self) -> None:
        if self.status != VersionStatus.PUBLISHED:
            raise InvalidTransition(_("Only a published version can be retired."))
        self.status = VersionStatus.RETIRED
