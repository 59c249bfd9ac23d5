"""Submissions (what was answered), ratings per unit and item, and the devices that answered an
open link (that, not what)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.db import Base, UTCDateTime, utcnow
from survey.models._types import enum_column
from survey.models.units import Unit


class Channel(enum.StrEnum):
    WEB = "web"
    PHONE = "phone"
    PAPER = "paper"
    KIOSK = "kiosk"


class SubmissionStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    QUARANTINED = "quarantined"
    EXCLUDED = "excluded"


class ReviewAction(enum.StrEnum):
    QUARANTINE = "quarantine"
    RESTORE = "restore"
    EXCLUDE = "exclude"


class Submission(Base):
    """One completed questionnaire. Holds no invitation code, IP address or phone number."""

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("wave_id", "client_submission_id"),
        UniqueConstraint("wave_id", "interview_id"),
        Index("ix_submission_wave_status", "wave_id", "status"),
        # burst detection counts a source's recent submissions to the wave at every submission
        Index("ix_submission_burst", "wave_id", "source_hash", "submitted_at"),
        # the monitoring page counts, and the interviewer decisions select, one interviewer's
        # interviews in a wave
        Index("ix_submission_interviewer", "wave_id", "interviewer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"))
    #: Idempotency key chosen by the client (the HTML form gets one from the server).
    client_submission_id: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of the canonical request body: same id + same hash is a replay.
    body_sha256: Mapped[str] = mapped_column(String(64))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"), default=Channel.WEB)
    design_weight: Mapped[float] = mapped_column(Float, default=1.0)
    #: HMAC of a person identifier with the server secret (duplicate detection), never the id.
    linkage_key: Mapped[str | None] = mapped_column(String(64), index=True)
    #: HMAC of the network source (burst detection); never the raw IP address.
    source_hash: Mapped[str | None] = mapped_column(String(64))
    #: Row key of an interview imported from a CATI/paper/kiosk file.
    interview_id: Mapped[str | None] = mapped_column(String(64))
    #: The interviewer of an interviewer-administered channel (phone, paper, kiosk): any code the
    #: field agency uses, never a person's real name required; NULL for the web channel.
    interviewer_id: Mapped[str | None] = mapped_column(String(64))
    #: Canonical ``variable=category;...`` of the weighting variables, for SQL grouping.
    strata: Mapped[str] = mapped_column(String(400), default="")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    duration_s: Mapped[float | None] = mapped_column(Float)
    status: Mapped[SubmissionStatus] = mapped_column(
        enum_column(SubmissionStatus, "submission_status"), default=SubmissionStatus.ACCEPTED
    )
    #: Quality flags raised at submission time (they drive quarantine only).
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)

    ratings: Mapped[list[Rating]] = relationship(
        back_populates="submission", cascade="all, delete-orphan"
    )


class Rating(Base):
    """The answer to one scored item for one rated unit: one row per (submission, unit, item)."""

    __tablename__ = "rating"
    __table_args__ = (
        UniqueConstraint("submission_id", "unit_id", "item"),
        Index("ix_rating_wave_unit", "wave_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Denormalised from the submission so one wave aggregates without a join.
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    item: Mapped[str] = mapped_column(String(64))
    #: Choice name, NULL when the item was not answered (or not relevant).
    choice: Mapped[str | None] = mapped_column(String(64))
    #: 0-based position of the choice in its list, NULL when not answered.
    choice_index: Mapped[int | None] = mapped_column(Integer)

    submission: Mapped[Submission] = relationship(back_populates="ratings")
    unit: Mapped[Unit] = relationship()


#: An open-link wave's devices are spread over this many rows (see :class:`DeviceBucket`).
DEVICE_BUCKETS = 256


class DeviceBucket(Base):
    """The devices that answered an open-link wave, as HMACs kept in sorted lists.

    One response per device needs a record of the devices that answered, but a row per device,
    written with the submission, would sit in the table (and in ``pg_dump``'s output, which
    follows the table's storage order) in the order of the submissions, and so join a device
    to its answers. Here a device's hash goes into one of :data:`DEVICE_BUCKETS` rows chosen by
    the hash, inside a list kept sorted by value: neither a row's place nor a hash's place in
    its list says when it came. ``version`` makes the read-modify-write of a list safe against
    a concurrent writer (:mod:`survey.devices`).
    """

    __tablename__ = "device_bucket"

    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id", ondelete="CASCADE"), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hashes: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=0)


class QualityReview(Base):
    """A quarantine, restore or exclude decision on a submission, with its reason."""

    __tablename__ = "quality_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    action: Mapped[ReviewAction] = mapped_column(enum_column(ReviewAction, "review_action"))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
