"""Background jobs (evaluation runs, large imports): state and progress in the database (DESIGN §2).

Any worker of any app server can answer the job's page: nothing lives in a process's memory.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from survey.db import Base, UTCDateTime, utcnow
from survey.models._types import enum_column


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Base):
    __tablename__ = "job"

    #: A random URL-safe string (the job page's address).
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: What the job does: ``evaluation``, ``import-interviews``, ``import-units``, ``import-components``.
    kind: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(Text)
    #: The username of who started it; only they can follow it.
    owner: Mapped[str] = mapped_column(String(64))
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus, "job_status"), default=JobStatus.QUEUED)
    #: The current step (``queued``, ``reading``, ``computing``, ``saving``, ``done``…).
    stage: Mapped[str] = mapped_column(String(32), default="queued")
    #: 0..1
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_run.id", ondelete="SET NULL"))
    #: What went wrong, for people: ``{"message": msgid, "params": {...}, "details": [[field, text]],
    #: "advice": msgid | None}``, translated when it is shown (in the reader's language).
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: What a finished job produced, for its page: ``{"message": msgid, "params": {...}}``
    #: (an import: what was stored), translated when it is shown.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: The query of the form that started the job (e.g. ``{"wave": 3}``), to start it again.
    form_args: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    #: Last sign of life of the worker running it; a running job whose heartbeat is old is dead.
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
