"""Evaluation runs and their result rows. A published run is frozen, by the database too."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.db import Base, UTCDateTime, utcnow
from survey.models._types import enum_column
from survey.models.waves import Wave


class RunStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


class EvaluationRun(Base):
    __tablename__ = "evaluation_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("wave.id"), index=True)
    #: Annual runs combine the quarterly runs of a year.
    year: Mapped[int | None] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(16), index=True)
    #: quarter | year | rolling (monthly rolling 3-month analysis, never published)
    kind: Mapped[str] = mapped_column(String(16), default="quarter")
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    config_sha256: Mapped[str] = mapped_column(String(64))
    input_sha256: Mapped[str] = mapped_column(String(64))
    code_version: Mapped[str] = mapped_column(String(64))
    status: Mapped[RunStatus] = mapped_column(
        enum_column(RunStatus, "run_status"), default=RunStatus.DRAFT
    )
    #: Weighting diagnostics, sensitivity table and other run-level outputs.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_run.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    wave: Mapped[Wave | None] = relationship()
    results: Mapped[list[EvaluationResult]] = relationship(
        back_populates="run", order_by="EvaluationResult.unit_code"
    )


class EvaluationResult(Base):
    """One unit's row of a run: the DESIGN §8 export columns, frozen with the run."""

    __tablename__ = "evaluation_result"
    __table_args__ = (UniqueConstraint("run_id", "unit_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("evaluation_run.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    unit_code: Mapped[str] = mapped_column(String(32))
    unit_name: Mapped[str] = mapped_column(String(200))
    peer_group: Mapped[str] = mapped_column(String(32))
    n_valid: Mapped[int] = mapped_column(Integer)
    n_eff: Mapped[float | None] = mapped_column(Float)
    si: Mapped[float | None] = mapped_column(Float)
    si_se: Mapped[float | None] = mapped_column(Float)
    si_ci_low: Mapped[float | None] = mapped_column(Float)
    si_ci_high: Mapped[float | None] = mapped_column(Float)
    sat_rate_top2: Mapped[float | None] = mapped_column(Float)
    dk_rate: Mapped[float | None] = mapped_column(Float)
    social_method: Mapped[str] = mapped_column(String(8))
    social_max: Mapped[float] = mapped_column(Float)
    social_points: Mapped[float | None] = mapped_column(Float)
    social_points_linear: Mapped[float | None] = mapped_column(Float)
    social_rank: Mapped[int | None] = mapped_column(Integer)
    social_rank_low: Mapped[int | None] = mapped_column(Integer)
    social_rank_high: Mapped[int | None] = mapped_column(Integer)
    social_tier: Mapped[str | None] = mapped_column(String(16))
    si_shrunk: Mapped[float | None] = mapped_column(Float)
    si_shrunk_ci_low: Mapped[float | None] = mapped_column(Float)
    si_shrunk_ci_high: Mapped[float | None] = mapped_column(Float)
    total: Mapped[float | None] = mapped_column(Float)
    total_rank: Mapped[int | None] = mapped_column(Integer)
    total_tier: Mapped[str | None] = mapped_column(String(16))
    #: Sorted flag names joined by ``;``.
    flags: Mapped[str] = mapped_column(String(500), default="")
    method_version: Mapped[str] = mapped_column(String(32))
    #: Extra per-unit outputs (sensitivity ranks, sum of weights, ...).
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sum_w: Mapped[float | None] = mapped_column(Float)
    deff: Mapped[float | None] = mapped_column(Float)
    #: SE of the social points (delta method): the social part of the total's uncertainty.
    points_se: Mapped[float | None] = mapped_column(Float)
    #: Rank confidence set of the SI within the peer group (DESIGN §7e).
    social_rankset_low: Mapped[int | None] = mapped_column(Integer)
    social_rankset_high: Mapped[int | None] = mapped_column(Integer)
    #: final | provisional | indicative, or confirmed | cleared after the office's decision.
    social_tier_status: Mapped[str | None] = mapped_column(String(16))
    total_rankset_low: Mapped[int | None] = mapped_column(Integer)
    total_rankset_high: Mapped[int | None] = mapped_column(Integer)
    total_tier_status: Mapped[str | None] = mapped_column(String(16))
    #: Valid ratings needed for n >= n_min and the WIDE_CI half-width (样本不足).
    n_needed: Mapped[int | None] = mapped_column(Integer)
    #: The office's decisions on provisional placements: {"social"|"total": {decision, from, to,
    #: reason, by, at}}; frozen with the run like every other column.
    decisions: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    run: Mapped[EvaluationRun] = relationship(back_populates="results")
